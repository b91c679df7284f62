import type { AnalyticsGrouping, AnalyticsInterval, MetricKey } from '@onebox/contracts';
import {
  BY_REQUEST,
  changedBetween,
  convertedBy,
  fcrEligibleBy,
  missedBy,
  repeatedBy,
  VERDICT_COLUMNS,
  verdictChange,
  verdictSelect,
} from './verdicts.sql';

/**
 * The SQL of METRICS.md. Two sources, both written by the refresher from the reference code's
 * facts: `conversation_cycles` (one row per cycle) and `analytics_daily` (additive sums per UTC
 * day × channel × manager). A summary adds up:
 *   - `sums`: additive figures — from `analytics_daily` for the whole UTC days of the period and
 *     from the cycles (or events) for the partial days at its edges ("edges"); for tag groupings
 *     and filters (the rollup has no tags) the edges are the whole period;
 *   - the verdicts (verdicts.sql.ts: what depends on settings or on "now" — target, misses, FCR,
 *     conversions): for the whole days, the rollup keeps them as judged at its `settled_at` with
 *     the settings of `analytics_settled`, and the few cycles whose verdicts changed since are
 *     read apart; the edges are judged from their cycles. While the rollup's settings are not the
 *     workspace's (a change being settled), the whole days' cycles are judged per request;
 *   - median and p90 first response: the rollup keeps each day's first responses (a multiset per
 *     day × channel × manager), the edges add theirs, and the repository takes the exact
 *     percentiles of them all (libs/metrics `percentileOfSorted`);
 *   - `revenue` per currency, and `backlog` (cycles open at `to`).
 *
 * Parameters, always in this order:
 *   $1 workspace, $2 from, $3 to, $4 asOf, $5 missed threshold (s), $6 first-response target (s),
 *   $7 FCR window (days), $8 conversion window (days), $9 channel, $10 manager, $11 tag,
 *   $12 channel type, $13 time zone, $14 interval, $15 end of the leading edge, $16 start of the
 *   trailing edge (the rollup covers [$15, $16)), $17/$18 the same as UTC dates, $19–$21 the
 *   working hours as `onebox_business_ms` reads them (openings, ms before each, lengths in ms).
 * Query-specific parameters start at $22.
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
  /** The workspace's working hours over the instants the period's cycles span; null: none set. */
  businessHours: BusinessHours | null;
}

/**
 * Working hours as a piecewise-linear clock: sorted, disjoint openings, the business
 * milliseconds before each, and each one's length. `onebox_business_ms(t, …)` (a SQL function
 * of the analytics migration) is the business milliseconds before `t`, found by a binary search
 * (`width_bucket`); business time between two instants is the difference.
 */
export interface BusinessHours {
  opens: Date[];
  msBefore: number[];
  lengthsMs: number[];
}

/** The clock of `businessHours` for these openings (epoch-ms intervals, sorted and disjoint). */
export function businessHoursOf(intervals: readonly [number, number][]): BusinessHours {
  let before = 0;
  const hours: BusinessHours = { opens: [], msBefore: [], lengthsMs: [] };
  for (const [start, end] of intervals) {
    hours.opens.push(new Date(start));
    hours.msBefore.push(before);
    hours.lengthsMs.push(end - start);
    before += end - start;
  }
  return hours;
}

/**
 * The whole UTC days inside [from, to) that the rollup answers for; null when there are none.
 * `lastDayWhole`: nothing happened between `to` and the end of its UTC day (a period ending
 * now or later, like the dashboard's presets), so that day's rollup row holds exactly the
 * period's part of it.
 */
export function wholeDays(from: Date, to: Date, lastDayWhole = false): { start: Date; end: Date } | null {
  const day = 86_400_000;
  const start = new Date(Math.ceil(from.getTime() / day) * day);
  const end = new Date((lastDayWhole ? Math.ceil(to.getTime() / day) : Math.floor(to.getTime() / day)) * day);
  return end > start ? { start, end } : null;
}

/** The end of the UTC day `to` falls in (null when `to` is a midnight): what `lastDayWhole` asks about. */
export function restOfLastDay(to: Date): { from: Date; to: Date } | null {
  const day = 86_400_000;
  const end = Math.ceil(to.getTime() / day) * day;
  return end > to.getTime() ? { from: to, to: new Date(end) } : null;
}

