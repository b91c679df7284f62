/**
 * Spaces calls so that at most one per `intervalMs` passes per key: `await gate.wait(key, ms)`
 * resolves when the caller's turn comes. In process memory; each process keeps its own.
 */
export class RateGate {
  private readonly next = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async wait(key: string, intervalMs: number): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.next.get(key) ?? 0);
    this.next.set(key, slot + intervalMs);
    if (slot > now) await this.sleep(slot - now);
  }
}
