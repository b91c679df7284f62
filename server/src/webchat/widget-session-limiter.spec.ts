import { MemoryRateLimiterStore } from '../cluster/memory-rate-limiter.store';
import { WidgetSessionLimiter } from './widget-session-limiter';

const MINUTE = 60_000;

describe(WidgetSessionLimiter.name, () => {
  let now: number;
  let limiter: WidgetSessionLimiter;

  beforeEach(() => {
    now = Date.parse('2024-11-21T10:00:00.000Z');
    limiter = new WidgetSessionLimiter(new MemoryRateLimiterStore(() => now), {
      widgetSessionsPerIp: 3,
      widgetSessionsPerWidget: 5,
    });
  });

  it('lets an IP start as many sessions as allowed in 10 minutes, then answers the wait until the oldest leaves', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await limiter.checkAndCount('203.0.113.7', 'wk-1')).toBe(0);
      now += MINUTE;
    }
    // The first session was 3 minutes ago: 7 more minutes.
    expect(await limiter.checkAndCount('203.0.113.7', 'wk-1')).toBe(7 * 60);
    now += 7 * MINUTE - 1000;
    expect(await limiter.checkAndCount('203.0.113.7', 'wk-1')).toBe(1);
    now += 1000;
    expect(await limiter.checkAndCount('203.0.113.7', 'wk-1')).toBe(0);
  });

  it('does not count refused attempts: hammering does not push the wait further', async () => {
    for (let i = 0; i < 3; i++) await limiter.checkAndCount('203.0.113.7', 'wk-1');
    for (let i = 0; i < 50; i++) expect(await limiter.checkAndCount('203.0.113.7', 'wk-1')).toBe(600);
    now += 10 * MINUTE;
    expect(await limiter.checkAndCount('203.0.113.7', 'wk-1')).toBe(0);
  });

  it('limits a widget across IPs, and other widgets not at all', async () => {
    for (let i = 0; i < 5; i++) expect(await limiter.checkAndCount(`198.51.100.${i}`, 'wk-1')).toBe(0);
    expect(await limiter.checkAndCount('198.51.100.99', 'wk-1')).toBeGreaterThan(0);
    expect(await limiter.checkAndCount('198.51.100.99', 'wk-2')).toBe(0);
  });

  it('counts unknown widget keys against the IP only', async () => {
    for (let i = 0; i < 3; i++) expect(await limiter.checkAndCount('203.0.113.7', null)).toBe(0);
    expect(await limiter.checkAndCount('203.0.113.7', null)).toBe(600);
    expect(await limiter.checkAndCount('203.0.113.8', 'wk-1')).toBe(0);
  });
});