/** Types all shared parameters, so a query may leave some unused (PostgreSQL must infer each). */
export const PARAMS = `WITH _params AS (SELECT $1::uuid, $2::timestamptz, $3::timestamptz, $4::timestamptz,
  $5::float8, $6::float8, $7::float8, $8::float8, $9::uuid, $10::uuid, $11::text, $12::text, $13::text, $14::text,
  $15::timestamptz, $16::timestamptz, $17::date, $18::date, $19::timestamptz[], $20::float8[], $21::float8[])
`;

export function params(f: SqlFilter, useRollup: boolean, lastDayWhole = false): unknown[] {
  const days = useRollup ? wholeDays(f.from, f.to, lastDayWhole) : null;
  // Without whole days the leading edge is the whole period and the trailing one is empty (also
  // when the last day is whole: its start is then after `to`).
  const [edgeEnd, edgeStart] = days ? [days.start, days.end] : [f.to, f.to];
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
    edgeEnd,
    edgeStart,
    edgeEnd.toISOString().slice(0, 10),
    edgeStart.toISOString().slice(0, 10),
    f.businessHours?.opens ?? null,
    f.businessHours?.msBefore ?? null,
    f.businessHours?.lengthsMs ?? null,
  ];
}

/** A grouping: one dimension, or two (`channel` then `manager`: key `<channelId>|<managerId or ''>`). */
export type Dimensions = readonly [AnalyticsGrouping] | readonly [AnalyticsGrouping, AnalyticsGrouping];

/** The rollup has no tags: tag groupings and filters read the cycles for the whole period. */
/** Zones whose local days are UTC days (the rollup's days). */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu']);

/**
 * Whether the rollup may answer: it has no tags, and its rows are UTC days — a time series reads
 * it only when its buckets are made of whole UTC days (days or weeks in a UTC workspace); hours,
 * and days of any other zone, come from the cycles.
 */
export const canUseRollup = (dims: Dimensions, f: Pick<SqlFilter, 'tag' | 'interval' | 'timeZone'>, bucketed = false) =>
  !dims.includes('tag') && f.tag === null && (!bucketed || (f.interval !== 'hour' && UTC_ZONES.has(f.timeZone)));

const NIL = `'00000000-0000-0000-0000-000000000000'::uuid`;

/** Group key of a cycle `c` (tag groupings join `t`, one row per tag). */
const CYCLE_KEY: Record<AnalyticsGrouping, string> = {
  none: `'all'::text`,
  channel: 'c.channel_id::text',
  channelType: 'c.channel_type',
  manager: 'c.manager_id::text',
  tag: 't.tag',
};

/** Group key of a rollup row `d` (joined with its channel `ch`). */
const DAILY_KEY: Record<AnalyticsGrouping, string> = {
  none: `'all'::text`,
  channel: 'd.channel_id::text',
  channelType: 'ch.type',
  manager: `nullif(d.manager_key, ${NIL})::text`,
  tag: `NULL::text`,
};

const keyOf = (dims: Dimensions, keys: Record<AnalyticsGrouping, string>) =>
  dims.length === 1 ? keys[dims[0]] : `(${keys[dims[0]]} || '|' || coalesce(${keys[dims[1]]}, ''))`;

/** The raw columns a group key is made of (uuids group and sort far faster than collated text). */
const CYCLE_COLUMNS: Record<AnalyticsGrouping, string | null> = {
  none: null,
  channel: 'c.channel_id',
  channelType: 'c.channel_type',
  manager: 'c.manager_id',
  tag: 't.tag',
};
const DAILY_COLUMNS: Record<AnalyticsGrouping, string | null> = {
  none: null,
  channel: 'd.channel_id',
  channelType: 'ch.type',
  manager: 'd.manager_key',
  tag: null,
};

/** `GROUP BY` the key's raw columns and the bucket (select-list item 2). */
const groupBy = (dims: Dimensions, columns: Record<AnalyticsGrouping, string | null>, ...more: string[]) =>
  `GROUP BY ${[...dims.map((dim) => columns[dim]).filter((column) => column !== null), '2', ...more].join(', ')}`;

const tagJoin = (dims: Dimensions) => (dims.includes('tag') ? 'CROSS JOIN LATERAL unnest(c.tags) AS t(tag)' : '');

/** Filters on cycles `c`. */
const FILTERS = `c.workspace_id = $1
  AND ($9::uuid IS NULL OR c.channel_id = $9) AND ($10::uuid IS NULL OR c.manager_id = $10)
  AND ($11::text IS NULL OR $11 = ANY (c.tags)) AND ($12::text IS NULL OR c.channel_type = $12)`;

