import { Inject, Injectable } from '@nestjs/common';
import type { ChannelType, ConversationStatus, MessageDirection } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { preparedQuery, returnedRows, type Db } from '../database/database';
import { FTS_CONFIG, likePattern, messageVector, phoneDigits, prefixTsQuery } from '../search/search-query';

export interface ConversationRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  contact_id: string;
  status: ConversationStatus;
  assignee_id: string | null;
  tags: string[];
  cycle: number;
  cycle_started_at: Date;
  first_customer_message_at: Date | null;
  first_human_reply_at: Date | null;
  last_customer_message_at: Date | null;
  last_message_at: Date;
  last_message_text: string | null;
  last_message_direction: MessageDirection | null;
  last_message_author_id: string | null;
  last_message_author_name: string | null;
  resolved_at: Date | null;
  snoozed_until?: Date | null;
  /** The FAQ bot's state in cycle `bot_cycle` (see the bot-search-notes migration). */
  bot_state?: 'active' | 'handed_over' | null;
  bot_cycle?: number | null;
  unread_count: number;
  created_at: Date;
  updated_at: Date;
}

/** A conversation with what the list shows beside it. `cursor_at` is the exact sort key as text. */
export interface ConversationListRow extends ConversationRow {
  channel_type: ChannelType;
  channel_name: string;
  contact_name: string;
  assignee_name: string | null;
  cursor_at: string;
  /** The conversation's latest deal, when a CRM is connected (see `LATEST_DEAL`). */
  deal_id?: string | null;
  deal_title?: string | null;
  deal_stage?: string | null;
  deal_semantic?: 'open' | 'won' | 'lost' | null;
  deal_amount?: string | null;
  deal_currency?: string | null;
}

/** Joins the latest deal of conversation `alias` (columns deal_*), for the list and its broadcasts. */
export function latestDealJoin(alias: string): string {
  return `LEFT JOIN LATERAL (
    SELECT d.id AS deal_id, d.title AS deal_title, COALESCE(d.stage_name, d.stage_id) AS deal_stage, d.semantic AS deal_semantic,
           d.amount::text AS deal_amount, d.currency AS deal_currency
    FROM deals d WHERE d.workspace_id = ${alias}.workspace_id AND d.conversation_id = ${alias}.id
    ORDER BY d.created_at DESC LIMIT 1) dl ON true`;
}

/** Who may see what: managers see their own and unassigned conversations (`userId`), others all. */
export interface Visibility {
  workspaceId: string;
  restrictToUserId: string | null;
}

export interface ListFilter {
  status: ConversationStatus | 'all';
  channelId?: string;
  assignee?: { kind: 'unassigned' } | { kind: 'user'; id: string };
  tag?: string;
  q?: string;
  /** Only conversations whose current cycle was marked missed. */
  missed?: boolean;
  after?: { at: string; id: string };
  limit: number;
}

const LIST_SELECT = `
  SELECT c.*, ch.type AS channel_type, ch.name AS channel_name, ct.name AS contact_name,
         u.name AS assignee_name, c.last_message_at::text AS cursor_at, dl.*
  FROM conversations c
  JOIN channels ch ON ch.id = c.channel_id
  JOIN contacts ct ON ct.id = c.contact_id
  LEFT JOIN users u ON u.id = c.assignee_id
  ${latestDealJoin('c')}`;

