import { MemoryRateLimiterStore } from '../cluster/memory-rate-limiter.store';
import { LoginRateLimiter } from './login-rate-limiter';

const MINUTE = 60_000;
const IP = '203.0.113.7';
const EMAIL = 'mia@example.com';

describe(LoginRateLimiter.name, () => {
  let now: number;
  let limiter: LoginRateLimiter;

  beforeEach(() => {
    now = Date.parse('2024-11-21T10:00:00.000Z');
    limiter = new LoginRateLimiter(new MemoryRateLimiterStore(() => now));
  });

  /** One failed sign-in as the service makes it: check (counts the IP), then record the failure. */
  async function failOnce(ip = IP, email = EMAIL): Promise<number> {
    const wait = await limiter.checkAndCount(ip, email);
    if (wait === 0) await limiter.recordFailure(email);
    return wait;
  }

  it('allows the first attempts', async () => {
    expect(await limiter.checkAndCount(IP, EMAIL)).toBe(0);
  });

  it('blocks an account after 5 failures within 15 minutes, until the oldest leaves the window', async () => {
    for (let i = 0; i < 5; i++) {
      expect(await failOnce()).toBe(0);
      now += MINUTE;
    }
    // Failures at t=0..4 min; now t=5 min: the first expires at t=15 min.
    expect(await limiter.checkAndCount(IP, EMAIL)).toBe(10 * 60);
    expect(await limiter.checkAndCount('198.51.100.1', EMAIL)).toBe(10 * 60);
  });

  it('treats the email case-insensitively', async () => {
    for (let i = 0; i < 5; i++) await failOnce(IP, i % 2 ? EMAIL.toUpperCase() : EMAIL);

    expect(await limiter.checkAndCount(IP, 'Mia@Example.com')).toBeGreaterThan(0);
  });

  it('does not block other accounts', async () => {
    for (let i = 0; i < 5; i++) await failOnce();

    expect(await limiter.checkAndCount(IP, 'olga@example.com')).toBe(0);
  });

  it('slides the window: a failure older than 15 minutes no longer counts', async () => {
    await failOnce();
    now += 10 * MINUTE;
    for (let i = 0; i < 4; i++) await failOnce();
    expect(await limiter.checkAndCount(IP, EMAIL)).toBe(5 * 60);

    now += 5 * MINUTE; // the first failure is exactly 15 minutes old
    expect(await limiter.checkAndCount(IP, EMAIL)).toBe(0);
  });

  it('never answers less than one second while blocked', async () => {
    for (let i = 0; i < 5; i++) await failOnce();
    now += 15 * MINUTE - 1;

    expect(await limiter.checkAndCount(IP, EMAIL)).toBe(1);
  });

  it('clears an account’s failures on success', async () => {
    for (let i = 0; i < 4; i++) await failOnce();
    await limiter.recordSuccess(EMAIL.toUpperCase());

    for (let i = 0; i < 4; i++) expect(await failOnce()).toBe(0);
    expect(await limiter.checkAndCount(IP, EMAIL)).toBe(0);
  });

  it('allows 30 attempts per IP in 15 minutes, whatever the accounts, then blocks that IP only', async () => {
    for (let i = 0; i < 30; i++) expect(await limiter.checkAndCount(IP, `user${i}@example.com`)).toBe(0);

    expect(await limiter.checkAndCount(IP, 'fresh@example.com')).toBe(15 * 60);
    expect(await limiter.checkAndCount('198.51.100.1', 'fresh@example.com')).toBe(0);
  });

  it('does not count a blocked attempt against the IP', async () => {
    for (let i = 0; i < 30; i++) await limiter.checkAndCount(IP, EMAIL);
    now += 5 * MINUTE;
    for (let i = 0; i < 100; i++) await limiter.checkAndCount(IP, EMAIL);

    now += 10 * MINUTE; // the 30 counted attempts are now 15 minutes old
    expect(await limiter.checkAndCount(IP, EMAIL)).toBe(0);
  });

  it('answers the longer wait when both the IP and the account are blocked', async () => {
    for (let i = 0; i < 5; i++) await failOnce('198.51.100.1');
    now += 5 * MINUTE;
    for (let i = 0; i < 30; i++) await limiter.checkAndCount(IP, 'other@example.com');

    // Account frees at t=15 min (10 min away), the IP at t=20 min (15 min away).
    expect(await limiter.checkAndCount(IP, EMAIL)).toBe(15 * 60);
  });
});
