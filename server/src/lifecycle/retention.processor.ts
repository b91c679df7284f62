import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobError, type JobProcessor } from '../jobs/job-processor';
import type { JobRow } from '../jobs/jobs.repository';
import { RETENTION_QUEUE } from './lifecycle.constants';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';

/** Runs each workspace's retention sweep: one pending job per workspace that defers itself to the next day. */
@Injectable()
export class RetentionProcessor implements JobProcessor, OnApplicationBootstrap {
  readonly queue = RETENTION_QUEUE;
  static readonly RETRY_MS = 5 * 60_000;
  private readonly logger = new Logger('Retention');

  constructor(
    private readonly retention: RetentionService,
    private readonly repository: RetentionRepository,
  ) {}

  /** Workspaces with retention on always have their sweep pending, even after a failed one. */
  async onApplicationBootstrap(): Promise<void> {
    await this.repository.ensureAllJobs();
  }

  /** The sweep outlives its own failures: a failed run tries again in a few minutes instead of giving up. */
  async process(job: JobRow): Promise<void> {
    if (!job.workspace_id) return;
    let deferMs: number;
    try {
      const outcome = await this.retention.sweep(job.workspace_id);
      if (outcome.done) return;
      deferMs = outcome.deferMs;
    } catch (err) {
      this.logger.warn(`Retention sweep of workspace ${job.workspace_id} failed: ${(err as Error).message}`);
      deferMs = RetentionProcessor.RETRY_MS;
    }
    throw JobError.defer('next retention sweep', deferMs);
  }

  async onGiveUp(): Promise<void> {
    // Never given up: the sweep defers itself (see process).
  }
}
