import { Inject, Injectable } from '@nestjs/common';
import type { AttachmentDto } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { latestDealJoin, type ConversationListRow } from '../conversations/conversations.repository';
import type { MessageRow } from '../conversations/messages.repository';
import { preparedStatement } from '../database/database';
import { BOT_MAX_ATTEMPTS, BOT_QUEUE, botPhaseSql } from '../bot/bot.constants';

/**
 * Returning customers' messages to conversations that are not resolved, any number in ONE
 * statement: the conversations are locked in id order (a concurrent resolve makes them miss;
 * two batches never wait on each other in a circle), each message inserted unless its external
 * id is already stored, each conversation's timestamps and unread count moved once for all its
 * new messages (as if they were applied one by one in arrival order), and a `message_in` event
 * appended per message — all or nothing, like a transaction, in one round trip. While a cycle is
 * in the FAQ bot's phase, a `bot` job is enqueued per message (`b`).
 *
 * Parameters are parallel arrays, one element per message: $1 channel, $2 customer's id on it,
 * $3 text, $4 attachments, $5 external message id, $6 client message id, $7 sent at, $8 preview.
 * A message whose id appears twice in the batch is taken once (the copy finds it stored later).
 */
const APPEND_TO_OPEN_CONVERSATIONS = `
  WITH input AS (
    SELECT DISTINCT ON (channel_id, external_id) *
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
      WITH ORDINALITY AS i(channel_id, external_user_id, text, attachments, external_id, client_message_id, sent_at,
                           preview, n)
    ORDER BY channel_id, external_id, n
  ),
  conv AS (
    SELECT c.id, c.workspace_id, c.channel_id, c.cycle, c.contact_id, ct.name AS contact_name,
           ci.external_id AS external_user_id
    FROM contact_identities ci
    JOIN conversations c ON c.channel_id = ci.channel_id AND c.contact_id = ci.contact_id
    JOIN contacts ct ON ct.id = ci.contact_id
    WHERE (ci.channel_id, ci.external_id) IN (SELECT channel_id, external_user_id FROM input) AND c.status <> 'resolved'
    ORDER BY c.id
    FOR UPDATE OF c
  ),
  m AS (
    INSERT INTO messages (workspace_id, conversation_id, channel_id, cycle, direction, author_type, author_id,
                          author_name, text, attachments, status, private, external_id, client_message_id, created_at)
    SELECT conv.workspace_id, conv.id, conv.channel_id, conv.cycle, 'in', 'contact', conv.contact_id, conv.contact_name,
           i.text, i.attachments, 'received', false, i.external_id, i.client_message_id, i.sent_at
    FROM input i JOIN conv ON conv.channel_id = i.channel_id AND conv.external_user_id = i.external_user_id
    ORDER BY i.n
    ON CONFLICT DO NOTHING RETURNING *
  ),
  latest AS (
    SELECT DISTINCT ON (m.conversation_id) m.conversation_id, m.created_at AS sent_at, i.preview,
           count(*) OVER w AS added, min(m.created_at) OVER w AS first_at, max(m.created_at) OVER w AS max_at
    FROM m JOIN input i ON i.channel_id = m.channel_id AND i.external_id = m.external_id
    WINDOW w AS (PARTITION BY m.conversation_id)
    ORDER BY m.conversation_id, i.n DESC
  ),
  u AS (
    UPDATE conversations c SET first_customer_message_at = COALESCE(c.first_customer_message_at, l.first_at),
      last_customer_message_at = l.sent_at, last_message_at = GREATEST(c.last_message_at, l.max_at),
      last_message_text = l.preview, last_message_direction = 'in', last_message_author_id = NULL,
      last_message_author_name = NULL, unread_count = c.unread_count + l.added,
      status = CASE WHEN c.status = 'snoozed' THEN 'open' ELSE c.status END, snoozed_until = NULL, updated_at = now()
    FROM latest l WHERE c.id = l.conversation_id RETURNING c.*
  ),
  e AS (
    INSERT INTO conversation_events (workspace_id, conversation_id, channel_id, cycle, type, actor_type, actor_id, at, payload)
    SELECT workspace_id, conversation_id, channel_id, cycle, 'message_in', 'contact', author_id, created_at,
           jsonb_build_object('messageId', id) FROM m
  ),
  b AS (
    INSERT INTO jobs (workspace_id, queue, payload, max_attempts)
    SELECT u.workspace_id, '${BOT_QUEUE}', jsonb_build_object('conversationId', u.id, 'messageId', m.id), ${BOT_MAX_ATTEMPTS}
    FROM m JOIN u ON u.id = m.conversation_id JOIN channels bch ON bch.id = u.channel_id
    WHERE ${botPhaseSql('u', 'bch')}
    RETURNING (payload->>'messageId')::uuid AS message_id
  )
  SELECT row_to_json(m.*) AS message, row_to_json(u.*) AS conversation, ch.type AS channel_type,
         ch.name AS channel_name, m.author_name AS contact_name, us.name AS assignee_name,
         u.last_message_at::text AS cursor_at, EXISTS (SELECT 1 FROM b WHERE b.message_id = m.id) AS bot_job, dl.*
  FROM m JOIN u ON u.id = m.conversation_id JOIN channels ch ON ch.id = u.channel_id
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

/** A returning customer's message, as the fast path stores it. */
export interface AppendInput {
  channelId: string;
  externalUserId: string;
  externalMessageId: string;
  clientMessageId: string | null;
  text: string;
  attachments: AttachmentDto[];
  sentAt: Date;
  preview: string;
}

export interface Appended {
  message: MessageRow;
  conversation: ConversationListRow;
  botJob: boolean;
}

interface Waiting {
  input: AppendInput;
  resolve: (appended: Appended | null) => void;
  reject: (err: unknown) => void;
}

/**
 * The ingest fast path with group commit: messages that arrive while statements are under way
 * wait and go together in the next one (`MAX_BATCH` at most, `MAX_IN_FLIGHT` statements at a
 * time). Alone, a message goes at once; under load, one round trip, one plan and one commit
 * serve many. A batch that fails is retried one message at a time, so one message's failure is
 * its own.
 */
@Injectable()
export class IngestRepository {
  static readonly MAX_BATCH = 64;
  static readonly MAX_IN_FLIGHT = 2;
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * Appends the message to the customer's open conversation; null when there is none (new
   * customer, resolved conversation) or the message is already stored: the caller then takes the
   * full path.
   */
  appendToOpenConversation(input: AppendInput): Promise<Appended | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < IngestRepository.MAX_IN_FLIGHT && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, IngestRepository.MAX_BATCH);
      this.inFlight++;
      void this.settle(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  private async settle(batch: Waiting[]): Promise<void> {
    try {
      const appended = await this.append(batch.map((w) => w.input));
      batch.forEach((w, i) => w.resolve(appended[i]));
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      for (const w of batch) await this.settle([w]);
    }
  }

  /** One statement for `inputs`: what each one became, in their order (null: not appended). */
  private async append(inputs: AppendInput[]): Promise<(Appended | null)[]> {
    const column = <T>(pick: (input: AppendInput) => T) => inputs.map(pick);
    const rows = await preparedStatement<AppendRow>(
      this.db,
      'ingest_append_to_open_conversations',
      APPEND_TO_OPEN_CONVERSATIONS,
      [
        column((i) => i.channelId),
        column((i) => i.externalUserId),
        column((i) => i.text),
        column((i) => JSON.stringify(i.attachments)),
        column((i) => i.externalMessageId),
        column((i) => i.clientMessageId),
        column((i) => i.sentAt),
        column((i) => i.preview),
      ],
    );
    const byMessage = new Map(rows.map((row) => [keyOf(row.message.channel_id, row.message.external_id), row]));
    return inputs.map((input) => {
      const row = byMessage.get(keyOf(input.channelId, input.externalMessageId));
      // A copy of a message earlier in the batch: the first one is the stored one.
      if (row) byMessage.delete(keyOf(input.channelId, input.externalMessageId));
      return row ? appendedOf(row) : null;
    });
  }
}

const keyOf = (channelId: unknown, externalId: unknown) => `${String(channelId)}|${String(externalId)}`;

function appendedOf(row: AppendRow): Appended {
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

/** `row_to_json` renders timestamps as ISO strings; the rest of the code expects Dates. */
function withDates(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const copy = { ...record };
  for (const field of fields) if (typeof copy[field] === 'string') copy[field] = new Date(copy[field] as string);
  return copy;
}
