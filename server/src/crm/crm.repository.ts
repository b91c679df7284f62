import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export interface CrmSettings {
  accountId?: string;
  accountName?: string;
  pipelineId?: string | null;
  stageId?: string | null;
  autoCreateDeal?: boolean;
  channelIds?: string[] | null;
  userMap?: Record<string, string>;
  currency?: string;
}

export interface CrmConnectionRow {
  id: string;
  workspace_id: string;
  type: 'amocrm' | 'bitrix24';
  name: string;
  settings_enc: string;
  webhook_secret: string;
  settings: CrmSettings;
  /** `degraded`: the CRM's calls fail and are retried (an outage); `error`: sync stopped until an admin acts. */
  status: 'active' | 'error' | 'authorizing' | 'degraded';
  status_message: string | null;
  last_synced_at: Date | null;
  /** When the CRM stopped answering; null unless degraded. */
  degraded_since: Date | null;
  created_at: Date;
}

const LIVE = 'deleted_at IS NULL';

/** CRM connections (one per workspace) and which CRM contact each Onebox contact became. */
@Injectable()
export class CrmRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async findActive(workspaceId: string): Promise<CrmConnectionRow | null> {
    const rows: CrmConnectionRow[] = await this.db.query(
      `SELECT * FROM crm_connections WHERE workspace_id = $1 AND ${LIVE}`,
      [workspaceId],
    );
    return rows[0] ?? null;
  }

  async findInWorkspace(workspaceId: string, id: string): Promise<CrmConnectionRow | null> {
    const rows: CrmConnectionRow[] = await this.db.query(
      `SELECT * FROM crm_connections WHERE workspace_id = $1 AND id = $2 AND ${LIVE}`,
      [workspaceId, id],
    );
    return rows[0] ?? null;
  }

  /** Any live connection by id: for CRM webhooks and workers. */
  async findById(id: string): Promise<CrmConnectionRow | null> {
    const rows: CrmConnectionRow[] = await this.db.query(`SELECT * FROM crm_connections WHERE id = $1 AND ${LIVE}`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  /** Null when the workspace already has a CRM connected. */
  async insert(
    row: Pick<CrmConnectionRow, 'workspace_id' | 'type' | 'name' | 'settings_enc' | 'webhook_secret' | 'settings'> & {
      status?: CrmConnectionRow['status'];
    },
  ): Promise<CrmConnectionRow | null> {
    const rows: CrmConnectionRow[] = await this.db.query(
      `INSERT INTO crm_connections (workspace_id, type, name, settings_enc, webhook_secret, settings, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (workspace_id) WHERE deleted_at IS NULL DO NOTHING RETURNING *`,
      [
        row.workspace_id,
        row.type,
        row.name,
        row.settings_enc,
        row.webhook_secret,
        JSON.stringify(row.settings),
        row.status ?? 'active',
      ],
    );
    return rows[0] ?? null;
  }

  async updateSettings(id: string, name: string, settings: CrmSettings): Promise<CrmConnectionRow> {
    const rows = returnedRows<CrmConnectionRow>(
      await this.db.query(`UPDATE crm_connections SET name = $2, settings = $3 WHERE id = $1 RETURNING *`, [
        id,
        name,
        JSON.stringify(settings),
      ]),
    );
    return rows[0];
  }

  async updateSealed(id: string, settingsEnc: string, tx: Db = this.db.manager): Promise<void> {
    await tx.query('UPDATE crm_connections SET settings_enc = $2 WHERE id = $1', [id, settingsEnc]);
  }

  /** The row as it is now, locked for the rest of the transaction (token refresh). */
  async lock(tx: Db, id: string): Promise<CrmConnectionRow | null> {
    const rows: CrmConnectionRow[] = await tx.query(
      `SELECT * FROM crm_connections WHERE id = $1 AND ${LIVE} FOR UPDATE`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** OAuth completed: the sealed tokens, the account and the first pipeline, and active. */
  async completeAuthorization(id: string, settingsEnc: string, settings: CrmSettings): Promise<CrmConnectionRow> {
    const rows = returnedRows<CrmConnectionRow>(
      await this.db.query(
        `UPDATE crm_connections SET settings_enc = $2, settings = $3, status = 'active', status_message = NULL WHERE id = $1 RETURNING *`,
        [id, settingsEnc, JSON.stringify(settings)],
      ),
    );
    return rows[0];
  }

  async setStatus(id: string, status: CrmConnectionRow['status'], message: string | null): Promise<void> {
    await this.db.query('UPDATE crm_connections SET status = $2, status_message = $3 WHERE id = $1', [
      id,
      status,
      message,
    ]);
  }

  async softDelete(workspaceId: string, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query(
      `UPDATE crm_connections SET deleted_at = now() WHERE workspace_id = $1 AND id = $2 AND ${LIVE}`,
      [workspaceId, id],
    );
    return count > 0;
  }

  /**
   * Records how the last sync went (the admin's status panel): a success makes the connection
   * `active`, a given-up job `error`. Answers the row when its status changed, else null.
   */
  async recordSync(id: string, error: string | null): Promise<CrmConnectionRow | null> {
    const rows = returnedRows<CrmConnectionRow & { was: string }>(
      await this.db.query(
        `WITH before AS (SELECT id, status FROM crm_connections WHERE id = $1 FOR UPDATE)
         UPDATE crm_connections c SET status = CASE WHEN $2::text IS NULL THEN 'active' ELSE 'error' END, status_message = $2,
           last_synced_at = CASE WHEN $2::text IS NULL THEN now() ELSE c.last_synced_at END, degraded_since = NULL
         FROM before WHERE c.id = before.id RETURNING c.*, before.status AS was`,
        [id, error],
      ),
    );
    return statusChanged(rows[0]);
  }

  /**
   * The workspace's CRM failed a call that will be retried: `degraded` from now (unless already),
   * with the error. An `error` or `authorizing` connection stays as it is. Answers the row when
   * its status changed, else null.
   */
  async recordOutage(workspaceId: string, error: string): Promise<CrmConnectionRow | null> {
    const rows = returnedRows<CrmConnectionRow & { was: string }>(
      await this.db.query(
        `WITH before AS (SELECT id, status FROM crm_connections
                         WHERE workspace_id = $1 AND ${LIVE} AND status IN ('active', 'degraded') FOR UPDATE)
         UPDATE crm_connections c SET status = 'degraded', status_message = $2, degraded_since = COALESCE(c.degraded_since, now())
         FROM before WHERE c.id = before.id RETURNING c.*, before.status AS was`,
        [workspaceId, error],
      ),
    );
    return statusChanged(rows[0]);
  }

  async findContactLink(connectionId: string, contactId: string): Promise<string | null> {
    const rows: { external_id: string }[] = await this.db.query(
      'SELECT external_id FROM crm_contact_links WHERE crm_connection_id = $1 AND contact_id = $2',
      [connectionId, contactId],
    );
    return rows[0]?.external_id ?? null;
  }

  async linkContact(workspaceId: string, connectionId: string, contactId: string, externalId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO crm_contact_links (workspace_id, crm_connection_id, contact_id, external_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (crm_connection_id, contact_id) DO NOTHING`,
      [workspaceId, connectionId, contactId, externalId],
    );
  }

  /** The sync panel: CRM jobs waiting or given up, and the last error. */
  async syncStats(workspaceId: string): Promise<{ pending: number; failed: number; last_error: string | null }> {
    const rows: { pending: number; failed: number; last_error: string | null }[] = await this.db.query(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'failed')::int AS failed,
         (SELECT last_error FROM jobs WHERE workspace_id = $1 AND queue = 'crm' AND last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1) AS last_error
       FROM jobs WHERE workspace_id = $1 AND queue = 'crm' AND status IN ('pending', 'failed')`,
      [workspaceId],
    );
    return rows[0];
  }

  /** Puts the workspace's given-up CRM jobs back in the queue. */
  async retryFailed(workspaceId: string): Promise<number> {
    const [, count]: [unknown, number] = await this.db.query(
      `UPDATE jobs SET status = 'pending', attempts = 0, run_at = now(), locked_until = NULL, updated_at = now()
       WHERE workspace_id = $1 AND queue = 'crm' AND status = 'failed'`,
      [workspaceId],
    );
    return count;
  }
}

function statusChanged(row: (CrmConnectionRow & { was: string }) | undefined): CrmConnectionRow | null {
  if (!row || row.was === row.status) return null;
  const { was: _was, ...connection } = row;
  return connection;
}
