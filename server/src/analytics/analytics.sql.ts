import type { AnalyticsGrouping, AnalyticsInterval, MetricKey } from '@onebox/contracts';

/**
 * The SQL of METRICS.md over `conversation_cycles` (one row per cycle, facts derived by the
 * reference code). Parameters are always, in order:
 *   $1 workspace, $2 from, $3 to, $4 asOf, $5 missed threshold (s), $6 first-response target (s),
 *   $7 FCR window (days), $8 conversion window (days), $9 channel, $10 manager, $11 tag,
 *   $12 channel type, $13 time zone, $14 interval.
 * Every metric below is the aggregate of one subset of cycles, named as in METRICS.md:
 * `chats` (started in the period), `msgs` (messages sent in the period), `res` (resolved in
 * the period), `backlog` (open at `to`).
 */

export interface SqlFilter {
  workspaceId: string;
  from: Date;
  to: Date;
  asOf: Date;
  missedThresholdSec: number;
  firstResponseTargetSec: number;
  fcrWindowDays: number;
  conversionWindowDays: number;
  channelId: string | null;
  managerId: string | null;
  tag: string | null;
  channelType: string | null;
  timeZone: string;
  interval: AnalyticsInterval;
}

/**
 * Prefixed to every query: types all fourteen parameters, so a query may leave some unused
 * (PostgreSQL rejects parameters whose type it cannot infer).
 */
export const PARAMS = `WITH _params AS (SELECT $1::uuid, $2::timestamptz, $3::timestamptz, $4::timestamptz,
  $5::float8, $6::float8, $7::float8, $8::float8, $9::uuid, $10::uuid, $11::text, $12::text, $13::text, $14::text)
`;

export function params(f: SqlFilter): unknown[] {
  return [
    f.workspaceId,
    f.from,
    f.to,
    f.asOf,
    f.missedThresholdSec,
    f.firstResponseTargetSec,
    f.fcrWindowDays,
    f.conversionWindowDays,
    f.channelId,
    f.managerId,
    f.tag,
    f.channelType,
    f.timeZone,
    f.interval,
  ];
}

/** The group key of a cycle `c` (tag grouping joins `t`, one row per tag). */
const KEY: Record<AnalyticsGrouping, string> = {
  none: `'all'::text`,
  channel: 'c.channel_id::text',
  channelType: 'c.channel_type',
  manager: 'c.manager_id::text',
  tag: 't.tag',
};

/** A grouping: one dimension, or two (`channel` then `manager`: key `<channelId>|<managerId or ''>`). */
export type Dimensions = readonly [AnalyticsGrouping] | readonly [AnalyticsGrouping, AnalyticsGrouping];

const keyOf = (dims: Dimensions) =>
  dims.length === 1 ? KEY[dims[0]] : `(${KEY[dims[0]]} || '|' || coalesce(${KEY[dims[1]]}, ''))`;

const tagJoin = (dims: Dimensions) => (dims.includes('tag') ? 'CROSS JOIN LATERAL unnest(c.tags) AS t(tag)' : '');

/** Filters every subset shares. */
const FILTERS = `c.workspace_id = $1
  AND ($9::uuid IS NULL OR c.channel_id = $9) AND ($10::uuid IS NULL OR c.manager_id = $10)
  AND ($11::text IS NULL OR $11 = ANY (c.tags)) AND ($12::text IS NULL OR c.channel_type = $12)`;

/** Seconds as an exact interval: `days` windows are 86,400 s each, whatever the DST. */
const days = (param: string) => `make_interval(secs => ${param}::float8 * 86400)`;

/** Missed: the visitor left before any reply, or no human reply within the threshold of the clock's start. */
export const MISSED = `(c.visitor_left_before_reply OR (c.clock_from IS NOT NULL AND CASE
    WHEN c.first_human_reply_at IS NOT NULL THEN extract(epoch FROM c.first_human_reply_at - c.clock_from) > $5
    ELSE extract(epoch FROM $4::timestamptz - c.clock_from) >= $5 END))`;

