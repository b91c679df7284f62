/**
 * Verdicts: the per-cycle figures of METRICS.md that depend on the workspace's settings and on
 * "now" — answered within the target, missed, FCR (eligible, repeated, resolved at first
 * contact), converted (with proactive conversions and the time to the deal). A `Judge` names the
 * SQL expressions a verdict is given with: the request's parameters, or the settings and instant
 * (`settled_at`) the rollup keeps its verdicts at (`analytics_settled`).
 *
 * Time enters only two verdicts, each through one instant per cycle: an unanswered cycle becomes
 * missed once `clock_from + threshold` has passed, and a resolved cycle becomes FCR-eligible once
 * `resolved_at + window` has. So the verdicts at `asOf` are those at `settled_at`, changed only
 * for the cycles whose instant lies between the two (`changedBetween`): few, when the
 * refresher moves `settled_at` along every minute.
 */
export interface Judge {
  asOf: string;
  missedThresholdSec: string;
  firstResponseTargetSec: string;
  fcrWindowDays: string;
  conversionWindowDays: string;
}

/** The request's settings and "now" (the shared parameters of analytics.sql.ts). */
export const BY_REQUEST: Judge = {
  asOf: '$4::timestamptz',
  missedThresholdSec: '$5',
  firstResponseTargetSec: '$6',
  fcrWindowDays: '$7',
  conversionWindowDays: '$8',
};

/** The rollup's settings and instant: a row `s` of `analytics_settled`. */
export const BY_ROLLUP: Judge = {
  asOf: 's.settled_at',
  missedThresholdSec: 's.missed_threshold_sec',
  firstResponseTargetSec: 's.first_response_target_sec',
  fcrWindowDays: 's.fcr_window_days',
  conversionWindowDays: 's.conversion_window_days',
};

/** `days` windows are 86,400 s each, whatever the DST. */
export const daysInterval = (sql: string) => `make_interval(secs => ${sql}::float8 * 86400)`;
const secsInterval = (sql: string) => `make_interval(secs => ${sql}::float8)`;

/**
 * Missed: the visitor left before any reply, or no human reply within the threshold of the clock's
 * start. Compared as intervals: `extract(epoch …)` is numeric arithmetic, several times slower per row.
 */
export const missedBy = (j: Judge) => `(c.visitor_left_before_reply OR (c.clock_from IS NOT NULL AND CASE
    WHEN c.first_human_reply_at IS NOT NULL THEN c.first_human_reply_at - c.clock_from > ${secsInterval(j.missedThresholdSec)}
    ELSE ${j.asOf} - c.clock_from >= ${secsInterval(j.missedThresholdSec)} END))`;

export const convertedBy = (j: Judge) =>
  `(c.won_at IS NOT NULL AND c.won_at <= c.started_at + ${daysInterval(j.conversionWindowDays)})`;

/** Resolved cycles whose FCR window has passed; repeated when the contact came back within it. */
export const fcrEligibleBy = (j: Judge) =>
  `(c.resolved_at IS NOT NULL AND c.resolved_at + ${daysInterval(j.fcrWindowDays)} <= ${j.asOf})`;
export const repeatedBy = (j: Judge) =>
  `(c.returned_at IS NOT NULL AND c.returned_at <= c.resolved_at + ${daysInterval(j.fcrWindowDays)})`;

/** The verdict counts, additive over cycles, in the order `analytics_daily` keeps them. */
export const VERDICT_COLUMNS = [
  'within_target',
  'missed',
  'fcr_eligible',
  'repeated',
  'fcr',
  'conversions',
  'proactive_converted',
  'time_to_deal_ms',
] as const;
export type VerdictColumn = (typeof VERDICT_COLUMNS)[number];

