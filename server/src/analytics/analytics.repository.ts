import { Inject, Injectable } from '@nestjs/common';
import type { MetricValues } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import {
  DISTRIBUTION,
  drilldownQuery,
  FIRST_RESPONSE_BOUNDS,
  HEATMAP,
  PARAMS,
  params,
  subsetQueries,
  type AggregateRow,
  type Dimensions,
  type SqlFilter,
} from './analytics.sql';

export interface MetricGroup {
  key: string | null;
  /** Bucket start for time series; null for a summary. */
  bucket: Date | null;
  metrics: MetricValues;
}

export interface CycleRow {
  conversation_id: string;
  cycle: number;
  channel_id: string;
  channel_type: string;
  channel_name: string;
  contact_id: string;
  contact_name: string;
  manager_id: string | null;
  manager_name: string | null;
  started_at: Date;
  first_response_sec: number | null;
  missed: boolean;
  resolved_at: Date | null;
  handle_time_sec: number | null;
  transferred: boolean;
  tags: string[];
  bot_handled: boolean;
  last_csat: number | null;
  deal_status: 'open' | 'won' | 'lost' | null;
  won_amount: string | null;
  won_currency: string | null;
  total: string;
}

const groupId = (row: { key: string | null; bucket: Date | null }) => `${row.bucket?.toISOString() ?? ''}|${row.key}`;

