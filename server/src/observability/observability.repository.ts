import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { CRM_QUEUE } from '../crm/crm.constants';
import { DELIVERY_QUEUE } from '../delivery/delivery.constants';

/**
 * What readiness and the scrape-time gauges read. Both queue queries walk only pending jobs
 * (the partial `jobs_due_idx`), so a scrape stays cheap however long the jobs table grows.
 */
@Injectable()
export class ObservabilityRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async pingDatabase(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  /** Connects, PINGs and disconnects: a probe holds no connection between checks. */
  async pingRedis(url: string, timeoutMs: number): Promise<void> {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  }

  async deliveryQueue(): Promise<{ channel_type: string; n: number }[]> {
    return this.db.query(
      `SELECT ch.type AS channel_type, count(*)::int AS n
         FROM jobs j
         JOIN messages m ON m.id = (j.payload->>'messageId')::uuid
         JOIN channels ch ON ch.id = m.channel_id
        WHERE j.status = 'pending' AND j.queue = $1
        GROUP BY ch.type`,
      [DELIVERY_QUEUE],
    );
  }

  /** CRM jobs by the type of their workspace's live connection (`none` once it was removed). */
  async crmBacklog(): Promise<{ crm_type: string; n: number }[]> {
    return this.db.query(
      `SELECT coalesce(c.type, 'none') AS crm_type, count(*)::int AS n
         FROM jobs j
         LEFT JOIN crm_connections c ON c.workspace_id = j.workspace_id AND c.deleted_at IS NULL
        WHERE j.status = 'pending' AND j.queue = $1
        GROUP BY 1`,
      [CRM_QUEUE],
    );
  }
}
