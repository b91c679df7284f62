/**
 * Working hours: a weekly schedule in a time zone, and the arithmetic metrics and timers need
 * (is it open now, how many working seconds lie between two instants). Pure, no dependencies:
 * time-zone rules come from `Intl`, so daylight-saving changes are honoured.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * One opening on a weekday, local wall-clock `HH:MM`. `to` may be `24:00` (end of the day); a
 * `to` earlier than `from` is an overnight range that ends on the next day (`22:00`–`02:00`).
 */
export interface TimeRange {
  from: string;
  to: string;
}

/** Openings per weekday; a missing or empty day is closed. */
export type WeeklySchedule = Partial<Record<Weekday, TimeRange[]>>;

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const MAX_RANGES_PER_DAY = 6;

/** Minutes since midnight of `HH:MM` (`24:00` → 1440). */
export function minutesOf(time: string): number {
  if (time === '24:00') return 1440;
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

/** Why `value` is not a weekly schedule, or null when it is one. */
export function scheduleProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object of weekdays (mon…sun)';
  for (const [day, ranges] of Object.entries(value as Record<string, unknown>)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) return `${day} is not a weekday (mon…sun)`;
    if (!Array.isArray(ranges)) return `${day} must be a list of {from, to}`;
    if (ranges.length > MAX_RANGES_PER_DAY) return `${day} has more than ${MAX_RANGES_PER_DAY} ranges`;
    for (const range of ranges as unknown[]) {
      const { from, to } = (range ?? {}) as { from?: unknown; to?: unknown };
      if (typeof from !== 'string' || !TIME.test(from)) return `${day}: from must be HH:MM`;
      if (typeof to !== 'string' || !(TIME.test(to) || to === '24:00')) return `${day}: to must be HH:MM or 24:00`;
      if (minutesOf(from) === minutesOf(to)) return `${day}: from and to must differ`;
    }
  }
  return null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  /** 0 = Monday … 6 = Sunday */
  weekday: number;
  minutes: number;
}

function localParts(ms: number, timeZone: string): LocalTime & { second: number; hour: number; minute: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = +p.value;
  const { year, month, day, hour, minute, second } = parts;
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  return { year, month, day, weekday, hour, minute, second, minutes: hour * 60 + minute };
}

/** The zone's offset from UTC at instant `ms`, in milliseconds. */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a local wall-clock time (day may overflow, minutes may be 1440). A time skipped
 * by a spring-forward change moves forward by the gap (02:30 → 03:30); a repeated one is its first.
 */
function instantOf(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, 0, minutes);
  const first = offsetAt(guess - 3 * 3_600_000, timeZone);
  const second = offsetAt(guess + 3 * 3_600_000, timeZone);
  // Try the larger offset (the earlier instant) first: a repeated hour resolves to its first occurrence.
  for (const offset of first >= second ? [first, second] : [second, first]) {
    const candidate = guess - offset;
    if (offsetAt(candidate, timeZone) === offset) return candidate;
  }
  return guess - first; // inside a gap: shifted forward by the gap, like a wall clock would be
}

function rangesOf(schedule: WeeklySchedule, weekday: number): TimeRange[] {
  return schedule[WEEKDAYS[((weekday % 7) + 7) % 7]] ?? [];
}

/** Whether the schedule is open at `at` in `timeZone`; a null schedule is always open. */
export function isOpenAt(schedule: WeeklySchedule | null | undefined, timeZone: string, at: Date): boolean {
  if (!schedule) return true;
  const now = localParts(at.getTime(), timeZone);
  const t = now.minutes;
  for (const r of rangesOf(schedule, now.weekday)) {
    const from = minutesOf(r.from);
    const to = minutesOf(r.to);
    if (to > from ? t >= from && t < to : t >= from) return true;
  }
  for (const r of rangesOf(schedule, now.weekday - 1)) {
    const from = minutesOf(r.from);
    const to = minutesOf(r.to);
    if (to < from && t < to) return true;
  }
  return false;
}

/**
 * The schedule's openings that meet `[from, to)` (epoch milliseconds, clipped to it), as sorted,
 * disjoint intervals: overlapping ranges are merged, and a day shortened or lengthened by a DST
 * change has its real length. Business time between two instants is the length of these.
 */
export function openIntervals(
  schedule: WeeklySchedule,
  timeZone: string,
  from: number,
  to: number,
): [start: number, end: number][] {
  if (!(to > from)) return [];
  const intervals: [number, number][] = [];
  // Start a day early: an overnight range of the previous day may reach into `from`.
  const first = localParts(from, timeZone);
  const last = localParts(to, timeZone);
  const firstDay = Date.UTC(first.year, first.month - 1, first.day) - 86_400_000;
  const lastDay = Date.UTC(last.year, last.month - 1, last.day);
  for (let day = firstDay; day <= lastDay; day += 86_400_000) {
    const d = new Date(day);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const dd = d.getUTCDate();
    const weekday = (d.getUTCDay() + 6) % 7;
    for (const r of rangesOf(schedule, weekday)) {
      const a = minutesOf(r.from);
      const b = minutesOf(r.to);
      const open = instantOf(y, m, dd, a, timeZone);
      const close = b > a ? instantOf(y, m, dd, b, timeZone) : instantOf(y, m, dd + 1, b, timeZone);
      const lo = Math.max(open, from);
      const hi = Math.min(close, to);
      if (hi > lo) intervals.push([lo, hi]);
    }
  }
  intervals.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of intervals) {
    const previous = merged[merged.length - 1];
    if (previous && a <= previous[1]) previous[1] = Math.max(previous[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/**
 * Seconds of `[from, to)` that fall inside the schedule, in `timeZone`. A null schedule counts
 * every second. Overlapping ranges count once; a day shortened or lengthened by a DST change
 * counts its real length.
 */
export function businessSecondsBetween(
  schedule: WeeklySchedule | null | undefined,
  timeZone: string,
  from: Date,
  to: Date,
): number {
  const start = from.getTime();
  const end = to.getTime();
  if (!(end > start)) return 0;
  if (!schedule) return (end - start) / 1000;
  return openIntervals(schedule, timeZone, start, end).reduce((total, [a, b]) => total + (b - a), 0) / 1000;
}

/** The local weekday of `at` in `timeZone`. */
export function weekdayAt(timeZone: string, at: Date): Weekday {
  return WEEKDAYS[localParts(at.getTime(), timeZone).weekday];
}
