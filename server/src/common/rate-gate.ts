import { MemoryPacingStore } from '../cluster/memory-pacing.store';
import type { PacingStore } from '../cluster/pacing-store';

/**
 * Spaces calls so that at most one per `intervalMs` passes per key: `await gate.wait(key, ms)`
 * resolves when the caller's turn comes. The turns come from a `PacingStore`: shared by every
 * server process with Redis, in process memory otherwise.
 */
export class RateGate {
  constructor(
    private readonly store: PacingStore = new MemoryPacingStore(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async wait(key: string, intervalMs: number): Promise<void> {
    const wait = await this.store.reserve(key, intervalMs);
    if (wait > 0) await this.sleep(wait);
  }
}
