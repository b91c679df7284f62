import type { PacingStore } from '../cluster/pacing-store';

/** One rate to keep: at most one call per `intervalMs` under `key`. */
export type RateLimit = readonly [key: string, intervalMs: number];

/**
 * Spaces calls so that at most one per `intervalMs` passes per key: `await gate.wait(key, ms)`
 * resolves when the caller's turn comes. A call bound by several rates at once (a bot's and a
 * chat's) takes the earliest moment free under all of them with `waitAll`, so a call waiting
 * for its chat neither holds the bot's other calls back nor bunches up with them afterwards.
 * The moments are found in process memory; with a `shared` store (Redis, several server
 * processes) each call then also takes its turn there, the longest interval first, so processes
 * together stay under the rate too. A Retry-After pause is shared the same way.
 */
export class RateGate {
  /** Keys kept before the idle ones are forgotten (one per customer a bot wrote to). */
  static readonly SWEEP_AT = 10_000;
  /** Moments taken per key, oldest first; those more than an interval old are dropped. */
  private readonly taken = new Map<string, number[]>();
  /** Keys held by a provider's Retry-After until this moment. */
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly shared: PacingStore | null = null,
  ) {}

  async wait(key: string, intervalMs: number): Promise<void> {
    await this.waitAll([[key, intervalMs]]);
  }

  /**
   * Takes the earliest moment free under every limit and waits for it; answers 0 when the call
   * may go. When that moment is more than `maxWaitMs` away nothing is taken, and when a pause
   * began while the call waited the moment is given up: the wait left is answered instead, for
   * the caller to come back later.
   */
  async waitAll(limits: readonly RateLimit[], maxWaitMs = Infinity): Promise<number> {
    const now = this.now();
    if (this.taken.size > RateGate.SWEEP_AT) this.sweep(now);
    const at = this.earliest(limits, now);
    if (at - now > maxWaitMs) return at - now;
    for (const [key, intervalMs] of limits) this.take(key, intervalMs, at, now);
    if (at > now) await this.sleep(at - now);
    if (this.shared) {
      const later = await this.takeShared(limits, maxWaitMs);
      if (later > 0) return later;
    }
    // A pause that began while this call waited for its moment holds it too.
    const paused = Math.max(...limits.map(([key]) => this.pausedUntil.get(key) ?? 0)) - this.now();
    return paused > 0 ? paused : 0;
  }

  /** Holds every later call of the key for `ms` from now (a provider's Retry-After), in every process. */
  pause(key: string, ms: number): void {
    this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, this.now() + ms));
    void this.shared?.pause(key, ms).catch(() => undefined);
  }

  /**
   * The turn of every limit in the shared store, the longest interval first (it decides the
   * moment). A turn more than `maxWaitMs` away (another process's Retry-After, a busy chat) is
   * answered instead of waited for, like a local one: the caller comes back later.
   */
  private async takeShared(limits: readonly RateLimit[], maxWaitMs: number): Promise<number> {
    for (const [key, intervalMs] of [...limits].sort((a, b) => b[1] - a[1])) {
      if (intervalMs <= 0) continue;
      const wait = await (this.shared as PacingStore).reserve(key, intervalMs);
      if (wait > maxWaitMs) return wait;
      if (wait > 0) await this.sleep(wait);
    }
    return 0;
  }

  private earliest(limits: readonly RateLimit[], now: number): number {
    let at = Math.max(now, ...limits.map(([key]) => this.pausedUntil.get(key) ?? 0));
    for (let moved = true; moved;) {
      moved = false;
      for (const [key, intervalMs] of limits)
        for (const other of this.taken.get(key) ?? [])
          if (other > at - intervalMs && other < at + intervalMs) {
            at = other + intervalMs;
            moved = true;
          }
    }
    return at;
  }

  /** Forgets keys with nothing taken in the last minute and pauses that are over. */
  private sweep(now: number): void {
    for (const [key, moments] of this.taken) if ((moments.at(-1) ?? 0) < now - 60_000) this.taken.delete(key);
    for (const [key, until] of this.pausedUntil) if (until < now) this.pausedUntil.delete(key);
  }

  private take(key: string, intervalMs: number, at: number, now: number): void {
    if (intervalMs <= 0) return;
    const moments = (this.taken.get(key) ?? []).filter((m) => m > now - intervalMs);
    moments.push(at);
    moments.sort((x, y) => x - y);
    this.taken.set(key, moments);
  }
}
