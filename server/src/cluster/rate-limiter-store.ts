/**
 * Sliding-window hit counters behind every rate limit that must hold across server processes
 * (sign-in attempts, widget sessions, …). With `REDIS_URL` they live in Redis and every process
 * counts against the same window; without it, in process memory.
 *
 * To add a limiter: inject `RATE_LIMITER_STORE`, name your keys (`'<limiter>:<subject>'`; the
 * store adds the deployment's prefix), and call `hit(key, windowMs, max)` once per attempt:
 * 0 means the attempt was counted and may go ahead; a positive answer is the milliseconds until
 * the oldest counted hit leaves the window (the attempt was not counted — answer 429 with
 * `Retry-After`). `check` asks the same without counting; `reset` forgets a key (e.g. a
 * successful sign-in clears that account's failures). See `LoginRateLimiter` for a full example.
 */
export interface RateLimiterStore {
  /** Counts one hit unless `max` hits already fall in the last `windowMs`: 0 (counted) or ms to wait (not counted). */
  hit(key: string, windowMs: number, max: number): Promise<number>;
  /** The answer `hit` would give, without counting. */
  check(key: string, windowMs: number, max: number): Promise<number>;
  /** Forgets every hit of the key. */
  reset(key: string): Promise<void>;
}

export const RATE_LIMITER_STORE = Symbol('RATE_LIMITER_STORE');
