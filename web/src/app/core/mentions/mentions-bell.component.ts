import { ChangeDetectionStrategy, Component, ElementRef, OnDestroy, OnInit, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import type { MentionDto } from '@onebox/contracts';
import { FormatService } from '../i18n/format.service';
import { TranslatePipe } from '../i18n/translate.pipe';
import { MentionsStore } from './mentions.store';

/** The top bar's bell: unread @mentions, their list, and a click through to the conversation. */
@Component({
  selector: 'ob-mentions-bell',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(document:click)': 'onDocumentClick($event)' },
  template: `
    <button
      type="button"
      class="bell"
      data-testid="mentions-bell"
      aria-haspopup="true"
      [attr.aria-expanded]="open()"
      [attr.aria-label]="
        store.unreadCount() ? ('mentions.unread' | t: { n: store.unreadCount() }) : ('mentions.bell' | t)
      "
      (click)="toggle()"
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      @if (store.unreadCount()) {
        <span class="badge" data-testid="mentions-unread">{{ store.unreadCount() }}</span>
      }
    </button>
    @if (open()) {
      <div class="panel" role="menu" data-testid="mentions-panel">
        <div class="title">{{ 'mentions.bell' | t }}</div>
        @for (m of store.items(); track m.id) {
          <button
            type="button"
            role="menuitem"
            class="item"
            data-testid="mention-item"
            [class.item--unread]="!m.readAt"
            (click)="openMention(m)"
          >
            <span class="item__head">
              <strong>{{ m.author.name }}</strong>
              <span class="item__where">{{ 'mentions.in' | t: { name: m.contact.name } }}</span>
              <span class="item__time">{{ format.time(m.createdAt) }}</span>
            </span>
            <span class="item__text">{{ m.text }}</span>
          </button>
        } @empty {
          <div class="empty" data-testid="mentions-empty">
            {{ (store.failed() ? 'mentions.loadFailed' : 'mentions.empty') | t }}
          </div>
        }
      </div>
    }
  `,
  styles: `
    :host {
      position: relative;
      display: inline-flex;
    }
    .bell {
      position: relative;
      display: inline-flex;
      align-items: center;
      justify-content: center;
      width: 32px;
      height: 32px;
      border: 1px solid var(--border);
      border-radius: 6px;
      background: var(--surface);
      color: var(--text-muted);
      cursor: pointer;
    }
    .bell:hover {
      color: var(--text);
      background: var(--hover);
    }
    .badge {
      position: absolute;
      top: -6px;
      right: -6px;
      min-width: 18px;
      height: 18px;
      padding: 0 5px;
      border-radius: 9px;
      background: var(--danger);
      color: #fff;
      font-size: 11px;
      font-weight: 600;
      line-height: 18px;
      text-align: center;
    }
    .panel {
      position: absolute;
      z-index: 30;
      top: calc(100% + 6px);
      right: 0;
      width: 340px;
      max-height: 60vh;
      overflow-y: auto;
      padding: 4px;
      background: var(--surface);
      border: 1px solid var(--border);
      border-radius: 8px;
      box-shadow: var(--shadow-lg);
    }
    .title {
      padding: 8px;
      font-weight: 600;
    }
    .item {
      display: flex;
      flex-direction: column;
      gap: 2px;
      width: 100%;
      padding: 8px;
      border: 0;
      border-radius: 6px;
      background: none;
      font: inherit;
      text-align: left;
      cursor: pointer;
    }
    .item:hover {
      background: var(--hover);
    }
    .item--unread {
      background: var(--accent-soft);
    }
    .item__head {
      display: flex;
      gap: 6px;
      font-size: 12px;
      align-items: baseline;
    }
    .item__where {
      color: var(--text-muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .item__time {
      margin-left: auto;
      color: var(--text-faint);
    }
    .item__text {
      font-size: 13px;
      overflow: hidden;
      text-overflow: ellipsis;
      display: -webkit-box;
      -webkit-line-clamp: 2;
      -webkit-box-orient: vertical;
    }
    .empty {
      padding: 12px 8px;
      color: var(--text-muted);
      font-size: 13px;
    }
  `,
})
export class MentionsBellComponent implements OnInit, OnDestroy {
  protected readonly store = inject(MentionsStore);
  protected readonly format = inject(FormatService);
  private readonly router = inject(Router);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  protected readonly open = signal(false);

  ngOnInit(): void {
    this.store.start();
  }

  ngOnDestroy(): void {
    this.store.stop();
  }

  protected toggle(): void {
    this.open.update((v) => !v);
  }

  protected onDocumentClick(event: Event): void {
    if (!this.host.nativeElement.contains(event.target as Node)) this.open.set(false);
  }

  protected openMention(mention: MentionDto): void {
    this.open.set(false);
    this.store.markRead(mention);
    void this.router.navigate(['/inbox', mention.conversationId], { queryParams: { message: mention.messageId } });
  }
}
