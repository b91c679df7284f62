import { Injectable, Logger } from '@nestjs/common';
import { workspaceSettingsFrom } from '@onebox/contracts';
import { AttachmentsService } from '../attachments/attachments.service';
import { TransactionService } from '../database/transaction.service';
import { WorkspaceSettingsRepository } from '../workspace-settings/workspace-settings.repository';
import { RetentionRepository } from './retention.repository';

const DAY_MS = 86_400_000;

/** What a sweep run decided: stop (retention is off), or run again after `deferMs`. */
export type SweepOutcome = { done: true } | { done: false; deferMs: number };

/**
 * Deletes a workspace's messages older than its retention (and their files and mentions), in
 * short batches of their own transactions, so writers are never held up for long. A run stops
 * after `budgetMs` and comes back a moment later; a finished run comes back the next day.
 */
@Injectable()
export class RetentionService {
  static readonly BATCH = 500;
  static readonly BUDGET_MS = 20_000;
  private readonly logger = new Logger('Retention');

  constructor(
    private readonly retention: RetentionRepository,
    private readonly settings: WorkspaceSettingsRepository,
    private readonly attachments: AttachmentsService,
    private readonly tx: TransactionService,
  ) {}

  async sweep(workspaceId: string, now = new Date(), budgetMs = RetentionService.BUDGET_MS): Promise<SweepOutcome> {
    const row = await this.settings.find(workspaceId);
    const days = row ? workspaceSettingsFrom(row.settings, row.time_zone).messageRetentionDays : null;
    if (days === null) return { done: true };
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const deadline = Date.now() + budgetMs;
    let messages = 0;
    let from: Date | null = null;
    for (;;) {
      const batch = await this.retention.expired(workspaceId, from, cutoff, RetentionService.BATCH);
      if (batch.messageIds.length === 0) break;
      from = batch.last;
      // Files first: if the process dies here, the next run finds the rows and finishes the job.
      await this.attachments.deleteFiles(batch.storageKeys);
      messages += await this.tx.run((tx) => this.retention.deleteBatch(tx, workspaceId, batch));
      if (Date.now() > deadline) return this.pause(workspaceId, messages, 1000);
    }
    while ((await this.retention.clearPreviews(workspaceId, cutoff, RetentionService.BATCH)) > 0)
      if (Date.now() > deadline) return this.pause(workspaceId, messages, 1000);
    return this.pause(workspaceId, messages, DAY_MS);
  }

  private pause(workspaceId: string, messages: number, deferMs: number): SweepOutcome {
    if (messages > 0) this.logger.log(`Workspace ${workspaceId}: ${messages} messages past retention deleted`);
    return { done: false, deferMs };
  }
}
