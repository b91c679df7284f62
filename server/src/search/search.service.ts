import { Injectable } from '@nestjs/common';
import type { SearchResponse } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { mapConversation } from '../conversations/conversations.dto';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { visibilityOf } from '../conversations/conversations.service';
import { prefixTsQuery } from './search-query';
import { mapContactHit, mapMessageHit, SearchQuery } from './search.dto';
import { SearchRepository } from './search.repository';

/**
 * Search across conversations, contacts and message text, limited to what the caller may open
 * (managers: their own and unassigned conversations, like the list).
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly search: SearchRepository,
    private readonly conversations: ConversationsRepository,
  ) {}

  async find(auth: AuthUser, query: SearchQuery): Promise<SearchResponse> {
    const q = query.q.trim();
    const tsQuery = prefixTsQuery(q);
    if (!q) return { conversations: [], contacts: [], messages: [] };
    const limit = query.limit ?? 10;
    const visibility = visibilityOf(auth);
    const [conversations, contacts, messages] = await Promise.all([
      this.conversations.list(visibility, { status: 'all', q, limit }),
      this.search.contacts(visibility, q, limit),
      tsQuery ? this.search.messages(visibility, tsQuery, limit) : Promise.resolve([]),
    ]);
    return {
      conversations: conversations.slice(0, limit).map(mapConversation),
      contacts: contacts.map(mapContactHit),
      messages: messages.map(mapMessageHit),
    };
  }
}