export const CONVERTED = `(c.won_at IS NOT NULL AND c.won_at <= c.started_at + ${days('$8')})`;

/** Resolved cycles whose FCR window has passed; repeated when the contact came back within it. */
const FCR_ELIGIBLE = `(c.resolved_at IS NOT NULL AND c.resolved_at + ${days('$7')} <= $4)`;
const REPEATED = `EXISTS (SELECT 1 FROM conversation_cycles n WHERE n.workspace_id = c.workspace_id
    AND n.contact_id = c.contact_id AND n.started_at > c.resolved_at AND n.started_at <= c.resolved_at + ${days('$7')})`;

/** Local bucket start of an instant, in the workspace time zone, as an instant again. */
export const bucketOf = (column: string) => `(date_trunc($14, ${column} AT TIME ZONE $13) AT TIME ZONE $13)`;

/** Aggregates over the cycles started in the period, per `key` (and `bucket` for time series). */
function chatsSelect(dims: Dimensions, bucketed: boolean): string {
  return `SELECT ${keyOf(dims)} AS key, ${bucketed ? bucketOf('c.started_at') : 'NULL::timestamptz'} AS bucket,
      count(*)::int AS chats,
      count(DISTINCT c.manager_id)::int AS managers,
      avg(c.first_response_sec) AS first_response_avg,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY c.first_response_sec) AS first_response_median,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY c.first_response_sec) AS first_response_p90,
      count(c.first_response_sec)::int AS answered,
      count(*) FILTER (WHERE c.first_response_sec <= $6)::int AS within_target,
      sum(c.reply_time_sum) AS reply_time_sum, sum(c.reply_time_count)::int AS reply_time_count,
      sum(c.wait_to_accept_sum) AS wait_sum, sum(c.wait_to_accept_count)::int AS wait_count,
      avg(c.handle_time_sec) AS handle_avg, avg(c.resolution_time_sec) AS resolution_avg,
      count(*) FILTER (WHERE ${MISSED})::int AS missed,
      sum(c.offers_made)::int AS offers_made, sum(c.offers_accepted)::int AS offers_accepted,
      count(*) FILTER (WHERE ${FCR_ELIGIBLE})::int AS fcr_eligible,
      count(*) FILTER (WHERE ${FCR_ELIGIBLE} AND ${REPEATED})::int AS repeated,
      count(*) FILTER (WHERE ${FCR_ELIGIBLE} AND NOT ${REPEATED} AND c.resolutions = 1 AND NOT c.transferred)::int AS fcr,
      count(*) FILTER (WHERE c.transferred)::int AS transferred,
      sum(c.csat_sum)::int AS csat_sum, sum(c.csat_count)::int AS csat_count, sum(c.csat_satisfied)::int AS csat_satisfied,
      sum(c.nps_count)::int AS nps_count, sum(c.nps_promoters)::int AS nps_promoters,
      sum(c.nps_detractors)::int AS nps_detractors, sum(c.ces_sum)::int AS ces_sum, sum(c.ces_count)::int AS ces_count,
      sum(c.surveys_sent)::int AS surveys_sent,
      sum(c.canned_replies)::int AS canned_replies, sum(c.human_replies)::int AS human_replies,
      count(*) FILTER (WHERE c.canned_replies > 0)::int AS chats_with_canned,
      count(*) FILTER (WHERE c.human_replies > 0)::int AS chats_with_replies,
      count(*) FILTER (WHERE cardinality(c.tags) > 0)::int AS tagged, sum(cardinality(c.tags))::int AS tag_count,
      sum(c.deals_count)::int AS deals_created,
      count(*) FILTER (WHERE ${CONVERTED})::int AS conversions,
      (avg(extract(epoch FROM c.won_at - c.started_at)) FILTER (WHERE ${CONVERTED}))::float8 AS time_to_deal_avg,
      count(*) FILTER (WHERE c.proactive_accepted)::int AS proactive_accepted,
      count(*) FILTER (WHERE c.bot_handled)::int AS bot_handled,
      count(*) FILTER (WHERE c.bot_resolved)::int AS bot_resolved,
      count(*) FILTER (WHERE c.bot_escalated)::int AS bot_escalated,
      sum(c.bot_fallbacks)::int AS bot_fallbacks, sum(c.bot_replies)::int AS bot_replies
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3
    GROUP BY 1, 2`;
}

