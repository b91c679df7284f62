import { Inject, Injectable } from '@nestjs/common';
import type { AttachmentDto, AuthorType, DeliveryErrorCode, DeliveryStatus, MessageDirection } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { preparedQuery, returnedRows, type Db } from '../database/database';

export interface MessageRow {
  id: string;
  workspace_id: string;
  conversation_id: string;
  channel_id: string;
  cycle: number;
  direction: MessageDirection;
  author_type: AuthorType;
  author_id: string | null;
  author_name: string;
  text: string;
  attachments: AttachmentDto[];
  status: DeliveryStatus;
  error_code: DeliveryErrorCode | null;
  error_message: string | null;
  private: boolean;
  external_id: string | null;
  client_message_id: string | null;
  canned_response_id: string | null;
  template: { name: string; language: string; parameters: string[] } | null;
  /** Reply buttons sent under the message (survey prompts); presses come back as callback data. */
  buttons: { id: string; text: string }[] | null;
  edited_at: Date | null;
  created_at: Date;
}

export type NewMessage = Omit<
  MessageRow,
  'id' | 'error_code' | 'error_message' | 'created_at' | 'template' | 'edited_at' | 'buttons'
> & {
  created_at?: Date;
  template?: MessageRow['template'];
  buttons?: MessageRow['buttons'];
};

const COLUMNS = [
  'workspace_id',
  'conversation_id',
  'channel_id',
  'cycle',
  'direction',
  'author_type',
  'author_id',
  'author_name',
  'text',
  'attachments',
  'status',
  'private',
  'external_id',
  'client_message_id',
  'canned_response_id',
  'created_at',
  'template',
  'buttons',
] as const;

/** Which earlier statuses each status may replace: a message never moves backwards. */
const PREVIOUS: Record<Exclude<DeliveryStatus, 'received' | 'queued'>, DeliveryStatus[]> = {
  sent: ['queued', 'failed'],
  delivered: ['queued', 'sent', 'failed'],
  read: ['queued', 'sent', 'delivered', 'failed'],
  failed: ['queued', 'sent'],
};

