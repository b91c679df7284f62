import { Inject, Injectable } from '@nestjs/common';
import type { ConversationEventType } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import type { ConversationRow } from '../conversations/conversations.repository';
import type { Db } from '../database/database';
import { TIMERS_MAX_ATTEMPTS, TIMERS_QUEUE } from './timers.constants';

/** A conversation as timers read it, with its channel's name and settings. */
export interface TimerConversationRow extends ConversationRow {
  snoozed_until: Date | null;
  channel_name: string;
  channel_settings: Record<string, unknown>;
}

/** The SQL behind timers: conversations by id or silence, per-cycle facts, the sweep job. */
@Injectable()
export class TimersRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** The conversation with its channel; `lock` takes it FOR UPDATE for the rest of `tx`. */
  async find(
    workspaceId: string,
    id: string,
    tx: Db = this.db.manager,
    lock = false,
  ): Promise<TimerConversationRow | null> {
    const rows: TimerConversationRow[] = await tx.query(
      `SELECT c.*, ch.name AS channel_name, ch.settings AS channel_settings
       FROM conversations c JOIN channels ch ON ch.id = c.channel_id
       WHERE c.workspace_id = $1 AND c.id = $2 ${lock ? 'FOR UPDATE OF c' : ''}`,
      [workspaceId, id],
    );
    return rows[0] ?? null;
  }

  /** The conversation of a website visitor on a channel, if they ever wrote. */
  async findIdOfVisitor(channelId: string, visitorId: string): Promise<{ id: string; workspace_id: string } | null> {
    const rows: { id: string; workspace_id: string }[] = await this.db.query(
      `SELECT c.id, c.workspace_id FROM contact_identities ci
       JOIN conversations c ON c.channel_id = ci.channel_id AND c.contact_id = ci.contact_id
       WHERE ci.channel_id = $1 AND ci.external_id = $2`,
      [channelId, visitorId],
    );
    return rows[0] ?? null;
  }

  async hasCycleEvent(
    tx: Db,
    row: Pick<ConversationRow, 'workspace_id' | 'id' | 'cycle'>,
    type: ConversationEventType,
  ): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `SELECT 1 FROM conversation_events WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3 AND type = $4 LIMIT 1`,
      [row.workspace_id, row.id, row.cycle, type],
    );
    return rows.length > 0;
  }

  /**
   * When the missed-chat clock of the conversation's current cycle started: its first customer
   * message, or — when the FAQ bot answered in the cycle — the bot's hand-off (null before it).
   */
  async missedClockStart(
    workspaceId: string,
    row: Pick<ConversationRow, 'id' | 'cycle' | 'first_customer_message_at'>,
  ): Promise<Date | null> {
    const [facts]: { bot_answered: boolean; handoff_at: Date | null }[] = await this.db.query(
      `SELECT bool_or(type = 'bot_reply') AS bot_answered, min(at) FILTER (WHERE type = 'bot_handoff') AS handoff_at
         FROM conversation_events
        WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3 AND type IN ('bot_reply', 'bot_handoff')`,
      [workspaceId, row.id, row.cycle],
    );
    if (facts?.bot_answered) return facts.handoff_at;
    return row.first_customer_message_at;
  }

  /** Open or pending conversations whose customer has been silent since before `cutoff`, oldest first. */
  async silentIds(workspaceId: string, cutoff: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM conversations
       WHERE workspace_id = $1 AND status IN ('open', 'pending') AND last_customer_message_at < $2
       ORDER BY last_customer_message_at LIMIT $3`,
      [workspaceId, cutoff, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The oldest last customer message among open and pending conversations: when the sweep is next due. */
  async oldestSilence(workspaceId: string): Promise<Date | null> {
    const rows: { at: Date | null }[] = await this.db.query(
      `SELECT min(last_customer_message_at) AS at FROM conversations
       WHERE workspace_id = $1 AND status IN ('open', 'pending') AND last_customer_message_at IS NOT NULL`,
      [workspaceId],
    );
    return rows[0]?.at ?? null;
  }

  /**
   * Makes sure the workspace's auto-resolve sweep is pending and due now (it re-reads the
   * setting). The unique index `jobs_timer_singleton_key` keeps it to one job.
   */
  async ensureAutoResolveSweep(tx: Db, workspaceId: string): Promise<void> {
    await tx.query(
      `INSERT INTO jobs (workspace_id, queue, payload, max_attempts, run_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (workspace_id, queue, (payload->>'singleton'))
         WHERE status = 'pending' AND queue = 'timers' AND payload->>'singleton' IS NOT NULL
       DO UPDATE SET run_at = LEAST(jobs.run_at, now())`,
      [
        workspaceId,
        TIMERS_QUEUE,
        JSON.stringify({ action: 'auto-resolve', singleton: 'auto-resolve' }),
        TIMERS_MAX_ATTEMPTS,
      ],
    );
  }

  /** At start-up: a sweep for every workspace that has auto-resolve on (none is added twice). */
  async ensureAllAutoResolveSweeps(): Promise<void> {
    await this.db.query(
      `INSERT INTO jobs (workspace_id, queue, payload, max_attempts, run_at)
       SELECT id, $1, $2::jsonb, $3, now() FROM workspaces WHERE jsonb_typeof(settings->'autoResolveHours') = 'number'
       ON CONFLICT (workspace_id, queue, (payload->>'singleton'))
         WHERE status = 'pending' AND queue = 'timers' AND payload->>'singleton' IS NOT NULL
       DO NOTHING`,
      [TIMERS_QUEUE, JSON.stringify({ action: 'auto-resolve', singleton: 'auto-resolve' }), TIMERS_MAX_ATTEMPTS],
    );
  }
}
