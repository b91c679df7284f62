import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { DeliveryStatus } from '@onebox/contracts';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';

/** Delivery ticks of an outgoing message: clock, ✓, ✓✓, coloured ✓✓, or a red "!" with the error. */
@Component({
  selector: 'ob-message-status',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span
      class="status"
      [class]="'status status--' + status()"
      data-testid="message-status"
      [attr.data-status]="status()"
      [attr.title]="title() || ('thread.status.' + status() | t)"
      [attr.aria-label]="'thread.status.' + status() | t"
    >
      @switch (status()) {
        @case ('queued') {
          <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
            <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" stroke-width="1.5" />
            <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" />
          </svg>
        }
        @case ('sent') {
          <span aria-hidden="true">✓</span>
        }
        @case ('delivered') {
          <span aria-hidden="true">✓✓</span>
        }
        @case ('read') {
          <span aria-hidden="true">✓✓</span>
        }
        @case ('failed') {
          <span class="status__bang" aria-hidden="true">!</span>
          <span class="status__error">{{ errorText() || ('thread.status.failed' | t) }}</span>
        }
      }
    </span>
  `,
  styles: `
    .status {
      display: inline-flex;
      align-items: center;
      gap: 4px;
      font-size: 11px;
      color: var(--text-faint);
      letter-spacing: -2px;
    }
    .status--read {
      color: var(--accent);
    }
    .status--delivered {
      color: var(--text-muted);
    }
    .status--failed {
      color: var(--danger);
      letter-spacing: 0;
    }
    .status__bang {
      display: inline-grid;
      place-items: center;
      width: 14px;
      height: 14px;
      border-radius: 50%;
      background: var(--danger);
      color: #fff;
      font-weight: 700;
      font-size: 10px;
    }
    .status__error {
      white-space: normal;
    }
  `,
})
export class MessageStatusComponent {
  /** The message's delivery status. */
  readonly status = input.required<DeliveryStatus>();
  /** The provider's error for failed messages, shown as text and tooltip. */
  readonly errorText = input<string | null>(null);
  protected readonly title = computed(() => (this.status() === 'failed' ? this.errorText() : null));
}
