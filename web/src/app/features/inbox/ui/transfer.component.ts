import { ChangeDetectionStrategy, Component, inject, input, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import type { UserDto } from '@onebox/contracts';
import { apiErrorMessage } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { RoutingApi } from '../../../shared/data-access/routing-api.service';

/** `assigneeId` value of "back to the queue" in the picker. */
const QUEUE = 'queue';

/** The conversation header's Transfer action: a colleague (or the queue) and a private note. */
@Component({
  selector: 'ob-transfer',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button
      type="button"
      class="btn btn--sm"
      data-testid="transfer"
      [attr.aria-expanded]="open()"
      [disabled]="disabled()"
      (click)="toggle()"
    >
      ⇄ {{ 'transfer.open' | t }}
    </button>
    @if (open()) {
      <form class="panel" role="dialog" data-testid="transfer-panel" (ngSubmit)="submit()" novalidate>
        <strong>{{ 'transfer.title' | t }}</strong>
        <label class="field">
          <span class="field__label">{{ 'transfer.to' | t }}</span>
          <select class="input input--sm" name="target" [(ngModel)]="target" data-testid="transfer-assignee">
            <option value="" disabled>{{ 'transfer.choose' | t }}</option>
            @for (u of users(); track u.id) {
              @if (u.id !== assigneeId()) {
                <option [value]="u.id">{{ u.name }}</option>
              }
            }
            @if (assigneeId()) {
              <option [value]="queue">{{ 'transfer.queue' | t }}</option>
            }
          </select>
        </label>
        <label class="field">
          <span class="field__label">{{ 'transfer.note' | t }}</span>
          <textarea
            class="input"
            name="note"
            rows="3"
            maxlength="2000"
            [(ngModel)]="note"
            data-testid="transfer-note"
          ></textarea>
        </label>
        @if (error()) {
          <span class="field__error" data-testid="transfer-error">{{ error() }}</span>
        }
        <div class="actions">
          <button type="button" class="btn btn--sm" data-testid="transfer-cancel" (click)="open.set(false)">
            {{ 'transfer.cancel' | t }}
          </button>
          <button
            type="submit"
            class="btn btn--sm btn--primary"
            data-testid="transfer-submit"
            [disabled]="!target || saving()"
          >
            {{ 'transfer.submit' | t }}
          </button>
        </div>
      </form>
    }
  `,
  styles: `
    :host {
      position: relative;
      display: inline-block;
    }
    .panel {
      position: absolute;
      right: 0;
      top: calc(100% + 6px);
      z-index: 20;
      width: 300px;
      display: flex;
      flex-direction: column;
      gap: 10px;
      padding: 12px;
      background: var(--surface);
      border: 1px solid var(--border);
      border-radius: 8px;
      box-shadow: var(--shadow-lg);
    }
    .field {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    textarea {
      resize: vertical;
    }
    .actions {
      display: flex;
      justify-content: flex-end;
      gap: 8px;
    }
  `,
})
export class TransferComponent {
  private readonly api = inject(RoutingApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  /** The conversation to transfer. */
  readonly conversationId = input.required<string>();
  /** Its current assignee (not offered as a target; "back to the queue" only when someone has it). */
  readonly assigneeId = input<string | null>(null);
  readonly disabled = input(false);
  /** After the server accepted: the new assignee, or null for the queue. */
  readonly transferred = output<string | null>();

  protected readonly queue = QUEUE;
  protected readonly open = signal(false);
  protected readonly users = signal<UserDto[]>([]);
  protected readonly saving = signal(false);
  protected readonly error = signal<string | null>(null);
  protected target = '';
  protected note = '';

  protected toggle(): void {
    if (this.open()) {
      this.open.set(false);
      return;
    }
    this.target = '';
    this.note = '';
    this.error.set(null);
    this.open.set(true);
    this.api.users().subscribe({ next: (users) => this.users.set(users), error: () => undefined });
  }

  protected submit(): void {
    if (!this.target || this.saving()) return;
    const assigneeId = this.target === QUEUE ? null : this.target;
    const note = this.note.trim();
    this.saving.set(true);
    this.error.set(null);
    this.api.transfer(this.conversationId(), { assigneeId, ...(note ? { note } : {}) }).subscribe({
      next: () => {
        this.saving.set(false);
        this.open.set(false);
        this.toast.success(this.i18n.t('transfer.done'));
        this.transferred.emit(assigneeId);
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.error.set(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }
}
