import { Injectable } from '@nestjs/common';
import type { MentionListResponse } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import type { MessageRow } from '../conversations/messages.repository';
import type { Db } from '../database/database';
import { RealtimeService } from '../realtime/realtime.service';
import { parseMentions } from './mention-parser';
import { ListMentionsQuery, mapMention } from './mentions.dto';
import type { MentionRow } from './mentions.repository';
import { MentionsRepository } from './mentions.repository';

/**
 * Private notes and their @mentions: a note mentions the users named `@Name` in its text and
 * those given as `mentionedUserIds`; each mention is stored, the note recorded as `note_added`,
 * and the mentioned users are told live (`mention.created` to their user room) after the commit.
 */
@Injectable()
export class NotesService {
  constructor(
    private readonly mentions: MentionsRepository,
    private readonly events: ConversationEventsRepository,
    private readonly realtime: RealtimeService,
  ) {}

  /**
   * In the transaction that stored the private note `message`. A `mentionedUserIds` entry that is
   * not a user of the workspace answers 400 and rolls the note back. Answers the stored mentions
   * (pass them to `notify` after the commit).
   */
  async recordNote(
    tx: Db,
    auth: AuthUser,
    conversation: { id: string; channel_id: string; cycle: number },
    message: MessageRow,
    mentionedUserIds: string[] = [],
  ): Promise<MentionRow[]> {
    const users = await this.mentions.listUsers(tx, auth.workspaceId);
    const known = new Set(users.map((u) => u.id));
    const unknown = mentionedUserIds.filter((id) => !known.has(id));
    if (unknown.length)
      throw ApiException.invalid('mentionedUserIds', `not users of this workspace: ${unknown.join(', ')}`);
    const mentioned = [...new Set([...mentionedUserIds, ...parseMentions(message.text, users)])].filter(
      (id) => id !== auth.id,
    );
    const rows = await this.mentions.insert(
      tx,
      {
        workspaceId: auth.workspaceId,
        messageId: message.id,
        conversationId: conversation.id,
        authorId: auth.id,
        at: message.created_at,
      },
      mentioned,
    );
    await this.events.append(tx, [
      {
        workspaceId: auth.workspaceId,
        conversationId: conversation.id,
        channelId: conversation.channel_id,
        cycle: conversation.cycle,
        type: 'note_added',
        actorType: 'agent',
        actorId: auth.id,
        at: message.created_at,
        payload: { messageId: message.id, mentionedUserIds: mentioned },
      },
    ]);
    return rows;
  }

  /** After the note's commit: each mentioned user's open tabs learn about it. */
  notify(mentions: MentionRow[]): void {
    for (const mention of mentions) this.realtime.toUser(mention.user_id, 'mention.created', mapMention(mention));
  }

  async list(auth: AuthUser, query: ListMentionsQuery): Promise<MentionListResponse> {
    const [rows, unreadCount] = await Promise.all([
      this.mentions.list(auth.workspaceId, auth.id, { unreadOnly: query.unread ?? false, limit: query.limit ?? 30 }),
      this.mentions.unreadCount(auth.workspaceId, auth.id),
    ]);
    return { items: rows.map(mapMention), unreadCount };
  }

  async markRead(auth: AuthUser, id: string): Promise<void> {
    if (!(await this.mentions.markRead(auth.workspaceId, auth.id, id))) throw ApiException.notFound('Mention');
  }
}
