import { Inject, Injectable } from '@nestjs/common';
import { botPhaseSql } from '../bot/bot.constants';
import type {
  ChannelRoutingDto,
  ChannelType,
  ConversationStatus,
  OfferOutcome,
  PresenceStatus,
} from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';
import type { ChannelRow } from '../channels/channels.repository';

export interface OfferRow {
  id: string;
  workspace_id: string;
  conversation_id: string;
  channel_id: string;
  cycle: number;
  user_id: string;
  reason: 'owner' | 'round_robin';
  offered_at: Date;
  expires_at: Date;
  outcome: OfferOutcome | null;
  decided_at: Date | null;
}

/** An offer with what the manager's offer card shows. */
export interface OfferViewRow extends OfferRow {
  contact_name: string;
  channel_type: ChannelType;
  channel_name: string;
  last_message_text: string | null;
}

/** The conversation fields routing decides on, locked for the transaction. */
export interface RoutedConversationRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  contact_id: string;
  status: ConversationStatus;
  assignee_id: string | null;
  cycle: number;
  channel_settings: { routing?: Partial<ChannelRoutingDto> };
  /** The channel's FAQ bot still answers this cycle: routing waits for its hand-off. */
  in_bot_phase: boolean;
}

export interface CandidateRow {
  user_id: string;
  status: PresenceStatus;
  max_chats: number;
  load: number;
  last_offered_at: Date | null;
}

const OFFER_VIEW = `
  SELECT o.*, ct.name AS contact_name, ch.type AS channel_type, ch.name AS channel_name, c.last_message_text
  FROM routing_offers o
  JOIN conversations c ON c.id = o.conversation_id
  JOIN contacts ct ON ct.id = c.contact_id
  JOIN channels ch ON ch.id = o.channel_id`;

