import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { ConversationListItem, DealDto } from '@onebox/contracts';
import { Subscription, merge } from 'rxjs';
import { apiErrorMessage } from '../../../core/api/api-error';
import { AuthService } from '../../../core/auth/auth.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import { AgentSocketService } from '../../../core/socket/agent-socket.service';
import { ToastService } from '../../../core/toast/toast.service';
import { ConversationsApi } from './conversations-api.service';
import { DEFAULT_FILTER, matchesFilter, sortByActivity, toQuery, type ConversationFilter } from './conversation-filter';

export const PAGE_SIZE = 30;

/**
 * The conversation list: filter, keyset pages and live updates. Socket events upsert and
 * re-sort; an item that stops matching the filter leaves the list.
 */
@Injectable()
export class ConversationListStore {
  private readonly api = inject(ConversationsApi);
  private readonly auth = inject(AuthService);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  private readonly itemsSignal = signal<ConversationListItem[]>([]);
  private readonly filterSignal = signal<ConversationFilter>(DEFAULT_FILTER);
  private readonly cursorSignal = signal<string | null>(null);
  private pageRequest: Subscription | null = null;

  readonly items = this.itemsSignal.asReadonly();
  readonly filter = this.filterSignal.asReadonly();
  readonly hasMore = computed(() => this.cursorSignal() !== null);
  readonly loading = signal(false);
  readonly loadingMore = signal(false);
  readonly loaded = signal(false);
  /** The conversation open in the thread; it never shows as unread. */
  readonly activeId = signal<string | null>(null);
  /** Keyboard cursor (j/k) in the list. */
  readonly cursorIndex = signal(-1);

  constructor() {
    const socket = inject(AgentSocketService);
    const destroyRef = inject(DestroyRef);
    merge(socket.on('conversation.created'), socket.on('conversation.updated'))
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((item) => this.apply(item));
    socket
      .on('deal.updated')
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((deal) => this.applyDeal(deal));
    // Heads and admins hear of every missed chat; the missed view refreshes to show it.
    socket
      .on('conversation.missed')
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((event) => {
        this.toast.show(
          this.i18n.t(event.reason === 'visitor_left' ? 'missed.toast.visitorLeft' : 'missed.toast.threshold', {
            name: event.conversation.contact.name,
            channel: event.conversation.channel.name,
          }),
          'error',
        );
        if (this.filterSignal().tab === 'missed') this.reload();
      });
  }

  setFilter(patch: Partial<ConversationFilter>): void {
    this.filterSignal.update((filter) => ({ ...filter, ...patch }));
    this.reload();
  }

  reload(): void {
    this.pageRequest?.unsubscribe();
    this.loading.set(true);
    this.loadingMore.set(false);
    this.pageRequest = this.api.list(toQuery(this.filterSignal(), null, PAGE_SIZE)).subscribe({
      next: (res) => {
        this.itemsSignal.set(sortByActivity(res.items.map((item) => this.withActiveRead(item))));
        this.cursorSignal.set(res.nextCursor);
        this.cursorIndex.set(-1);
        this.loading.set(false);
        this.loaded.set(true);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.loaded.set(true);
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }

  loadMore(): void {
    const cursor = this.cursorSignal();
    if (!cursor || this.loading() || this.loadingMore()) return;
    this.loadingMore.set(true);
    this.pageRequest = this.api.list(toQuery(this.filterSignal(), cursor, PAGE_SIZE)).subscribe({
      next: (res) => {
        this.itemsSignal.update((items) => {
          const known = new Set(items.map((item) => item.id));
          return [
            ...items,
            ...res.items.filter((item) => !known.has(item.id)).map((item) => this.withActiveRead(item)),
          ];
        });
        this.cursorSignal.set(res.nextCursor);
        this.loadingMore.set(false);
      },
      error: (err: unknown) => {
        this.loadingMore.set(false);
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }

  /** Upsert a conversation pushed by the server, or drop it if it left the current filter. */
  apply(item: ConversationListItem): void {
    const meId = this.auth.user()?.id ?? null;
    this.itemsSignal.update((items) => {
      const index = items.findIndex((existing) => existing.id === item.id);
      const rest = index === -1 ? items : items.filter((_, i) => i !== index);
      if (!matchesFilter(item, this.filterSignal(), meId, index !== -1)) return rest;
      return sortByActivity([this.withActiveRead(item), ...rest]);
    });
  }

  /** A deal changed: its conversation's row shows the new stage and amount (order and filter are unaffected). */
  applyDeal(deal: DealDto & { conversationId: string }): void {
    const summary: ConversationListItem['deal'] = {
      id: deal.id,
      title: deal.title,
      stage: deal.stageName ?? '',
      semantic: deal.semantic,
      amount: deal.amount,
      currency: deal.currency,
    };
    this.itemsSignal.update((items) =>
      items.map((item) => (item.id === deal.conversationId ? { ...item, deal: summary } : item)),
    );
  }

  /**
   * Show a conversation's new tags at once (the socket echo confirms them). Under a tag filter the
   * row stays until the next reload, so an agent untagging it does not lose it from sight.
   */
  setTags(id: string, tags: string[]): void {
    this.itemsSignal.update((items) => items.map((item) => (item.id === id ? { ...item, tags } : item)));
  }

  /** Reset the unread badge locally (the server is told by the thread). */
  markRead(id: string): void {
    this.itemsSignal.update((items) =>
      items.map((item) => (item.id === id && item.unreadCount ? { ...item, unreadCount: 0 } : item)),
    );
  }

  moveCursor(delta: 1 | -1): void {
    const count = this.itemsSignal().length;
    if (!count) return;
    const current = this.cursorIndex();
    const start = current === -1 ? this.itemsSignal().findIndex((item) => item.id === this.activeId()) : current;
    const next = start === -1 ? (delta === 1 ? 0 : count - 1) : Math.min(count - 1, Math.max(0, start + delta));
    this.cursorIndex.set(next);
  }

  private withActiveRead(item: ConversationListItem): ConversationListItem {
    return item.id === this.activeId() && item.unreadCount ? { ...item, unreadCount: 0 } : item;
  }
}
