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
import { DOCUMENT } from '@angular/common';
import type { CreateCrmRequest } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import type { CrmTypeDto } from '../data-access/crm-api.service';
import { DeclaredFieldsComponent, type DeclaredFieldView } from '../../../shared/ui/declared-fields.component';
import { FIELD_PROBLEM_MESSAGE, fieldProblems, fieldValues } from '../../../shared/ui/declared-fields';

type CrmType = CrmTypeDto['type'];
type SettingField = CrmTypeDto['settingsFields'][number];

/** The two ways to connect: a long-lived token / incoming webhook, or an OAuth app. */
export type CrmConnectMode = 'token' | 'oauth';

/** A field as the form shows it: `testId` is `crm-setting-<key>` for settingsFields, `crm-oauth-<key>` for OAuth-only ones. */
type FormField = DeclaredFieldView & { testId: string };

/**
 * The setting that *is* the token way to connect. The server declares it optional (OAuth
 * connects without it), so the form makes it required in token mode and hides it in OAuth mode.
 */
const TOKEN_SETTING: Partial<Record<CrmType, string>> = { amocrm: 'accessToken', bitrix24: 'webhookUrl' };

/**
 * "Connect a CRM", generated from the server's CRM types like the channel form: a type picker,
 * a name and one input per declared setting (secret ones masked with a show toggle, hints below,
 * `pattern` checked before sending). Server-side problems come back through `serverErrors` and `formError`.
 *
 * A CRM with `oauthFields` offers two ways (`crm-mode`): its token / webhook settings, or an OAuth
 * app — the settings OAuth still needs (amoCRM's address, Bitrix24's application token) plus the
 * app's fields. Required checks and the emitted settings follow the chosen way only.
 */