/** Offers, candidates and the few conversation facts routing needs; every query is workspace-scoped. */
@Injectable()
export class RoutingRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** One routing decision at a time per workspace, so two offers cannot overfill one manager. */
  async lockWorkspace(tx: Db, workspaceId: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`routing:${workspaceId}`]);
  }

  /** The conversation with its channel's settings, locked unless `lock` is false (a first look). */
  async lockConversation(tx: Db, workspaceId: string, id: string, lock = true): Promise<RoutedConversationRow | null> {
    const rows: RoutedConversationRow[] = await tx.query(
      `SELECT c.id, c.workspace_id, c.channel_id, c.contact_id, c.status, c.assignee_id, c.cycle, ch.settings AS channel_settings,
         (${botPhaseSql('c', 'ch')}) AS in_bot_phase
       FROM conversations c JOIN channels ch ON ch.id = c.channel_id
       WHERE c.workspace_id = $1 AND c.id = $2${lock ? ' FOR UPDATE OF c' : ''}`,
      [workspaceId, id],
    );
    return rows[0] ?? null;
  }

  /** Managers with an open presence interval, their load and their latest offer. */
  candidates(tx: Db, workspaceId: string): Promise<CandidateRow[]> {
    return tx.query(
      `SELECT u.id AS user_id, p.status, u.max_chats,
         ((SELECT count(*) FROM conversations c
           WHERE c.workspace_id = u.workspace_id AND c.assignee_id = u.id AND c.status IN ('open', 'pending'))
          + (SELECT count(*) FROM routing_offers o
           WHERE o.workspace_id = u.workspace_id AND o.user_id = u.id AND o.outcome IS NULL))::int AS load,
         (SELECT max(o.offered_at) FROM routing_offers o WHERE o.workspace_id = u.workspace_id AND o.user_id = u.id)
           AS last_offered_at
       FROM users u
       JOIN presence_intervals p ON p.workspace_id = u.workspace_id AND p.user_id = u.id AND p.ended_at IS NULL
       WHERE u.workspace_id = $1 AND u.role = 'manager'`,
      [workspaceId],
    );
  }

  /** Who must not be offered the cycle again: they declined, let it expire, or put it back to the queue. */
  async excludedUserIds(tx: Db, workspaceId: string, conversationId: string, cycle: number): Promise<string[]> {
    const rows: { user_id: string }[] = await tx.query(
      `SELECT user_id::text FROM routing_offers
       WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3 AND outcome IN ('declined', 'expired')
       UNION
       SELECT payload->>'fromUserId' FROM conversation_events
       WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3 AND type = 'transferred'
         AND payload->>'fromUserId' IS NOT NULL AND payload->>'toUserId' IS NULL`,
      [workspaceId, conversationId, cycle],
    );
    return rows.map((r) => r.user_id);
  }

  async countOffers(tx: Db, workspaceId: string, conversationId: string, cycle: number): Promise<number> {
    const rows: { n: number }[] = await tx.query(
      'SELECT count(*)::int AS n FROM routing_offers WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3',
      [workspaceId, conversationId, cycle],
    );
    return rows[0]?.n ?? 0;
  }

  /** Whether someone was assigned during this cycle (then routing leaves the conversation alone). */
  async assignedInCycle(tx: Db, workspaceId: string, conversationId: string, cycle: number): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `SELECT 1 FROM conversation_events WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3
         AND type = 'assigned' AND payload->>'to' IS NOT NULL LIMIT 1`,
      [workspaceId, conversationId, cycle],
    );
    return rows.length > 0;
  }

  /** The manager of the contact's previous cycle: the last assignee before this cycle. */
  async previousAssignee(tx: Db, workspaceId: string, conversationId: string, cycle: number): Promise<string | null> {
    const rows: { to: string }[] = await tx.query(
      `SELECT payload->>'to' AS "to" FROM conversation_events
       WHERE workspace_id = $1 AND conversation_id = $2 AND cycle < $3 AND type = 'assigned'
         AND payload->>'to' IS NOT NULL
       ORDER BY at DESC, id DESC LIMIT 1`,
      [workspaceId, conversationId, cycle],
    );
    return rows[0]?.to ?? null;
  }

  async insertOffer(
    tx: Db,
    offer: Pick<
      OfferRow,
      'workspace_id' | 'conversation_id' | 'channel_id' | 'cycle' | 'user_id' | 'reason' | 'offered_at' | 'expires_at'
    >,
  ): Promise<OfferRow> {
    const rows: OfferRow[] = await tx.query(
      `INSERT INTO routing_offers (workspace_id, conversation_id, channel_id, cycle, user_id, reason, offered_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        offer.workspace_id,
        offer.conversation_id,
        offer.channel_id,
        offer.cycle,
        offer.user_id,
        offer.reason,
        offer.offered_at,
        offer.expires_at,
      ],
    );
    return rows[0];
  }

  /** The offer, locked unless `lock` is false (a first read to learn its conversation). */
  async lockOffer(tx: Db, workspaceId: string, id: string, lock = true): Promise<OfferRow | null> {
    const rows: OfferRow[] = await tx.query(
      `SELECT * FROM routing_offers WHERE workspace_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [workspaceId, id],
    );
    return rows[0] ?? null;
  }

  /** The conversation's offer still waiting for an answer, locked. */
  async lockPending(tx: Db, workspaceId: string, conversationId: string): Promise<OfferRow | null> {
    const rows: OfferRow[] = await tx.query(
      'SELECT * FROM routing_offers WHERE workspace_id = $1 AND conversation_id = $2 AND outcome IS NULL FOR UPDATE',
      [workspaceId, conversationId],
    );
    return rows[0] ?? null;
  }

  async decide(tx: Db, id: string, outcome: OfferOutcome, at: Date): Promise<void> {
    await tx.query('UPDATE routing_offers SET outcome = $2, decided_at = $3 WHERE id = $1 AND outcome IS NULL', [
      id,
      outcome,
      at,
    ]);
  }

  async findView(workspaceId: string, id: string): Promise<OfferViewRow | null> {
    const rows: OfferViewRow[] = await this.db.query(`${OFFER_VIEW} WHERE o.workspace_id = $1 AND o.id = $2`, [
      workspaceId,
      id,
    ]);
    return rows[0] ?? null;
  }

  listPendingFor(workspaceId: string, userId: string): Promise<OfferViewRow[]> {
    return this.db.query(
      `${OFFER_VIEW} WHERE o.workspace_id = $1 AND o.user_id = $2 AND o.outcome IS NULL ORDER BY o.offered_at`,
      [workspaceId, userId],
    );
  }

  /** Open, unassigned conversations of routed channels with no offer pending, oldest first. */
  async listWaiting(workspaceId: string, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT c.id FROM conversations c JOIN channels ch ON ch.id = c.channel_id
       WHERE c.workspace_id = $1 AND c.status = 'open' AND c.assignee_id IS NULL AND ch.deleted_at IS NULL
         AND COALESCE(ch.settings->'routing'->>'mode', 'open') <> 'open'
         AND NOT EXISTS (SELECT 1 FROM routing_offers o
           WHERE o.workspace_id = c.workspace_id AND o.conversation_id = c.id AND o.outcome IS NULL)
       ORDER BY c.cycle_started_at, c.id LIMIT $2`,
      [workspaceId, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Stores the channel's routing under its own settings key; null when no such channel. */
  async setChannelRouting(
    workspaceId: string,
    channelId: string,
    routing: ChannelRoutingDto,
  ): Promise<ChannelRow | null> {
    const rows = returnedRows<ChannelRow>(
      await this.db.query(
        `UPDATE channels SET settings = settings || jsonb_build_object('routing', $3::jsonb)
         WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *`,
        [workspaceId, channelId, JSON.stringify(routing)],
      ),
    );
    return rows[0] ?? null;
  }
}
