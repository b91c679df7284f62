import type { ConversationListItem, ConversationListQuery, ConversationStatus } from '@onebox/contracts';

export type InboxTab = 'mine' | 'unassigned' | 'all' | 'missed';
export const INBOX_TABS: readonly InboxTab[] = ['mine', 'unassigned', 'all'];
/** Heads and admins also get the missed chats. */
export const LEAD_TABS: readonly InboxTab[] = [...INBOX_TABS, 'missed'];
export type StatusFilter = ConversationStatus | 'all';

export interface ConversationFilter {
  tab: InboxTab;
  status: StatusFilter;
  channelId: string | null;
  /** A tag name; only conversations carrying it. */
  tag: string | null;
  q: string;
}

export const DEFAULT_FILTER: ConversationFilter = { tab: 'all', status: 'open', channelId: null, tag: null, q: '' };

export function toQuery(filter: ConversationFilter, cursor: string | null, limit: number): ConversationListQuery {
  return {
    assignee: filter.tab === 'mine' ? 'me' : filter.tab === 'unassigned' ? 'unassigned' : undefined,
    missed: filter.tab === 'missed' ? true : undefined,
    status: filter.status,
    channelId: filter.channelId ?? undefined,
    tag: filter.tag ?? undefined,
    q: filter.q.trim() || undefined,
    cursor: cursor ?? undefined,
    limit,
  };
}

/**
 * Whether a conversation belongs in the list under `filter`, judged on the client for live
 * updates. The search text is matched on name and last message; `alreadyListed` items keep
 * their place on search, since the server may have matched them on fields we do not see.
 */
export function matchesFilter(
  item: ConversationListItem,
  filter: ConversationFilter,
  meId: string | null,
  alreadyListed: boolean,
): boolean {
  if (filter.tab === 'mine' && (!meId || item.assignee?.id !== meId)) return false;
  if (filter.tab === 'unassigned' && item.assignee) return false;
  // Whether a cycle was missed is not on the item: the missed view keeps what the server listed.
  if (filter.tab === 'missed' && !alreadyListed) return false;
  if (filter.status !== 'all' && item.status !== filter.status) return false;
  if (filter.channelId && item.channel.id !== filter.channelId) return false;
  if (filter.tag && !(item.tags ?? []).includes(filter.tag)) return false;
  const q = filter.q.trim().toLowerCase();
  if (q && !alreadyListed) {
    const haystack = `${item.contact.name} ${item.lastMessage?.text ?? ''}`.toLowerCase();
    if (!haystack.includes(q)) return false;
  }
  return true;
}

/** The list order: latest activity first. */
export function activityTime(item: ConversationListItem): number {
  return new Date(item.lastMessage?.createdAt ?? item.updatedAt ?? item.createdAt).getTime() || 0;
}

export function sortByActivity(items: ConversationListItem[]): ConversationListItem[] {
  return [...items].sort((a, b) => activityTime(b) - activityTime(a));
}
