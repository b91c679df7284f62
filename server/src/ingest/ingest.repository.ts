import { Inject, Injectable } from '@nestjs/common';
import type { AttachmentDto } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { latestDealJoin, type ConversationListRow } from '../conversations/conversations.repository';
import type { MessageRow } from '../conversations/messages.repository';
import { preparedStatement } from '../database/database';
import { BOT_MAX_ATTEMPTS, BOT_QUEUE, botPhaseSql } from '../bot/bot.constants';

/**
 * A returning customer's message to a conversation that is not resolved, in ONE statement: the
 * conversation row is locked (a concurrent resolve makes it miss), the message inserted unless its
 * external id is already stored, the conversation's timestamps and unread count updated and the
 * `message_in` event appended — all or nothing, like a transaction, in one round trip. While the
 * cycle is in the FAQ bot's phase, a `bot` job for the message is enqueued too (`b`).
 */
const APPEND_TO_OPEN_CONVERSATION = `
  WITH conv AS (
    SELECT c.id, c.workspace_id, c.channel_id, c.cycle, c.contact_id, ct.name AS contact_name
    FROM contact_identities ci
    JOIN conversations c ON c.channel_id = ci.channel_id AND c.contact_id = ci.contact_id
    JOIN contacts ct ON ct.id = ci.contact_id
    WHERE ci.channel_id = $1 AND ci.external_id = $2 AND c.status <> 'resolved'
    FOR UPDATE OF c
  ),
  m AS (
    INSERT INTO messages (workspace_id, conversation_id, channel_id, cycle, direction, author_type, author_id,
                          author_name, text, attachments, status, private, external_id, client_message_id, created_at)
    SELECT workspace_id, id, channel_id, cycle, 'in', 'contact', contact_id, contact_name, $3, $4::jsonb, 'received',
           false, $5, $6, $7 FROM conv
    ON CONFLICT DO NOTHING RETURNING *
  ),
  u AS (
    UPDATE conversations c SET first_customer_message_at = COALESCE(c.first_customer_message_at, $7),
      last_customer_message_at = $7, last_message_at = GREATEST(c.last_message_at, $7), last_message_text = $8,
      last_message_direction = 'in', last_message_author_id = NULL, last_message_author_name = NULL,
      unread_count = c.unread_count + 1,
      status = CASE WHEN c.status = 'snoozed' THEN 'open' ELSE c.status END, snoozed_until = NULL, updated_at = now()
    FROM m WHERE c.id = m.conversation_id RETURNING c.*
  ),
  e AS (
    INSERT INTO conversation_events (workspace_id, conversation_id, channel_id, cycle, type, actor_type, actor_id, at, payload)
    SELECT workspace_id, conversation_id, channel_id, cycle, 'message_in', 'contact', author_id, created_at,
           jsonb_build_object('messageId', id) FROM m
  ),
  b AS (
    INSERT INTO jobs (workspace_id, queue, payload, max_attempts)
    SELECT u.workspace_id, '${BOT_QUEUE}', jsonb_build_object('conversationId', u.id, 'messageId', m.id), ${BOT_MAX_ATTEMPTS}
    FROM u JOIN m ON m.conversation_id = u.id JOIN channels bch ON bch.id = u.channel_id
    WHERE ${botPhaseSql('u', 'bch')}
    RETURNING id
  )
  SELECT row_to_json(m.*) AS message, row_to_json(u.*) AS conversation, ch.type AS channel_type,
         ch.name AS channel_name, conv.contact_name, us.name AS assignee_name, u.last_message_at::text AS cursor_at,
         EXISTS (SELECT 1 FROM b) AS bot_job, dl.*
  FROM m JOIN u ON u.id = m.conversation_id JOIN conv ON conv.id = u.id JOIN channels ch ON ch.id = u.channel_id
  LEFT JOIN users us ON us.id = u.assignee_id ${latestDealJoin('u')}`;

const MESSAGE_DATES = ['created_at', 'edited_at'] as const;
const CONVERSATION_DATES = [
  'cycle_started_at',
  'first_customer_message_at',
  'first_human_reply_at',
  'last_customer_message_at',
  'last_message_at',
  'resolved_at',
  'snoozed_until',
  'created_at',
  'updated_at',
] as const;

interface AppendRow {
  message: Record<string, unknown>;
  conversation: Record<string, unknown>;
  channel_type: ConversationListRow['channel_type'];
  channel_name: string;
  contact_name: string;
  assignee_name: string | null;
  cursor_at: string;
  bot_job: boolean;
  deal_id: string | null;
  deal_title: string | null;
  deal_stage: string | null;
  deal_semantic: 'open' | 'won' | 'lost' | null;
  deal_amount: string | null;
  deal_currency: string | null;
}

@Injectable()
export class IngestRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * Appends the message to the customer's open conversation; null when there is none (new
   * customer, resolved conversation) or the message is already stored: the caller then takes the
   * full path.
   */
  async appendToOpenConversation(input: {
    channelId: string;
    externalUserId: string;
    externalMessageId: string;
    clientMessageId: string | null;
    text: string;
    attachments: AttachmentDto[];
    sentAt: Date;
    preview: string;
  }): Promise<{ message: MessageRow; conversation: ConversationListRow; botJob: boolean } | null> {
    const rows = await preparedStatement<AppendRow>(
      this.db,
      'ingest_append_to_open_conversation',
      APPEND_TO_OPEN_CONVERSATION,
      [
        input.channelId,
        input.externalUserId,
        input.text,
        JSON.stringify(input.attachments),
        input.externalMessageId,
        input.clientMessageId,
        input.sentAt,
        input.preview,
      ],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      botJob: row.bot_job,
      message: withDates(row.message, MESSAGE_DATES) as unknown as MessageRow,
      conversation: {
        ...(withDates(row.conversation, CONVERSATION_DATES) as unknown as ConversationListRow),
        channel_type: row.channel_type,
        channel_name: row.channel_name,
        contact_name: row.contact_name,
        assignee_name: row.assignee_name,
        cursor_at: row.cursor_at,
        deal_id: row.deal_id,
        deal_title: row.deal_title,
        deal_stage: row.deal_stage,
        deal_semantic: row.deal_semantic,
        deal_amount: row.deal_amount,
        deal_currency: row.deal_currency,
      },
    };
  }
}

/** `row_to_json` renders timestamps as ISO strings; the rest of the code expects Dates. */
function withDates(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const copy = { ...record };
  for (const field of fields) if (typeof copy[field] === 'string') copy[field] = new Date(copy[field] as string);
  return copy;
}