@Injectable()
export class MessagesRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * Inserts a message unless its idempotency key is taken: `(channel_id, external_id)` for inbound
   * messages, `(workspace_id, conversation_id, client_message_id)` for agents' sends. Null when taken.
   */
  async insertUnlessDuplicate(tx: Db, message: NewMessage): Promise<MessageRow | null> {
    const values = COLUMNS.map((column) => {
      if (column === 'attachments') return JSON.stringify(message.attachments);
      if (column === 'created_at') return message.created_at ?? new Date();
      if (column === 'template') return message.template ? JSON.stringify(message.template) : null;
      if (column === 'buttons') return message.buttons?.length ? JSON.stringify(message.buttons) : null;
      return message[column];
    });
    const placeholders = COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await preparedQuery<MessageRow>(
      tx,
      'insert_message_unless_duplicate',
      `INSERT INTO messages (${COLUMNS.join(', ')}) VALUES (${placeholders}) ON CONFLICT DO NOTHING RETURNING *`,
      values,
    );
    return rows[0] ?? null;
  }

  async findByClientMessageId(
    tx: Db,
    workspaceId: string,
    conversationId: string,
    clientMessageId: string,
  ): Promise<MessageRow | null> {
    const rows: MessageRow[] = await tx.query(
      'SELECT * FROM messages WHERE workspace_id = $1 AND conversation_id = $2 AND client_message_id = $3',
      [workspaceId, conversationId, clientMessageId],
    );
    return rows[0] ?? null;
  }

  async findByExternalId(channelId: string, externalId: string): Promise<MessageRow | null> {
    const rows: MessageRow[] = await this.db.query(
      'SELECT * FROM messages WHERE channel_id = $1 AND external_id = $2',
      [channelId, externalId],
    );
    return rows[0] ?? null;
  }

  async findById(id: string, tx: Db = this.db.manager): Promise<MessageRow | null> {
    const rows: MessageRow[] = await tx.query('SELECT * FROM messages WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  /** A page of the thread, newest first, strictly older than `beforeId` when given. */
  listThread(
    workspaceId: string,
    conversationId: string,
    page: { beforeId?: string; limit: number; includePrivate: boolean },
  ): Promise<MessageRow[]> {
    const params: unknown[] = [workspaceId, conversationId, page.limit];
    let before = '';
    if (page.beforeId) {
      params.push(page.beforeId);
      before = `AND (m.created_at, m.id) < (SELECT b.created_at, b.id FROM messages b
        WHERE b.id = $4 AND b.workspace_id = $1 AND b.conversation_id = $2)`;
    }
    const privacy = page.includePrivate ? '' : 'AND m.private = false';
    return this.db.query(
      `SELECT m.* FROM messages m WHERE m.workspace_id = $1 AND m.conversation_id = $2 ${privacy} ${before}
       ORDER BY m.created_at DESC, m.id DESC LIMIT $3`,
      params,
    );
  }

  /** A cycle's messages customers saw (no private notes), oldest first: the CRM transcript. */
  listCycle(workspaceId: string, conversationId: string, cycle: number): Promise<MessageRow[]> {
    return this.db.query(
      `SELECT * FROM messages WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3 AND private = false
       ORDER BY created_at, id LIMIT 1000`,
      [workspaceId, conversationId, cycle],
    );
  }

  /** Whether an earlier outgoing message of the same conversation is still waiting to be delivered. */
  async hasEarlierQueued(
    message: Pick<MessageRow, 'workspace_id' | 'conversation_id' | 'created_at' | 'id'>,
  ): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM messages WHERE workspace_id = $1 AND conversation_id = $2 AND direction = 'out' AND private = false
         AND status = 'queued' AND (created_at, id) < ($3, $4) LIMIT 1`,
      [message.workspace_id, message.conversation_id, message.created_at, message.id],
    );
    return rows.length > 0;
  }

  /** A manager's retry of a failed message: back to `queued`, error cleared. Null unless it had failed. */
  async requeueFailed(tx: Db, workspaceId: string, conversationId: string, id: string): Promise<MessageRow | null> {
    const rows = returnedRows<MessageRow>(
      await tx.query(
        `UPDATE messages SET status = 'queued', error_code = NULL, error_message = NULL, updated_at = now()
         WHERE workspace_id = $1 AND conversation_id = $2 AND id = $3 AND status = 'failed' AND direction = 'out' RETURNING *`,
        [workspaceId, conversationId, id],
      ),
    );
    return rows[0] ?? null;
  }

  /** Applies a customer's edit; the first text is kept in `original_text`. Null when unknown. */
  async applyEdit(channelId: string, externalId: string, text: string, editedAt: Date): Promise<MessageRow | null> {
    const rows = returnedRows<MessageRow>(
      await this.db.query(
        `UPDATE messages SET original_text = COALESCE(original_text, text), text = $3, edited_at = $4, updated_at = now()
         WHERE channel_id = $1 AND external_id = $2 AND direction = 'in' AND text IS DISTINCT FROM $3 RETURNING *`,
        [channelId, externalId, text, editedAt],
      ),
    );
    return rows[0] ?? null;
  }

  /** Moves the delivery status forward; null when the move would go backwards (nothing changes). */
  async advanceStatus(
    id: string,
    next: keyof typeof PREVIOUS,
    change: { externalId?: string; error?: { code: DeliveryErrorCode; message: string } } = {},
  ): Promise<MessageRow | null> {
    const rows = returnedRows<MessageRow>(
      await this.db.query(
        `UPDATE messages SET status = $2, external_id = COALESCE($3, external_id),
         error_code = $4, error_message = $5, updated_at = now()
       WHERE id = $1 AND status = ANY ($6::text[]) RETURNING *`,
        [
          id,
          next,
          change.externalId ?? null,
          change.error?.code ?? null,
          change.error?.message ?? null,
          PREVIOUS[next],
        ],
      ),
    );
    return rows[0] ?? null;
  }
}
