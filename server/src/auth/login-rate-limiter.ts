import { Inject, Injectable } from '@nestjs/common';
import { RATE_LIMITER_STORE, type RateLimiterStore } from '../cluster/rate-limiter-store';

/**
 * Sliding-window limits on sign-in attempts: per client IP (all attempts) and per account (failed
 * attempts). Counted in the shared `RateLimiterStore`, so with several server processes an attacker
 * gets the same number of tries whichever process answers.
 */
@Injectable()
export class LoginRateLimiter {
  static readonly WINDOW_MS = 15 * 60 * 1000;
  static readonly MAX_PER_IP = 30;
  static readonly MAX_FAILURES_PER_ACCOUNT = 5;

  constructor(@Inject(RATE_LIMITER_STORE) private readonly store: RateLimiterStore) {}

  /** Seconds until the caller may try again, or 0 when allowed. Counts the attempt against the IP. */
  async checkAndCount(ip: string, email: string): Promise<number> {
    const { WINDOW_MS, MAX_PER_IP, MAX_FAILURES_PER_ACCOUNT } = LoginRateLimiter;
    const account = await this.store.check(accountKey(email), WINDOW_MS, MAX_FAILURES_PER_ACCOUNT);
    // A blocked account's attempt is not counted against the IP either.
    const ipWait = account
      ? await this.store.check(`login:ip:${ip}`, WINDOW_MS, MAX_PER_IP)
      : await this.store.hit(`login:ip:${ip}`, WINDOW_MS, MAX_PER_IP);
    const wait = Math.max(account, ipWait);
    return wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) : 0;
  }

  async recordFailure(email: string): Promise<void> {
    await this.store.hit(accountKey(email), LoginRateLimiter.WINDOW_MS, Number.MAX_SAFE_INTEGER);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.store.reset(accountKey(email));
  }
}

function accountKey(email: string): string {
  return `login:account:${email.toLowerCase()}`;
}