/** Won amounts of converted cycles, per key and currency. */
function revenueSelect(dims: Dimensions, bucketed: boolean): string {
  return `SELECT ${keyOf(dims)} AS key, ${bucketed ? bucketOf('c.started_at') : 'NULL::timestamptz'} AS bucket,
      coalesce(c.won_currency, '') AS currency, sum(c.won_amount)::text AS amount
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3 AND ${CONVERTED} AND c.won_amount IS NOT NULL
    GROUP BY 1, 2, 3`;
}

/** Customer messages and human replies sent in the period, by the group of their cycle. */
function messagesSelect(dims: Dimensions, bucketed: boolean): string {
  return `SELECT ${keyOf(dims)} AS key, ${bucketed ? bucketOf('e.at') : 'NULL::timestamptz'} AS bucket,
      count(*) FILTER (WHERE e.type = 'message_in')::int AS messages_in,
      count(*) FILTER (WHERE e.type = 'human_reply')::int AS messages_out
    FROM conversation_events e
    JOIN conversation_cycles c ON c.workspace_id = e.workspace_id AND c.conversation_id = e.conversation_id
      AND c.cycle = e.cycle
    ${tagJoin(dims)}
    WHERE e.workspace_id = $1 AND e.at >= $2 AND e.at < $3 AND e.type IN ('message_in', 'human_reply') AND ${FILTERS}
    GROUP BY 1, 2`;
}

/** Cycles resolved in the period: messages per chat. */
function resolvedSelect(dims: Dimensions, bucketed: boolean): string {
  return `SELECT ${keyOf(dims)} AS key, ${bucketed ? bucketOf('c.resolved_at') : 'NULL::timestamptz'} AS bucket,
      count(*)::int AS resolved, sum(c.customer_messages + c.human_replies)::int AS resolved_messages
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND c.resolved_at >= $2 AND c.resolved_at < $3
    GROUP BY 1, 2`;
}

/** Cycles open at `to` (started before it, not resolved by then). */
function backlogSelect(dims: Dimensions): string {
  return `SELECT ${keyOf(dims)} AS key, NULL::timestamptz AS bucket, count(*)::int AS open_backlog
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND c.started_at < $3 AND (c.resolved_at IS NULL OR c.resolved_at >= $3)
    GROUP BY 1, 2`;
}

export interface AggregateRow {
  key: string | null;
  bucket: Date | null;
  [column: string]: unknown;
}

export interface SubsetQueries {
  chats: string;
  revenue: string;
  messages: string;
  resolved: string;
  backlog: string | null;
}

/** The five subset queries of a summary (`bucketed`: per time bucket, for time series). */
export function subsetQueries(dims: Dimensions, bucketed: boolean): SubsetQueries {
  return {
    chats: chatsSelect(dims, bucketed),
    revenue: revenueSelect(dims, bucketed),
    messages: messagesSelect(dims, bucketed),
    resolved: resolvedSelect(dims, bucketed),
    backlog: bucketed ? null : backlogSelect(dims),
  };
}

/** Metrics that have no meaning per time bucket of cycle starts. */
export const NOT_A_TIME_SERIES: readonly MetricKey[] = ['openBacklog', 'chatsPerManager'];

