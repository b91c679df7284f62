import type { PacingStore } from './pacing-store';

/** `PacingStore` in process memory (one server process). */
export class MemoryPacingStore implements PacingStore {
  private readonly next = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async reserve(key: string, intervalMs: number): Promise<number> {
    const now = this.now();
    const slot = Math.max(now, this.next.get(key) ?? 0);
    this.next.set(key, slot + intervalMs);
    // Forget keys whose slots have passed, so one-off keys (a customer chat) do not pile up.
    if (this.next.size > 10_000) for (const [k, at] of this.next) if (at < now) this.next.delete(k);
    return slot - now;
  }
}