/** Filters on rollup rows `d` (never used with a tag filter). */
const DAILY_FILTERS = `d.workspace_id = $1
  AND ($9::uuid IS NULL OR d.channel_id = $9) AND ($10::uuid IS NULL OR d.manager_key = $10)
  AND ($12::text IS NULL OR ch.type = $12)`;

/** Cycles started at the edges of the period (the whole period when the rollup is not used). */
const IN_EDGES = (column: string) => `((${column} >= $2 AND ${column} < $15) OR (${column} >= $16 AND ${column} < $3))`;

/** Messages sent in one edge, read from the events' covering time index alone (one range each: an OR of two would not be). */
const EDGE_EVENTS = (from: string, to: string) => `SELECT workspace_id, conversation_id, cycle, type, at
  FROM conversation_events WHERE workspace_id = $1 AND at >= ${from} AND at < ${to} AND type IN ('message_in', 'human_reply')`;

export const MISSED = missedBy(BY_REQUEST);
export const CONVERTED = convertedBy(BY_REQUEST);
const FCR_ELIGIBLE = fcrEligibleBy(BY_REQUEST);
const REPEATED = repeatedBy(BY_REQUEST);

/** Business seconds between two instants (null unless both are set). */
const businessSec = (from: string, to: string) =>
  `((onebox_business_ms(${to}, $19, $20, $21) - onebox_business_ms(${from}, $19, $20, $21)) / 1000)`;
const FIRST_RESPONSE_BUSINESS = `CASE WHEN c.first_response_sec IS NOT NULL THEN ${businessSec('c.clock_from', 'c.first_human_reply_at')} END`;

/** The working-hours variants: only when the workspace has hours (else the columns are absent). */
const BUSINESS_SCAN = `,
      avg(${FIRST_RESPONSE_BUSINESS}) AS first_response_business_avg,
      percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${FIRST_RESPONSE_BUSINESS})
        AS first_response_business_percentiles,
      avg(CASE WHEN c.resolved_at IS NOT NULL AND c.first_human_reply_at IS NOT NULL
          THEN ${businessSec('c.first_human_reply_at', 'c.resolved_at')} END) AS handle_business_avg,
      avg(CASE WHEN c.resolved_at IS NOT NULL AND c.first_customer_message_at IS NOT NULL
          THEN ${businessSec('c.first_customer_message_at', 'c.resolved_at')} END) AS resolution_business_avg`;

/** Local bucket start of an instant, in the workspace time zone, as an instant again. */
export const bucketOf = (column: string) => `(date_trunc($14, ${column} AT TIME ZONE $13) AT TIME ZONE $13)`;

const ms = (column: string) => `coalesce(round(${column} * 1000), 0)::bigint`;

/** The additive columns of `analytics_daily` by start day, as computed from cycles `c`. */
export const CYCLE_SUMS = `count(*)::int AS chats,
      count(c.first_response_sec)::int AS answered,
      sum(${ms('c.first_response_sec')})::bigint AS first_response_ms,
      sum(${ms('c.reply_time_sum')})::bigint AS reply_time_ms, sum(c.reply_time_count)::int AS reply_time_count,
      sum(${ms('c.wait_to_accept_sum')})::bigint AS wait_ms, sum(c.wait_to_accept_count)::int AS wait_count,
      sum(${ms('c.handle_time_sec')})::bigint AS handle_ms, count(c.handle_time_sec)::int AS handle_count,
      sum(${ms('c.resolution_time_sec')})::bigint AS resolution_ms, count(c.resolution_time_sec)::int AS resolution_count,
      sum(c.offers_made)::int AS offers_made, sum(c.offers_accepted)::int AS offers_accepted,
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
      count(*) FILTER (WHERE c.proactive_accepted)::int AS proactive_accepted,
      count(*) FILTER (WHERE c.bot_handled)::int AS bot_handled,
      count(*) FILTER (WHERE c.bot_resolved)::int AS bot_resolved,
      count(*) FILTER (WHERE c.bot_escalated)::int AS bot_escalated,
      sum(c.bot_fallbacks)::int AS bot_fallbacks, sum(c.bot_replies)::int AS bot_replies`;

