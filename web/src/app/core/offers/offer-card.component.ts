import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import type { OfferDto } from '@onebox/contracts';
import { TranslatePipe } from '../i18n/translate.pipe';

/** One conversation offered to the manager: who, where, what they wrote, and the time left to take it. */
@Component({
  selector: 'ob-offer-card',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let o = offer();
    <div class="card" role="alertdialog" data-testid="offer-card" [attr.data-conversation-id]="o.conversationId">
      <div class="head">
        <strong>{{ (o.reason === 'owner' ? 'offer.titleOwner' : 'offer.title') | t }}</strong>
        <span class="countdown" data-testid="offer-countdown" [class.countdown--low]="secondsLeft() <= 5">{{
          'offer.secondsLeft' | t: { n: secondsLeft() }
        }}</span>
      </div>
      <div class="who">
        <span class="name" data-testid="offer-contact">{{ o.conversation.contactName }}</span>
        <span class="muted">· {{ o.conversation.channel.name }}</span>
      </div>
      @if (o.conversation.lastMessageText) {
        <p class="text">{{ o.conversation.lastMessageText }}</p>
      }
      <div class="bar" aria-hidden="true"><span [style.width.%]="share()"></span></div>
      <div class="actions">
        <button
          type="button"
          class="btn btn--sm"
          data-testid="offer-decline"
          [disabled]="busy()"
          (click)="decline.emit(o)"
        >
          {{ 'offer.decline' | t }}
        </button>
        <button
          type="button"
          class="btn btn--sm btn--success"
          data-testid="offer-accept"
          [disabled]="busy()"
          (click)="accept.emit(o)"
        >
          {{ 'offer.accept' | t }}
        </button>
      </div>
    </div>
  `,
  styles: `
    .card {
      width: 320px;
      padding: 12px 14px;
      border-radius: 10px;
      background: var(--surface);
      border: 1px solid var(--border);
      border-left: 4px solid var(--accent);
      box-shadow: var(--shadow-lg);
      display: flex;
      flex-direction: column;
      gap: 6px;
      font-size: 13px;
    }
    .head {
      display: flex;
      justify-content: space-between;
      align-items: baseline;
      gap: 8px;
    }
    .countdown {
      font-variant-numeric: tabular-nums;
      color: var(--text-muted);
    }
    .countdown--low {
      color: #b42318;
      font-weight: 600;
    }
    .name {
      font-weight: 600;
    }
    .muted {
      color: var(--text-muted);
    }
    .text {
      margin: 0;
      color: var(--text-muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .bar {
      height: 3px;
      border-radius: 2px;
      background: var(--hover);
      overflow: hidden;
    }
    .bar span {
      display: block;
      height: 100%;
      background: var(--accent);
      transition: width 1s linear;
    }
    .actions {
      display: flex;
      justify-content: flex-end;
      gap: 8px;
    }
  `,
})
export class OfferCardComponent {
  /** The offer to show. */
  readonly offer = input.required<OfferDto>();
  /** The current time in ms, ticking once a second (the host owns the clock). */
  readonly now = input.required<number>();
  /** True while an answer is on its way. */
  readonly busy = input(false);
  readonly accept = output<OfferDto>();
  readonly decline = output<OfferDto>();

  protected readonly secondsLeft = computed(() =>
    Math.max(0, Math.ceil((new Date(this.offer().expiresAt).getTime() - this.now()) / 1000)),
  );
  protected readonly share = computed(() => {
    const o = this.offer();
    const total = new Date(o.expiresAt).getTime() - new Date(o.offeredAt).getTime();
    return total > 0 ? Math.min(100, ((this.secondsLeft() * 1000) / total) * 100) : 0;
  });
}
