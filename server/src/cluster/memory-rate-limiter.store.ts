import type { RateLimiterStore } from './rate-limiter-store';

const SWEEP_ABOVE = 10_000;

/** `RateLimiterStore` in process memory: one server process (no `REDIS_URL`), and unit tests with a clock. */
export class MemoryRateLimiterStore implements RateLimiterStore {
  private readonly windows = new Map<string, { hits: number[]; windowMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number, max: number): Promise<number> {
    const wait = this.wait(key, windowMs, max);
    if (wait > 0) return wait;
    const window = this.windows.get(key) ?? { hits: [], windowMs };
    window.hits.push(this.now());
    this.windows.set(key, window);
    if (this.windows.size > SWEEP_ABOVE) this.sweep();
    return 0;
  }

  async check(key: string, windowMs: number, max: number): Promise<number> {
    return this.wait(key, windowMs, max);
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  private wait(key: string, windowMs: number, max: number): number {
    const now = this.now();
    const window = this.windows.get(key);
    if (!window) return 0;
    window.hits = window.hits.filter((t) => t > now - windowMs);
    if (!window.hits.length) this.windows.delete(key);
    if (window.hits.length < max) return 0;
    return Math.max(1, window.hits[window.hits.length - max] + windowMs - now);
  }

  /** Forgets keys whose every hit has left its window (one-off IPs would otherwise pile up). */
  private sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows)
      if (window.hits[window.hits.length - 1] <= now - window.windowMs) this.windows.delete(key);
  }
}