@Component({
  selector: 'ob-crm-connect-form',
  imports: [TranslatePipe, DeclaredFieldsComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="card form" novalidate (submit)="$event.preventDefault(); submit()" data-testid="crm-form">
      <h3>{{ 'settings.crm.add' | t }}</h3>
      <p class="muted small">{{ 'settings.crm.intro' | t }}</p>
      @if (formError()) {
        <p class="form__error" role="alert" data-testid="crm-form-error">{{ formError() }}</p>
      }
      <div class="form__row">
        <label class="field">
          <span class="field__label">{{ 'settings.crm.type' | t }}</span>
          <select
            class="input"
            name="type"
            data-testid="crm-type"
            [disabled]="connecting()"
            (change)="selectType($any($event.target).value)"
          >
            @for (t of types(); track t.type) {
              <option [value]="t.type" [selected]="t.type === type()">{{ 'crm.' + t.type | t }}</option>
            }
          </select>
        </label>
        <label class="field">
          <span class="field__label">{{ 'settings.crm.name' | t }}</span>
          <input
            class="input"
            name="name"
            data-testid="crm-name"
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
      @if (hasOauth()) {
        <fieldset class="mode" data-testid="crm-mode" [disabled]="connecting()">
          <legend class="field__label">{{ 'settings.crm.mode' | t }}</legend>
          <label class="mode__option">
            <input
              type="radio"
              name="crm-mode"
              value="token"
              data-testid="crm-mode-token"
              [checked]="mode() === 'token'"
              (change)="selectMode('token')"
            />
            {{ 'settings.crm.mode.token.' + type() | t }}
          </label>
          <label class="mode__option">
            <input
              type="radio"
              name="crm-mode"
              value="oauth"
              data-testid="crm-mode-oauth"
              [checked]="mode() === 'oauth'"
              (change)="selectMode('oauth')"
            />
            {{ 'settings.crm.mode.oauth' | t }}
          </label>
        </fieldset>
        @if (mode() === 'oauth') {
          <p class="muted small" data-testid="crm-oauth-help">
            {{ 'settings.crm.oauthHelp' | t: { crm: 'crm.' + type() | t } }}
            <code data-testid="crm-oauth-callback">{{ callbackUrl }}</code>
          </p>
        }
      }
      <ob-declared-fields
        errorPrefix="settings."
        [fields]="fields()"
        [values]="values()"
        [errors]="fieldErrors()"
        [disabled]="connecting()"
        [(revealed)]="revealed"
        (valueChange)="setValue($event.key, $event.value)"
        (fieldBlur)="touch('settings.' + $event)"
      />
      <div class="form__actions">
        <button class="btn btn--primary" type="submit" [disabled]="connecting() || !type()" data-testid="crm-connect">
          {{ 'settings.crm.connect' | t }}
        </button>
        @if (connecting()) {
          <span class="checking" role="status" data-testid="crm-connecting">
            <span class="spinner" aria-hidden="true"></span>
            {{
              (mode() === 'oauth' ? 'settings.crm.preparing' : 'settings.crm.checking')
                | t: { crm: 'crm.' + type() | t }
            }}
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
    .mode {
      display: flex;
      flex-wrap: wrap;
      gap: 6px 16px;
      margin: 0;
      padding: 0;
      border: 0;
    }
    .mode legend {
      width: 100%;
      margin-bottom: 4px;
    }
    .mode__option {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      font-size: 13px;
    }
    code {
      padding: 1px 4px;
      border-radius: 4px;
      background: var(--hover);
      word-break: break-all;
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
export class CrmConnectFormComponent {
  private readonly i18n = inject(I18nService);
  /** Where the CRM sends the admin back after consent: the app's redirect URI to register in the CRM. */
  protected readonly callbackUrl = `${inject(DOCUMENT).location.origin}/api/crm/oauth/callback`;

  /** The CRMs the server offers (`GET /api/crm/types`); the first is preselected. */
  readonly types = input.required<CrmTypeDto[]>();
  /** True while the server checks the settings with the CRM; locks the form. */
  readonly connecting = input(false);
  /** The server's validation problems by field (`name`, `settings.<key>`). */
  readonly serverErrors = input<Record<string, string>>({});
  /** A problem with the form as a whole (e.g. the CRM refused the token). */
  readonly formError = input<string | null>(null);
  /** A request that passed the client-side checks. */
  readonly connect = output<CreateCrmRequest>();

  protected readonly type = linkedSignal<CrmTypeDto[], CrmType | null>({
    source: this.types,
    computation: (types, previous) =>
      previous && types.some((t) => t.type === previous.value) ? previous.value : (types[0]?.type ?? null),
  });
  private readonly current = computed(() => this.types().find((t) => t.type === this.type()) ?? null);
  protected readonly hasOauth = computed(() => (this.current()?.oauthFields ?? []).length > 0);
  private readonly chosenMode = signal<CrmConnectMode>('token');
  /** The chosen way; always `token` for a CRM without OAuth. */
  protected readonly mode = computed<CrmConnectMode>(() => (this.hasOauth() ? this.chosenMode() : 'token'));
  /** The fields of the chosen way, with the required flags that way has. */
  protected readonly fields = computed<FormField[]>(() => {
    const type = this.current();
    if (!type) return [];
    const tokenKey = TOKEN_SETTING[type.type];
    const setting = (f: SettingField, required = f.required): FormField => ({
      ...f,
      required,
      testId: `crm-setting-${f.key}`,
    });
    if (this.mode() === 'token') return type.settingsFields.map((f) => setting(f, f.required || f.key === tokenKey));
    const oauth = type.oauthFields ?? [];
    const oauthKeys = new Set(oauth.map((f) => f.key));
    const settingKeys = new Set(type.settingsFields.map((f) => f.key));
    return [
      ...type.settingsFields.filter((f) => f.key !== tokenKey && !oauthKeys.has(f.key)).map((f) => setting(f)),
      // A setting the OAuth way repeats (Bitrix24's application token) keeps its settings test id.
      ...oauth.map((f) => ({ ...f, testId: `crm-${settingKeys.has(f.key) ? 'setting' : 'oauth'}-${f.key}` })),
    ];
  });
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
    for (const [key, problem] of Object.entries(fieldProblems(this.fields(), this.values(), 'settings.'))) {
      errors[key] = this.i18n.t(FIELD_PROBLEM_MESSAGE[problem]);
    }
    return errors;
  });
  /** The error shown under each setting, by key. */
  protected readonly fieldErrors = computed(() =>
    Object.fromEntries(this.fields().map((f) => [f.key, this.errorFor(`settings.${f.key}`)])),
  );

  protected errorFor(key: string): string | null {
    const local = this.localErrors()[key];
    if (local && (this.submitted() || this.touched().has(key))) return local;
    return this.editedSinceServer().has(key) ? null : (this.serverErrors()[key] ?? null);
  }

  protected selectType(type: CrmType): void {
    this.type.set(type);
    this.values.set({});
    this.revealed.set(new Set());
    this.touched.update((keys) => new Set([...keys].filter((k) => !k.startsWith('settings.'))));
  }

  /** Switching ways keeps what was typed (amoCRM's address serves both); only the new way's fields are checked and sent. */
  protected selectMode(mode: CrmConnectMode): void {
    this.chosenMode.set(mode);
    this.touched.update((keys) => new Set([...keys].filter((k) => !k.startsWith('settings.'))));
  }

  protected setName(value: string): void {
    this.name.set(value);
    this.markEdited('name');
  }

  protected setValue(key: string, value: string): void {
    this.values.update((values) => ({ ...values, [key]: value }));
    this.markEdited(`settings.${key}`);
  }

  protected touch(key: string): void {
    if (!this.touched().has(key)) this.touched.update((keys) => new Set(keys).add(key));
  }

  protected submit(): void {
    const type = this.type();
    if (!type || this.connecting()) return;
    this.submitted.set(true);
    if (Object.keys(this.localErrors()).length) return;
    this.connect.emit({ type, name: this.name().trim(), settings: fieldValues(this.fields(), this.values()) });
  }

  private markEdited(key: string): void {
    if (!this.editedSinceServer().has(key)) this.editedSinceServer.update((keys) => new Set(keys).add(key));
  }
}