/** Additive columns, in the order `analytics_daily` and `CYCLE_SUMS` share. */
export const SUM_COLUMNS = [
  'chats',
  'answered',
  'first_response_ms',
  'reply_time_ms',
  'reply_time_count',
  'wait_ms',
  'wait_count',
  'handle_ms',
  'handle_count',
  'resolution_ms',
  'resolution_count',
  'offers_made',
  'offers_accepted',
  'transferred',
  'csat_sum',
  'csat_count',
  'csat_satisfied',
  'nps_count',
  'nps_promoters',
  'nps_detractors',
  'ces_sum',
  'ces_count',
  'surveys_sent',
  'canned_replies',
  'human_replies',
  'chats_with_canned',
  'chats_with_replies',
  'tagged',
  'tag_count',
  'deals_created',
  'proactive_accepted',
  'bot_handled',
  'bot_resolved',
  'bot_escalated',
  'bot_fallbacks',
  'bot_replies',
] as const;

const bucketed = (on: boolean, column: string) => (on ? bucketOf(column) : 'NULL::timestamptz');

/**
 * Additive figures of cycles started in the edges; for a summary also their first responses (for
 * percentiles) and their verdicts, judged per request.
 */
function edgeSums(dims: Dimensions, buckets: boolean): string {
  return `SELECT ${keyOf(dims, CYCLE_KEY)} AS key, ${bucketed(buckets, 'c.started_at')} AS bucket, ${CYCLE_SUMS}
      ${buckets ? '' : `, string_agg(float8send(c.first_response_sec), ''::bytea) AS ${RESPONSES}, ${verdictSelect(BY_REQUEST)}`}
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND ${IN_EDGES('c.started_at')}
    ${groupBy(dims, CYCLE_COLUMNS)}`;
}

/** Additive figures of the whole days, from the rollup (chats by start day); for a summary also their first responses. */
function dailySums(dims: Dimensions, buckets: boolean): string {
  return `SELECT ${keyOf(dims, DAILY_KEY)} AS key, ${bucketed(buckets, `(d.day::timestamp AT TIME ZONE 'UTC')`)} AS bucket,
      ${SUM_COLUMNS.map((column) => `sum(d.${column})::${column.endsWith('_ms') ? 'bigint' : 'int'} AS ${column}`).join(', ')},
      sum(d.messages_in)::int AS messages_in, sum(d.messages_out)::int AS messages_out,
      sum(d.resolved)::int AS resolved, sum(d.resolved_messages)::int AS resolved_messages
      ${
        buckets
          ? ''
          : `, string_agg(d.first_responses, ''::bytea) FILTER (WHERE length(d.first_responses) > 0) AS ${RESPONSES}`
      }
    FROM analytics_daily d JOIN channels ch ON ch.id = d.channel_id
    WHERE ${DAILY_FILTERS} AND d.day >= $17 AND d.day < $18
    ${groupBy(dims, DAILY_COLUMNS)}`;
}

/** Cycles started in the whole period, or in its whole days (the rollup's). */
const STARTED_IN = {
  period: 'c.started_at >= $2 AND c.started_at < $3',
  days: 'c.started_at >= $15 AND c.started_at < $16',
};

/** The verdicts (additive counts) of the cycles started in `range`, judged per request: one hash aggregation. */
function verdictScan(dims: Dimensions, buckets: boolean, range: keyof typeof STARTED_IN): string {
  return `SELECT ${keyOf(dims, CYCLE_KEY)} AS key, ${bucketed(buckets, 'c.started_at')} AS bucket,
      ${verdictSelect(BY_REQUEST)}
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND ${STARTED_IN[range]}
    ${groupBy(dims, CYCLE_COLUMNS)}`;
}

/** The rollup's verdicts count when they were judged with the request's settings (`$5`–`$8`) at `$22`. */
const SETTLED_ROW = `(SELECT 1 FROM analytics_settled WHERE workspace_id = $1 AND settled_at = $22::timestamptz
     AND missed_threshold_sec = $5 AND first_response_target_sec = $6 AND fcr_window_days = $7 AND conversion_window_days = $8)`;

/** How the rollup judged: with the request's settings, at `$22` (the `settled_at` the repository read). */
const AS_SETTLED = { ...BY_REQUEST, asOf: '$22::timestamptz' };

/**
 * Before a summary (`$1` workspace): whether anything happened from `$2` (its `to`) to `$3` (the
 * end of that UTC day) — no event, no cycle started or resolved — and the `settled_at` of the
 * rollup's verdicts when they were judged with settings `$4`–`$7` (the request's).
 */
