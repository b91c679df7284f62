import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';
import type { Mentionable } from './mention-parser';

export interface MentionRow {
  id: string;
  workspace_id: string;
  message_id: string;
  conversation_id: string;
  user_id: string;
  created_at: Date;
  read_at: Date | null;
  text: string;
  author_id: string | null;
  author_name: string;
  contact_id: string;
  contact_name: string;
}

const MENTION_SELECT = `
  SELECT mn.id, mn.workspace_id, mn.message_id, mn.conversation_id, mn.user_id, mn.created_at, mn.read_at,
         m.text, m.author_id, m.author_name, ct.id AS contact_id, ct.name AS contact_name
  FROM mentions mn
  JOIN messages m ON m.id = mn.message_id
  JOIN conversations c ON c.id = mn.conversation_id
  JOIN contacts ct ON ct.id = c.contact_id`;

@Injectable()
export class MentionsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** Every user of the workspace, for `@Name` matching and id checks. */
  async listUsers(tx: Db, workspaceId: string): Promise<Mentionable[]> {
    return tx.query('SELECT id, name FROM users WHERE workspace_id = $1', [workspaceId]);
  }

  async insert(
    tx: Db,
    mention: { workspaceId: string; messageId: string; conversationId: string; authorId: string; at: Date },
    userIds: string[],
  ): Promise<MentionRow[]> {
    if (userIds.length === 0) return [];
    const inserted = returnedRows<{ id: string }>(
      await tx.query(
        `INSERT INTO mentions (workspace_id, message_id, conversation_id, user_id, author_id, created_at)
         SELECT $1, $2, $3, u, $4, $5 FROM unnest($6::uuid[]) AS u
         ON CONFLICT DO NOTHING RETURNING id`,
        [mention.workspaceId, mention.messageId, mention.conversationId, mention.authorId, mention.at, userIds],
      ),
    );
    if (inserted.length === 0) return [];
    return tx.query(
      `${MENTION_SELECT} WHERE mn.workspace_id = $1 AND mn.id = ANY ($2::uuid[]) ORDER BY mn.created_at`,
      [mention.workspaceId, inserted.map((r) => r.id)],
    );
  }

  list(workspaceId: string, userId: string, options: { unreadOnly: boolean; limit: number }): Promise<MentionRow[]> {
    return this.db.query(
      `${MENTION_SELECT} WHERE mn.workspace_id = $1 AND mn.user_id = $2 ${options.unreadOnly ? 'AND mn.read_at IS NULL' : ''}
       ORDER BY mn.created_at DESC, mn.id DESC LIMIT $3`,
      [workspaceId, userId, options.limit],
    );
  }

  async unreadCount(workspaceId: string, userId: string): Promise<number> {
    const rows: { n: number }[] = await this.db.query(
      'SELECT count(*)::int AS n FROM mentions WHERE workspace_id = $1 AND user_id = $2 AND read_at IS NULL',
      [workspaceId, userId],
    );
    return rows[0]?.n ?? 0;
  }

  /** False when the mention is not the user's (or not in the workspace). */
  async markRead(workspaceId: string, userId: string, id: string): Promise<boolean> {
    const rows = returnedRows(
      await this.db.query(
        `UPDATE mentions SET read_at = COALESCE(read_at, now())
         WHERE workspace_id = $1 AND user_id = $2 AND id = $3 RETURNING id`,
        [workspaceId, userId, id],
      ),
    );
    return rows.length > 0;
  }
}
