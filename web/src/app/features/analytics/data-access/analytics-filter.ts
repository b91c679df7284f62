import type { Params } from '@angular/router';
import type { AnalyticsFilter, AnalyticsInterval, MetricKey } from '@onebox/contracts';

export const PERIOD_PRESETS = ['today', '7d', '30d', '90d', 'custom'] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number];
export const DEFAULT_PERIOD: PeriodPreset = '7d';

/**
 * What the analytics pages keep in the URL: a period (a preset, or inclusive calendar days for
 * `custom`), the optional channel / manager / tag filters and the "compare" toggle.
 */
export interface DashboardFilter {
  period: PeriodPreset;
  /** `YYYY-MM-DD`, only for `custom`: the first day. */
  fromDay: string | null;
  /** `YYYY-MM-DD`, only for `custom`: the last day, inclusive. */
  toDay: string | null;
  channelId: string | null;
  managerId: string | null;
  tag: string | null;
  compare: boolean;
}

export const EMPTY_FILTER: DashboardFilter = {
  period: DEFAULT_PERIOD,
  fromDay: null,
  toDay: null,
  channelId: null,
  managerId: null,
  tag: null,
  compare: true,
};

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

/** Reads the filter from the query params; unknown or malformed values fall back to the defaults. */
export function filterFromParams(params: Params): DashboardFilter {
  const period = (PERIOD_PRESETS as readonly string[]).includes(params['period'])
    ? (params['period'] as PeriodPreset)
    : DEFAULT_PERIOD;
  let fromDay = str(params['from']);
  let toDay = str(params['to']);
  const custom = period === 'custom' && !!fromDay && DAY_RE.test(fromDay) && !!toDay && DAY_RE.test(toDay);
  if (custom && fromDay! > toDay!) [fromDay, toDay] = [toDay, fromDay];
  return {
    period: period === 'custom' && !custom ? DEFAULT_PERIOD : period,
    fromDay: custom ? fromDay : null,
    toDay: custom ? toDay : null,
    channelId: str(params['channelId']),
    managerId: str(params['managerId']),
    tag: str(params['tag']),
    compare: params['compare'] !== '0' && params['compare'] !== 'false',
  };
}

/** The query params of a filter: defaults left out so URLs stay short; `null` removes a param when merging. */
export function filterToParams(filter: DashboardFilter): Params {
  const custom = filter.period === 'custom';
  return {
    period: filter.period === DEFAULT_PERIOD ? null : filter.period,
    from: custom ? filter.fromDay : null,
    to: custom ? filter.toDay : null,
    channelId: filter.channelId,
    managerId: filter.managerId,
    tag: filter.tag,
    compare: filter.compare ? null : '0',
  };
}

/** Offset of `timeZone` from UTC at `instant`, in ms (positive east of Greenwich). */
function zoneOffset(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** `YYYY-MM-DD` of `instant` in `timeZone`. */
export function dayOf(instant: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(instant),
  );
}

/** The instant a calendar day starts in `timeZone` (DST-safe). */
export function startOfDay(day: string, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d);
  let result = guess - zoneOffset(guess, timeZone);
  // Across a DST change the offset at the guess and at the result differ: settle on the result's.
  const again = guess - zoneOffset(result, timeZone);
  if (again !== result) result = again;
  return result;
}

/** Adds whole calendar days to `YYYY-MM-DD`. */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The `[from, to)` instants of a filter's period: whole days in the workspace time zone, today included. */
export function resolvePeriod(filter: DashboardFilter, now: number, timeZone: string): { from: string; to: string } {
  const today = dayOf(now, timeZone);
  let first: string;
  let last: string;
  switch (filter.period) {
    case 'today':
      first = last = today;
      break;
    case 'custom':
      first = filter.fromDay ?? today;
      last = filter.toDay ?? today;
      break;
    default: {
      const days = Number(filter.period.replace('d', ''));
      first = addDays(today, -(days - 1));
      last = today;
    }
  }
  return {
    from: new Date(startOfDay(first, timeZone)).toISOString(),
    to: new Date(startOfDay(addDays(last, 1), timeZone)).toISOString(),
  };
}

/** The API filter (ISO instants plus the set filters) of a dashboard filter. */
export function apiFilter(filter: DashboardFilter, now: number, timeZone: string): AnalyticsFilter {
  const result: AnalyticsFilter = resolvePeriod(filter, now, timeZone);
  if (filter.channelId) result.channelId = filter.channelId;
  if (filter.managerId) result.managerId = filter.managerId;
  if (filter.tag) result.tag = filter.tag;
  return result;
}

/** Bucket size by range length: hour up to 2 days, day up to 90 days, else week. */
export function autoInterval(from: string, to: string): AnalyticsInterval {
  const days = (new Date(to).getTime() - new Date(from).getTime()) / DAY_MS;
  if (days <= 2) return 'hour';
  if (days <= 90) return 'day';
  return 'week';
}

/**
 * The drill-down behind a figure: a count opens its own cycles; a rate opens the cycles of its
 * numerator (missed rate → the missed chats, conversion rate → the converted ones). A working-hours
 * time has the cycles of its plain twin; costs are carried by every chat; ROI's return is revenue.
 */
const DRILL_METRIC: Partial<Record<MetricKey, MetricKey>> = {
  missedChatRate: 'missedChats',
  conversionRate: 'conversions',
  firstResponseAvgBusinessSec: 'firstResponseAvgSec',
  firstResponseMedianBusinessSec: 'firstResponseMedianSec',
  firstResponseP90BusinessSec: 'firstResponseP90Sec',
  handleTimeAvgBusinessSec: 'handleTimeAvgSec',
  resolutionTimeAvgBusinessSec: 'resolutionTimeAvgSec',
  cost: 'chats',
  costPerChat: 'chats',
  roi: 'revenue',
};

export function drillMetric(metric: MetricKey): MetricKey {
  return DRILL_METRIC[metric] ?? metric;
}

/** The filter's params without the empty ones: for links (drill-down) that carry the filter along. */
export function linkParams(filter: DashboardFilter): Params {
  return Object.fromEntries(Object.entries(filterToParams(filter)).filter(([, v]) => v !== null && v !== undefined));
}
