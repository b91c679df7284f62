import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  linkedSignal,
  output,
  signal,
} from '@angular/core';
import type { ChannelType, ChannelTypeDto, CreateChannelRequest } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { DeclaredFieldsComponent } from '../../../shared/ui/declared-fields.component';
import { FIELD_PROBLEM_MESSAGE, fieldProblems, fieldValues } from '../../../shared/ui/declared-fields';

export { credentialProblem } from '../../../shared/ui/declared-fields';

/**
 * "Connect a channel", generated from the server's channel types: a type picker, a name and one
 * input per declared credential (secret ones masked with a show toggle, hints below, `pattern`
 * checked before sending). Server-side problems come back in through `serverErrors` and `formError`.
 */
@Component({
  selector: 'ob-channel-connect-form',
  imports: [TranslatePipe, DeclaredFieldsComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="card form" novalidate (submit)="$event.preventDefault(); submit()" data-testid="channel-form">
      <h3>{{ 'settings.channels.add' | t }}</h3>
      @if (formError()) {
        <p class="form__error" role="alert" data-testid="channel-form-error">{{ formError() }}</p>
      }
      <div class="form__row">
        <label class="field">
          <span class="field__label">{{ 'settings.channels.type' | t }}</span>
          <select
            class="input"
            name="type"
            data-testid="channel-type"
            [disabled]="connecting()"
            (change)="selectType($any($event.target).value)"
          >
            @for (t of types(); track t.type) {
              <option [value]="t.type" [selected]="t.type === type()">{{ 'channel.' + t.type | t }}</option>
            }
          </select>
        </label>
        <label class="field">
          <span class="field__label">{{ 'settings.channels.name' | t }}</span>
          <input
            class="input"
            name="name"
            data-testid="channel-name"
            autocomplete="off"
            [value]="name()"
            [disabled]="connecting()"
            [attr.aria-invalid]="!!errorFor('name')"
            (input)="setName($any($event.target).value)"
            (blur)="touch('name')"
          />
          @if (errorFor('name'); as error) {
            <span class="field__error" data-testid="error-name">{{ error }}</span>
          }
        </label>
      </div>
      <ob-declared-fields
        idPrefix="credential-"
        errorPrefix="credentials."
        [fields]="fields()"
        [values]="values()"
        [errors]="fieldErrors()"
        [disabled]="connecting()"
        [(revealed)]="revealed"
        (valueChange)="setValue($event.key, $event.value)"
        (fieldBlur)="touch('credentials.' + $event)"
      />
      @if (!fields().length && type()) {
        <p class="muted small">{{ 'settings.channels.noCredentials' | t }}</p>
      }
      <div class="form__actions">
        <button
          class="btn btn--primary"
          type="submit"
          [disabled]="connecting() || !type()"
          data-testid="channel-connect"
        >
          {{ 'settings.channels.create' | t }}
        </button>
        @if (connecting()) {
          <span class="checking" role="status" data-testid="channel-connecting">
            <span class="spinner" aria-hidden="true"></span>
            {{ 'settings.channels.checking' | t: { platform: 'channel.' + type() | t } }}
          </span>
        }
      </div>
    </form>
  `,
  styles: `
    .form {
      display: flex;
      flex-direction: column;
      gap: 12px;
    }
    h3 {
      margin: 0;
      font-size: 14px;
    }
    .form__row {
      display: grid;
      grid-template-columns: 200px 1fr;
      gap: 12px;
    }
    .form__error {
      margin: 0;
      padding: 8px 12px;
      border-radius: 8px;
      background: var(--danger-soft);
      color: var(--danger);
      font-size: 13px;
    }
    .form__actions {
      display: flex;
      align-items: center;
      gap: 12px;
    }
    .checking {
      display: inline-flex;
      align-items: center;
      gap: 8px;
      font-size: 13px;
      color: var(--text-muted);
    }
    .muted {
      color: var(--text-muted);
    }
    .small {
      margin: 0;
      font-size: 12px;
    }
  `,
})
export class ChannelConnectFormComponent {
  private readonly i18n = inject(I18nService);

  /** The channel types the server offers (`GET /api/channels/types`); the first is preselected. */
  readonly types = input.required<ChannelTypeDto[]>();
  /** True while the server checks the credentials with the platform; locks the form. */
  readonly connecting = input(false);
  /** The server's validation problems by field (`name`, `credentials.<key>`). */
  readonly serverErrors = input<Record<string, string>>({});
  /** A problem with the form as a whole (e.g. the platform refused the credentials). */
  readonly formError = input<string | null>(null);
  /** A request that passed the client-side checks. */
  readonly connect = output<CreateChannelRequest>();

  protected readonly type = linkedSignal<ChannelTypeDto[], ChannelType | null>({
    source: this.types,
    computation: (types, previous) =>
      previous && types.some((t) => t.type === previous.value) ? previous.value : (types[0]?.type ?? null),
  });
  protected readonly fields = computed(() => this.types().find((t) => t.type === this.type())?.credentialFields ?? []);
  protected readonly name = signal('');
  protected readonly values = signal<Record<string, string>>({});
  protected readonly revealed = signal<ReadonlySet<string>>(new Set());
  private readonly touched = signal<ReadonlySet<string>>(new Set());
  private readonly submitted = signal(false);
  /** Fields edited since the server's errors arrived: their server error no longer applies. */
  private readonly editedSinceServer = linkedSignal<Record<string, string>, ReadonlySet<string>>({
    source: this.serverErrors,
    computation: () => new Set(),
  });

  private readonly localErrors = computed(() => {
    const errors: Record<string, string> = {};
    if (!this.name().trim()) errors['name'] = this.i18n.t('common.required');
    for (const [key, problem] of Object.entries(fieldProblems(this.fields(), this.values(), 'credentials.'))) {
      errors[key] = this.i18n.t(FIELD_PROBLEM_MESSAGE[problem]);
    }
    return errors;
  });
  /** The error shown under each credential, by key. */
  protected readonly fieldErrors = computed(() =>
    Object.fromEntries(this.fields().map((f) => [f.key, this.errorFor(`credentials.${f.key}`)])),
  );

  /** Empty the form after a channel was connected; the chosen type stays. */
  reset(): void {
    this.name.set('');
    this.values.set({});
    this.revealed.set(new Set());
    this.touched.set(new Set());
    this.submitted.set(false);
  }

  protected errorFor(key: string): string | null {
    const local = this.localErrors()[key];
    if (local && (this.submitted() || this.touched().has(key))) return local;
    return this.editedSinceServer().has(key) ? null : (this.serverErrors()[key] ?? null);
  }

  protected selectType(type: ChannelType): void {
    this.type.set(type);
    this.values.set({});
    this.revealed.set(new Set());
    this.touched.update((keys) => new Set([...keys].filter((k) => !k.startsWith('credentials.'))));
  }

  protected setName(value: string): void {
    this.name.set(value);
    this.markEdited('name');
  }

  protected setValue(key: string, value: string): void {
    this.values.update((values) => ({ ...values, [key]: value }));
    this.markEdited(`credentials.${key}`);
  }

  protected touch(key: string): void {
    if (!this.touched().has(key)) this.touched.update((keys) => new Set(keys).add(key));
  }

  protected submit(): void {
    const type = this.type();
    if (!type || this.connecting()) return;
    this.submitted.set(true);
    if (Object.keys(this.localErrors()).length) return;
    this.connect.emit({ type, name: this.name().trim(), credentials: fieldValues(this.fields(), this.values()) });
  }

  private markEdited(key: string): void {
    if (!this.editedSinceServer().has(key)) this.editedSinceServer.update((keys) => new Set(keys).add(key));
  }
}