/** Builds positional SQL parameters as conditions are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function visibilitySql(v: Visibility, p: Params): string {
  const ws = `c.workspace_id = ${p.add(v.workspaceId)}`;
  if (!v.restrictToUserId) return ws;
  return `${ws} AND (c.assignee_id IS NULL OR c.assignee_id = ${p.add(v.restrictToUserId)})`;
}

@Injectable()
export class ConversationsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** Keyset page ordered by last message, newest first; fetches one extra row to know if more exist. */
  list(visibility: Visibility, filter: ListFilter): Promise<ConversationListRow[]> {
    const p = new Params();
    const where = [visibilitySql(visibility, p)];
    if (filter.status !== 'all') where.push(`c.status = ${p.add(filter.status)}`);
    if (filter.channelId) where.push(`c.channel_id = ${p.add(filter.channelId)}`);
    if (filter.assignee?.kind === 'unassigned') where.push('c.assignee_id IS NULL');
    if (filter.assignee?.kind === 'user') where.push(`c.assignee_id = ${p.add(filter.assignee.id)}`);
    if (filter.tag) where.push(`${p.add(filter.tag)} = ANY (c.tags)`);
    if (filter.missed)
      where.push(`EXISTS (SELECT 1 FROM conversation_events me WHERE me.workspace_id = c.workspace_id
        AND me.conversation_id = c.id AND me.cycle = c.cycle AND me.type = 'missed')`);
    if (filter.q) {
      // Contacts by substring (and phone digits); message text by full-text search (GIN, stemmed prefixes).
      const like = p.add(likePattern(filter.q));
      const terms = [`ct.name ILIKE ${like}`, `ct.email ILIKE ${like}`, `ct.phone ILIKE ${like}`];
      const digits = phoneDigits(filter.q);
      if (digits) terms.push(`regexp_replace(ct.phone, '\\D', '', 'g') LIKE ${p.add(`%${digits}%`)}`);
      const query = prefixTsQuery(filter.q);
      if (query)
        terms.push(`c.id IN (SELECT m.conversation_id FROM messages m WHERE m.workspace_id = ${p.add(visibility.workspaceId)}
          AND ${messageVector('m')} @@ to_tsquery('${FTS_CONFIG}', ${p.add(query)}))`);
      where.push(`(${terms.join(' OR ')})`);
    }
    if (filter.after) {
      where.push(
        `(c.last_message_at, c.id) < (${p.add(filter.after.at)}::timestamptz, ${p.add(filter.after.id)}::uuid)`,
      );
    }
    const sql = `${LIST_SELECT} WHERE ${where.join(' AND ')} ORDER BY c.last_message_at DESC, c.id DESC LIMIT ${p.add(filter.limit + 1)}`;
    return this.db.query(sql, p.values);
  }

  async findVisible(visibility: Visibility, id: string, tx: Db = this.db.manager): Promise<ConversationListRow | null> {
    const p = new Params();
    const sql = `${LIST_SELECT} WHERE ${visibilitySql(visibility, p)} AND c.id = ${p.add(id)}`;
    const rows: ConversationListRow[] = await tx.query(sql, p.values);
    return rows[0] ?? null;
  }

  /** Locks a visible conversation for the rest of the transaction. */
  async lockVisible(
    tx: Db,
    visibility: Visibility,
    id: string,
  ): Promise<(ConversationRow & { channel_type: ChannelType }) | null> {
    const p = new Params();
    const sql = `SELECT c.*, ch.type AS channel_type FROM conversations c JOIN channels ch ON ch.id = c.channel_id
      WHERE ${visibilitySql(visibility, p)} AND c.id = ${p.add(id)} FOR UPDATE OF c`;
    const rows: (ConversationRow & { channel_type: ChannelType })[] = await tx.query(sql, p.values);
    return rows[0] ?? null;
  }

  async findById(id: string, tx: Db = this.db.manager): Promise<ConversationListRow | null> {
    const rows: ConversationListRow[] = await tx.query(`${LIST_SELECT} WHERE c.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async findIdByChannelContact(channelId: string, contactId: string): Promise<string | null> {
    const rows: { id: string }[] = await this.db.query(
      'SELECT id FROM conversations WHERE channel_id = $1 AND contact_id = $2',
      [channelId, contactId],
    );
    return rows[0]?.id ?? null;
  }

  /** Other conversations of the same contact that the caller may see, newest first. */
  listOfContact(visibility: Visibility, contactId: string, exceptId: string): Promise<ConversationListRow[]> {
    const p = new Params();
    const sql = `${LIST_SELECT} WHERE ${visibilitySql(visibility, p)} AND c.contact_id = ${p.add(contactId)}
      AND c.id <> ${p.add(exceptId)} ORDER BY c.last_message_at DESC LIMIT 20`;
    return this.db.query(sql, p.values);
  }

  /**
   * The conversation of (channel, contact), created if new, locked either way.
   * `created` tells whether this call opened it.
   */
  async openOrLock(
    tx: Db,
    key: { workspaceId: string; channelId: string; contactId: string; at: Date },
  ): Promise<{ conversation: ConversationRow; created: boolean }> {
    // Most messages continue an existing conversation: lock it first, insert only when missing.
    const existing: ConversationRow[] = await tx.query(
      'SELECT * FROM conversations WHERE channel_id = $1 AND contact_id = $2 FOR UPDATE',
      [key.channelId, key.contactId],
    );
    if (existing[0]) return { conversation: existing[0], created: false };
    const inserted: ConversationRow[] = await tx.query(
      `INSERT INTO conversations (workspace_id, channel_id, contact_id, status, cycle_started_at, last_message_at)
       VALUES ($1, $2, $3, 'open', $4, $4) ON CONFLICT (channel_id, contact_id) DO NOTHING RETURNING *`,
      [key.workspaceId, key.channelId, key.contactId, key.at],
    );
    if (inserted[0]) return { conversation: inserted[0], created: true };
    const rows: ConversationRow[] = await tx.query(
      'SELECT * FROM conversations WHERE channel_id = $1 AND contact_id = $2 FOR UPDATE',
      [key.channelId, key.contactId],
    );
    return { conversation: rows[0], created: false };
  }

  /** Starts a new cycle after resolution: the cycle's timestamps start over. */
  async startNewCycle(tx: Db, id: string, at: Date): Promise<ConversationRow> {
    const rows = returnedRows<ConversationRow>(
      await tx.query(
        `UPDATE conversations SET cycle = cycle + 1, status = 'open', cycle_started_at = $2,
         first_customer_message_at = NULL, first_human_reply_at = NULL, resolved_at = NULL, snoozed_until = NULL,
         updated_at = now()
       WHERE id = $1 RETURNING *`,
        [id, at],
      ),
    );
    return rows[0];
  }

  /** Records a customer message on the conversation; answers the updated row as the list shows it. */
  async recordCustomerMessage(tx: Db, id: string, at: Date, preview: string): Promise<ConversationListRow> {
    const rows = await preparedQuery<ConversationListRow>(
      tx,
      'ingest_record_customer_message',
      `WITH c AS (
         UPDATE conversations SET first_customer_message_at = COALESCE(first_customer_message_at, $2),
           last_customer_message_at = $2, last_message_at = GREATEST(last_message_at, $2), last_message_text = $3,
           last_message_direction = 'in', last_message_author_id = NULL, last_message_author_name = NULL,
           unread_count = unread_count + 1,
           status = CASE WHEN status = 'snoozed' THEN 'open' ELSE status END, snoozed_until = NULL, updated_at = now()
         WHERE id = $1 RETURNING *)
       SELECT c.*, ch.type AS channel_type, ch.name AS channel_name, ct.name AS contact_name,
              u.name AS assignee_name, c.last_message_at::text AS cursor_at, dl.*
       FROM c JOIN channels ch ON ch.id = c.channel_id JOIN contacts ct ON ct.id = c.contact_id
       LEFT JOIN users u ON u.id = c.assignee_id ${latestDealJoin('c')}`,
      [id, at, preview],
    );
    return rows[0];
  }

  /**
   * A returning customer's conversation, locked, found by their identity on the channel in one
   * statement (the common case of ingest); null when the contact or conversation is new.
   */
  async lockByIdentity(
    tx: Db,
    channelId: string,
    externalId: string,
  ): Promise<(ConversationRow & { contact_name: string }) | null> {
    const rows = await preparedQuery<ConversationRow & { contact_name: string }>(
      tx,
      'ingest_lock_by_identity',
      `SELECT c.*, ct.name AS contact_name FROM contact_identities ci
       JOIN conversations c ON c.channel_id = ci.channel_id AND c.contact_id = ci.contact_id
       JOIN contacts ct ON ct.id = ci.contact_id
       WHERE ci.channel_id = $1 AND ci.external_id = $2 FOR UPDATE OF c`,
      [channelId, externalId],
    );
    return rows[0] ?? null;
  }

  async recordAgentMessage(
    tx: Db,
    id: string,
    at: Date,
    preview: string,
    humanReply: boolean,
    author: { id: string | null; name: string },
  ): Promise<void> {
    await tx.query(
      `UPDATE conversations SET last_message_at = GREATEST(last_message_at, $2), last_message_text = $3,
         last_message_direction = 'out', last_message_author_id = $5, last_message_author_name = $6,
         first_human_reply_at = CASE WHEN $4 THEN COALESCE(first_human_reply_at, $2) ELSE first_human_reply_at END,
         unread_count = 0, updated_at = now()
       WHERE id = $1`,
      [id, at, preview, humanReply, author.id, author.name],
    );
  }

  async setTags(tx: Db, id: string, tags: string[]): Promise<void> {
    await tx.query('UPDATE conversations SET tags = $2::text[], updated_at = now() WHERE id = $1', [id, tags]);
  }

  async setAssignee(tx: Db, id: string, assigneeId: string | null): Promise<void> {
    await tx.query('UPDATE conversations SET assignee_id = $2, updated_at = now() WHERE id = $1', [id, assigneeId]);
  }

  /** `snoozedUntil` is kept only with the `snoozed` status; any other status clears it. */
  async setStatus(
    tx: Db,
    id: string,
    status: ConversationStatus,
    at: Date,
    snoozedUntil: Date | null = null,
  ): Promise<void> {
    await tx.query(
      `UPDATE conversations SET status = $2,
         resolved_at = CASE WHEN $2 = 'resolved' THEN $3::timestamptz ELSE NULL END,
         snoozed_until = CASE WHEN $2 = 'snoozed' THEN $4::timestamptz ELSE NULL END, updated_at = now()
       WHERE id = $1`,
      [id, status, at, snoozedUntil],
    );
  }

  /** Answers false when the conversation is not visible to the caller. */
  async markRead(visibility: Visibility, id: string): Promise<boolean> {
    const p = new Params();
    const [, count]: [unknown, number] = await this.db.query(
      `UPDATE conversations c SET unread_count = 0 WHERE ${visibilitySql(visibility, p)} AND c.id = ${p.add(id)}`,
      p.values,
    );
    return count > 0;
  }
}
