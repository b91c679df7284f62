import { Inject, Injectable } from '@nestjs/common';
import type { MetricValues } from '@onebox/contracts';
import { percentileOfSorted, perCount } from '@onebox/metrics';
import { DataSource } from 'typeorm';
import { unpackResponses } from './daily-rollup';
import {
  DISTRIBUTION,
  drilldownCountQuery,
  drilldownQuery,
  FIRST_RESPONSE_BOUNDS,
  HEATMAP,
  BEFORE_SUMMARY,
  PARAMS,
  RESPONSES,
  canUseRollup,
  params,
  restOfLastDay,
  summaryQueries,
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
}

/** Sort memory per analytics query (each of a summary's queries runs on its own connection). */
const AGGREGATE_WORK_MEM = '256MB';

const NOT_SETTLED = { lastDayWhole: false, settledAt: null };

const groupId = (row: { key: string | null; bucket: Date | null }) => `${row.bucket?.toISOString() ?? ''}|${row.key}`;

/** Runs the analytics SQL (analytics.sql.ts) and turns its aggregates into METRICS.md values. */
@Injectable()
export class AnalyticsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** Metrics per group (and per time bucket when `bucketed`). */
  async metrics(filter: SqlFilter, dims: Dimensions, bucketed: boolean): Promise<MetricGroup[]> {
    const useRollup = canUseRollup(dims, filter, bucketed);
    const queries = summaryQueries(dims, bucketed, useRollup, filter.businessHours !== null, filter.to >= filter.asOf);
    const { lastDayWhole, settledAt } = useRollup && !bucketed ? await this.beforeSummary(filter) : NOT_SETTLED;
    const values = params(filter, useRollup, lastDayWhole);
    // A summary read from the rollup reads it, the edges and index ranges: small hash aggregations,
    // far below the planner's JIT threshold, run as they are (a transaction to set them up costs
    // more than they do). Scans of a period (and time series, tags) get `aggregate`'s settings.
    const small = useRollup && !bucketed;
    const run = (sql: string | null, { more = [] as unknown[], scan = !small } = {}) =>
      !sql
        ? Promise.resolve([])
        : scan
          ? this.aggregate(PARAMS + sql, [...values, ...more])
          : this.db.query<AggregateRow[]>(PARAMS + sql, [...values, ...more]);
    // The rollup's verdicts, or (its settings not yet the workspace's) the whole days judged by a scan.
    const verdicts = async () => {
      const rows = settledAt ? await run(queries.settled, { more: [settledAt] }) : [];
      if (rows.some((row) => row['settled'] === true))
        return rows.filter((row) => row['settled'] === false).map(({ settled: _, ...row }) => row as AggregateRow);
      return run(queries.unsettled, { scan: true });
    };
    const [additive, scan, revenue, backlog, widget] = await Promise.all([
      Promise.all([...queries.additive.map((sql) => run(sql)), verdicts()]).then((parts) => parts.flat()),
      Promise.all([...queries.scan.map((sql) => run(sql)), run(queries.business, { scan: true })]).then((parts) =>
        parts.flat(),
      ),
      run(queries.revenue),
      run(queries.backlog),
      run(queries.widget, { scan: true }),
    ]);
    const groups = new Map<string, { key: string | null; bucket: Date | null }>();
    const sums = new Map<string, Record<string, number>>();
    const responses = new Map<string, Uint8Array[]>();
    for (const row of additive) {
      const id = groupId(row);
      groups.set(id, row);
      const total = sums.get(id) ?? {};
      for (const [column, value] of Object.entries(row)) {
        if (column === 'key' || column === 'bucket') continue;
        if (column === RESPONSES) {
          if (value) responses.set(id, [...(responses.get(id) ?? []), value as Uint8Array]);
        } else total[column] = (total[column] ?? 0) + Number(value ?? 0);
      }
      sums.set(id, total);
    }
    for (const row of [...scan, ...backlog, ...widget]) groups.set(groupId(row), row);
    // Rows of several queries for one group merge (the scan's parts each give some columns).
    const index = (rows: AggregateRow[]) => {
      const byGroup = new Map<string, AggregateRow>();
      for (const row of rows) byGroup.set(groupId(row), { ...byGroup.get(groupId(row)), ...row });
      return byGroup;
    };
    const [byScan, byBacklog, byWidget] = [index(scan), index(backlog), index(widget)];
    return [...groups.entries()]
      .map(([id, { key, bucket }]) => ({
        key,
        bucket,
        metrics: metricValues(
          sums.get(id) ?? {},
          {
            managers: managersOf(dims, key, sums.get(id)?.['chats'] ?? 0),
            // A summary's median and p90 come from the first responses; a time series' from its scan.
            ...(bucketed ? {} : { first_response_percentiles: medianAndP90(responses.get(id) ?? []) }),
            ...byScan.get(id),
          },
          revenue.filter((row) => groupId(row) === id),
          byBacklog.get(id) ?? {},
          byWidget.get(id) ?? {},
        ),
      }))
      .filter((group) => hasData(group.metrics));
  }

  /**
   * Whether the last UTC day of the period can be read whole from the rollup (nothing happened
   * from `to` to its end: true of a period ending now or later, like the dashboard's), and when
   * the rollup's verdicts were judged, if they were judged with the filter's settings.
   */
  private async beforeSummary(filter: SqlFilter): Promise<{ lastDayWhole: boolean; settledAt: Date | null }> {
    const rest = restOfLastDay(filter.to);
    const [row] = await this.db.query<{ later: boolean; settled_at: Date | null }[]>(BEFORE_SUMMARY, [
      filter.workspaceId,
      rest?.from ?? null,
      rest?.to ?? null,
      filter.missedThresholdSec,
      filter.firstResponseTargetSec,
      filter.fcrWindowDays,
      filter.conversionWindowDays,
    ]);
    return { lastDayWhole: rest !== null && !row.later, settledAt: row.settled_at };
  }

  /**
   * One aggregate query with room to sort in memory: a time series' percentiles over a year sort a
   * million response times (a summary's come sorted by node from the rollup), and a summary whose
   * verdicts are not settled scans its period; at PostgreSQL's default 4 MB of `work_mem` they spill
   * to disk (and take seconds).
   */
  private aggregate(sql: string, values: unknown[]): Promise<AggregateRow[]> {
    return this.db.transaction(async (m) => {
      // JIT compiling these expressions costs ~100 ms per query and saves less than that.
      await m.query(`SET LOCAL work_mem = '${AGGREGATE_WORK_MEM}'; SET LOCAL jit = off`);
      return m.query<AggregateRow[]>(sql, values);
    });
  }

  async cycles(
    filter: SqlFilter,
    condition: string,
    limit: number,
    after: { startedAt: Date; conversationId: string; cycle: number } | null,
  ): Promise<CycleRow[]> {
    return this.db.query(PARAMS + drilldownQuery(condition, limit), [
      ...params(filter, false),
      after?.startedAt ?? null,
      after?.conversationId ?? null,
      after?.cycle ?? null,
    ]);
  }

  async cyclesTotal(filter: SqlFilter, condition: string): Promise<number> {
    const [row] = await this.db.query<{ total: number }[]>(
      PARAMS + drilldownCountQuery(condition),
      params(filter, false),
    );
    return row.total;
  }

  async heatmap(filter: SqlFilter): Promise<{ weekday: number; hour: number; chats: number }[]> {
    return this.db.query(PARAMS + HEATMAP, params(filter, false));
  }

  async firstResponseDistribution(
    filter: SqlFilter,
  ): Promise<{ fromSec: number; toSec: number | null; count: number }[]> {
    const rows: { bucket: number; count: number }[] = await this.db.query(PARAMS + DISTRIBUTION, [
      ...params(filter, false),
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
/**
 * Median and p90 of a group's first responses, given in packed parts (the rollup's days, the
 * edges): sorted as one typed array, exactly as libs/metrics takes them.
 */
function medianAndP90(parts: Uint8Array[]): [number | null, number | null] {
  const all = unpackResponses(parts);
  all.sort();
  return [percentileOfSorted(all, 0.5), percentileOfSorted(all, 0.9)];
}

/** One of the percentiles `percentile_cont(ARRAY[…])` answered (an array, null for no values). */
const nth = (values: unknown, i: number): number | null => (Array.isArray(values) ? nullable(values[i]) : null);

/** Managers of a manager group: its own one when it has chats (else the scan counts them). */
function managersOf(dims: Dimensions, key: string | null, chats: number): number | undefined {
  const at = dims.indexOf('manager');
  if (at < 0) return undefined;
  const manager = dims.length === 1 ? key : (key ?? '').split('|')[at];
  return manager && chats > 0 ? 1 : 0;
}

/** A group with all-zero rollup rows (e.g. after a reassignment) is not a group. */
function hasData(m: MetricValues): boolean {
  return (
    m.chats > 0 ||
    m.messagesIn > 0 ||
    m.messagesOut > 0 ||
    m.openBacklog > 0 ||
    m.messagesPerChat !== null ||
    m.widgetVisitors > 0 ||
    m.proactiveInvites > 0
  );
}

/** METRICS.md values from the parts' aggregates (same formulas as libs/metrics `summarize`). */
export function metricValues(
  sums: Record<string, number>,
  c: Record<string, unknown>,
  revenue: AggregateRow[],
  b: Record<string, unknown>,
  w: Record<string, unknown> = {},
): MetricValues {
  const s = (column: string) => sums[column] ?? 0;
  const chats = s('chats');
  const answers = s('csat_count') + s('nps_count') + s('ces_count');
  const avgMs = (sum: string, count: string) => (s(count) === 0 ? null : s(sum) / s(count) / 1000);
  return {
    chats,
    chatsPerManager: ratio(chats, c['managers']),
    messagesIn: s('messages_in'),
    messagesOut: s('messages_out'),
    messagesPerChat: ratio(s('resolved_messages'), s('resolved')),
    openBacklog: num(b['open_backlog']),
    firstResponseAvgSec: avgMs('first_response_ms', 'answered'),
    firstResponseMedianSec: nth(c['first_response_percentiles'], 0),
    firstResponseP90Sec: nth(c['first_response_percentiles'], 1),
    answeredWithinTargetRate: ratio(s('within_target'), s('answered')),
    replyTimeAvgSec: avgMs('reply_time_ms', 'reply_time_count'),
    waitToAcceptAvgSec: avgMs('wait_ms', 'wait_count'),
    handleTimeAvgSec: avgMs('handle_ms', 'handle_count'),
    resolutionTimeAvgSec: avgMs('resolution_ms', 'resolution_count'),
    firstResponseAvgBusinessSec: nullable(c['first_response_business_avg']),
    firstResponseMedianBusinessSec: nth(c['first_response_business_percentiles'], 0),
    firstResponseP90BusinessSec: nth(c['first_response_business_percentiles'], 1),
    handleTimeAvgBusinessSec: nullable(c['handle_business_avg']),
    resolutionTimeAvgBusinessSec: nullable(c['resolution_business_avg']),
    missedChats: s('missed'),
    missedChatRate: ratio(s('missed'), chats),
    acceptanceRate: ratio(s('offers_accepted'), s('offers_made')),
    fcrRate: ratio(s('fcr'), s('fcr_eligible')),
    repeatContactRate: ratio(s('repeated'), s('fcr_eligible')),
    transferRate: ratio(s('transferred'), chats),
    csatAvg: ratio(s('csat_sum'), s('csat_count')),
    csatSatisfiedRate: ratio(s('csat_satisfied'), s('csat_count')),
    csatResponses: s('csat_count'),
    nps: s('nps_count') ? (100 * (s('nps_promoters') - s('nps_detractors'))) / s('nps_count') : null,
    npsResponses: s('nps_count'),
    cesAvg: ratio(s('ces_sum'), s('ces_count')),
    cesResponses: s('ces_count'),
    surveyResponseRate: ratio(answers, s('surveys_sent')),
    cannedUsageRate: ratio(s('canned_replies'), s('human_replies')),
    chatsWithCannedRate: ratio(s('chats_with_canned'), s('chats_with_replies')),
    taggedRate: ratio(s('tagged'), chats),
    tagsPerChat: ratio(s('tag_count'), chats),
    dealsCreated: s('deals_created'),
    conversions: s('conversions'),
    conversionRate: ratio(s('conversions'), chats),
    revenue: Object.fromEntries(revenue.map((row) => [row['currency'] as string, row['amount'] as string])),
    revenuePerChat: Object.fromEntries(
      revenue.map((row) => [row['currency'] as string, perCount(row['amount'] as string, chats) as string]),
    ),
    timeToDealAvgSec: avgMs('time_to_deal_ms', 'conversions'),
    proactiveInvites: num(w['invites']),
    proactiveAccepted: s('proactive_accepted'),
    proactiveConversionRate: ratio(s('proactive_converted'), s('proactive_accepted')),
    widgetVisitors: num(w['visitors']),
    visitorToChatRate: ratio(w['chatted'], w['visitors']),
    botHandled: s('bot_handled'),
    botContainmentRate: ratio(s('bot_resolved'), s('bot_handled')),
    botEscalationRate: ratio(s('bot_escalated'), s('bot_handled')),
    botFallbackRate: ratio(s('bot_fallbacks'), s('bot_replies')),
    // Costs are the service's: they need presence and every chat of the workspace.
    cost: null,
    costPerChat: null,
    roi: null,
  };
}