/** Runs the analytics SQL (analytics.sql.ts) and turns its aggregates into METRICS.md values. */
@Injectable()
export class AnalyticsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** Metrics per group (and per time bucket when `bucketed`). */
  async metrics(filter: SqlFilter, dims: Dimensions, bucketed: boolean): Promise<MetricGroup[]> {
    const queries = subsetQueries(dims, bucketed);
    const values = params(filter);
    const run = (sql: string | null) =>
      sql ? this.db.query<AggregateRow[]>(PARAMS + sql, values) : Promise.resolve([] as AggregateRow[]);
    const [chats, revenue, messages, resolved, backlog] = await Promise.all([
      run(queries.chats),
      run(queries.revenue),
      run(queries.messages),
      run(queries.resolved),
      run(queries.backlog),
    ]);
    const groups = new Map<string, { key: string | null; bucket: Date | null }>();
    for (const row of [...chats, ...messages, ...resolved, ...backlog]) groups.set(groupId(row), row);
    const index = (rows: AggregateRow[]) => new Map(rows.map((row) => [groupId(row), row]));
    const [byChats, byMessages, byResolved, byBacklog] = [
      index(chats),
      index(messages),
      index(resolved),
      index(backlog),
    ];
    return [...groups.entries()].map(([id, { key, bucket }]) => ({
      key,
      bucket,
      metrics: metricValues(
        byChats.get(id) ?? {},
        revenue.filter((row) => groupId(row) === id),
        byMessages.get(id) ?? {},
        byResolved.get(id) ?? {},
        byBacklog.get(id) ?? {},
      ),
    }));
  }

  async cycles(
    filter: SqlFilter,
    condition: string,
    limit: number,
    after: { startedAt: Date; conversationId: string; cycle: number } | null,
  ): Promise<CycleRow[]> {
    return this.db.query(PARAMS + drilldownQuery(condition, limit), [
      ...params(filter),
      after?.startedAt ?? null,
      after?.conversationId ?? null,
      after?.cycle ?? null,
    ]);
  }

  async heatmap(filter: SqlFilter): Promise<{ weekday: number; hour: number; chats: number }[]> {
    return this.db.query(PARAMS + HEATMAP, params(filter));
  }

  async firstResponseDistribution(
    filter: SqlFilter,
  ): Promise<{ fromSec: number; toSec: number | null; count: number }[]> {
    const rows: { bucket: number; count: number }[] = await this.db.query(PARAMS + DISTRIBUTION, [
      ...params(filter),
      FIRST_RESPONSE_BOUNDS,
    ]);
    const lower = [0, ...FIRST_RESPONSE_BOUNDS];
    return lower.map((fromSec, i) => ({
      fromSec,
      toSec: FIRST_RESPONSE_BOUNDS[i] ?? null,
      count: rows.find((row) => row.bucket === i)?.count ?? 0,
    }));
  }

  /** Presence intervals overlapping the period, per user. */
  async presence(
    workspaceId: string,
    from: Date,
    to: Date,
  ): Promise<{ user_id: string; status: 'online' | 'away' | 'offline'; started_at: Date; ended_at: Date | null }[]> {
    return this.db.query(
      `SELECT user_id, status, started_at, ended_at FROM presence_intervals
        WHERE workspace_id = $1 AND started_at < $3 AND (ended_at IS NULL OR ended_at > $2)`,
      [workspaceId, from, to],
    );
  }

  /** Assignment spans of cycles that may overlap the period (for utilization). */
  async assignments(
    workspaceId: string,
    from: Date,
    to: Date,
  ): Promise<{ assignments: { userId: string; from: string; to: string | null }[] }[]> {
    return this.db.query(
      `SELECT assignments FROM conversation_cycles
        WHERE workspace_id = $1 AND started_at < $3 AND (resolved_at IS NULL OR resolved_at > $2)
          AND assignments <> '[]'::jsonb`,
      [workspaceId, from, to],
    );
  }
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const ratio = (part: unknown, whole: unknown): number | null => (num(whole) === 0 ? null : num(part) / num(whole));
const nullable = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** METRICS.md values from the subsets' aggregates (same formulas as libs/metrics `summarize`). */
export function metricValues(
  c: Record<string, unknown>,
  revenue: AggregateRow[],
  m: Record<string, unknown>,
  r: Record<string, unknown>,
  b: Record<string, unknown>,
): MetricValues {
  const chats = num(c['chats']);
  const answers = num(c['csat_count']) + num(c['nps_count']) + num(c['ces_count']);
  return {
    chats,
    chatsPerManager: ratio(chats, c['managers']),
    messagesIn: num(m['messages_in']),
    messagesOut: num(m['messages_out']),
    messagesPerChat: ratio(r['resolved_messages'], r['resolved']),
    openBacklog: num(b['open_backlog']),
    firstResponseAvgSec: nullable(c['first_response_avg']),
    firstResponseMedianSec: nullable(c['first_response_median']),
    firstResponseP90Sec: nullable(c['first_response_p90']),
    answeredWithinTargetRate: ratio(c['within_target'], c['answered']),
    replyTimeAvgSec: ratio(c['reply_time_sum'], c['reply_time_count']),
    waitToAcceptAvgSec: ratio(c['wait_sum'], c['wait_count']),
    handleTimeAvgSec: nullable(c['handle_avg']),
    resolutionTimeAvgSec: nullable(c['resolution_avg']),
    missedChats: num(c['missed']),
    missedChatRate: ratio(c['missed'], chats),
    acceptanceRate: ratio(c['offers_accepted'], c['offers_made']),
    fcrRate: ratio(c['fcr'], c['fcr_eligible']),
    repeatContactRate: ratio(c['repeated'], c['fcr_eligible']),
    transferRate: ratio(c['transferred'], chats),
    csatAvg: ratio(c['csat_sum'], c['csat_count']),
    csatSatisfiedRate: ratio(c['csat_satisfied'], c['csat_count']),
    csatResponses: num(c['csat_count']),
    nps: num(c['nps_count'])
      ? (100 * (num(c['nps_promoters']) - num(c['nps_detractors']))) / num(c['nps_count'])
      : null,
    npsResponses: num(c['nps_count']),
    cesAvg: ratio(c['ces_sum'], c['ces_count']),
    cesResponses: num(c['ces_count']),
    surveyResponseRate: ratio(answers, c['surveys_sent']),
    cannedUsageRate: ratio(c['canned_replies'], c['human_replies']),
    chatsWithCannedRate: ratio(c['chats_with_canned'], c['chats_with_replies']),
    taggedRate: ratio(c['tagged'], chats),
    tagsPerChat: ratio(c['tag_count'], chats),
    dealsCreated: num(c['deals_created']),
    conversions: num(c['conversions']),
    conversionRate: ratio(c['conversions'], chats),
    revenue: Object.fromEntries(revenue.map((row) => [row['currency'] as string, row['amount'] as string])),
    timeToDealAvgSec: nullable(c['time_to_deal_avg']),
    proactiveAccepted: num(c['proactive_accepted']),
    botHandled: num(c['bot_handled']),
    botContainmentRate: ratio(c['bot_resolved'], c['bot_handled']),
    botEscalationRate: ratio(c['bot_escalated'], c['bot_handled']),
    botFallbackRate: ratio(c['bot_fallbacks'], c['bot_replies']),
  };
}