export const BEFORE_SUMMARY = `SELECT
    $2::timestamptz IS NOT NULL AND (
      EXISTS (SELECT 1 FROM conversation_events WHERE workspace_id = $1 AND at >= $2 AND at < $3)
      OR EXISTS (SELECT 1 FROM conversation_cycles WHERE workspace_id = $1 AND started_at >= $2 AND started_at < $3)
      OR EXISTS (SELECT 1 FROM conversation_cycles WHERE workspace_id = $1 AND resolved_at >= $2 AND resolved_at < $3)
    ) AS later,
    (SELECT settled_at FROM analytics_settled WHERE workspace_id = $1 AND missed_threshold_sec = $4
        AND first_response_target_sec = $5 AND fcr_window_days = $6 AND conversion_window_days = $7) AS settled_at`;

/**
 * The whole days' verdicts at `asOf` (`$4`) in one statement (one snapshot): the rollup's, judged
 * at `$22`, plus the change since for the cycles whose verdicts changed in between (index ranges).
 * The last row, `settled` true, says the rollup still was as read; without it (the refresher moved
 * it on meanwhile, or settings changed) the rows are empty and a scan judges the whole days.
 */
function settledVerdicts(dims: Dimensions): string {
  const sums = VERDICT_COLUMNS.map(
    (column) => `sum(${column})::${column.endsWith('_ms') ? 'bigint' : 'int'} AS ${column}`,
  );
  // Both sides give the key's raw columns as k0, k1 (no manager: the nil uuid on both).
  const raw = dims.filter((dim) => dim !== 'none');
  const rollupKeys = raw.map((dim, i) => `${DAILY_COLUMNS[dim]} AS k${i}`);
  const cycleKeys = raw.map(
    (dim, i) => `${dim === 'manager' ? `coalesce(c.manager_id, ${NIL})` : CYCLE_COLUMNS[dim]} AS k${i}`,
  );
  const grouped = (names: string[]) => (names.length ? `GROUP BY ${names.join(', ')}` : '');
  const part = (dim: AnalyticsGrouping, i: number) =>
    dim === 'none' ? `'all'::text` : dim === 'manager' ? `nullif(k${i}, ${NIL})::text` : `k${i}::text`;
  const key =
    dims.length === 1 ? part(dims[0], 0) : `(${part(dims[0], 0)} || '|' || coalesce(${part(dims[1], 1)}, ''))`;
  return `SELECT ${key} AS key, NULL::timestamptz AS bucket, ${sums.join(', ')}, false AS settled
    FROM (
      SELECT ${[...rollupKeys, ...VERDICT_COLUMNS.map((column) => `d.${column}`)].join(', ')}
        FROM analytics_daily d JOIN channels ch ON ch.id = d.channel_id CROSS JOIN ${SETTLED_ROW} s
       WHERE ${DAILY_FILTERS} AND d.day >= $17 AND d.day < $18
      UNION ALL
      SELECT ${[...cycleKeys, verdictChange(AS_SETTLED, BY_REQUEST)].join(', ')}
        FROM conversation_cycles c CROSS JOIN ${SETTLED_ROW} s
       WHERE ${FILTERS} AND ${STARTED_IN.days} AND ${changedBetween(AS_SETTLED, BY_REQUEST)}
       ${grouped(raw.map((_, i) => String(i + 1)))}
    ) AS v
    ${grouped(raw.map((_, i) => `k${i}`))}
    UNION ALL
    SELECT NULL, NULL, ${VERDICT_COLUMNS.map(() => '0').join(', ')}, true FROM ${SETTLED_ROW} s`;
}

/**
 * The column the first responses of a group's answered cycles come in, merged by the repository:
 * packed float8s (daily-rollup.ts `unpackResponses`), concatenated — node reads bytes several
 * times faster than the text of as many numbers, and PostgreSQL only copies them.
 */
export const RESPONSES = 'first_responses';

/** Median and p90 first response per time bucket, from one sort per bucket. */
function percentileScan(dims: Dimensions, buckets: boolean): string {
  return `SELECT ${keyOf(dims, CYCLE_KEY)} AS key, ${bucketed(buckets, 'c.started_at')} AS bucket,
      percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY c.first_response_sec) AS first_response_percentiles
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3 AND c.first_response_sec IS NOT NULL
    ${groupBy(dims, CYCLE_COLUMNS)}`;
}

