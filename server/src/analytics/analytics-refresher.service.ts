import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { cyclesOf, DEFAULT_METRIC_SETTINGS } from '@onebox/metrics';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { TransactionService } from '../database/transaction.service';
import { CycleFactsRepository } from './cycle-facts.repository';

const BATCH = 200;

/**
 * Keeps `conversation_cycles` current: conversations that writers marked dirty (a trigger does,
 * in their own transaction) are recomputed with the reference code of `libs/metrics` — every few
 * seconds (a busy conversation is recomputed once for all its new messages), and on demand before
 * an analytics query (`drain`). Passes in several processes don't collide: each holds a
 * transaction-scoped advisory lock.
 */
@Injectable()
export class AnalyticsRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Analytics');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly tx: TransactionService,
    private readonly facts: CycleFactsRepository,
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
      if (dirty.length === 0) return 0;
      const keys = dirty.map((d) => ({ workspaceId: d.workspace_id, conversationId: d.conversation_id }));
      const now = new Date();
      const inputs = await this.facts.inputs(tx, keys);
      const facts = inputs.flatMap((input) =>
        cyclesOf(input, DEFAULT_METRIC_SETTINGS, now).map((cycle) => ({ workspaceId: input.workspaceId, cycle })),
      );
      await this.facts.replace(tx, keys, facts);
      await this.facts.clean(tx, dirty);
      return dirty.length;
    });
  }

  private warn(err: Error): void {
    this.logger.warn(`Refreshing analytics failed: ${err.message}`);
  }
}
