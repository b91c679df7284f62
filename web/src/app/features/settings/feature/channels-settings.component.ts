import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { CHANNEL_TYPES, type ChannelDto, type ChannelType } from '@onebox/contracts';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { FormatService } from '../../../core/i18n/format.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { CHANNEL_PROVIDERS } from '../data-access/channel-providers';
import { SettingsApi } from '../data-access/settings-api.service';

@Component({
  selector: 'ob-channels-settings',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'settings.channels' | t }}</h2>
    <form class="card form" (ngSubmit)="create()" data-testid="channel-form">
      <h3>{{ 'settings.channels.add' | t }}</h3>
      <div class="form__row">
        <label class="field">
          <span class="field__label">{{ 'settings.channels.type' | t }}</span>
          <select
            class="input"
            name="type"
            [ngModel]="type()"
            (ngModelChange)="setType($event)"
            data-testid="channel-type"
          >
            @for (t of types; track t) {
              <option [value]="t">{{ 'channel.' + t | t }}</option>
            }
          </select>
        </label>
        <label class="field">
          <span class="field__label">{{ 'settings.channels.name' | t }}</span>
          <input class="input" name="name" [(ngModel)]="name" data-testid="channel-name" required />
          @if (errors()['name']) {
            <span class="field__error">{{ errors()['name'] }}</span>
          }
        </label>
      </div>
      @for (f of fields(); track f.key) {
        <label class="field">
          <span class="field__label">{{ f.label | t }}</span>
          <input
            class="input"
            [type]="f.secret ? 'password' : 'text'"
            [name]="f.key"
            autocomplete="off"
            [ngModel]="credential(f.key)"
            (ngModelChange)="setCredential(f.key, $event)"
          />
          @if (errors()['credentials.' + f.key]) {
            <span class="field__error">{{ errors()['credentials.' + f.key] }}</span>
          }
        </label>
      }
      <div>
        <button
          class="btn btn--primary"
          type="submit"
          [disabled]="saving() || !name().trim()"
          data-testid="channel-create"
        >
          {{ (saving() ? 'common.saving' : 'settings.channels.create') | t }}
        </button>
      </div>
    </form>

    @if (loading()) {
      <p class="muted">{{ 'common.loading' | t }}</p>
    } @else {
      <ul class="items">
        @for (c of channels(); track c.id) {
          <li class="card item" data-testid="channel-item">
            <div class="item__head">
              <strong>{{ c.name }}</strong>
              <span class="muted">{{ 'channel.' + c.type | t }}</span>
              <span class="pill" [class.pill--bad]="c.status !== 'active'">{{
                'settings.channels.status.' + c.status | t
              }}</span>
              <span class="muted small">{{ format.date(c.createdAt) }}</span>
              <button
                type="button"
                class="btn btn--sm btn--danger item__delete"
                (click)="remove(c)"
                data-testid="channel-delete"
              >
                {{ 'settings.channels.delete' | t }}
              </button>
            </div>
            @if (c.embedSnippet) {
              <p class="small muted">{{ 'settings.channels.embed' | t }}</p>
              <div class="snippet">
                <pre data-testid="embed-snippet">{{ c.embedSnippet }}</pre>
                <button type="button" class="btn btn--sm" (click)="copy(c.embedSnippet)" data-testid="copy-snippet">
                  {{ 'settings.channels.copy' | t }}
                </button>
              </div>
            }
            @if (c.webhookUrl) {
              <p class="small">
                <span class="muted">{{ 'settings.channels.webhook' | t }}:</span> <code>{{ c.webhookUrl }}</code>
              </p>
            }
          </li>
        } @empty {
          <li class="muted">{{ 'settings.channels.empty' | t }}</li>
        }
      </ul>
    }
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 16px;
      max-width: 820px;
    }
    h2 {
      margin: 0;
      font-size: 18px;
    }
    h3 {
      margin: 0;
      font-size: 14px;
    }
    .form {
      display: flex;
      flex-direction: column;
      gap: 12px;
    }
    .form__row {
      display: grid;
      grid-template-columns: 200px 1fr;
      gap: 12px;
    }
    .items {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 10px;
    }
    .item__head {
      display: flex;
      align-items: center;
      gap: 10px;
      flex-wrap: wrap;
    }
    .item__delete {
      margin-left: auto;
    }
    .snippet {
      display: flex;
      gap: 8px;
      align-items: flex-start;
    }
    pre {
      flex: 1;
      margin: 0;
      padding: 10px;
      background: #0f172a;
      color: #e2e8f0;
      border-radius: 8px;
      font-size: 12px;
      white-space: pre-wrap;
      word-break: break-all;
    }
    .pill {
      padding: 1px 8px;
      border-radius: 10px;
      font-size: 11px;
      font-weight: 600;
      background: #dcfae6;
      color: #067647;
    }
    .pill--bad {
      background: var(--danger-soft);
      color: var(--danger);
    }
    .muted {
      color: var(--text-muted);
    }
    .small {
      font-size: 12px;
      margin: 8px 0 4px;
    }
  `,
})
export class ChannelsSettingsComponent implements OnInit {
  private readonly api = inject(SettingsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  protected readonly format = inject(FormatService);

  protected readonly types = CHANNEL_TYPES;
  protected readonly channels = signal<ChannelDto[]>([]);
  protected readonly loading = signal(true);
  protected readonly saving = signal(false);
  protected readonly type = signal<ChannelType>('webchat');
  protected readonly name = signal('');
  protected readonly credentials = signal<Record<string, string>>({});
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly fields = computed(() => CHANNEL_PROVIDERS[this.type()].credentials);

  ngOnInit(): void {
    this.api.channels().subscribe({
      next: (channels) => {
        this.channels.set(channels);
        this.loading.set(false);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }

  protected setType(type: ChannelType): void {
    this.type.set(type);
    this.credentials.set({});
    this.errors.set({});
  }

  protected credential(key: string): string {
    return this.credentials()[key] ?? '';
  }

  protected setCredential(key: string, value: string): void {
    this.credentials.update((c) => ({ ...c, [key]: value }));
  }

  protected create(): void {
    const name = this.name().trim();
    if (!name || this.saving()) return;
    this.saving.set(true);
    this.errors.set({});
    this.api.createChannel({ type: this.type(), name, credentials: this.credentials() }).subscribe({
      next: (channel) => {
        this.saving.set(false);
        this.channels.update((list) => [channel, ...list]);
        this.name.set('');
        this.credentials.set({});
        this.toast.success(this.i18n.t('settings.channels.created', { name: channel.name }));
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.errors.set(fieldErrors(err));
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }

  protected remove(channel: ChannelDto): void {
    if (!confirm(this.i18n.t('settings.channels.confirmDelete', { name: channel.name }))) return;
    this.api.deleteChannel(channel.id).subscribe({
      next: () => {
        this.channels.update((list) => list.filter((c) => c.id !== channel.id));
        this.toast.success(this.i18n.t('settings.channels.deleted'));
      },
      error: (err: unknown) =>
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'))),
    });
  }

  protected copy(text: string): void {
    navigator.clipboard?.writeText(text).then(
      () => this.toast.success(this.i18n.t('settings.channels.copied')),
      () => this.toast.error(this.i18n.t('errors.unknown')),
    );
  }
}
