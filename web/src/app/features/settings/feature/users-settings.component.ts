import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { USER_ROLES, type UserDto, type UserRole } from '@onebox/contracts';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { RoutingApi } from '../../../shared/data-access/routing-api.service';
import { SettingsApi } from '../data-access/settings-api.service';

@Component({
  selector: 'ob-users-settings',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'settings.users' | t }}</h2>
    <form class="card form" (ngSubmit)="create()" data-testid="user-form" novalidate>
      <h3>{{ 'settings.users.add' | t }}</h3>
      <div class="grid">
        <label class="field">
          <span class="field__label">{{ 'settings.users.name' | t }}</span>
          <input class="input" name="name" [(ngModel)]="name" data-testid="user-name" />
          @if (errors()['name']) {
            <span class="field__error" data-testid="error-name">{{ errors()['name'] }}</span>
          }
        </label>
        <label class="field">
          <span class="field__label">{{ 'settings.users.email' | t }}</span>
          <input class="input" name="email" type="email" [(ngModel)]="email" data-testid="user-email" />
          @if (errors()['email']) {
            <span class="field__error" data-testid="error-email">{{ errors()['email'] }}</span>
          }
        </label>
        <label class="field">
          <span class="field__label">{{ 'settings.users.password' | t }}</span>
          <input
            class="input"
            name="password"
            type="password"
            autocomplete="new-password"
            [(ngModel)]="password"
            data-testid="user-password"
          />
          @if (errors()['password']) {
            <span class="field__error" data-testid="error-password">{{ errors()['password'] }}</span>
          }
        </label>
        <label class="field">
          <span class="field__label">{{ 'settings.users.role' | t }}</span>
          <select class="input" name="role" [(ngModel)]="role" data-testid="user-role">
            @for (r of roles; track r) {
              <option [value]="r">{{ 'role.' + r | t }}</option>
            }
          </select>
          @if (errors()['role']) {
            <span class="field__error" data-testid="error-role">{{ errors()['role'] }}</span>
          }
        </label>
      </div>
      <div>
        <button class="btn btn--primary" type="submit" [disabled]="saving()" data-testid="user-create">
          {{ (saving() ? 'common.saving' : 'settings.users.create') | t }}
        </button>
      </div>
    </form>
    @if (loading()) {
      <p class="muted">{{ 'common.loading' | t }}</p>
    } @else {
      <table class="table">
        <thead>
          <tr>
            <th>{{ 'settings.users.name' | t }}</th>
            <th>{{ 'settings.users.email' | t }}</th>
            <th>{{ 'settings.users.role' | t }}</th>
            <th [attr.title]="'settings.users.maxChatsHint' | t">{{ 'settings.users.maxChats' | t }}</th>
          </tr>
        </thead>
        <tbody>
          @for (u of users(); track u.id) {
            <tr data-testid="user-item">
              <td>{{ u.name }}</td>
              <td>{{ u.email }}</td>
              <td>{{ 'role.' + u.role | t }}</td>
              <td>
                <input
                  class="input input--sm max-chats"
                  type="number"
                  min="0"
                  max="100"
                  data-testid="user-max-chats"
                  [attr.aria-label]="('settings.users.maxChats' | t) + ': ' + u.name"
                  [value]="u.maxChats ?? 5"
                  (change)="setMaxChats(u, $any($event.target).value)"
                />
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="4" class="muted">{{ 'settings.users.empty' | t }}</td>
            </tr>
          }
        </tbody>
      </table>
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
    .grid {
      display: grid;
      grid-template-columns: 1fr 1fr;
      gap: 12px;
    }
    .table {
      width: 100%;
      border-collapse: collapse;
      background: var(--surface);
      border: 1px solid var(--border);
      border-radius: 10px;
      overflow: hidden;
      font-size: 13px;
    }
    th,
    td {
      text-align: left;
      padding: 10px 14px;
      border-bottom: 1px solid var(--border);
    }
    th {
      font-size: 11px;
      text-transform: uppercase;
      letter-spacing: 0.05em;
      color: var(--text-muted);
      background: var(--bg);
    }
    .muted {
      color: var(--text-muted);
    }
    .max-chats {
      width: 72px;
    }
  `,
})
export class UsersSettingsComponent implements OnInit {
  private readonly api = inject(SettingsApi);
  private readonly routing = inject(RoutingApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  protected readonly roles = USER_ROLES;
  protected readonly users = signal<UserDto[]>([]);
  protected readonly loading = signal(true);
  protected readonly saving = signal(false);
  protected readonly name = signal('');
  protected readonly email = signal('');
  protected readonly password = signal('');
  protected readonly role = signal<UserRole>('manager');
  protected readonly errors = signal<Record<string, string>>({});

  ngOnInit(): void {
    this.api.users().subscribe({
      next: (users) => {
        this.users.set(users);
        this.loading.set(false);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }

  create(): void {
    if (this.saving()) return;
    this.saving.set(true);
    this.errors.set({});
    const body = { name: this.name().trim(), email: this.email().trim(), password: this.password(), role: this.role() };
    this.api.createUser(body).subscribe({
      next: (user) => {
        this.saving.set(false);
        this.users.update((list) => [...list, user]);
        this.name.set('');
        this.email.set('');
        this.password.set('');
        this.toast.success(this.i18n.t('settings.users.created', { name: user.name }));
      },
      error: (err: unknown) => {
        this.saving.set(false);
        const errors = fieldErrors(err);
        this.errors.set(errors);
        if (!Object.keys(errors).length)
          this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }

  /** Routing capacity: the most open chats the user gets offered at once. */
  setMaxChats(user: UserDto, raw: string): void {
    const maxChats = Number(raw);
    if (!Number.isInteger(maxChats) || maxChats < 0 || maxChats > 100) return;
    this.routing.updateUser(user.id, { maxChats }).subscribe({
      next: (updated) => {
        this.users.update((list) => list.map((u) => (u.id === updated.id ? updated : u)));
        this.toast.success(this.i18n.t('settings.users.maxChatsSaved'));
      },
      error: (err: unknown) =>
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'))),
    });
  }
}
