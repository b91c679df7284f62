import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { cyclesOf, DEFAULT_METRIC_SETTINGS } from '@onebox/metrics';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { CycleFactsRepository } from './cycle-facts.repository';
import { SettledVerdictsRepository } from './settled-verdicts.repository';

const BATCH = 200;
/** How far the rollup's verdicts may fall behind "now" before a pass moves them on. */
const SETTLE_EVERY_MS = 60_000;

/**
 * Keeps `conversation_cycles` current: conversations that writers marked dirty (a trigger does,
 * in their own transaction) are recomputed with the reference code of `libs/metrics` — every few
 * seconds (a busy conversation is recomputed once for all its new messages), and on demand before
 * an analytics query (`drain`). Each pass also keeps the rollup's verdicts settled
 * (verdicts.sql.ts): a workspace without them (new, or its settings just changed) is judged anew,
 * and verdicts older than a minute are moved on to now. Passes in several processes don't
 * collide: each holds a transaction-scoped advisory lock.
 */
@Injectable()
export class AnalyticsRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Analytics');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly tx: TransactionService,
    private readonly facts: CycleFactsRepository,
    private readonly settled: SettledVerdictsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.analyticsRefreshMs;
    if (every > 0) this.timer = setInterval(() => void this.drain().catch((err: Error) => this.warn(err)), every);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Refreshes until nothing (of this workspace) is dirty or `budgetMs` is spent; returns conversations refreshed. */
  async drain(workspaceId?: string, budgetMs = 5000): Promise<number> {
    const deadline = Date.now() + budgetMs;
    let total = 0;
    // Before a query: nothing to wait for when nothing of the workspace is dirty and its verdicts are settled.
    if (workspaceId && !(await this.facts.pending(workspaceId))) return 0;
    for (;;) {
      // One pass at a time per process; a caller arriving mid-pass waits for it and goes on.
      while (this.running) await this.running.catch(() => 0);
      this.running = this.pass(workspaceId);
      const done = await this.running.finally(() => (this.running = null));
      total += done;
      if (done < BATCH || Date.now() > deadline) return total;
    }
  }

  private pass(workspaceId?: string): Promise<number> {
    return this.tx.run(async (tx) => {
      const [{ locked }] = await tx.query(`SELECT pg_try_advisory_xact_lock(hashtext('onebox:analytics')) AS locked`);
      if (!locked) return 0;
      const dirty = await this.facts.dirty(tx, BATCH, workspaceId);
      const now = new Date();
      if (dirty.length > 0) {
        const keys = dirty.map((d) => ({ workspaceId: d.workspace_id, conversationId: d.conversation_id }));
        const inputs = await this.facts.inputs(tx, keys);
        const facts = inputs.flatMap((input) =>
          cyclesOf(input, DEFAULT_METRIC_SETTINGS, now).map((cycle) => ({ workspaceId: input.workspaceId, cycle })),
        );
        await this.facts.replace(tx, keys, facts);
        await this.facts.clean(tx, dirty);
      }
      await this.settle(tx, now, workspaceId);
      return dirty.length;
    });
  }

  /**
   * One workspace without settled verdicts judged anew (the one asked about, before its query).
   * The background passes also move stale verdicts on to `now`; a query needs no such move (it
   * reads the cycles judged differently since), only its cost grows with the time since.
   */
  private async settle(tx: Db, now: Date, workspaceId?: string): Promise<void> {
    const unsettled = await this.settled.unsettledWorkspace(tx, workspaceId);
    if (unsettled) await this.settled.resettle(tx, unsettled, now);
    if (workspaceId) return;
    for (const row of await this.settled.stale(tx, new Date(now.getTime() - SETTLE_EVERY_MS), 20))
      await this.settled.advance(tx, row, now);
  }

  private warn(err: Error): void {
    this.logger.warn(`Refreshing analytics failed: ${err.message}`);
  }
}
