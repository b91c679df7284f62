import { Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';

/** Above this many keys, idle ones are swept (at most once a minute). */
const SWEEP_ABOVE = 10_000;
/** Never more keys than this: the oldest go first (an attacker with this many IPs is not slowed by an IP limit anyway). */
const MAX_KEYS = 200_000;

/**
 * Sliding-window limits on new website-chat sessions (a visitor token issued to a browser that has
 * no valid one): per client IP and per widget key, so a script cannot mint visitors (and fill the
 * inbox) by the thousand. Returning visitors presenting their token are never counted.
 *
 * Same shape as `LoginRateLimiter`: `checkAndCount` answers the seconds to wait (0: go ahead, and
 * the attempt was counted). Kept in process memory, bounded by sweeping idle keys; the windows can
 * move to a shared store (Redis) behind the same method for several server processes.
 */
@Injectable()
export class WidgetSessionLimiter {
  static readonly WINDOW_MS = 10 * 60 * 1000;

  private readonly windows = new Map<string, number[]>();
  private nextSweep = 0;
  private readonly perIp: number;
  private readonly perWidget: number;

  constructor(
    config: Pick<AppConfig, 'widgetSessionsPerIp' | 'widgetSessionsPerWidget'>,
    private readonly now: () => number = Date.now,
  ) {
    this.perIp = config.widgetSessionsPerIp;
    this.perWidget = config.widgetSessionsPerWidget;
  }

  /**
   * Seconds until this IP may start another session on this widget, or 0 when allowed (counted
   * against both). An unknown widget key (`null`) counts against the IP only.
   */
  async checkAndCount(ip: string, widgetKey: string | null): Promise<number> {
    const keys: [string, number][] = [[`ip:${ip}`, this.perIp]];
    if (widgetKey !== null) keys.push([`widget:${widgetKey}`, this.perWidget]);
    const wait = Math.max(...keys.map(([key, max]) => this.waitMs(key, max)));
    if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    for (const [key] of keys) this.hit(key);
    return 0;
  }

  private waitMs(key: string, max: number): number {
    const hits = this.live(key);
    if (hits.length < max) return 0;
    return hits[hits.length - max] + WidgetSessionLimiter.WINDOW_MS - this.now();
  }

  /** The key's hits inside the window, oldest first (expired ones dropped in place). */
  private live(key: string): number[] {
    const hits = this.windows.get(key);
    if (!hits) return [];
    const cutoff = this.now() - WidgetSessionLimiter.WINDOW_MS;
    let expired = 0;
    while (expired < hits.length && hits[expired] <= cutoff) expired++;
    if (expired) hits.splice(0, expired);
    if (!hits.length) this.windows.delete(key);
    return hits;
  }

  private hit(key: string): void {
    const hits = this.live(key);
    hits.push(this.now());
    this.windows.set(key, hits);
    if (this.windows.size > SWEEP_ABOVE && this.now() >= this.nextSweep) {
      this.nextSweep = this.now() + 60_000;
      for (const idle of [...this.windows.keys()]) this.live(idle);
    }
    for (const oldest of this.windows.keys()) {
      if (this.windows.size <= MAX_KEYS) break;
      this.windows.delete(oldest);
    }
  }
}
