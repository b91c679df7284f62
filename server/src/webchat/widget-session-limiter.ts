import { Inject, Injectable } from '@nestjs/common';
import { RATE_LIMITER_STORE, type RateLimiterStore } from '../cluster/rate-limiter-store';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/**
 * Sliding-window limits on new website-chat sessions (a visitor token issued to a browser that has
 * no valid one): per client IP and per widget key, so a script cannot mint visitors (and fill the
 * inbox) by the thousand. Returning visitors presenting their token are never counted. Counted in
 * the shared `RateLimiterStore`, like sign-in attempts, so every server process sees the same window.
 */
@Injectable()
export class WidgetSessionLimiter {
  static readonly WINDOW_MS = 10 * 60 * 1000;

  constructor(
    @Inject(RATE_LIMITER_STORE) private readonly store: RateLimiterStore,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'widgetSessionsPerIp' | 'widgetSessionsPerWidget'>,
  ) {}

  /**
   * Seconds until this IP may start another session on this widget, or 0 when allowed (counted
   * against both). An unknown widget key (`null`) counts against the IP only. A refused attempt
   * counts against neither, so hammering does not push the wait further.
   */
  async checkAndCount(ip: string, widgetKey: string | null): Promise<number> {
    const { WINDOW_MS } = WidgetSessionLimiter;
    const limits: [string, number][] = [[`widget-session:ip:${ip}`, this.config.widgetSessionsPerIp]];
    if (widgetKey !== null) limits.push([`widget-session:widget:${widgetKey}`, this.config.widgetSessionsPerWidget]);
    let wait = Math.max(...(await Promise.all(limits.map(([key, max]) => this.store.check(key, WINDOW_MS, max)))));
    // Another process may fill a window between the check and the hit: then the hit refuses.
    for (const [key, max] of limits) if (wait === 0) wait = await this.store.hit(key, WINDOW_MS, max);
    return wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) : 0;
  }
}