/** The working-hours variants of the time metrics (only when the workspace has hours). */
function businessScan(dims: Dimensions, buckets: boolean): string {
  return `SELECT ${keyOf(dims, CYCLE_KEY)} AS key, ${bucketed(buckets, 'c.started_at')} AS bucket
      ${BUSINESS_SCAN}
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3
      AND (c.first_response_sec IS NOT NULL OR c.resolved_at IS NOT NULL)
    ${groupBy(dims, CYCLE_COLUMNS)}`;
}

/**
 * Managers who handled at least one of the period's cycles, for a summary read from the rollup:
 * the whole days' rows with chats name them, the edges' cycles add theirs.
 */
function settledManagers(dims: Dimensions): string {
  return `SELECT key, NULL::timestamptz AS bucket, count(DISTINCT manager_id)::int AS managers FROM (
      SELECT ${keyOf(dims, DAILY_KEY)} AS key, nullif(d.manager_key, ${NIL}) AS manager_id
        FROM analytics_daily d JOIN channels ch ON ch.id = d.channel_id
       WHERE ${DAILY_FILTERS} AND d.day >= $17 AND d.day < $18 AND d.chats > 0
      UNION ALL
      SELECT ${keyOf(dims, CYCLE_KEY)}, c.manager_id
        FROM conversation_cycles c
       WHERE ${FILTERS} AND ${IN_EDGES('c.started_at')}
    ) AS m GROUP BY 1`;
}

/** Managers who handled at least one of the period's cycles (for chats per manager). */
function managersScan(dims: Dimensions, buckets: boolean): string {
  return `SELECT key, bucket, count(manager_id)::int AS managers FROM (
      SELECT DISTINCT ${keyOf(dims, CYCLE_KEY)} AS key, ${bucketed(buckets, 'c.started_at')} AS bucket, c.manager_id
        FROM conversation_cycles c ${tagJoin(dims)}
       WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3 AND c.manager_id IS NOT NULL
    ) AS m GROUP BY 1, 2`;
}

/** Won amounts of converted cycles, per key and currency. */
function revenueSelect(dims: Dimensions, buckets: boolean): string {
  return `SELECT ${keyOf(dims, CYCLE_KEY)} AS key, ${bucketed(buckets, 'c.started_at')} AS bucket,
      coalesce(c.won_currency, '') AS currency, sum(c.won_amount)::text AS amount
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3 AND ${CONVERTED} AND c.won_amount IS NOT NULL
    ${groupBy(dims, CYCLE_COLUMNS, '3')}`;
}

/**
 * Customer messages and human replies sent in the edges, by the group of their cycle: counted per
 * cycle (and bucket) from the events' covering index first, then each cycle looked up once.
 */
function edgeMessages(dims: Dimensions, buckets: boolean): string {
  return `SELECT ${keyOf(dims, CYCLE_KEY)} AS key, e.bucket,
      sum(e.messages_in)::int AS messages_in, sum(e.messages_out)::int AS messages_out
    FROM (
      SELECT e.workspace_id, e.conversation_id, e.cycle, ${bucketed(buckets, 'e.at')} AS bucket,
             count(*) FILTER (WHERE e.type = 'message_in') AS messages_in,
             count(*) FILTER (WHERE e.type = 'human_reply') AS messages_out
        FROM (${EDGE_EVENTS('$2', '$15')} UNION ALL ${EDGE_EVENTS('$16', '$3')}) AS e
       GROUP BY 1, 2, 3, 4) AS e
    -- LIMIT keeps this a lookup by primary key per cycle: the edges hold few cycles.
    CROSS JOIN LATERAL (SELECT * FROM conversation_cycles c1 WHERE c1.workspace_id = e.workspace_id
      AND c1.conversation_id = e.conversation_id AND c1.cycle = e.cycle LIMIT 1) c
    ${tagJoin(dims)}
    WHERE ${FILTERS}
    ${groupBy(dims, CYCLE_COLUMNS)}`;
}

/** Cycles resolved in the edges: messages per chat. */
function edgeResolved(dims: Dimensions, buckets: boolean): string {
  return `SELECT ${keyOf(dims, CYCLE_KEY)} AS key, ${bucketed(buckets, 'c.resolved_at')} AS bucket,
      count(*)::int AS resolved, sum(c.customer_messages + c.human_replies)::int AS resolved_messages
    FROM conversation_cycles c ${tagJoin(dims)}
    WHERE ${FILTERS} AND ${IN_EDGES('c.resolved_at')}
    ${groupBy(dims, CYCLE_COLUMNS)}`;
}

