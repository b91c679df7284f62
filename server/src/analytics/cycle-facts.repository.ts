import { Inject, Injectable } from '@nestjs/common';
import type { AuthorType, ChannelType, ConversationEventType } from '@onebox/contracts';
import { responseClockFrom, type ConversationInput, type CycleFacts } from '@onebox/metrics';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';
import {
  addContribution,
  DAILY_COLUMNS,
  messageDays,
  NO_MANAGER,
  packResponses,
  responseChanges,
  type CycleContribution,
  type ResponseChange,
  type DailyDeltas,
} from './daily-rollup';
import { MOVE_CONVERSATION_VERDICTS, MOVE_CYCLE_VERDICTS } from './verdicts.sql';

export interface DirtyConversation {
  conversation_id: string;
  workspace_id: string;
  version: string;
}

interface ConversationHead {
  id: string;
  workspace_id: string;
  channel_id: string;
  channel_type: ChannelType;
  contact_id: string;
}

interface EventRow {
  conversation_id: string;
  cycle: number;
  type: ConversationEventType;
  actor_type: AuthorType;
  actor_id: string | null;
  at: Date;
  payload: Record<string, unknown>;
}

interface DealRow {
  conversation_id: string;
  cycle: number;
  created_at: Date;
  semantic: 'open' | 'won' | 'lost';
  closed_at: Date | null;
  amount: string | null;
  currency: string | null;
}

export interface ConversationKey {
  workspaceId: string;
  conversationId: string;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** Columns of `conversation_cycles` in insert order. */
const COLUMNS = [
  'workspace_id',
  'conversation_id',
  'cycle',
  'channel_id',
  'channel_type',
  'contact_id',
  'manager_id',
  'started_at',
  'first_customer_message_at',
  'clock_from',
  'first_human_reply_at',
  'first_response_sec',
  'visitor_left_before_reply',
  'resolved_at',
  'resolutions',
  'transferred',
  'handle_time_sec',
  'resolution_time_sec',
  'customer_messages',
  'human_replies',
  'canned_replies',
  'reply_time_sum',
  'reply_time_count',
  'tags',
  'bot_replies',
  'bot_fallbacks',
  'bot_handled',
  'bot_escalated',
  'bot_resolved',
  'surveys_sent',
  'csat_sum',
  'csat_count',
  'csat_satisfied',
  'nps_count',
  'nps_promoters',
  'nps_detractors',
  'ces_sum',
  'ces_count',
  'last_csat',
  'offers_made',
  'offers_accepted',
  'wait_to_accept_sum',
  'wait_to_accept_count',
  'proactive_accepted',
  'deals_count',
  'deal_status',
  'won_at',
  'won_amount',
  'won_currency',
  'assignments',
  'message_days',
] as const;

/** The stored per-cycle facts: what `conversation_cycles` holds and how the dirty queue is read. */
@Injectable()
export class CycleFactsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** Oldest dirty conversations first (optionally of one workspace); never blocks on writers. */
  async dirty(tx: Db, limit: number, workspaceId?: string): Promise<DirtyConversation[]> {
    return tx.query(
      `SELECT conversation_id, workspace_id, version::text AS version FROM analytics_dirty
        WHERE ($2::uuid IS NULL OR workspace_id = $2) ORDER BY marked_at LIMIT $1`,
      [limit, workspaceId ?? null],
    );
  }

