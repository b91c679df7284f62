import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export interface JobRow {
  id: string;
  workspace_id: string | null;
  queue: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
}

export interface NewJob {
  workspaceId: string | null;
  queue: string;
  payload: Record<string, unknown>;
  maxAttempts?: number;
  /** A timer: the job is not claimed before this moment (default now). */
  runAt?: Date;
}

/**
 * Durable jobs in PostgreSQL. A job is claimed with `FOR UPDATE SKIP LOCKED` and a lease
 * (`locked_until`) that its worker renews while the job runs: if the process dies, the lease runs
 * out within `LEASE_SECONDS` and another worker (or the restarted process) takes the job.
 */
@Injectable()
export class JobsRepository {
  static readonly LEASE_SECONDS = 15;

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async enqueue(tx: Db, job: NewJob): Promise<void> {
    await tx.query(
      'INSERT INTO jobs (workspace_id, queue, payload, max_attempts, run_at) VALUES ($1, $2, $3, $4, COALESCE($5, now()))',
      [job.workspaceId, job.queue, JSON.stringify(job.payload), job.maxAttempts ?? 8, job.runAt ?? null],
    );
  }

  /**
   * Enqueues the job unless the same one (queue and payload) is already waiting and not yet
   * taken by a worker: a job that has not started will see whatever the new request is about
   * (a CRM's "deal changed" webhooks, repeated or retried, cost one read). Copies arriving at
   * once are serialized on an advisory lock. Answers whether a job was added.
   */
  async enqueueOnce(tx: Db, job: Omit<NewJob, 'runAt'>): Promise<boolean> {
    const payload = JSON.stringify(job.payload);
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${job.queue}:${payload}`]);
    const added = returnedRows<{ id: string }>(
      await tx.query(
        `INSERT INTO jobs (workspace_id, queue, payload, max_attempts)
         SELECT $1, $2, $3::jsonb, $4
         WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE queue = $2 AND payload = $3::jsonb AND status = 'pending'
                             AND (locked_until IS NULL OR locked_until < now()))
         RETURNING id`,
        [job.workspaceId, job.queue, payload, job.maxAttempts ?? 8],
      ),
    );
    return added.length > 0;
  }

  async claim(queues: string[], limit: number): Promise<JobRow[]> {
    return returnedRows<JobRow>(
      await this.db.query(
        `UPDATE jobs SET attempts = attempts + 1, locked_until = now() + make_interval(secs => $3), updated_at = now()
       WHERE id IN (
         SELECT id FROM jobs
         WHERE status = 'pending' AND run_at <= now() AND (locked_until IS NULL OR locked_until < now())
           AND queue = ANY ($1::text[])
         ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, workspace_id, queue, payload, attempts, max_attempts`,
        [queues, limit, JobsRepository.LEASE_SECONDS],
      ),
    );
  }

  /** Extends the leases of jobs still running in this process. */
  async renewLeases(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE jobs SET locked_until = now() + make_interval(secs => $2)
       WHERE id = ANY ($1::bigint[]) AND status = 'pending' AND locked_until IS NOT NULL`,
      [ids, JobsRepository.LEASE_SECONDS],
    );
  }

  async complete(id: string): Promise<void> {
    await this.db.query(`UPDATE jobs SET status = 'done', locked_until = NULL, updated_at = now() WHERE id = $1`, [id]);
  }

  async retryLater(id: string, delayMs: number, error: string): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET run_at = now() + make_interval(secs => $2), locked_until = NULL, last_error = $3, updated_at = now()
       WHERE id = $1`,
      [id, delayMs / 1000, error],
    );
  }

  /** Runs the job again later without counting the current run as an attempt. */
  async defer(id: string, delayMs: number): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET run_at = now() + make_interval(secs => $2), locked_until = NULL, attempts = attempts - 1, updated_at = now()
       WHERE id = $1`,
      [id, delayMs / 1000],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET status = 'failed', locked_until = NULL, last_error = $2, updated_at = now() WHERE id = $1`,
      [id, error],
    );
  }
}
