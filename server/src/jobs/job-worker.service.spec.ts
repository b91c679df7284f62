import { Logger } from '@nestjs/common';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { backoffMs, JobError, type JobProcessor } from './job-processor';
import { JobWorkerService } from './job-worker.service';
import { JobsRepository, type JobRow } from './jobs.repository';

const POLL_MS = 1000;

const jobRow = rows.jobRow;

/** A processor whose methods fail the test unless stubbed. */
function strictProcessor(queue: string): JobProcessor & { process: jest.Mock; onGiveUp: jest.Mock } {
  const unexpected = (name: string) =>
    jest.fn((...args: unknown[]) => {
      throw new Error(`Unexpected call: ${queue}.${name}(${JSON.stringify(args)})`);
    });
  return { queue, process: unexpected('process'), onGiveUp: unexpected('onGiveUp') };
}

describe(JobWorkerService.name, () => {
  let jobs: ReturnType<typeof strictMock<JobsRepository>>;
  let deliver: ReturnType<typeof strictProcessor>;
  let worker: JobWorkerService;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jobs = strictMock(JobsRepository);
    deliver = strictProcessor('deliver');
    worker = new JobWorkerService(jobs as unknown as JobsRepository, [deliver], {
      jobPollMs: POLL_MS,
      retryTimeScale: 1,
    });
  });

  afterEach(() => jest.restoreAllMocks());

  describe('drain', () => {
    it('claims from its processors’ queues, completes a successful job and answers how many ran', async () => {
      const job = jobRow();
      jobs.claim.mockResolvedValueOnce([job]).mockResolvedValueOnce([]);
      deliver.process.mockResolvedValueOnce(undefined);
      jobs.complete.mockResolvedValueOnce(undefined);

      await expect(worker.drain()).resolves.toBe(1);

      expect(jobs.claim).toHaveBeenCalledTimes(2);
      expect(jobs.claim).toHaveBeenCalledWith(['deliver'], 10);
      expect(deliver.process).toHaveBeenCalledWith(job);
      expect(jobs.complete).toHaveBeenCalledWith('job-1');
    });

    it('keeps claiming batches until none is left', async () => {
      jobs.claim
        .mockResolvedValueOnce([jobRow({ id: 'job-1' }), jobRow({ id: 'job-2' })])
        .mockResolvedValueOnce([jobRow({ id: 'job-3' })])
        .mockResolvedValueOnce([]);
      deliver.process.mockResolvedValue(undefined);
      jobs.complete.mockResolvedValue(undefined);

      await expect(worker.drain()).resolves.toBe(3);

      expect(jobs.complete.mock.calls).toEqual([['job-1'], ['job-2'], ['job-3']]);
    });

    it('fills a slot as soon as a job finishes, while a slow job still runs', async () => {
      let releaseSlow = (): void => undefined;
      const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
      jobs.claim
        .mockResolvedValueOnce([jobRow({ id: 'slow' }), jobRow({ id: 'fast' })])
        .mockResolvedValueOnce([jobRow({ id: 'next' })])
        .mockResolvedValue([]);
      deliver.process.mockImplementation((job: JobRow) => (job.id === 'slow' ? slow : Promise.resolve()));
      jobs.complete.mockResolvedValue(undefined);

      const drained = worker.drain();
      await new Promise((r) => setTimeout(r, 20));
      expect(jobs.complete.mock.calls).toEqual([['fast'], ['next']]);
      expect(jobs.claim).toHaveBeenNthCalledWith(2, ['deliver'], 9);

      releaseSlow();
      await expect(drained).resolves.toBe(3);
      expect(jobs.complete).toHaveBeenLastCalledWith('slow');
    });

    it('claims nothing more once the app shuts down, waiting only for the jobs running', async () => {
      let release = (): void => undefined;
      jobs.claim.mockResolvedValueOnce([jobRow({ id: 'running' })]);
      deliver.process.mockReturnValueOnce(new Promise<void>((resolve) => (release = resolve)));
      jobs.complete.mockResolvedValueOnce(undefined);

      const drained = worker.drain();
      await new Promise((r) => setTimeout(r, 10));
      const shutdown = worker.onApplicationShutdown();
      release();

      await expect(drained).resolves.toBe(1);
      await shutdown;
      expect(jobs.claim).toHaveBeenCalledTimes(1);
      expect(jobs.complete).toHaveBeenCalledWith('running');
    });

    it('gives a queue with its own concurrency no more than its room, the other queues the rest, and claims work nudged in meanwhile', async () => {
      const crm = { ...strictProcessor('crm'), concurrency: 2 };
      const both = new JobWorkerService(jobs as unknown as JobsRepository, [deliver, crm], {
        jobPollMs: 60_000,
        retryTimeScale: 1,
      });
      let releaseCrm = (): void => undefined;
      const paced = new Promise<void>((resolve) => (releaseCrm = resolve));
      const due: Record<string, JobRow[][]> = {
        crm: [[jobRow({ id: 'crm-1', queue: 'crm' }), jobRow({ id: 'crm-2', queue: 'crm' })]],
        deliver: [[], [jobRow({ id: 'reply' })]],
      };
      jobs.claim.mockImplementation(async (queues: string[]) => due[queues[0]].shift() ?? []);
      crm.process.mockReturnValue(paced);
      deliver.process.mockResolvedValue(undefined);
      jobs.complete.mockResolvedValue(undefined);

      both.onApplicationBootstrap();
      await new Promise((r) => setTimeout(r, 20));
      expect(jobs.claim.mock.calls.slice(0, 2)).toEqual([
        [['crm'], 2],
        [['deliver'], 8],
      ]);
      both.nudge(); // a reply was queued while both CRM jobs wait for the CRM
      await new Promise((r) => setTimeout(r, 20));
      expect(jobs.claim.mock.calls[2]).toEqual([['deliver'], 8]);
      expect(jobs.claim.mock.calls.filter(([queues]) => queues[0] === 'crm')).toHaveLength(1);
      expect(jobs.complete.mock.calls).toEqual([['reply']]);

      releaseCrm();
      await both.onApplicationShutdown();
      expect(jobs.complete).toHaveBeenCalledWith('crm-2');
    });

    it('runs at most CONCURRENCY jobs at once', async () => {
      const full = Array.from({ length: JobWorkerService.CONCURRENCY }, (_, i) => jobRow({ id: `job-${i}` }));
      let releaseAll = (): void => undefined;
      const held = new Promise<void>((resolve) => (releaseAll = resolve));
      jobs.claim.mockResolvedValueOnce(full).mockResolvedValue([]);
      deliver.process.mockReturnValue(held);
      jobs.complete.mockResolvedValue(undefined);

      const drained = worker.drain();
      await new Promise((r) => setTimeout(r, 20));
      expect(jobs.claim).toHaveBeenCalledTimes(1);

      releaseAll();
      await expect(drained).resolves.toBe(JobWorkerService.CONCURRENCY);
    });

    it('scales the backoff by the configured time scale (fast-time tests of long outages)', async () => {
      const fast = new JobWorkerService(jobs as unknown as JobsRepository, [deliver], {
        jobPollMs: POLL_MS,
        retryTimeScale: 0.01,
      });
      jobs.claim.mockResolvedValueOnce([jobRow({ attempts: 9, max_attempts: 40 })]).mockResolvedValueOnce([]);
      deliver.process.mockRejectedValueOnce(new JobError('HTTP 502', true));
      jobs.retryLater.mockResolvedValueOnce(undefined);
      const random = jest.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter: the 250 s cap

      await fast.drain();

      random.mockRestore();
      expect(jobs.retryLater).toHaveBeenCalledWith('job-1', 2500, 'HTTP 502');
      await fast.onApplicationShutdown();
    });

    it('never scales a provider’s retry-after: it is the provider’s clock', async () => {
      const fast = new JobWorkerService(jobs as unknown as JobsRepository, [deliver], {
        jobPollMs: POLL_MS,
        retryTimeScale: 0.01,
      });
      jobs.claim.mockResolvedValueOnce([jobRow({ attempts: 2 })]).mockResolvedValueOnce([]);
      deliver.process.mockRejectedValueOnce(new JobError('Too Many Requests', true, 30_000, 'rate_limited'));
      jobs.retryLater.mockResolvedValueOnce(undefined);

      await fast.drain();

      expect(jobs.retryLater).toHaveBeenCalledWith('job-1', 30_000, 'Too Many Requests');
      await fast.onApplicationShutdown();
    });

    it('retries a retryable failure later, waiting at least the provider’s retry-after', async () => {
      jobs.claim.mockResolvedValueOnce([jobRow({ attempts: 2 })]).mockResolvedValueOnce([]);
      deliver.process.mockRejectedValueOnce(new JobError('Too Many Requests', true, 30_000, 'rate_limited'));
      jobs.retryLater.mockResolvedValueOnce(undefined);

      await worker.drain();

      expect(jobs.retryLater).toHaveBeenCalledWith('job-1', 30_000, 'Too Many Requests');
      expect(jobs.complete).not.toHaveBeenCalled();
      expect(jobs.fail).not.toHaveBeenCalled();
      expect(deliver.onGiveUp).not.toHaveBeenCalled();
    });

    it('defers a job that asked to wait, without spending an attempt, even on its last attempt', async () => {
      jobs.claim.mockResolvedValueOnce([jobRow({ attempts: 8, max_attempts: 8 })]).mockResolvedValueOnce([]);
      deliver.process.mockRejectedValueOnce(JobError.defer('An earlier message is still being delivered', 300));
      jobs.defer.mockResolvedValueOnce(undefined);

      await worker.drain();

      expect(jobs.defer).toHaveBeenCalledWith('job-1', 300);
      expect(jobs.retryLater).not.toHaveBeenCalled();
      expect(jobs.complete).not.toHaveBeenCalled();
      expect(jobs.fail).not.toHaveBeenCalled();
      expect(deliver.onGiveUp).not.toHaveBeenCalled();
    });

    it('uses the backoff when it is longer than the provider’s retry-after', async () => {
      jobs.claim.mockResolvedValueOnce([jobRow({ attempts: 7 })]).mockResolvedValueOnce([]);
      deliver.process.mockRejectedValueOnce(new JobError('slow down', true, 100, 'rate_limited'));
      jobs.retryLater.mockResolvedValueOnce(undefined);

      await worker.drain();

      const [, delay] = jobs.retryLater.mock.calls[0];
      expect(delay).toBeGreaterThanOrEqual(0.8 * 64_000);
      expect(delay).toBeLessThanOrEqual(1.2 * 64_000);
    });

    it('retries an unclassified error with exponential backoff', async () => {
      jobs.claim.mockResolvedValueOnce([jobRow({ attempts: 3 })]).mockResolvedValueOnce([]);
      deliver.process.mockRejectedValueOnce(new Error('socket hang up'));
      jobs.retryLater.mockResolvedValueOnce(undefined);

      await worker.drain();

      expect(jobs.retryLater).toHaveBeenCalledWith('job-1', expect.any(Number), 'socket hang up');
      const [, delay] = jobs.retryLater.mock.calls[0];
      expect(delay).toBeGreaterThanOrEqual(3200);
      expect(delay).toBeLessThanOrEqual(4800);
    });

    it('gives up a retryable failure on the last attempt: fails the job and tells the processor', async () => {
      const job = jobRow({ attempts: 8, max_attempts: 8 });
      const error = new JobError('still down', true, undefined, 'temporary');
      jobs.claim.mockResolvedValueOnce([job]).mockResolvedValueOnce([]);
      deliver.process.mockRejectedValueOnce(error);
      jobs.fail.mockResolvedValueOnce(undefined);
      deliver.onGiveUp.mockResolvedValueOnce(undefined);

      await worker.drain();

      expect(jobs.fail).toHaveBeenCalledWith('job-1', 'still down');
      expect(deliver.onGiveUp).toHaveBeenCalledWith(job, error);
      expect(jobs.retryLater).not.toHaveBeenCalled();
    });

    it('gives up a non-retryable failure at once', async () => {
      const job = jobRow({ attempts: 1 });
      const error = new JobError('bot was blocked by the user', false, undefined, 'recipient_unreachable');
      jobs.claim.mockResolvedValueOnce([job]).mockResolvedValueOnce([]);
      deliver.process.mockRejectedValueOnce(error);
      jobs.fail.mockResolvedValueOnce(undefined);
      deliver.onGiveUp.mockResolvedValueOnce(undefined);

      await worker.drain();

      expect(jobs.fail).toHaveBeenCalledWith('job-1', 'bot was blocked by the user');
      expect(deliver.onGiveUp).toHaveBeenCalledWith(job, error);
      expect(jobs.retryLater).not.toHaveBeenCalled();
    });

    it('hands the processor a JobError when an unclassified error exhausts the attempts', async () => {
      const job = jobRow({ attempts: 8, max_attempts: 8 });
      jobs.claim.mockResolvedValueOnce([job]).mockResolvedValueOnce([]);
      deliver.process.mockRejectedValueOnce(new Error('socket hang up'));
      jobs.fail.mockResolvedValueOnce(undefined);
      deliver.onGiveUp.mockResolvedValueOnce(undefined);

      await worker.drain();

      const [, error] = deliver.onGiveUp.mock.calls[0] as [JobRow, JobError];
      expect(error).toBeInstanceOf(JobError);
      expect(error).toMatchObject({ message: 'socket hang up', retryable: true, code: undefined });
    });
  });

  describe('polling', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('drains at boot, then every poll interval, and stops at shutdown', async () => {
      jobs.claim.mockResolvedValue([]);

      worker.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(0);
      expect(jobs.claim).toHaveBeenCalledTimes(1);

      await jest.advanceTimersByTimeAsync(POLL_MS);
      expect(jobs.claim).toHaveBeenCalledTimes(2);

      await worker.onApplicationShutdown();
      await jest.advanceTimersByTimeAsync(10 * POLL_MS);
      expect(jobs.claim).toHaveBeenCalledTimes(2);
    });

    it('renews the leases of the jobs it runs every third of a lease, and stops when they end', async () => {
      let release = (): void => undefined;
      jobs.claim.mockResolvedValueOnce([jobRow({ id: '41' })]).mockResolvedValue([]);
      deliver.process.mockReturnValueOnce(new Promise<void>((resolve) => (release = resolve)));
      jobs.renewLeases.mockResolvedValue(undefined);
      jobs.complete.mockResolvedValueOnce(undefined);

      worker.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(0);
      await jest.advanceTimersByTimeAsync((JobsRepository.LEASE_SECONDS * 1000) / 3);
      expect(jobs.renewLeases).toHaveBeenCalledWith(['41']);

      release();
      await jest.advanceTimersByTimeAsync(0);
      jobs.renewLeases.mockClear();
      await jest.advanceTimersByTimeAsync(JobsRepository.LEASE_SECONDS * 1000);
      expect(jobs.renewLeases).not.toHaveBeenCalled();
      await worker.onApplicationShutdown();
    });

    it('runs at once when nudged instead of waiting for the next poll', async () => {
      jobs.claim.mockResolvedValue([]);
      worker.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(0);

      worker.nudge();
      await jest.advanceTimersByTimeAsync(0);

      expect(jobs.claim).toHaveBeenCalledTimes(2);
      await worker.onApplicationShutdown();
    });

    it('wakes up when a deferred job becomes due instead of waiting for the next poll', async () => {
      worker = new JobWorkerService(jobs as unknown as JobsRepository, [deliver], {
        jobPollMs: 60_000,
        retryTimeScale: 1,
      });
      jobs.claim.mockResolvedValueOnce([jobRow()]).mockResolvedValue([]);
      deliver.process.mockRejectedValueOnce(JobError.defer('An earlier message is still being delivered', 300));
      jobs.defer.mockResolvedValueOnce(undefined);

      worker.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(0);
      expect(jobs.claim).toHaveBeenCalledTimes(2);

      await jest.advanceTimersByTimeAsync(330);
      expect(jobs.claim).toHaveBeenCalledTimes(3);
      await worker.onApplicationShutdown();
    });

    it('wakes up for a retry when it becomes due', async () => {
      worker = new JobWorkerService(jobs as unknown as JobsRepository, [deliver], {
        jobPollMs: 600_000,
        retryTimeScale: 1,
      });
      jobs.claim.mockResolvedValueOnce([jobRow()]).mockResolvedValue([]);
      deliver.process.mockRejectedValueOnce(new JobError('Too Many Requests', true, 30_000, 'rate_limited'));
      jobs.retryLater.mockResolvedValueOnce(undefined);

      worker.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(0);
      expect(jobs.claim).toHaveBeenCalledTimes(2);

      await jest.advanceTimersByTimeAsync(29_000);
      expect(jobs.claim).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(1_100);
      expect(jobs.claim).toHaveBeenCalledTimes(3);
      await worker.onApplicationShutdown();
    });

    it('forgets pending wake-ups at shutdown', async () => {
      jobs.claim.mockResolvedValueOnce([jobRow()]).mockResolvedValue([]);
      deliver.process.mockRejectedValueOnce(JobError.defer('later', 300));
      jobs.defer.mockResolvedValueOnce(undefined);
      worker.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(0);

      await worker.onApplicationShutdown();
      await jest.advanceTimersByTimeAsync(10 * POLL_MS);

      expect(jobs.claim).toHaveBeenCalledTimes(2);
    });

    it('ignores nudges before boot', async () => {
      worker.nudge();
      await jest.advanceTimersByTimeAsync(10 * POLL_MS);

      expect(jobs.claim).not.toHaveBeenCalled();
    });
  });
});

describe(backoffMs.name, () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [8, 128_000],
    [9, 250_000],
    [50, 250_000],
  ])('waits about %i → %i ms before jitter', (attempt, base) => {
    expect(backoffMs(attempt, () => 0.5)).toBe(base);
    expect(backoffMs(attempt, () => 0)).toBe(Math.round(base * 0.8));
    expect(backoffMs(attempt, () => 1)).toBe(Math.round(base * 1.2));
  });

  it('treats attempt 0 like the first attempt', () => {
    expect(backoffMs(0, () => 0.5)).toBe(1000);
  });

  it('stays within ±20 % of the capped base, so never beyond 5 minutes, for any random draw', () => {
    for (let i = 0; i < 200; i++) {
      const ms = backoffMs(12);
      expect(ms).toBeGreaterThanOrEqual(200_000);
      expect(ms).toBeLessThanOrEqual(300_000);
    }
  });
});