/** Each verdict count of cycles `c` as an aggregate expression. */
export function verdictAggregates(j: Judge): Record<VerdictColumn, string> {
  const [eligible, converted] = [fcrEligibleBy(j), convertedBy(j)];
  return {
    within_target: `count(*) FILTER (WHERE c.first_response_sec <= ${j.firstResponseTargetSec})`,
    missed: `count(*) FILTER (WHERE ${missedBy(j)})`,
    fcr_eligible: `count(*) FILTER (WHERE ${eligible})`,
    repeated: `count(*) FILTER (WHERE ${eligible} AND ${repeatedBy(j)})`,
    fcr: `count(*) FILTER (WHERE ${eligible} AND NOT ${repeatedBy(j)} AND c.resolutions = 1 AND NOT c.transferred)`,
    conversions: `count(*) FILTER (WHERE ${converted})`,
    proactive_converted: `count(*) FILTER (WHERE c.proactive_accepted AND ${converted})`,
    // Whole milliseconds, like the rollup's other durations: exact under any number of updates.
    time_to_deal_ms: `coalesce(sum(round(extract(epoch FROM c.won_at - c.started_at) * 1000)) FILTER (WHERE ${converted}), 0)`,
  };
}

const cast = (column: VerdictColumn) => (column === 'time_to_deal_ms' ? 'bigint' : 'int');

/** The verdict counts as select-list items named after their columns. */
export const verdictSelect = (j: Judge) =>
  VERDICT_COLUMNS.map((column) => `(${verdictAggregates(j)[column]})::${cast(column)} AS ${column}`).join(',\n      ');

/** Verdicts at `to` minus those at `from` (only cycles `CHANGED_SINCE_SETTLED` can differ). */
export function verdictChange(from: Judge, to: Judge): string {
  const [before, after] = [verdictAggregates(from), verdictAggregates(to)];
  return VERDICT_COLUMNS.map(
    (column) => `((${after[column]}) - (${before[column]}))::${cast(column)} AS ${column}`,
  ).join(',\n      ');
}

/**
 * The cycles whose verdicts at `a.asOf` and `b.asOf` may differ (same settings): unanswered cycles
 * whose missed-chat threshold ends between the two instants, resolved cycles whose FCR window
 * does. Written as ranges on `clock_from` and `resolved_at` so that two indexes answer them.
 */
export function changedBetween(a: Judge, b: Judge): string {
  const [early, late] = [`least(${a.asOf}, ${b.asOf})`, `greatest(${a.asOf}, ${b.asOf})`];
  const threshold = secsInterval(a.missedThresholdSec);
  const fcr = daysInterval(a.fcrWindowDays);
  return `((c.first_human_reply_at IS NULL AND c.clock_from > ${early} - ${threshold} AND c.clock_from <= ${late} - ${threshold})
    OR (c.resolved_at > ${early} - ${fcr} AND c.resolved_at <= ${late} - ${fcr}))`;
}

const NIL = `'00000000-0000-0000-0000-000000000000'::uuid`;

/** Adds the counts `select` gives per start day × channel × manager (`sum` them, or set them). */
function upsertVerdicts(select: string, mode: 'add' | 'set'): string {
  return `INSERT INTO analytics_daily (workspace_id, day, channel_id, manager_key, ${VERDICT_COLUMNS.join(', ')})
    ${select}
    ON CONFLICT (workspace_id, day, channel_id, manager_key) DO UPDATE SET
      ${VERDICT_COLUMNS.map((column) => `${column} = ${mode === 'add' ? `analytics_daily.${column} + ` : ''}EXCLUDED.${column}`).join(', ')}`;
}

/**
 * Cycles found by key, then joined with their workspace's settled row: looked up first (a
 * materialized subquery), each is an index lookup by key whatever the planner's statistics say —
 * joined in one step, right after a bulk load (statistics claiming a workspace has a few cycles),
 * the planner scanned all of a workspace's cycles per key through the settled row's workspace.
 */
const lookedUp = (cycles: string) =>
  `(WITH found AS MATERIALIZED (${cycles}) SELECT * FROM found) AS c JOIN analytics_settled s ON s.workspace_id = c.workspace_id`;

const DAY_CELL = `c.workspace_id, (c.started_at AT TIME ZONE 'UTC')::date, c.channel_id, coalesce(c.manager_id, ${NIL})`;

/**
 * Adds `$1` (1 or −1) × the rollup's verdicts on the stored cycles of these conversations
 * (`$2` workspaces, `$3` conversations): the refresher takes them out before it replaces the
 * cycles and puts the new ones in after. Workspaces without a settled rollup are left out.
 */
