import {
  EMPTY_FILTER,
  apiFilter,
  autoInterval,
  drillMetric,
  filterFromParams,
  filterToParams,
  linkParams,
  resolvePeriod,
  startOfDay,
} from './analytics-filter';

// 10 March 2025, 23:30 in Moscow (UTC+3) = 20:30 UTC; still 10 March in UTC, but a late hour.
const NOW = Date.parse('2025-03-10T20:30:00Z');

describe('analytics filter', () => {
  it('reads the URL and writes it back without the defaults', () => {
    const filter = filterFromParams({ period: '30d', channelId: 'ch-1', managerId: 'u-2', tag: 'vip', compare: '0' });
    expect(filter).toEqual({
      period: '30d',
      fromDay: null,
      toDay: null,
      channelId: 'ch-1',
      managerId: 'u-2',
      tag: 'vip',
      compare: false,
    });
    expect(filterToParams(filter)).toEqual({
      period: '30d',
      from: null,
      to: null,
      channelId: 'ch-1',
      managerId: 'u-2',
      tag: 'vip',
      compare: '0',
    });
    expect(linkParams(EMPTY_FILTER)).toEqual({});
  });

  it('falls back to the default period on junk and keeps a valid custom range (swapped if reversed)', () => {
    expect(filterFromParams({ period: 'forever' }).period).toBe('7d');
    expect(filterFromParams({ period: 'custom', from: 'x' }).period).toBe('7d');
    const custom = filterFromParams({ period: 'custom', from: '2025-03-09', to: '2025-03-01' });
    expect(custom).toMatchObject({ period: 'custom', fromDay: '2025-03-01', toDay: '2025-03-09' });
    expect(linkParams(custom)).toEqual({ period: 'custom', from: '2025-03-01', to: '2025-03-09' });
  });

  it('resolves presets to whole days in the workspace time zone, today included', () => {
    expect(resolvePeriod({ ...EMPTY_FILTER, period: 'today' }, NOW, 'Europe/Moscow')).toEqual({
      from: '2025-03-09T21:00:00.000Z',
      to: '2025-03-10T21:00:00.000Z',
    });
    expect(resolvePeriod({ ...EMPTY_FILTER, period: '7d' }, NOW, 'Europe/Moscow')).toEqual({
      from: '2025-03-03T21:00:00.000Z',
      to: '2025-03-10T21:00:00.000Z',
    });
    // In Vladivostok (UTC+10) it is already 11 March.
    expect(resolvePeriod({ ...EMPTY_FILTER, period: 'today' }, NOW, 'Asia/Vladivostok').from).toBe(
      '2025-03-10T14:00:00.000Z',
    );
    const custom = { ...EMPTY_FILTER, period: 'custom' as const, fromDay: '2025-02-01', toDay: '2025-02-28' };
    expect(resolvePeriod(custom, NOW, 'UTC')).toEqual({
      from: '2025-02-01T00:00:00.000Z',
      to: '2025-03-01T00:00:00.000Z',
    });
  });

  it('finds midnight across a DST change', () => {
    // Berlin switched to summer time on 30 March 2025: that day starts at UTC+1, the next at UTC+2.
    expect(new Date(startOfDay('2025-03-30', 'Europe/Berlin')).toISOString()).toBe('2025-03-29T23:00:00.000Z');
    expect(new Date(startOfDay('2025-03-31', 'Europe/Berlin')).toISOString()).toBe('2025-03-30T22:00:00.000Z');
  });

  it('adds only the filters that are set', () => {
    expect(apiFilter({ ...EMPTY_FILTER, period: 'today', tag: 'vip' }, NOW, 'UTC')).toEqual({
      from: '2025-03-10T00:00:00.000Z',
      to: '2025-03-11T00:00:00.000Z',
      tag: 'vip',
    });
  });

  it('picks hours up to 2 days, days up to 90 days, then weeks', () => {
    expect(autoInterval('2025-03-01T00:00:00Z', '2025-03-03T00:00:00Z')).toBe('hour');
    expect(autoInterval('2025-03-01T00:00:00Z', '2025-03-04T00:00:00Z')).toBe('day');
    expect(autoInterval('2024-12-01T00:00:00Z', '2025-03-01T00:00:00Z')).toBe('day');
    expect(autoInterval('2024-11-01T00:00:00Z', '2025-03-01T00:00:00Z')).toBe('week');
  });

  it('opens the numerator of a rate', () => {
    expect(drillMetric('missedChatRate')).toBe('missedChats');
    expect(drillMetric('conversionRate')).toBe('conversions');
    expect(drillMetric('chats')).toBe('chats');
  });
});