/**
 * Cycles open at `to` (started before it, not resolved by then): the unresolved ones from their
 * partial index, and those resolved after `to` from the resolution index — never every cycle.
 */
function backlogSelect(dims: Dimensions): string {
  const open = (condition: string) => `SELECT ${keyOf(dims, CYCLE_KEY)} AS key, NULL::timestamptz AS bucket,
        count(*)::int AS open_backlog
      FROM conversation_cycles c ${tagJoin(dims)}
      WHERE ${FILTERS} AND c.started_at < $3 AND ${condition}
      ${groupBy(dims, CYCLE_COLUMNS)}`;
  return `SELECT key, bucket, sum(open_backlog)::int AS open_backlog
    FROM (${open('c.resolved_at IS NULL')} UNION ALL ${open('c.resolved_at >= $3')}) AS b
    GROUP BY 1, 2`;
}

/**
 * Cycles open now, for a period ending now or later: the refresher keeps their number per
 * channel × manager in `analytics_open` (a cycle open now started before such a `to` and is not
 * resolved by then). Not for tags (the counts have none).
 */
function openNowSelect(dims: Dimensions): string {
  return `SELECT ${keyOf(dims, DAILY_KEY)} AS key, NULL::timestamptz AS bucket, sum(d.open)::int AS open_backlog
    FROM analytics_open d JOIN channels ch ON ch.id = d.channel_id
    WHERE ${DAILY_FILTERS}
    ${groupBy(dims, DAILY_COLUMNS)}`;
}

/** Group key of widget activity `v` (joined with its channel `ch`); null: not a widget grouping. */
const WIDGET_KEY: Partial<Record<AnalyticsGrouping, string>> = {
  none: `'all'::text`,
  channel: 'v.channel_id::text',
  channelType: 'ch.type',
};

/** Widget filters: a manager or tag filter leaves no widget activity (visitors have neither). */
const WIDGET_FILTERS = `v.workspace_id = $1 AND ($9::uuid IS NULL OR v.channel_id = $9)
  AND ($12::text IS NULL OR ch.type = $12) AND $10::uuid IS NULL AND $11::text IS NULL`;

/**
 * Invitations shown, and unique visitors with the share who started a chat in the period — for
 * groupings by nothing, channel or channel type (null otherwise: visitors have no manager or tag).
 */
function widgetSelect(dims: Dimensions): string | null {
  const key = dims.length === 1 ? WIDGET_KEY[dims[0]] : undefined;
  if (!key) return null;
  return `SELECT key, NULL::timestamptz AS bucket, sum(invites)::int AS invites, sum(visitors)::int AS visitors,
      sum(chatted)::int AS chatted
    FROM (
      SELECT ${key.replace(/\bv\./g, 'i.')} AS key, count(*) AS invites, 0 AS visitors, 0 AS chatted
        FROM proactive_invitations i JOIN channels ch ON ch.id = i.channel_id
       WHERE ${WIDGET_FILTERS.replace(/\bv\./g, 'i.')} AND i.shown_at >= $2 AND i.shown_at < $3
       GROUP BY 1
      UNION ALL
      SELECT key, 0, count(*), count(*) FILTER (WHERE chatted) FROM (
        SELECT DISTINCT ON (v.channel_id, v.visitor_id) ${key} AS key,
               EXISTS (SELECT 1 FROM contact_identities ci
                         JOIN conversation_cycles c ON c.workspace_id = v.workspace_id AND c.channel_id = ci.channel_id
                          AND c.contact_id = ci.contact_id AND c.started_at >= $2 AND c.started_at < $3
                        WHERE ci.channel_id = v.channel_id AND ci.external_id = v.visitor_id) AS chatted
          FROM widget_page_views v JOIN channels ch ON ch.id = v.channel_id
         WHERE ${WIDGET_FILTERS} AND v.viewed_at >= $2 AND v.viewed_at < $3
      ) seen GROUP BY 1
    ) w GROUP BY 1`;
}

export interface AggregateRow {
  key: string | null;
  bucket: Date | null;
  [column: string]: unknown;
}