export const MOVE_CONVERSATION_VERDICTS = upsertVerdicts(
  `SELECT ${DAY_CELL},
      ${VERDICT_COLUMNS.map((column) => `$1::int * (${verdictAggregates(BY_ROLLUP)[column]})::${cast(column)}`).join(',\n      ')}
    FROM ${lookedUp(`SELECT c.* FROM unnest($2::uuid[], $3::uuid[]) AS k(workspace_id, conversation_id)
      JOIN conversation_cycles c ON c.workspace_id = k.workspace_id AND c.conversation_id = k.conversation_id`)}
    GROUP BY 1, 2, 3, 4`,
  'add',
);

/** The same for single cycles (`$2` workspaces, `$3` conversations, `$4` cycles): a repeat contact found later. */
export const MOVE_CYCLE_VERDICTS = upsertVerdicts(
  `SELECT ${DAY_CELL},
      ${VERDICT_COLUMNS.map((column) => `$1::int * (${verdictAggregates(BY_ROLLUP)[column]})::${cast(column)}`).join(',\n      ')}
    FROM ${lookedUp(`SELECT c.* FROM unnest($2::uuid[], $3::uuid[], $4::int[]) AS k(workspace_id, conversation_id, cycle)
      JOIN conversation_cycles c ON c.workspace_id = k.workspace_id AND c.conversation_id = k.conversation_id
        AND c.cycle = k.cycle`)}
    GROUP BY 1, 2, 3, 4`,
  'add',
);

/** The rollup's settings from parameters `$4`–`$7`, judging at `asOf`. */
const byParameters = (asOf: string): Judge => ({
  asOf,
  missedThresholdSec: '$4',
  firstResponseTargetSec: '$5',
  fcrWindowDays: '$6',
  conversionWindowDays: '$7',
});

/**
 * Moves a workspace's (`$1`) settled verdicts from `$3` (its `settled_at`) to `$2`, then
 * `settled_at` itself: only the cycles whose verdicts changed in between are read. `$4`–`$7`:
 * the settings of its `analytics_settled` row, in that table's order.
 */
export const ADVANCE_SETTLED = `WITH moved AS (${upsertVerdicts(
  `SELECT ${DAY_CELL}, ${verdictChange(byParameters('$3::timestamptz'), byParameters('$2::timestamptz'))}
      FROM conversation_cycles c
     WHERE c.workspace_id = $1 AND ${changedBetween(byParameters('$3::timestamptz'), byParameters('$2::timestamptz'))}
     GROUP BY 1, 2, 3, 4`,
  'add',
)})
  UPDATE analytics_settled SET settled_at = $2 WHERE workspace_id = $1 AND settled_at = $3`;

/**
 * Settling a workspace's verdicts anew (after a change of its settings, or the first time), in
 * one transaction: its `analytics_settled` row (`$1` workspace, `$2`–`$5` missed threshold,
 * first-response target, FCR and conversion windows, `$6` the instant), then every verdict count
 * of its rollup rows cleared (`$1`) and recounted from all its cycles (`$1`).
 */
export const RESETTLE_ROW = `INSERT INTO analytics_settled (workspace_id, missed_threshold_sec, first_response_target_sec,
     fcr_window_days, conversion_window_days, settled_at)
   VALUES ($1, $2, $3, $4, $5, $6)
   ON CONFLICT (workspace_id) DO UPDATE SET missed_threshold_sec = $2, first_response_target_sec = $3,
     fcr_window_days = $4, conversion_window_days = $5, settled_at = $6`;

export const CLEAR_VERDICTS = `UPDATE analytics_daily SET ${VERDICT_COLUMNS.map((column) => `${column} = 0`).join(', ')}
    WHERE workspace_id = $1 AND (${VERDICT_COLUMNS.map((column) => `${column} <> 0`).join(' OR ')})`;

export const RECOUNT_VERDICTS = upsertVerdicts(
  `SELECT ${DAY_CELL}, ${verdictSelect(BY_ROLLUP)}
      FROM conversation_cycles c JOIN analytics_settled s ON s.workspace_id = c.workspace_id
     WHERE c.workspace_id = $1
     GROUP BY 1, 2, 3, 4`,
  'set',
);
