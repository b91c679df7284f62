import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { HttpErrorResponse } from '@angular/common/http';
import type { CannedResponseDto, CreateCannedResponseRequest } from '@onebox/contracts';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { AuthService } from '../../../core/auth/auth.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { CannedResponsesApi } from '../../../shared/data-access/canned-responses-api.service';

/**
 * Canned responses (everyone): the caller's own and the shared ones, a form to add or edit one
 * (sharing with the team is offered to heads and admins), and delete.
 */
@Component({
  selector: 'ob-canned-settings',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'settings.canned' | t }}</h2>
    <p class="muted intro">{{ 'settings.canned.intro' | t }}</p>
    <form class="card form" data-testid="canned-form" novalidate (submit)="$event.preventDefault(); save()">
      <h3>{{ (editing() ? 'settings.canned.edit' : 'settings.canned.add') | t }}</h3>
      <div class="grid">
        <label class="field">
          <span class="field__label">{{ 'settings.canned.title' | t }}</span>
          <input
            class="input"
            name="title"
            maxlength="100"
            data-testid="canned-title"
            [value]="title()"
            [disabled]="saving()"
            (input)="edit('title', $any($event.target).value)"
          />
          @if (errors()['title']; as error) {
            <span class="field__error" data-testid="error-title">{{ error }}</span>
          }
        </label>
        <label class="field">
          <span class="field__label">{{ 'settings.canned.shortcut' | t }}</span>
          <input
            class="input"
            name="shortcut"
            maxlength="50"
            data-testid="canned-shortcut"
            [placeholder]="'settings.canned.shortcutHint' | t"
            [value]="shortcut()"
            [disabled]="saving()"
            (input)="edit('shortcut', $any($event.target).value)"
          />
          @if (errors()['shortcut']; as error) {
            <span class="field__error" data-testid="error-shortcut">{{ error }}</span>
          }
        </label>
      </div>
      <label class="field">
        <span class="field__label">{{ 'settings.canned.text' | t }}</span>
        <textarea
          class="input text"
          name="text"
          rows="4"
          data-testid="canned-text"
          [value]="text()"
          [disabled]="saving()"
          (input)="edit('text', $any($event.target).value)"
        ></textarea>
        <span class="hint" data-testid="canned-placeholders">{{ 'settings.canned.placeholders' | t }}</span>
        @if (errors()['text']; as error) {
          <span class="field__error" data-testid="error-text">{{ error }}</span>
        }
      </label>
      @if (canShare()) {
        <label class="check">
          <input
            type="checkbox"
            name="shared"
            data-testid="canned-shared"
            [checked]="shared()"
            [disabled]="saving()"
            (change)="shared.set($any($event.target).checked); clearError('shared')"
          />
          {{ 'settings.canned.shared' | t }}
        </label>
      }
      @if (errors()['shared']; as error) {
        <span class="field__error" data-testid="error-shared">{{ error }}</span>
      }
      <div class="actions">
        <button class="btn btn--primary" type="submit" data-testid="canned-save" [disabled]="saving()">
          {{ (saving() ? 'common.saving' : editing() ? 'settings.canned.save' : 'settings.canned.create') | t }}
        </button>
        @if (editing()) {
          <button type="button" class="btn btn--ghost" data-testid="canned-cancel" (click)="resetForm()">
            {{ 'settings.canned.cancel' | t }}
          </button>
        }
      </div>
    </form>
    @if (loading()) {
      <p class="muted">{{ 'common.loading' | t }}</p>
    } @else {
      <ul class="items">
        @for (r of items(); track r.id) {
          <li class="card item" data-testid="canned-item" [class.item--editing]="editing()?.id === r.id">
            <div class="item__main">
              <div class="item__head">
                <span class="item__title" data-testid="canned-item-title">{{ r.title }}</span>
                @if (r.shortcut) {
                  <code class="item__shortcut" data-testid="canned-item-shortcut">/{{ r.shortcut }}</code>
                }
                @if (r.shared) {
                  <span class="badge" data-testid="canned-shared-badge">{{ 'settings.canned.sharedBadge' | t }}</span>
                }
              </div>
              <p class="item__text" data-testid="canned-item-text">{{ r.text }}</p>
            </div>
            @if (canManage(r)) {
              <div class="item__actions">
                <button type="button" class="btn btn--ghost btn--sm" data-testid="canned-edit" (click)="startEdit(r)">
                  {{ 'settings.canned.editItem' | t }}
                </button>
                <button
                  type="button"
                  class="btn btn--ghost btn--sm btn--danger"
                  data-testid="canned-delete"
                  [disabled]="deleting().has(r.id)"
                  (click)="remove(r)"
                >
                  {{ 'settings.canned.delete' | t }}
                </button>
              </div>
            }
          </li>
        } @empty {
          <li class="muted" data-testid="canned-empty">{{ 'settings.canned.empty' | t }}</li>
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
    .intro {
      margin: -8px 0 0;
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
    .text {
      resize: vertical;
      min-height: 80px;
      font: inherit;
    }
    .hint {
      font-size: 12px;
      color: var(--text-muted);
    }
    .check {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      font-size: 13px;
    }
    .actions {
      display: flex;
      gap: 8px;
    }
    .items {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    .item {
      display: flex;
      align-items: flex-start;
      gap: 12px;
      padding: 10px 14px;
    }
    .item--editing {
      border-color: var(--accent);
    }
    .item__main {
      flex: 1;
      min-width: 0;
    }
    .item__head {
      display: flex;
      align-items: baseline;
      gap: 8px;
      font-size: 13px;
    }
    .item__title {
      font-weight: 600;
    }
    .item__shortcut {
      color: var(--accent);
      font-size: 12px;
    }
    .item__text {
      margin: 4px 0 0;
      font-size: 12px;
      color: var(--text-muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .item__actions {
      flex: none;
      display: flex;
      gap: 4px;
    }
    .badge {
      padding: 0 8px;
      border-radius: 10px;
      background: var(--accent-soft);
      color: var(--accent);
      font-size: 11px;
      font-weight: 600;
    }
    .muted {
      color: var(--text-muted);
    }
  `,
})
export class CannedSettingsComponent implements OnInit {
  private readonly api = inject(CannedResponsesApi);
  private readonly auth = inject(AuthService);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  /** Heads of sales and admins may share responses with the team (and edit the shared ones). */
  protected readonly canShare = this.auth.canReassign;
  protected readonly loading = signal(true);
  private readonly list = signal<CannedResponseDto[]>([]);
  /** Shared ones first, then by title. */
  protected readonly items = computed(() =>
    [...this.list()].sort((a, b) => Number(b.shared) - Number(a.shared) || a.title.localeCompare(b.title)),
  );
  protected readonly editing = signal<CannedResponseDto | null>(null);
  protected readonly title = signal('');
  protected readonly shortcut = signal('');
  protected readonly text = signal('');
  protected readonly shared = signal(false);
  protected readonly saving = signal(false);
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly deleting = signal<ReadonlySet<string>>(new Set());

  ngOnInit(): void {
    this.api.list().subscribe({
      next: (list) => {
        this.list.set(list);
        this.loading.set(false);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.toast.error(this.errorText(err));
      },
    });
  }

  /** A personal response is the caller's own; a shared one belongs to the heads and admins. */
  protected canManage(response: CannedResponseDto): boolean {
    return response.shared ? this.canShare() : true;
  }

  protected edit(field: 'title' | 'shortcut' | 'text', value: string): void {
    this[field].set(value);
    this.clearError(field);
  }

  protected clearError(field: string): void {
    if (!(field in this.errors())) return;
    this.errors.update((errors) => Object.fromEntries(Object.entries(errors).filter(([key]) => key !== field)));
  }

  protected startEdit(response: CannedResponseDto): void {
    this.editing.set(response);
    this.title.set(response.title);
    this.shortcut.set(response.shortcut ?? '');
    this.text.set(response.text);
    this.shared.set(response.shared);
    this.errors.set({});
  }

  protected resetForm(): void {
    this.editing.set(null);
    this.title.set('');
    this.shortcut.set('');
    this.text.set('');
    this.shared.set(false);
    this.errors.set({});
  }

  protected save(): void {
    if (this.saving()) return;
    const body: CreateCannedResponseRequest = {
      title: this.title().trim(),
      shortcut: this.shortcut().trim().replace(/^\/+/, '') || null,
      text: this.text().trim(),
    };
    if (this.canShare()) body.shared = this.shared();
    const missing: Record<string, string> = {};
    if (!body.title) missing['title'] = this.i18n.t('common.required');
    if (!body.text) missing['text'] = this.i18n.t('common.required');
    if (Object.keys(missing).length) {
      this.errors.set(missing);
      return;
    }
    const editing = this.editing();
    this.saving.set(true);
    this.errors.set({});
    const request = editing ? this.api.update(editing.id, body) : this.api.create(body);
    request.subscribe({
      next: (saved) => {
        this.saving.set(false);
        this.list.update((list) => [...list.filter((r) => r.id !== saved.id), saved]);
        this.resetForm();
        this.toast.success(this.i18n.t(editing ? 'settings.canned.saved' : 'settings.canned.created'));
      },
      error: (err: unknown) => {
        this.saving.set(false);
        if (err instanceof HttpErrorResponse && err.status === 403) {
          this.errors.set({ shared: this.i18n.t('settings.canned.forbidden') });
          return;
        }
        const errors = fieldErrors(err);
        if (Object.keys(errors).length) this.errors.set(errors);
        else this.toast.error(this.errorText(err));
      },
    });
  }

  protected remove(response: CannedResponseDto): void {
    if (!confirm(this.i18n.t('settings.canned.confirmDelete', { title: response.title }))) return;
    this.deleting.update((ids) => new Set(ids).add(response.id));
    this.api.remove(response.id).subscribe({
      next: () => {
        this.deleting.update((ids) => new Set([...ids].filter((id) => id !== response.id)));
        this.list.update((list) => list.filter((r) => r.id !== response.id));
        if (this.editing()?.id === response.id) this.resetForm();
        this.toast.success(this.i18n.t('settings.canned.deleted'));
      },
      error: (err: unknown) => {
        this.deleting.update((ids) => new Set([...ids].filter((id) => id !== response.id)));
        this.toast.error(this.errorText(err));
      },
    });
  }

  private errorText(err: unknown): string {
    return apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'));
  }
}
