import { AuthService } from '../../../core/auth/auth.service';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  computed,
  effect,
  inject,
  input,
  untracked,
  viewChild,
} from '@angular/core';
import { CONVERSATION_STATUSES, type ChannelDto } from '@onebox/contracts';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { TagsStore } from '../../../shared/data-access/tags.store';
import { INBOX_TABS, LEAD_TABS, type InboxTab, type StatusFilter } from '../data-access/conversation-filter';
import { ConversationListStore } from '../data-access/conversation-list.store';
import { ConversationRowComponent } from '../ui/conversation-row.component';

/** Tabs, filters, search and the infinitely scrolling list of conversations. */
@Component({
  selector: 'ob-conversation-list',
  imports: [TranslatePipe, ConversationRowComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="filters">
      <div class="tabs" role="tablist">
        @for (tab of tabs(); track tab) {
          <button
            type="button"
            role="tab"
            class="tab"
            [class.tab--on]="store.filter().tab === tab"
            [attr.aria-selected]="store.filter().tab === tab"
            [attr.data-testid]="'tab-' + tab"
            (click)="setTab(tab)"
          >
            {{ 'list.tab.' + tab | t }}
          </button>
        }
      </div>
      <input
        class="input input--sm"
        type="search"
        data-testid="conversation-search"
        [placeholder]="'list.search' | t"
        [attr.aria-label]="'list.search' | t"
        [value]="store.filter().q"
        (input)="onSearch($any($event.target).value)"
      />
      <div class="selects">
        <select
          class="input input--sm"
          data-testid="status-filter"
          [attr.aria-label]="'list.statusFilter' | t"
          (change)="setStatus($any($event.target).value)"
        >
          @for (s of statuses; track s) {
            <option [value]="s" [selected]="store.filter().status === s">
              {{ (s === 'all' ? 'status.all' : 'status.' + s) | t }}
            </option>
          }
        </select>
        <select
          class="input input--sm"
          data-testid="channel-filter"
          [attr.aria-label]="'list.channelFilter' | t"
          (change)="setChannel($any($event.target).value)"
        >
          <option value="" [selected]="!store.filter().channelId">{{ 'list.allChannels' | t }}</option>
          @for (c of channels(); track c.id) {
            <option [value]="c.id" [selected]="store.filter().channelId === c.id">{{ c.name }}</option>
          }
        </select>
        <select
          class="input input--sm"
          data-testid="tag-filter"
          [attr.aria-label]="'list.tagFilter' | t"
          (change)="setTag($any($event.target).value)"
        >
          <option value="" [selected]="!store.filter().tag">{{ 'list.allTags' | t }}</option>
          @for (tag of tagOptions(); track tag) {
            <option [value]="tag" [selected]="store.filter().tag === tag">{{ tag }}</option>
          }
        </select>
      </div>
    </div>
    <div class="items" #list (scroll)="onScroll()" data-testid="conversation-list">
      @if (store.loading() && !store.items().length) {
        @for (i of skeletonRows; track i) {
          <div class="row-skeleton">
            <span class="skeleton skeleton--avatar"></span><span class="skeleton skeleton--lines"></span>
          </div>
        }
      } @else {
        @for (c of store.items(); track c.id; let i = $index) {
          <ob-conversation-row
            [conversation]="c"
            [account]="accounts().get(c.channel.id) ?? null"
            [active]="c.id === store.activeId()"
            [highlighted]="i === store.cursorIndex()"
            [meId]="auth.user()?.id ?? null"
          />
        } @empty {
          <div class="empty-state empty-state--small" data-testid="list-empty">
            <h3>{{ 'list.empty' | t }}</h3>
            <p>{{ 'list.emptyHint' | t }}</p>
          </div>
        }
        @if (store.hasMore()) {
          <button
            type="button"
            class="btn btn--ghost btn--block more"
            [disabled]="store.loadingMore()"
            (click)="store.loadMore()"
          >
            {{ (store.loadingMore() ? 'common.loading' : 'list.loadMore') | t }}
          </button>
        }
      }
    </div>
  `,
  styles: `
    :host {
      display: grid;
      grid-template-rows: auto minmax(0, 1fr);
      min-height: 0;
      height: 100%;
    }
    .filters {
      display: flex;
      flex-direction: column;
      gap: 8px;
      padding: 12px;
      border-bottom: 1px solid var(--border);
    }
    .tabs {
      display: flex;
      gap: 2px;
      padding: 2px;
      background: var(--hover);
      border-radius: 8px;
    }
    .tab {
      flex: 1;
      padding: 5px 6px;
      border: 0;
      border-radius: 6px;
      background: none;
      font: inherit;
      font-size: 12px;
      font-weight: 500;
      color: var(--text-muted);
      cursor: pointer;
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .tab--on {
      background: var(--surface);
      color: var(--text);
      box-shadow: 0 1px 2px rgba(16, 24, 40, 0.08);
    }
    .selects {
      display: grid;
      grid-template-columns: repeat(3, minmax(0, 1fr));
      gap: 8px;
    }
    .items {
      overflow-y: auto;
      padding: 6px;
      display: flex;
      flex-direction: column;
      gap: 2px;
    }
    .row-skeleton {
      display: flex;
      gap: 10px;
      padding: 10px 12px;
    }
    .skeleton--avatar {
      width: 32px;
      height: 32px;
      border-radius: 50%;
      flex: none;
    }
    .skeleton--lines {
      flex: 1;
      height: 40px;
      border-radius: 6px;
    }
    .more {
      margin-top: 4px;
    }
  `,
})
export class ConversationListComponent {
  protected readonly auth = inject(AuthService);
  protected readonly store = inject(ConversationListStore);
  private readonly list = viewChild.required<ElementRef<HTMLElement>>('list');
  /** Channels for the channel filter. */
  readonly channels = input<ChannelDto[]>([]);
  /** Account names (e.g. "@shop_bot") by channel id, for the rows. */
  protected readonly accounts = computed(
    () => new Map(this.channels().flatMap((c) => (c.accountName ? [[c.id, c.accountName] as const] : []))),
  );

  private readonly tags = inject(TagsStore);
  /** The workspace's tag names, plus the filtered one should it have been deleted meanwhile. */
  protected readonly tagOptions = computed(() => {
    const names = this.tags.tags().map((t) => t.name);
    const current = this.store.filter().tag;
    return current && !names.includes(current) ? [...names, current] : names;
  });

  /** Heads and admins also see the missed chats. */
  protected readonly tabs = computed(() => (this.auth.canReassign() ? LEAD_TABS : INBOX_TABS));
  protected readonly statuses: StatusFilter[] = [...CONVERSATION_STATUSES, 'all'];
  protected readonly skeletonRows = [1, 2, 3, 4, 5, 6];
  private searchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    // Keep the keyboard cursor visible.
    effect(() => {
      const index = this.store.cursorIndex();
      if (index < 0) return;
      untracked(() => {
        const rows = this.list().nativeElement.querySelectorAll('ob-conversation-row');
        (rows[index] as HTMLElement | undefined)?.scrollIntoView?.({ block: 'nearest' });
      });
    });
  }

  protected setTab(tab: InboxTab): void {
    this.store.setFilter({ tab });
  }

  protected setStatus(status: string): void {
    this.store.setFilter({ status: status as StatusFilter });
  }

  protected setChannel(channelId: string): void {
    this.store.setFilter({ channelId: channelId || null });
  }

  protected setTag(tag: string): void {
    this.store.setFilter({ tag: tag || null });
  }

  protected onSearch(q: string): void {
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => this.store.setFilter({ q }), 300);
  }

  protected onScroll(): void {
    const el = this.list().nativeElement;
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 120) this.store.loadMore();
  }
}
