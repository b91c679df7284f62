import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';
import { RETENTION_MAX_ATTEMPTS, RETENTION_QUEUE } from './lifecycle.constants';

/** A batch of messages past retention and the stored files of their attachments. */
export interface ExpiredBatch {
  messageIds: string[];
  attachmentIds: string[];
  storageKeys: string[];
  /** The newest message's time: the next batch starts there instead of walking the deleted rows again. */
  last: Date | null;
}

/** The retention sweep's reads and deletes; each batch is short so no table stays locked for long. */
@Injectable()
export class RetentionRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** The workspace's sweep, due now (an existing pending one is brought forward, never doubled). */
  async ensureJob(tx: Db, workspaceId: string): Promise<void> {
    await tx.query(
      `INSERT INTO jobs (workspace_id, queue, payload, max_attempts, run_at) VALUES ($1, $2, '{}', $3, now())
       ON CONFLICT (workspace_id) WHERE status = 'pending' AND queue = 'retention'
       DO UPDATE SET run_at = LEAST(jobs.run_at, now())`,
      [workspaceId, RETENTION_QUEUE, RETENTION_MAX_ATTEMPTS],
    );
  }

  /** At start-up: a sweep for every workspace with retention on (none is added twice). */
  async ensureAllJobs(): Promise<void> {
    await this.db.query(
      `INSERT INTO jobs (workspace_id, queue, payload, max_attempts, run_at)
       SELECT id, $1, '{}', $2, now() FROM workspaces WHERE jsonb_typeof(settings->'messageRetentionDays') = 'number'
       ON CONFLICT (workspace_id) WHERE status = 'pending' AND queue = 'retention' DO NOTHING`,
      [RETENTION_QUEUE, RETENTION_MAX_ATTEMPTS],
    );
  }

  /** The workspace's oldest messages written in [`from`, `cutoff`), with their attachments' files. */
  async expired(workspaceId: string, from: Date | null, cutoff: Date, limit: number): Promise<ExpiredBatch> {
    const rows: { id: string; created_at: Date; attachment_id: string | null; storage_key: string | null }[] =
      await this.db.query(
        `WITH old AS (
         SELECT id, created_at, attachments FROM messages
          WHERE workspace_id = $1 AND created_at < $2 AND ($4::timestamptz IS NULL OR created_at >= $4)
          ORDER BY created_at LIMIT $3)
       SELECT old.id, old.created_at, a.id AS attachment_id, a.storage_key
         FROM old
         LEFT JOIN LATERAL jsonb_array_elements(
           CASE WHEN jsonb_typeof(old.attachments) = 'array' THEN old.attachments ELSE '[]'::jsonb END) e ON true
         LEFT JOIN attachments a ON a.workspace_id = $1
          AND a.id = CASE WHEN e->>'id' ~* '^[0-9a-f-]{36}$' THEN (e->>'id')::uuid END`,
        [workspaceId, cutoff, limit, from],
      );
    return {
      messageIds: [...new Set(rows.map((r) => r.id))],
      attachmentIds: rows.flatMap((r) => (r.attachment_id ? [r.attachment_id] : [])),
      storageKeys: rows.flatMap((r) => (r.storage_key ? [r.storage_key] : [])),
      last: rows.reduce<Date | null>((max, r) => (max && max >= r.created_at ? max : r.created_at), null),
    };
  }

  /** Deletes the batch's messages, their mentions and attachment rows; answers how many messages went. */
  async deleteBatch(tx: Db, workspaceId: string, batch: ExpiredBatch): Promise<number> {
    await tx.query('DELETE FROM mentions WHERE workspace_id = $1 AND message_id = ANY($2::uuid[])', [
      workspaceId,
      batch.messageIds,
    ]);
    if (batch.attachmentIds.length)
      await tx.query('DELETE FROM attachments WHERE workspace_id = $1 AND id = ANY($2::uuid[])', [
        workspaceId,
        batch.attachmentIds,
      ]);
    const deleted = returnedRows<{ id: string }>(
      await tx.query('DELETE FROM messages WHERE workspace_id = $1 AND id = ANY($2::uuid[]) RETURNING id', [
        workspaceId,
        batch.messageIds,
      ]),
    );
    return deleted.length;
  }

  /** Conversation previews quoting a message past retention are blanked, a batch at a time; answers how many. */
  async clearPreviews(workspaceId: string, cutoff: Date, limit: number): Promise<number> {
    const [, count]: [unknown, number] = await this.db.query(
      `UPDATE conversations SET last_message_text = NULL
        WHERE id IN (SELECT id FROM conversations
                      WHERE workspace_id = $1 AND last_message_at < $2 AND last_message_text IS NOT NULL LIMIT $3)`,
      [workspaceId, cutoff, limit],
    );
    return count;
  }
}
