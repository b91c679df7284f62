import { ApiException } from '../common/api.exception';

/** At most this far ahead. */
export const MAX_SNOOZE_MS = 366 * 24 * 3_600_000;

/** The validated wake-up time of a snooze: a time after `now`, at most a year ahead. */
export function snoozeUntil(value: string | undefined, now: Date): Date {
  if (!value) throw ApiException.invalid('snoozedUntil', 'is required to snooze');
  const until = new Date(value);
  if (Number.isNaN(until.getTime())) throw ApiException.invalid('snoozedUntil', 'must be an ISO 8601 time');
  if (until.getTime() <= now.getTime()) throw ApiException.invalid('snoozedUntil', 'must be in the future');
  if (until.getTime() - now.getTime() > MAX_SNOOZE_MS)
    throw ApiException.invalid('snoozedUntil', 'must be at most a year ahead');
  return until;
}
