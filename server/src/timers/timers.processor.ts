import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { JobError, type JobProcessor } from '../jobs/job-processor';
import type { JobRow } from '../jobs/jobs.repository';
import { TIMERS_QUEUE, type TimerJob } from './timers.constants';
import { TimersRepository } from './timers.repository';
import { TimersService, type TimerOutcome } from './timers.service';

/** Runs `timers` jobs; a timer that is not due yet defers itself (no attempt spent). */
@Injectable()
export class TimersProcessor implements JobProcessor, OnApplicationBootstrap {
  readonly queue = TIMERS_QUEUE;

  constructor(
    private readonly timers: TimersService,
    private readonly repository: TimersRepository,
  ) {}

  /** Workspaces with auto-resolve on always have their sweep pending, even after a failed one. */
  async onApplicationBootstrap(): Promise<void> {
    await this.repository.ensureAllAutoResolveSweeps();
  }

  async process(job: JobRow): Promise<void> {
    const workspaceId = job.workspace_id;
    if (!workspaceId) return;
    const outcome = await this.run(workspaceId, job.payload as TimerJob);
    if (!outcome.done) throw JobError.defer('timer not due yet', outcome.deferMs);
  }

  private run(workspaceId: string, job: TimerJob): Promise<TimerOutcome> {
    switch (job.action) {
      case 'missed-check':
        return this.timers.checkMissed(workspaceId, job.conversationId, job.cycle);
      case 'visitor-left':
        return this.timers.checkVisitorLeft(workspaceId, job.channelId, job.visitorId, new Date(job.at));
      case 'after-hours':
        return this.timers.afterHours(workspaceId, job.conversationId, job.cycle, new Date(job.at));
      case 'wake':
        return this.timers.wake(workspaceId, job.conversationId, new Date(job.until));
      case 'auto-resolve':
        return this.sweep(workspaceId);
      default:
        return Promise.resolve({ done: true });
    }
  }

  /** The sweep must outlive its own failures: a failed run tries again in a minute instead of giving up. */
  private async sweep(workspaceId: string): Promise<TimerOutcome> {
    try {
      return await this.timers.sweepAutoResolve(workspaceId);
    } catch {
      return { done: false, deferMs: 60_000 };
    }
  }

  async onGiveUp(): Promise<void> {
    // Timers have no record to mark: a given-up timer only means a fact was not written.
  }
}