export interface SummaryQueries {
  /** Summed per group (numbers) or merged (the arrays of first responses, column `RESPONSES`). */
  additive: string[];
  /**
   * The whole days' verdicts from the rollup, additive too; when its answer has no `settled` row,
   * `unsettled` answers for them instead.
   */
  settled: string | null;
  unsettled: string | null;
  /** Columns per group: percentiles per time bucket, managers. */
  scan: string[];
  /** The working-hours variants, when the workspace has hours: a scan of the period's cycles. */
  business: string | null;
  revenue: string;
  backlog: string | null;
  widget: string | null;
}

/**
 * The queries of a summary (`buckets`: per time bucket, for time series). A summary's median and
 * p90 come from the first responses the additive parts give; a time series sorts per bucket.
 */
export function summaryQueries(
  dims: Dimensions,
  buckets: boolean,
  useRollup: boolean,
  business: boolean,
  openNow = false,
): SummaryQueries {
  const settledDays = useRollup && !buckets;
  return {
    // A summary's edges give their verdicts with their sums; a time series judges the whole period.
    additive: [edgeSums(dims, buckets), edgeMessages(dims, buckets), edgeResolved(dims, buckets)].concat(
      useRollup ? [dailySums(dims, buckets)] : [],
      buckets ? [verdictScan(dims, buckets, 'period')] : [],
    ),
    settled: settledDays ? settledVerdicts(dims) : null,
    unsettled: settledDays ? verdictScan(dims, buckets, 'days') : null,
    scan: [
      ...(buckets ? [percentileScan(dims, buckets)] : []),
      // Grouped by manager, a group's managers are its own (counted from the key, not scanned).
      ...(dims.includes('manager') ? [] : [settledDays ? settledManagers(dims) : managersScan(dims, buckets)]),
    ],
    business: business ? businessScan(dims, buckets) : null,
    revenue: revenueSelect(dims, buckets),
    backlog: buckets ? null : openNow && useRollup ? openNowSelect(dims) : backlogSelect(dims),
    widget: buckets ? null : widgetSelect(dims),
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
  revenuePerChat: CONVERTED,
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
  proactiveConversionRate: 'c.proactive_accepted',
  botHandled: 'c.bot_handled',
  botContainmentRate: 'c.bot_resolved',
  botEscalationRate: 'c.bot_escalated',
  botFallbackRate: 'c.bot_fallbacks > 0',
};

/**
 * The cycles behind a metric, newest first, keyset-paged on (started_at, conversation_id, cycle):
 * read backwards along the start index until the page is full (the total is a separate count —
 * a window count here would join every matching cycle before the first row could be returned).
 */
export function drilldownQuery(condition: string, limit: number): string {
  return `SELECT c.*, ${MISSED} AS missed, ch.name AS channel_name, ct.name AS contact_name, u.name AS manager_name
    FROM conversation_cycles c
    JOIN channels ch ON ch.id = c.channel_id
    JOIN contacts ct ON ct.id = c.contact_id
    LEFT JOIN users u ON u.id = c.manager_id
    WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3 AND (${condition})
      AND ($22::timestamptz IS NULL OR (c.started_at, c.conversation_id, c.cycle) < ($22, $23::uuid, $24::int))
    ORDER BY c.started_at DESC, c.conversation_id DESC, c.cycle DESC
    LIMIT ${limit}`;
}

/** How many cycles are behind a metric in the period. */
export function drilldownCountQuery(condition: string): string {
  return `SELECT count(*)::int AS total FROM conversation_cycles c
    WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3 AND (${condition})`;
}

/** Chats per local weekday (0 = Monday) and hour. */
export const HEATMAP = `SELECT (extract(isodow FROM c.started_at AT TIME ZONE $13)::int - 1) AS weekday,
    extract(hour FROM c.started_at AT TIME ZONE $13)::int AS hour, count(*)::int AS chats
  FROM conversation_cycles c
  WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3
  GROUP BY 1, 2 ORDER BY 1, 2`;

/** First responses in buckets with these lower bounds (seconds); the last bucket is open-ended. */
export const FIRST_RESPONSE_BOUNDS = [30, 60, 120, 300, 600, 1800, 3600] as const;
export const DISTRIBUTION = `SELECT width_bucket(c.first_response_sec, $22::float8[]) AS bucket, count(*)::int AS count
  FROM conversation_cycles c
  WHERE ${FILTERS} AND c.started_at >= $2 AND c.started_at < $3 AND c.first_response_sec IS NOT NULL
  GROUP BY 1 ORDER BY 1`;