  /** Whether a pass has anything to do for this workspace: dirty conversations, or verdicts to settle. */
  async pending(workspaceId: string): Promise<boolean> {
    const [row] = await this.db.query<{ pending: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM analytics_dirty WHERE workspace_id = $1)
           OR (NOT EXISTS (SELECT 1 FROM analytics_settled WHERE workspace_id = $1)
               AND EXISTS (SELECT 1 FROM conversation_cycles WHERE workspace_id = $1)) AS pending`,
      [workspaceId],
    );
    return row.pending;
  }

  async countDirty(): Promise<number> {
    const [row] = await this.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM analytics_dirty');
    return row.n;
  }

  /**
   * Each conversation with its events (in write order) and deals: the reference code's input.
   * Every read joins the keys as a list, so each is an index lookup per conversation whatever
   * the planner's statistics say (after a bulk load they can claim a workspace holds a few rows).
   */
  async inputs(tx: Db, keys: ConversationKey[]): Promise<(ConversationInput & { workspaceId: string })[]> {
    const [workspaceIds, conversationIds] = [keys.map((k) => k.workspaceId), keys.map((k) => k.conversationId)];
    const heads: ConversationHead[] = await tx.query(
      `SELECT c.id, c.workspace_id, c.channel_id, ch.type AS channel_type, c.contact_id
         FROM unnest($1::uuid[]) AS k(id) JOIN conversations c ON c.id = k.id JOIN channels ch ON ch.id = c.channel_id`,
      [conversationIds],
    );
    const events: EventRow[] = await tx.query(
      `SELECT e.conversation_id, e.cycle, e.type, e.actor_type, e.actor_id, e.at, e.payload
         FROM unnest($1::uuid[], $2::uuid[]) AS k(workspace_id, conversation_id)
         JOIN conversation_events e ON e.workspace_id = k.workspace_id AND e.conversation_id = k.conversation_id
        ORDER BY e.conversation_id, e.at, e.id`,
      [workspaceIds, conversationIds],
    );
    const deals: DealRow[] = await tx.query(
      `SELECT d.conversation_id, d.cycle, d.created_at, d.semantic, d.closed_at, d.amount::text AS amount, d.currency
         FROM unnest($1::uuid[], $2::uuid[]) AS k(workspace_id, conversation_id)
         JOIN deals d ON d.workspace_id = k.workspace_id AND d.conversation_id = k.conversation_id
        ORDER BY d.created_at, d.id`,
      [workspaceIds, conversationIds],
    );
    const eventsOf = groupBy(events, (e) => e.conversation_id);
    const dealsOf = groupBy(deals, (d) => d.conversation_id);
    return heads.map((head) => ({
      workspaceId: head.workspace_id,
      conversationId: head.id,
      channelId: head.channel_id,
      channelType: head.channel_type,
      contactId: head.contact_id,
      events: (eventsOf.get(head.id) ?? []).map((e) => ({
        cycle: e.cycle,
        type: e.type,
        actorType: e.actor_type,
        actorId: e.actor_id,
        at: e.at,
        payload: e.payload,
      })),
      deals: (dealsOf.get(head.id) ?? []).map((d) => ({
        cycle: d.cycle,
        createdAt: d.created_at,
        wonAt: d.semantic === 'won' ? (d.closed_at ?? d.created_at) : null,
        amount: d.amount,
        currency: d.currency,
        semantic: d.semantic,
      })),
    }));
  }

  /**
   * Replaces the stored cycles of these conversations with `facts`, moves the daily rollup by
   * the difference, and updates when each affected contact came back after a resolution.
   */
  async replace(tx: Db, keys: ConversationKey[], facts: { workspaceId: string; cycle: CycleFacts }[]): Promise<void> {
    // The rollup's verdicts on these conversations go out with their cycles and come back with the new ones.
    await tx.query(MOVE_CONVERSATION_VERDICTS, [-1, keys.map((k) => k.workspaceId), keys.map((k) => k.conversationId)]);
    const old: (CycleContribution & { contact_id: string })[] = returnedRows(
      await tx.query(
        `DELETE FROM conversation_cycles c USING unnest($1::uuid[], $2::uuid[]) AS k(workspace_id, conversation_id)
          WHERE c.workspace_id = k.workspace_id AND c.conversation_id = k.conversation_id
         RETURNING c.*`,
        [keys.map((k) => k.workspaceId), keys.map((k) => k.conversationId)],
      ),
    );
    const rows = facts.map(({ workspaceId, cycle }) => rowOf(workspaceId, cycle));
    const chunk = 200;
    for (let start = 0; start < rows.length; start += chunk) {
      const values: unknown[] = [];
      const tuples = rows.slice(start, start + chunk).map((row) => {
        const placeholders = COLUMNS.map((column) => {
          values.push(
            column === 'assignments' || column === 'message_days' ? JSON.stringify(row[column]) : row[column],
          );
          return `$${values.length}`;
        });
        return `(${placeholders.join(', ')})`;
      });
      await tx.query(`INSERT INTO conversation_cycles (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, values);
    }
    const deltas: DailyDeltas = new Map();
    for (const row of old) addContribution(deltas, row, -1);
    for (const row of rows) addContribution(deltas, row as unknown as CycleContribution, 1);
    const responses = responseChanges(old, rows as unknown as CycleContribution[]);
    await this.applyDeltas(tx, deltas, responses);
    await this.removeResponses(tx, responses);
    await tx.query(MOVE_CONVERSATION_VERDICTS, [1, keys.map((k) => k.workspaceId), keys.map((k) => k.conversationId)]);
    await this.applyOpen(tx, old, rows as unknown as CycleContribution[]);
    const contacts = new Map([...old, ...rows].map((row) => [`${row.workspace_id}|${row.contact_id}`, row]));
    await this.updateReturns(
      tx,
      [...contacts.values()].map((row) => [row.workspace_id as string, row.contact_id as string]),
    );
  }

  /** Adds the deltas to `analytics_daily` in one statement. */
  /** Adds the deltas to `analytics_daily` in one statement, with the first responses that enter each row. */
  private async applyDeltas(tx: Db, deltas: DailyDeltas, responses: ResponseChange[]): Promise<void> {
    const added = new Map(
      responses
        .filter((change) => change.added.length > 0)
        .map((c) => [`${c.workspaceId}|${c.day}|${c.channelId}|${c.managerKey}`, c.added]),
    );
    const entries = [...deltas.entries()].filter(
      ([key, values]) => added.has(key) || Object.values(values).some((v) => v !== 0),
    );
    for (const key of added.keys()) if (!deltas.has(key)) entries.push([key, {}]);
    if (entries.length === 0) return;
    const keys = entries.map(([key]) => key.split('|'));
    const columns = DAILY_COLUMNS.map((column) => entries.map(([, values]) => values[column] ?? 0));
    const casts = DAILY_COLUMNS.map((column, i) => `$${i + 5}::${column.endsWith('_ms') ? 'bigint' : 'int'}[]`);
    const entering = `$${DAILY_COLUMNS.length + 5}::text[]`;
    await tx.query(
      `INSERT INTO analytics_daily (workspace_id, day, channel_id, manager_key, ${DAILY_COLUMNS.join(', ')}, first_responses)
       SELECT workspace_id, day, channel_id, manager_key, ${DAILY_COLUMNS.join(', ')}, added::bytea
         FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::uuid[], ${casts.join(', ')}, ${entering})
           AS u(workspace_id, day, channel_id, manager_key, ${DAILY_COLUMNS.join(', ')}, added)
       ON CONFLICT (workspace_id, day, channel_id, manager_key) DO UPDATE SET
         ${DAILY_COLUMNS.map((column) => `${column} = analytics_daily.${column} + EXCLUDED.${column}`).join(', ')},
         first_responses = analytics_daily.first_responses || EXCLUDED.first_responses`,
      [
        keys.map((k) => k[0]),
        keys.map((k) => k[1]),
        keys.map((k) => k[2]),
        keys.map((k) => k[3]),
        ...columns,
        entries.map(([key]) => packResponses(added.get(key) ?? [])),
      ],
    );
  }

  /** Takes the first responses of replaced cycles out of their rows (a multiset: one occurrence each). */
  private async removeResponses(tx: Db, responses: ResponseChange[]): Promise<void> {
    const changes = responses.filter((change) => change.removed.length > 0);
    if (changes.length === 0) return;
    await tx.query(
      `UPDATE analytics_daily d SET first_responses = onebox_multiset_remove(d.first_responses, u.removed::bytea)
         FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::uuid[], $5::text[])
           AS u(workspace_id, day, channel_id, manager_key, removed)
        WHERE d.workspace_id = u.workspace_id AND d.day = u.day AND d.channel_id = u.channel_id
          AND d.manager_key = u.manager_key`,
      [
        changes.map((c) => c.workspaceId),
        changes.map((c) => c.day),
        changes.map((c) => c.channelId),
        changes.map((c) => c.managerKey),
        changes.map((c) => packResponses(c.removed)),
      ],
    );
  }

  /** Moves `analytics_open` (unresolved cycles per channel × manager) by the difference. */
  private async applyOpen(tx: Db, old: CycleContribution[], rows: CycleContribution[]): Promise<void> {
    const open = new Map<string, number>();
    const count = (row: CycleContribution, sign: number) => {
      if (row.resolved_at !== null && row.resolved_at !== undefined) return;
      const key = `${row.workspace_id}|${row.channel_id}|${row.manager_id ?? NO_MANAGER}`;
      open.set(key, (open.get(key) ?? 0) + sign);
    };
    for (const row of old) count(row, -1);
    for (const row of rows) count(row, 1);
    const changes = [...open.entries()].filter(([, n]) => n !== 0).map(([key, n]) => [...key.split('|'), n] as const);
    if (changes.length === 0) return;
    await tx.query(
      `INSERT INTO analytics_open (workspace_id, channel_id, manager_key, open)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[])
       ON CONFLICT (workspace_id, channel_id, manager_key) DO UPDATE SET open = analytics_open.open + EXCLUDED.open`,
      [changes.map((c) => c[0]), changes.map((c) => c[1]), changes.map((c) => c[2]), changes.map((c) => c[3])],
    );
  }

  /**
   * Each resolved cycle of these contacts: the start of the contact's first cycle after its
   * resolution. Read by the contact index, then written by primary key (one statement joining
   * both can be planned as a scan of every cycle).
   */
  private async updateReturns(tx: Db, contacts: [workspaceId: string, contactId: string][]): Promise<void> {
    if (contacts.length === 0) return;
    const changed: { workspace_id: string; conversation_id: string; cycle: number; returned_at: Date | null }[] =
      await tx.query(
        `SELECT c.workspace_id, c.conversation_id, c.cycle, r.returned_at
           FROM unnest($1::uuid[], $2::uuid[]) AS k(workspace_id, contact_id)
           JOIN conversation_cycles c ON c.workspace_id = k.workspace_id AND c.contact_id = k.contact_id
           CROSS JOIN LATERAL (SELECT min(n.started_at) AS returned_at FROM conversation_cycles n
                                WHERE n.workspace_id = c.workspace_id AND n.contact_id = c.contact_id
                                  AND n.started_at > c.resolved_at) AS r
          WHERE c.resolved_at IS NOT NULL AND c.returned_at IS DISTINCT FROM r.returned_at`,
        [contacts.map(([workspaceId]) => workspaceId), contacts.map(([, contactId]) => contactId)],
      );
    if (changed.length === 0) return;
    // A return can change their FCR verdicts: out of the rollup before, back in after.
    const verdicts = (sign: 1 | -1) =>
      tx.query(MOVE_CYCLE_VERDICTS, [
        sign,
        changed.map((r) => r.workspace_id),
        changed.map((r) => r.conversation_id),
        changed.map((r) => r.cycle),
      ]);
    await verdicts(-1);
    await tx.query(
      `UPDATE conversation_cycles c SET returned_at = u.returned_at
         FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::timestamptz[]) AS u(workspace_id, conversation_id, cycle, returned_at)
        WHERE c.workspace_id = u.workspace_id AND c.conversation_id = u.conversation_id AND c.cycle = u.cycle`,
      [
        changed.map((r) => r.workspace_id),
        changed.map((r) => r.conversation_id),
        changed.map((r) => r.cycle),
        changed.map((r) => r.returned_at),
      ],
    );
    await verdicts(1);
  }

  /** Forgets the marks this pass handled, unless a writer marked the conversation again meanwhile. */
  async clean(tx: Db, handled: DirtyConversation[]): Promise<void> {
    if (handled.length === 0) return;
    await tx.query(
      `DELETE FROM analytics_dirty d USING unnest($1::uuid[], $2::bigint[]) AS h(id, version)
        WHERE d.conversation_id = h.id AND d.version = h.version`,
      [handled.map((h) => h.conversation_id), handled.map((h) => h.version)],
    );
  }
}

