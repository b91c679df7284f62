import { LoginRateLimiter } from './login-rate-limiter';

const MINUTE = 60_000;
const IP = '203.0.113.7';
const EMAIL = 'mia@example.com';

describe(LoginRateLimiter.name, () => {
  let now: number;
  let limiter: LoginRateLimiter;

  beforeEach(() => {
    now = Date.parse('2024-11-21T10:00:00.000Z');
    limiter = new LoginRateLimiter(() => now);
  });

  /** One failed sign-in as the service makes it: check (counts the IP), then record the failure. */
  function failOnce(ip = IP, email = EMAIL): number {
    const wait = limiter.checkAndCount(ip, email);
    if (wait === 0) limiter.recordFailure(email);
    return wait;
  }

  it('allows the first attempts', () => {
    expect(limiter.checkAndCount(IP, EMAIL)).toBe(0);
  });

  it('blocks an account after 5 failures within 15 minutes, until the oldest leaves the window', () => {
    for (let i = 0; i < 5; i++) {
      expect(failOnce()).toBe(0);
      now += MINUTE;
    }
    // Failures at t=0..4 min; now t=5 min: the first expires at t=15 min.
    expect(limiter.checkAndCount(IP, EMAIL)).toBe(10 * 60);
    expect(limiter.checkAndCount('198.51.100.1', EMAIL)).toBe(10 * 60);
  });

  it('treats the email case-insensitively', () => {
    for (let i = 0; i < 5; i++) failOnce(IP, i % 2 ? EMAIL.toUpperCase() : EMAIL);

    expect(limiter.checkAndCount(IP, 'Mia@Example.com')).toBeGreaterThan(0);
  });

  it('does not block other accounts', () => {
    for (let i = 0; i < 5; i++) failOnce();

    expect(limiter.checkAndCount(IP, 'olga@example.com')).toBe(0);
  });

  it('slides the window: a failure older than 15 minutes no longer counts', () => {
    failOnce();
    now += 10 * MINUTE;
    for (let i = 0; i < 4; i++) failOnce();
    expect(limiter.checkAndCount(IP, EMAIL)).toBe(5 * 60);

    now += 5 * MINUTE; // the first failure is exactly 15 minutes old
    expect(limiter.checkAndCount(IP, EMAIL)).toBe(0);
  });

  it('never answers less than one second while blocked', () => {
    for (let i = 0; i < 5; i++) failOnce();
    now += 15 * MINUTE - 1;

    expect(limiter.checkAndCount(IP, EMAIL)).toBe(1);
  });

  it('clears an account’s failures on success', () => {
    for (let i = 0; i < 4; i++) failOnce();
    limiter.recordSuccess(EMAIL.toUpperCase());

    for (let i = 0; i < 4; i++) expect(failOnce()).toBe(0);
    expect(limiter.checkAndCount(IP, EMAIL)).toBe(0);
  });

  it('allows 30 attempts per IP in 15 minutes, whatever the accounts, then blocks that IP only', () => {
    for (let i = 0; i < 30; i++) expect(limiter.checkAndCount(IP, `user${i}@example.com`)).toBe(0);

    expect(limiter.checkAndCount(IP, 'fresh@example.com')).toBe(15 * 60);
    expect(limiter.checkAndCount('198.51.100.1', 'fresh@example.com')).toBe(0);
  });

  it('does not count a blocked attempt against the IP', () => {
    for (let i = 0; i < 30; i++) limiter.checkAndCount(IP, EMAIL);
    now += 5 * MINUTE;
    for (let i = 0; i < 100; i++) limiter.checkAndCount(IP, EMAIL);

    now += 10 * MINUTE; // the 30 counted attempts are now 15 minutes old
    expect(limiter.checkAndCount(IP, EMAIL)).toBe(0);
  });

  it('answers the longer wait when both the IP and the account are blocked', () => {
    for (let i = 0; i < 5; i++) failOnce('198.51.100.1');
    now += 5 * MINUTE;
    for (let i = 0; i < 30; i++) limiter.checkAndCount(IP, 'other@example.com');

    // Account frees at t=15 min (10 min away), the IP at t=20 min (15 min away).
    expect(limiter.checkAndCount(IP, EMAIL)).toBe(15 * 60);
  });
});
