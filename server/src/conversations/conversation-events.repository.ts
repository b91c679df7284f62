import { Injectable } from '@nestjs/common';
import type { AuthorType, ConversationEventType } from '@onebox/contracts';
import { preparedQuery, type Db } from '../database/database';

export interface NewConversationEvent {
  workspaceId: string;
  conversationId: string;
  channelId: string;
  cycle: number;
  type: ConversationEventType;
  actorType: AuthorType;
  actorId: string | null;
  at: Date;
  payload?: Record<string, unknown>;
}

/** The append-only event log metrics are computed from; written in the same transaction as the change. */
@Injectable()
export class ConversationEventsRepository {
  async append(tx: Db, events: NewConversationEvent[]): Promise<void> {
    if (events.length === 0) return;
    const values: unknown[] = [];
    const rows = events.map((e) => {
      const base = values.length;
      values.push(
        e.workspaceId,
        e.conversationId,
        e.channelId,
        e.cycle,
        e.type,
        e.actorType,
        e.actorId,
        e.at,
        JSON.stringify(e.payload ?? {}),
      );
      return `(${Array.from({ length: 9 }, (_, i) => `$${base + i + 1}`).join(', ')})`;
    });
    await preparedQuery(
      tx,
      `append_conversation_events_${events.length}`,
      `INSERT INTO conversation_events (workspace_id, conversation_id, channel_id, cycle, type, actor_type, actor_id, at, payload)
       VALUES ${rows.join(', ')}`,
      values,
    );
  }
}