function rowOf(workspaceId: string, c: CycleFacts): Record<(typeof COLUMNS)[number], unknown> {
  const scores = (kind: 'csat' | 'nps' | 'ces') => c.surveyAnswers.filter((a) => a.kind === kind).map((a) => a.score);
  const [csat, nps, ces] = [scores('csat'), scores('nps'), scores('ces')];
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
  const won = [...c.deals]
    .filter((d) => d.wonAt)
    .sort((a, b) => (a.wonAt as Date).getTime() - (b.wonAt as Date).getTime())[0];
  const dealStatus = won ? 'won' : (c.deals[c.deals.length - 1]?.semantic ?? null);
  const byColumn: Record<(typeof COLUMNS)[number], unknown> = {
    workspace_id: workspaceId,
    conversation_id: c.conversationId,
    cycle: c.cycle,
    channel_id: c.channelId,
    channel_type: c.channelType,
    contact_id: c.contactId,
    manager_id: c.managerId,
    started_at: c.startedAt,
    first_customer_message_at: c.firstCustomerMessageAt,
    clock_from: responseClockFrom(c),
    first_human_reply_at: c.firstHumanReplyAt,
    first_response_sec: c.firstResponseSec,
    visitor_left_before_reply: c.visitorLeftBeforeReply,
    resolved_at: c.resolvedAt,
    resolutions: c.resolutions,
    transferred: c.transferred,
    handle_time_sec: c.handleTimeSec,
    resolution_time_sec: c.resolutionTimeSec,
    customer_messages: c.customerMessageTimes.length,
    human_replies: c.humanReplyTimes.length,
    canned_replies: c.cannedReplies,
    reply_time_sum: sum(c.replyTimesSec),
    reply_time_count: c.replyTimesSec.length,
    tags: c.tags,
    bot_replies: c.botReplies,
    bot_fallbacks: c.botFallbacks,
    bot_handled: c.botHandled,
    bot_escalated: c.botEscalated,
    bot_resolved: c.botResolved,
    surveys_sent: c.surveysSent,
    csat_sum: sum(csat),
    csat_count: csat.length,
    csat_satisfied: csat.filter((s) => s >= 4).length,
    nps_count: nps.length,
    nps_promoters: nps.filter((s) => s >= 9).length,
    nps_detractors: nps.filter((s) => s <= 6).length,
    ces_sum: sum(ces),
    ces_count: ces.length,
    last_csat: csat.length ? csat[csat.length - 1] : null,
    offers_made: c.offersMade,
    offers_accepted: c.offersAccepted,
    wait_to_accept_sum: sum(c.waitToAcceptSec),
    wait_to_accept_count: c.waitToAcceptSec.length,
    proactive_accepted: c.proactiveAccepted,
    deals_count: c.deals.length,
    deal_status: dealStatus,
    won_at: won?.wonAt ?? null,
    won_amount: won?.amount ?? null,
    won_currency: won?.currency ?? null,
    assignments: c.assignments,
    message_days: messageDays(c.customerMessageTimes, c.humanReplyTimes),
  };
  return byColumn;
}
