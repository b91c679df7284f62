import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { HttpErrorResponse } from '@angular/common/http';
import { Router } from '@angular/router';
import { apiErrorMessage, retryAfterSeconds } from '../../core/api/api-error';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';

@Component({
  selector: 'ob-login-page',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="login">
      <button type="button" class="lang" data-testid="lang-switch" (click)="i18n.toggle()">
        {{ i18n.lang() === 'ru' ? 'English' : 'Русский' }}
      </button>
      <form class="card" (ngSubmit)="submit()" novalidate>
        <div class="logo" aria-hidden="true"></div>
        <h1>{{ 'login.title' | t }}</h1>
        <p class="muted">{{ 'login.subtitle' | t }}</p>
        <label class="field">
          <span class="field__label">{{ 'login.email' | t }}</span>
          <input
            class="input"
            type="email"
            name="email"
            autocomplete="username"
            data-testid="login-email"
            [(ngModel)]="email"
            required
            autofocus
          />
        </label>
        <label class="field">
          <span class="field__label">{{ 'login.password' | t }}</span>
          <input
            class="input"
            type="password"
            name="password"
            autocomplete="current-password"
            data-testid="login-password"
            [(ngModel)]="password"
            required
          />
        </label>
        @if (error()) {
          <p class="error" role="alert" data-testid="login-error">{{ error() }}</p>
        }
        <button class="btn btn--primary btn--block" type="submit" data-testid="login-submit" [disabled]="busy()">
          {{ (busy() ? 'login.submitting' : 'login.submit') | t }}
        </button>
      </form>
    </div>
  `,
  styles: `
    .login {
      min-height: 100vh;
      display: grid;
      place-items: center;
      background: radial-gradient(circle at 30% 20%, var(--accent-soft), var(--bg) 60%);
      position: relative;
      padding: 24px;
    }
    .lang {
      position: absolute;
      top: 16px;
      right: 16px;
      background: none;
      border: 1px solid var(--border);
      border-radius: 6px;
      padding: 4px 10px;
      cursor: pointer;
      font: inherit;
      color: var(--text-muted);
    }
    .card {
      width: 100%;
      max-width: 380px;
      background: var(--surface);
      border: 1px solid var(--border);
      border-radius: 14px;
      padding: 32px;
      box-shadow: var(--shadow-lg);
      display: flex;
      flex-direction: column;
      gap: 14px;
    }
    .logo {
      width: 36px;
      height: 36px;
      border-radius: 10px;
      background: var(--accent);
    }
    h1 {
      margin: 0;
      font-size: 20px;
    }
    .muted {
      margin: -8px 0 4px;
      color: var(--text-muted);
    }
    .error {
      margin: 0;
      padding: 8px 10px;
      border-radius: 6px;
      background: var(--danger-soft);
      color: var(--danger);
      font-size: 13px;
    }
  `,
})
export class LoginPage {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly i18n = inject(I18nService);

  protected readonly email = signal('');
  protected readonly password = signal('');
  protected readonly busy = signal(false);
  /** Kept as a thunk so the message follows a language switch. */
  private readonly errorText = signal<(() => string) | null>(null);
  protected readonly error = computed(() => this.errorText()?.() ?? null);

  submit(): void {
    if (this.busy()) return;
    const email = this.email().trim();
    const password = this.password();
    if (!email || !password) {
      this.errorText.set(() => this.i18n.t('login.required'));
      return;
    }
    this.busy.set(true);
    this.errorText.set(null);
    this.auth.login(email, password).subscribe({
      next: () => {
        this.busy.set(false);
        void this.router.navigateByUrl('/inbox');
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.errorText.set(() => this.describe(err));
      },
    });
  }

  private describe(err: unknown): string {
    if (err instanceof HttpErrorResponse) {
      if (err.status === 401) return this.i18n.t('login.invalid');
      if (err.status === 429) {
        const seconds = retryAfterSeconds(err);
        return seconds === null ? this.i18n.t('login.tooManyNoTime') : this.i18n.t('login.tooMany', { n: seconds });
      }
    }
    return apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'));
  }
}
