import { ChangeDetectionStrategy, Component, OnInit, inject, signal, viewChild } from '@angular/core';
import type { ChannelDto, ChannelType, ChannelTypeDto, CreateChannelRequest } from '@onebox/contracts';
import { apiErrorMessage, apiErrorOf, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { SettingsApi } from '../data-access/settings-api.service';
import { ChannelCardComponent } from '../ui/channel-card.component';
import { ChannelConnectFormComponent } from '../ui/channel-connect-form.component';

/** Connect channels (form generated from the server's channel types) and list the connected ones. */
@Component({
  selector: 'ob-channels-settings',
  imports: [TranslatePipe, ChannelConnectFormComponent, ChannelCardComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'settings.channels' | t }}</h2>
    @if (typesFailed()) {
      <p class="card muted" data-testid="channel-types-failed">{{ 'settings.channels.typesFailed' | t }}</p>
    } @else if (types(); as types) {
      <ob-channel-connect-form
        [types]="types"
        [connecting]="connecting()"
        [serverErrors]="errors()"
        [formError]="formError()"
        (connect)="create($event)"
      />
    } @else {
      <div class="card skeleton form-skeleton" aria-busy="true"></div>
    }

    @if (loading()) {
      <p class="muted">{{ 'common.loading' | t }}</p>
    } @else {
      <ul class="items">
        @for (c of channels(); track c.id) {
          <li class="card" data-testid="channel-item">
            <ob-channel-card [channel]="c" (disconnect)="remove($event)" (copyText)="copy($event)" />
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
    .items {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 10px;
    }
    .form-skeleton {
      height: 160px;
    }
    .muted {
      color: var(--text-muted);
    }
  `,
})
export class ChannelsSettingsComponent implements OnInit {
  private readonly api = inject(SettingsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly form = viewChild(ChannelConnectFormComponent);

  protected readonly types = signal<ChannelTypeDto[] | null>(null);
  protected readonly typesFailed = signal(false);
  protected readonly channels = signal<ChannelDto[]>([]);
  protected readonly loading = signal(true);
  protected readonly connecting = signal(false);
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly formError = signal<string | null>(null);

  ngOnInit(): void {
    this.api.channelTypes().subscribe({
      next: (types) => this.types.set(types),
      error: (err: unknown) => {
        this.typesFailed.set(true);
        this.toast.error(this.errorText(err));
      },
    });
    this.api.channels().subscribe({
      next: (channels) => {
        this.channels.set(channels);
        this.loading.set(false);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.toast.error(this.errorText(err));
      },
    });
  }

  protected create(request: CreateChannelRequest): void {
    if (this.connecting()) return;
    this.connecting.set(true);
    this.errors.set({});
    this.formError.set(null);
    this.api.createChannel(request).subscribe({
      next: (channel) => {
        this.connecting.set(false);
        this.channels.update((list) => [channel, ...list.filter((c) => c.id !== channel.id)]);
        this.form()?.reset();
        this.toast.success(this.i18n.t('settings.channels.created', { name: channel.name }));
      },
      error: (err: unknown) => {
        this.connecting.set(false);
        this.showCreateError(request, err);
      },
    });
  }

  protected remove(channel: ChannelDto): void {
    if (!confirm(this.i18n.t('settings.channels.confirmDisconnect', { name: channel.name }))) return;
    this.api.deleteChannel(channel.id).subscribe({
      next: () => {
        this.channels.update((list) => list.filter((c) => c.id !== channel.id));
        this.toast.success(this.i18n.t('settings.channels.disconnected'));
      },
      error: (err: unknown) => this.toast.error(this.errorText(err)),
    });
  }

  protected copy(text: string): void {
    const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
    if (!clipboard) {
      this.toast.error(this.i18n.t('errors.unknown'));
      return;
    }
    clipboard.writeText(text).then(
      () => this.toast.success(this.i18n.t('settings.channels.copied')),
      () => this.toast.error(this.i18n.t('errors.unknown')),
    );
  }

  /**
   * Field problems go under their fields; `invalid_credentials` (the platform said no) heads the
   * form; a platform that could not be reached is both toasted and shown on the form.
   */
  private showCreateError(request: CreateChannelRequest, err: unknown): void {
    const code = apiErrorOf(err)?.code;
    const message = this.errorText(err);
    const byField = fieldErrors(err);
    switch (code) {
      case 'invalid_credentials':
        this.formError.set(message);
        return;
      case 'platform_unavailable':
        this.formError.set(message);
        this.toast.error(message);
        return;
      default: {
        const shown = new Set(['name', ...this.fieldKeys(request.type).map((key) => `credentials.${key}`)]);
        const keys = Object.keys(byField);
        this.errors.set(byField);
        if (!keys.length) this.toast.error(message);
        if (!keys.length || keys.some((key) => !shown.has(key))) this.formError.set(message);
      }
    }
  }

  private fieldKeys(type: ChannelType): string[] {
    return (
      this.types()
        ?.find((t) => t.type === type)
        ?.credentialFields.map((f) => f.key) ?? []
    );
  }

  private errorText(err: unknown): string {
    return apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'));
  }
}