/** The drill-down: which cycles are behind each metric (a condition on `c`). */
export const DRILLDOWN: Partial<Record<MetricKey, string>> = {
  chats: 'TRUE',
  missedChats: MISSED,
  missedChatRate: MISSED,
  conversions: CONVERTED,
  conversionRate: CONVERTED,
  revenue: CONVERTED,
  timeToDealAvgSec: CONVERTED,
  dealsCreated: 'c.deals_count > 0',
  transferRate: 'c.transferred',
  firstResponseAvgSec: 'c.first_response_sec IS NOT NULL',
  firstResponseMedianSec: 'c.first_response_sec IS NOT NULL',
  firstResponseP90Sec: 'c.first_response_sec IS NOT NULL',
  answeredWithinTargetRate: 'c.first_response_sec <= $6',
  handleTimeAvgSec: 'c.handle_time_sec IS NOT NULL',
  resolutionTimeAvgSec: 'c.resolution_time_sec IS NOT NULL',
  csatAvg: 'c.csat_count > 0',
  csatSatisfiedRate: 'c.csat_count > 0',
  csatResponses: 'c.csat_count > 0',
  nps: 'c.nps_count > 0',
  npsResponses: 'c.nps_count > 0',
  cesAvg: 'c.ces_count > 0',
  cesResponses: 'c.ces_count > 0',
  acceptanceRate: 'c.offers_made > 0',
  waitToAcceptAvgSec: 'c.wait_to_accept_count > 0',
  fcrRate: FCR_ELIGIBLE,
  repeatContactRate: `${FCR_ELIGIBLE} AND ${REPEATED}`,
  cannedUsageRate: 'c.canned_replies > 0',
  chatsWithCannedRate: 'c.canned_replies > 0',
  taggedRate: 'cardinality(c.tags) > 0',
  tagsPerChat: 'cardinality(c.tags) > 0',
  proactiveAccepted: 'c.proactive_accepted',
  botHandled: 'c.bot_handled',
  botContainmentRate: 'c.bot_resolved',
  botEscalationRate: 'c.bot_escalated',
  botFallbackRate: 'c.bot_fallbacks > 0',
};

/** The cycles behind a metric, newest first, keyset-paged on (started_at, conversation_id, cycle). */
export function drilldownQuery(condition: string, limit: number): string {
  return `SELECT c.*, ${MISSED} AS missed, ch.name AS channel_name, ct.name AS contact_name, u.name AS manager_name,
      count(*) OVER () AS total
    FROM conversation_cycles c
    JOIN channels ch ON ch.id = c.channel_id
    JOIN contacts ct ON ct.id = c.contact_id
    LEFT JOIN users u ON u.id = c.manager_id
    WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3 AND (${condition})
      AND ($15::timestamptz IS NULL OR (c.started_at, c.conversation_id, c.cycle) < ($15, $16::uuid, $17::int))
    ORDER BY c.started_at DESC, c.conversation_id DESC, c.cycle DESC
    LIMIT ${limit}`;
}

/** Chats per local weekday (0 = Monday) and hour. */
export const HEATMAP = `SELECT (extract(isodow FROM c.started_at AT TIME ZONE $13)::int - 1) AS weekday,
    extract(hour FROM c.started_at AT TIME ZONE $13)::int AS hour, count(*)::int AS chats
  FROM conversation_cycles c
  WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3
  GROUP BY 1, 2 ORDER BY 1, 2`;

/** First responses in buckets with these upper bounds (seconds); the last bucket is open-ended. */
export const FIRST_RESPONSE_BOUNDS = [30, 60, 120, 300, 600, 1800, 3600] as const;
export const DISTRIBUTION = `SELECT width_bucket(c.first_response_sec, $15::float8[]) AS bucket, count(*)::int AS count
  FROM conversation_cycles c
  WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3 AND c.first_response_sec IS NOT NULL
  GROUP BY 1 ORDER BY 1`;
