import { Injectable } from '@nestjs/common';

interface Window {
  hits: number[];
}

/**
 * Sliding-window limits on login attempts: per client IP (all attempts) and per account
 * (failed attempts). Kept in process memory; with several server processes each keeps its own.
 */
@Injectable()
export class LoginRateLimiter {
  static readonly WINDOW_MS = 15 * 60 * 1000;
  static readonly MAX_PER_IP = 30;
  static readonly MAX_FAILURES_PER_ACCOUNT = 5;

  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds until the caller may try again, or 0 when allowed. Counts the attempt against the IP. */
  checkAndCount(ip: string, email: string): number {
    const wait = Math.max(
      this.waitSeconds(`ip:${ip}`, LoginRateLimiter.MAX_PER_IP),
      this.waitSeconds(`acct:${email.toLowerCase()}`, LoginRateLimiter.MAX_FAILURES_PER_ACCOUNT),
    );
    if (wait === 0) this.hit(`ip:${ip}`);
    return wait;
  }

  recordFailure(email: string): void {
    this.hit(`acct:${email.toLowerCase()}`);
  }

  recordSuccess(email: string): void {
    this.windows.delete(`acct:${email.toLowerCase()}`);
  }

  private hits(key: string): number[] {
    const cutoff = this.now() - LoginRateLimiter.WINDOW_MS;
    const window = this.windows.get(key);
    if (!window) return [];
    window.hits = window.hits.filter((t) => t > cutoff);
    if (window.hits.length === 0) this.windows.delete(key);
    return window.hits;
  }

  private waitSeconds(key: string, max: number): number {
    const hits = this.hits(key);
    if (hits.length < max) return 0;
    return Math.max(1, Math.ceil((hits[hits.length - max] + LoginRateLimiter.WINDOW_MS - this.now()) / 1000));
  }

  private hit(key: string): void {
    const window = this.windows.get(key) ?? { hits: [] };
    window.hits.push(this.now());
    this.windows.set(key, window);
  }
}
