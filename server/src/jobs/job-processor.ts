import type { JobRow } from './jobs.repository';

/**
 * A queue's handler. Implement `process` idempotently (a job can run again after a crash) and
 * throw a `JobError` to say whether a failure is worth retrying and when.
 */
export interface JobProcessor {
  readonly queue: string;
  /**
   * At most this many of the queue's jobs at once in one process (all of the worker's slots when
   * absent): a queue whose calls are paced to a provider's rate gains nothing from more, and would
   * only keep the slots from other queues.
   */
  readonly concurrency?: number;
  process(job: JobRow): Promise<void>;
  /** Called once when the job is given up: record the failure where users will see it. */
  onGiveUp(job: JobRow, error: JobError): Promise<void>;
}

export class JobError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    readonly code?: string,
    /** Not a failure: run again after `retryAfterMs` without spending an attempt. */
    readonly deferred = false,
  ) {
    super(message);
  }

  static defer(reason: string, delayMs: number): JobError {
    return new JobError(reason, true, delayMs, undefined, true);
  }
}

export const JOB_PROCESSORS = Symbol('JOB_PROCESSORS');

/**
 * What `JOB_PROCESSORS` provides: the processors, or a function answering them once the app is
 * built (processors use services that nudge the worker, so the worker cannot wait for them).
 */
export type JobProcessors = JobProcessor[] | (() => JobProcessor[]);

/** Exponential backoff with ±20 % jitter: about 1 s, 2 s, 4 s … never more than 5 minutes. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(250_000, 1000 * 2 ** Math.min(20, Math.max(0, attempt - 1)));
  return Math.round(base * (0.8 + 0.4 * random()));
}
