import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  output,
  untracked,
  viewChild,
} from '@angular/core';
import type { MessageDto } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { MessageBubbleComponent } from './message-bubble.component';

type ThreadRow = { kind: 'day'; key: string; label: string } | { kind: 'message'; key: string; message: MessageDto };

/** Pixels from the top at which earlier messages are requested. */
const LOAD_OLDER_THRESHOLD = 80;
/** Within this distance of the bottom the view follows new messages. */
const STICK_TO_BOTTOM = 120;

/**
 * The scrolling message list. Follows new messages when the agent is at the bottom, keeps the
 * visible message in place when earlier ones are prepended, and asks for more near the top.
 */
@Component({
  selector: 'ob-message-thread',
  imports: [MessageBubbleComponent, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="scroller" #scroller (scroll)="onScroll()" data-testid="thread">
      @if (loadingOlder()) {
        <div class="older"><span class="spinner" aria-hidden="true"></span>{{ 'thread.loadingOlder' | t }}</div>
      }
      @if (loading()) {
        <div class="skeletons" aria-busy="true" [attr.aria-label]="'thread.loading' | t">
          <div class="skeleton skeleton--in"></div>
          <div class="skeleton skeleton--out"></div>
          <div class="skeleton skeleton--in skeleton--short"></div>
        </div>
      } @else if (!messages().length) {
        <div class="empty" data-testid="thread-empty">{{ 'thread.empty' | t }}</div>
      }
      @for (row of rows(); track row.key) {
        @if (row.kind === 'day') {
          <div class="day" role="separator" data-testid="day-separator">
            <span>{{ row.label }}</span>
          </div>
        } @else {
          <ob-message-bubble
            [message]="row.message"
            [attr.data-message-id]="row.message.id"
            [class.highlight]="row.message.id === highlightId()"
            (retry)="retry.emit($event)"
          />
        }
      }
      @if (typingName()) {
        <div class="typing" data-testid="typing-indicator">
          <span class="dots" aria-hidden="true"><i></i><i></i><i></i></span>
          {{ 'thread.typing' | t: { name: typingName()! } }}
        </div>
      }
    </div>
  `,
  styles: `
    :host {
      display: block;
      min-height: 0;
    }
    ob-message-bubble.highlight {
      border-radius: 8px;
      animation: highlight 2.4s ease-out;
    }
    @keyframes highlight {
      from {
        background: var(--note-border);
      }
      to {
        background: transparent;
      }
    }
    .scroller {
      height: 100%;
      overflow-y: auto;
      padding: 16px 20px 8px;
      display: flex;
      flex-direction: column;
      gap: 2px;
    }
    .day {
      display: flex;
      align-items: center;
      gap: 12px;
      margin: 12px 0 6px;
      color: var(--text-faint);
      font-size: 11px;
      font-weight: 600;
      text-transform: uppercase;
      letter-spacing: 0.04em;
    }
    .day::before,
    .day::after {
      content: '';
      flex: 1;
      border-top: 1px solid var(--border);
    }
    .empty {
      margin: auto;
      color: var(--text-muted);
    }
    .older {
      display: flex;
      align-items: center;
      justify-content: center;
      gap: 8px;
      font-size: 12px;
      color: var(--text-muted);
      padding: 4px;
    }
    .skeletons {
      display: flex;
      flex-direction: column;
      gap: 12px;
      margin-top: auto;
    }
    .skeleton {
      height: 44px;
      width: 46%;
      border-radius: 14px;
    }
    .skeleton--out {
      align-self: flex-end;
      width: 38%;
    }
    .skeleton--short {
      width: 28%;
    }
    .typing {
      display: flex;
      align-items: center;
      gap: 8px;
      font-size: 12px;
      color: var(--text-muted);
      padding: 6px 2px;
    }
    .dots {
      display: inline-flex;
      gap: 3px;
    }
    .dots i {
      width: 5px;
      height: 5px;
      border-radius: 50%;
      background: var(--text-faint);
      animation: blink 1.2s infinite;
    }
    .dots i:nth-child(2) {
      animation-delay: 0.2s;
    }
    .dots i:nth-child(3) {
      animation-delay: 0.4s;
    }
    @keyframes blink {
      0%,
      80%,
      100% {
        opacity: 0.3;
      }
      40% {
        opacity: 1;
      }
    }
  `,
})
export class MessageThreadComponent {
  private readonly format = inject(FormatService);
  private readonly injector = inject(Injector);
  private readonly scroller = viewChild.required<ElementRef<HTMLElement>>('scroller');

  /** Messages, oldest first. */
  readonly messages = input.required<MessageDto[]>();
  /** Whether earlier messages exist on the server. */
  readonly hasMore = input(false);
  /** First page loading. */
  readonly loading = input(false);
  /** Earlier page loading. */
  readonly loadingOlder = input(false);
  /** Name of the contact currently typing, if any. */
  readonly typingName = input<string | null>(null);
  /** A message to scroll to and highlight (opened from search or a mention), if it is loaded. */
  readonly highlightId = input<string | null>(null);
  /** Asks for the page before the first message. */
  readonly loadOlder = output<void>();
  /** The agent asked to send a failed message again. */
  readonly retry = output<MessageDto>();

  private firstId: string | undefined;
  private lastId: string | undefined;

  /** Messages with a separator before the first message of each day (workspace time zone). */
  protected readonly rows = computed<ThreadRow[]>(() => {
    const rows: ThreadRow[] = [];
    let day = '';
    for (const message of this.messages()) {
      const key = this.format.dayKey(message.createdAt);
      if (key !== day) {
        day = key;
        rows.push({ kind: 'day', key: `day-${key}`, label: this.format.dayLabel(message.createdAt) });
      }
      rows.push({ kind: 'message', key: message.clientMessageId ?? message.id, message });
    }
    return rows;
  });

  constructor() {
    effect(() => {
      const messages = this.messages();
      this.typingName();
      untracked(() => this.keepPosition(messages));
    });
  }

  private revealed: string | null = null;

  /** Scrolls the highlighted message into view once, when it is rendered. */
  private revealHighlight(scroller: HTMLElement): void {
    const id = this.highlightId();
    if (!id || this.revealed === id) return;
    const target = Array.from(scroller.querySelectorAll<HTMLElement>('[data-message-id]')).find(
      (node) => node.dataset['messageId'] === id,
    );
    if (!target) return;
    this.revealed = id;
    target.scrollIntoView?.({ block: 'center' });
  }

  protected onScroll(): void {
    const el = this.scroller().nativeElement;
    if (el.scrollTop < LOAD_OLDER_THRESHOLD && this.hasMore() && !this.loadingOlder() && !this.loading()) {
      this.loadOlder.emit();
    }
  }

  /** Runs before the DOM changes: measure now, restore after render. */
  private keepPosition(messages: MessageDto[]): void {
    const el = this.scroller().nativeElement;
    const first = messages[0]?.id;
    const last = messages.at(-1)?.id;
    const prevHeight = el.scrollHeight;
    const prevTop = el.scrollTop;
    const nearBottom = prevHeight - prevTop - el.clientHeight < STICK_TO_BOTTOM;
    const initial = this.lastId === undefined;
    const prepended = !initial && first !== this.firstId && last === this.lastId;
    const ownNew = last !== this.lastId && messages.at(-1)?.direction === 'out';
    this.firstId = first;
    this.lastId = last;
    afterNextRender(
      () => {
        if (prepended) el.scrollTop = prevTop + (el.scrollHeight - prevHeight);
        else if (initial || nearBottom || ownNew) el.scrollTop = el.scrollHeight;
        this.revealHighlight(el);
        // A short first page may not fill the view: keep paging until it scrolls.
        if (el.scrollHeight <= el.clientHeight && this.hasMore() && !this.loadingOlder() && messages.length)
          this.loadOlder.emit();
      },
      { injector: this.injector },
    );
  }
}
