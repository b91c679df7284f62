import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { backoffMs, JobError, JOB_PROCESSORS, type JobProcessor, type JobProcessors } from './job-processor';
import { JobsRepository, type JobRow } from './jobs.repository';

/**
 * Polls the jobs table and runs due jobs through their queue's processor. `nudge()` after a commit
 * that enqueued work makes it run at once instead of at the next poll.
 */
@Injectable()
export class JobWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Jobs one process runs at once. */
  static readonly CONCURRENCY = 10;
  private readonly logger = new Logger('Jobs');
  private resolved: Map<string, JobProcessor> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private shuttingDown = false;
  /** Ends a running drain's wait for a slot: new work was enqueued. */
  private wake: (() => void) | null = null;
  /** Jobs running in this process: their leases are renewed until they end. */
  private readonly active = new Set<string>();
  private renewer: NodeJS.Timeout | null = null;
  private readonly wakeups = new Set<NodeJS.Timeout>();

  constructor(
    private readonly jobs: JobsRepository,
    @Inject(JOB_PROCESSORS) private readonly source: JobProcessors,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'jobPollMs' | 'retryTimeScale'>,
  ) {}

  /** Resolved on first use: processors depend on services that nudge this worker. */
  private get processors(): Map<string, JobProcessor> {
    this.resolved ??= new Map(
      (typeof this.source === 'function' ? this.source() : this.source).map((p) => [p.queue, p]),
    );
    return this.resolved;
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule(0);
    this.renewer = setInterval(() => this.renewLeases(), (JobsRepository.LEASE_SECONDS * 1000) / 3);
    this.renewer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.shuttingDown = true;
    if (this.timer) clearTimeout(this.timer);
    for (const timer of this.wakeups) clearTimeout(timer);
    this.wakeups.clear();
    this.wake?.();
    await this.running;
    if (this.renewer) clearInterval(this.renewer);
  }

  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.wake?.();
    } else this.schedule(0);
  }

  /**
   * Runs due jobs until none is left, up to `CONCURRENCY` at a time (a queue with a
   * `concurrency` of its own, no more than that): a slot a finished job frees is filled at once,
   * and work enqueued meanwhile (a nudge) is claimed at once too, so a slow job (a CRM call paced
   * to its rate, a send waiting for its chat) never holds the others back. Answers how many ran.
   */
  async drain(): Promise<number> {
    const running = new Map<Promise<void>, string>();
    let total = 0;
    for (;;) {
      // Once stopping, only the jobs already running are waited for.
      const batch = this.shuttingDown ? [] : await this.claimFor(running);
      for (const job of batch) {
        this.active.add(job.id);
        const run: Promise<void> = this.runOne(job)
          .catch((err: Error) => this.logger.error(`${job.queue} job ${job.id} could not be recorded: ${err.message}`))
          .finally(() => {
            running.delete(run);
            this.active.delete(job.id);
          });
        running.set(run, job.queue);
      }
      total += batch.length;
      if (running.size === 0) return total;
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      await Promise.race([...running.keys(), woken]);
      this.wake = null;
    }
  }

  /**
   * Keeps the leases of the jobs running here from running out: a lease lapses only when its
   * process is gone (or stalled), so a crash delays its jobs by at most one lease.
   */
  private renewLeases(): void {
    if (this.active.size === 0) return;
    this.jobs
      .renewLeases([...this.active])
      .catch((err: Error) => this.logger.warn(`Renewing job leases failed: ${err.message}`));
  }

  /** Due jobs for the free slots; a queue with a concurrency of its own gets no more than its room. */
  private async claimFor(running: Map<Promise<void>, string>): Promise<JobRow[]> {
    let free = JobWorkerService.CONCURRENCY - running.size;
    if (free <= 0) return [];
    const busy = new Map<string, number>();
    for (const queue of running.values()) busy.set(queue, (busy.get(queue) ?? 0) + 1);
    const claimed: JobRow[] = [];
    const open: string[] = [];
    for (const [queue, processor] of this.processors) {
      if (processor.concurrency === undefined) {
        open.push(queue);
        continue;
      }
      const room = Math.min(free, processor.concurrency - (busy.get(queue) ?? 0));
      if (room <= 0) continue;
      const jobs = await this.jobs.claim([queue], room);
      claimed.push(...jobs);
      free -= jobs.length;
    }
    if (free > 0 && open.length) claimed.push(...(await this.jobs.claim(open, free)));
    return claimed;
  }

  /** Wakes the worker when a job put off by `delayMs` becomes due, instead of at the next poll. */
  private nudgeLater(delayMs: number): void {
    const timer = setTimeout(() => {
      this.wakeups.delete(timer);
      this.nudge();
    }, delayMs + 20);
    timer.unref();
    this.wakeups.add(timer);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
  }

  private tick(): void {
    this.timer = null;
    this.running = this.drain()
      .then(() => undefined)
      .catch((err: Error) => this.logger.error(`Job poll failed: ${err.message}`))
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        const again = this.again;
        this.again = false;
        this.schedule(again ? 0 : this.config.jobPollMs);
      });
  }

  private async runOne(job: JobRow): Promise<void> {
    const processor = this.processors.get(job.queue);
    if (!processor) return;
    try {
      await processor.process(job);
      await this.jobs.complete(job.id);
    } catch (err) {
      const error = err instanceof JobError ? err : new JobError((err as Error).message ?? String(err), true);
      if (error.deferred) {
        await this.jobs.defer(job.id, error.retryAfterMs ?? 0);
        this.nudgeLater(error.retryAfterMs ?? 0);
      } else if (error.retryable && job.attempts < job.max_attempts) {
        // The time scale compresses Onebox's own backoff; a provider's Retry-After is its clock, kept as said.
        const delay = Math.round(
          Math.max(error.retryAfterMs ?? 0, backoffMs(job.attempts) * (this.config.retryTimeScale ?? 1)),
        );
        this.logger.warn(
          `${job.queue} job ${job.id} attempt ${job.attempts} failed (${error.message}); retry in ${delay} ms`,
        );
        await this.jobs.retryLater(job.id, delay, error.message);
        this.nudgeLater(delay);
      } else {
        this.logger.warn(`${job.queue} job ${job.id} given up: ${error.message}`);
        await this.jobs.fail(job.id, error.message);
        await processor.onGiveUp(job, error);
      }
    }
  }
}
