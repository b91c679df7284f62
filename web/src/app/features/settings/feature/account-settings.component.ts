import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  afterNextRender,
  computed,
  inject,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@onebox/contracts';
import { AuthService } from '../../../core/auth/auth.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { AccountApi } from '../data-access/account-api.service';
import {
  PASSWORD_FIELDS,
  checkPasswordDraft,
  passwordProblemsOf,
  type FieldProblems,
  type PasswordDraft,
  type PasswordField,
  type Problem,
} from '../data-access/password-change';

const EMPTY: PasswordDraft = { currentPassword: '', newPassword: '', repeatPassword: '' };

/**
 * Settings → My account (every role): who is signed in, and a change of their own password. The
 * change signs the user out everywhere else; this tab goes on with the token the server answers.
 */
@Component({
  selector: 'ob-account-settings',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'account.title' | t }}</h2>
    @if (user(); as u) {
      <section class="card profile" data-testid="account-profile">
        <span class="avatar avatar--lg" aria-hidden="true">{{ u.name.charAt(0) }}</span>
        <dl>
          <div>
            <dt>{{ 'account.name' | t }}</dt>
            <dd data-testid="account-name">{{ u.name }}</dd>
          </div>
          <div>
            <dt>{{ 'account.email' | t }}</dt>
            <dd data-testid="account-email">{{ u.email }}</dd>
          </div>
          <div>
            <dt>{{ 'account.role' | t }}</dt>
            <dd data-testid="account-role">{{ 'role.' + u.role | t }}</dd>
          </div>
          @if (workspace(); as w) {
            <div>
              <dt>{{ 'account.workspace' | t }}</dt>
              <dd data-testid="account-workspace">{{ w }}</dd>
            </div>
          }
        </dl>
      </section>
    }

    <section class="card">
      <h3 id="account-password-title">{{ 'account.password.title' | t }}</h3>
      <p class="hint" id="account-password-hint">{{ 'account.password.hint' | t: { min: minLength } }}</p>
      <form
        class="form"
        novalidate
        data-testid="password-form"
        aria-labelledby="account-password-title"
        aria-describedby="account-password-hint"
        (ngSubmit)="save()"
      >
        <!-- Lets password managers file the new password under the right account. -->
        <input type="email" name="username" autocomplete="username" hidden readonly [value]="user()?.email ?? ''" />
        @for (f of fields; track f.name) {
          <label class="field">
            <span class="field__label">{{ f.label | t }}</span>
            <input
              class="input"
              type="password"
              [attr.name]="f.name"
              [autocomplete]="f.autocomplete"
              [maxLength]="maxLength"
              [attr.data-testid]="'password-' + f.name"
              [attr.aria-invalid]="errors()[f.name] ? 'true' : null"
              [attr.aria-describedby]="errors()[f.name] ? 'account-error-' + f.name : null"
              [ngModel]="draft()[f.name]"
              [ngModelOptions]="{ standalone: true }"
              (ngModelChange)="edit(f.name, $event)"
            />
            @if (errors()[f.name]; as e) {
              <span class="field__error" [id]="'account-error-' + f.name" [attr.data-testid]="'error-' + f.name">{{
                text(e)
              }}</span>
            }
          </label>
        }
        @if (formError(); as e) {
          <p class="alert" role="alert" data-testid="password-error">{{ text(e) }}</p>
        }
        <div role="status">
          @if (changed()) {
            <p class="success" data-testid="password-changed">{{ 'account.password.changed' | t }}</p>
          }
        </div>
        <div>
          <button class="btn btn--primary" type="submit" data-testid="password-save" [disabled]="saving()">
            {{ (saving() ? 'common.saving' : 'account.password.save') | t }}
          </button>
        </div>
      </form>
    </section>
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 16px;
      max-width: 560px;
    }
    h2 {
      margin: 0;
      font-size: 18px;
    }
    h3 {
      margin: 0 0 4px;
      font-size: 14px;
    }
    .profile {
      display: flex;
      align-items: flex-start;
      gap: 16px;
    }
    dl {
      margin: 0;
      display: grid;
      grid-template-columns: max-content minmax(0, 1fr);
      gap: 6px 16px;
    }
    dl > div {
      display: contents;
    }
    dt {
      color: var(--text-muted);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    .hint {
      margin: 0 0 12px;
      font-size: 12px;
      color: var(--text-muted);
    }
    .input[aria-invalid='true'] {
      border-color: var(--danger);
    }
    .form {
      display: flex;
      flex-direction: column;
      gap: 12px;
      max-width: 360px;
    }
    .alert,
    .success {
      margin: 0;
      padding: 8px 10px;
      border-radius: 6px;
      font-size: 13px;
    }
    .alert {
      background: var(--danger-soft);
      color: var(--danger);
    }
    .success {
      background: #dcfae6;
      color: #067647;
    }
  `,
})
export class AccountSettingsComponent {
  private readonly api = inject(AccountApi);
  private readonly auth = inject(AuthService);
  private readonly i18n = inject(I18nService);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly injector = inject(Injector);

  protected readonly minLength = PASSWORD_MIN_LENGTH;
  protected readonly maxLength = PASSWORD_MAX_LENGTH;
  protected readonly fields: readonly { name: PasswordField; label: string; autocomplete: string }[] = [
    { name: 'currentPassword', label: 'account.password.current', autocomplete: 'current-password' },
    { name: 'newPassword', label: 'account.password.new', autocomplete: 'new-password' },
    { name: 'repeatPassword', label: 'account.password.repeat', autocomplete: 'new-password' },
  ];

  protected readonly user = this.auth.user;
  protected readonly workspace = computed(() => this.auth.me()?.workspace?.name ?? null);
  protected readonly draft = signal<PasswordDraft>(EMPTY);
  protected readonly errors = signal<FieldProblems>({});
  protected readonly formError = signal<Problem | null>(null);
  protected readonly saving = signal(false);
  protected readonly changed = signal(false);

  protected edit(field: PasswordField, value: string): void {
    this.draft.update((d) => ({ ...d, [field]: value }));
  }

  protected save(): void {
    if (this.saving()) return;
    const draft = this.draft();
    this.changed.set(false);
    this.formError.set(null);
    const problems = checkPasswordDraft(draft);
    this.errors.set(problems);
    if (this.focusFirstError(problems)) return;
    this.saving.set(true);
    this.api.changePassword({ currentPassword: draft.currentPassword, newPassword: draft.newPassword }).subscribe({
      next: ({ accessToken }) => {
        this.auth.replaceToken(accessToken);
        this.saving.set(false);
        this.draft.set(EMPTY);
        this.changed.set(true);
      },
      error: (err: unknown) => {
        this.saving.set(false);
        const { fields, form } = passwordProblemsOf(err);
        this.errors.set(fields);
        this.formError.set(form);
        this.focusFirstError(fields);
      },
    });
  }

  protected text(problem: Problem): string {
    return 'key' in problem ? this.i18n.t(problem.key, problem.params) : problem.text;
  }

  /** Focuses the first field with a problem once its message is on screen; false when there is none. */
  private focusFirstError(problems: FieldProblems): boolean {
    const field = PASSWORD_FIELDS.find((f) => problems[f]);
    if (!field) return false;
    afterNextRender(() => this.host.nativeElement.querySelector<HTMLInputElement>(`input[name="${field}"]`)?.focus(), {
      injector: this.injector,
    });
    return true;
  }
}
