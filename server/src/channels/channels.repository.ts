import { Inject, Injectable } from '@nestjs/common';
import type { ChannelRoutingDto, ChannelStatus, ChannelType, ProactiveTrigger } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export interface ChannelRow {
  id: string;
  workspace_id: string;
  type: ChannelType;
  name: string;
  status: ChannelStatus;
  credentials_enc: string | null;
  webhook_secret: string;
  widget_key: string | null;
  settings: ChannelSettings;
  status_message: string | null;
  poll_cursor: string | null;
  created_at: Date;
}

/** What a channel knows about its platform account and how updates reach Onebox. */
export interface ChannelSettings {
  accountId?: string;
  accountName?: string;
  mode?: 'webhook' | 'polling';
  replyTimeText?: string;
  /** How conversations reach managers (`PUT /api/channels/:id/routing`); missing means `open`. */
  routing?: Partial<ChannelRoutingDto>;
  /** Proactive-chat triggers of a webchat channel (`PUT /api/channels/:id/proactive`). */
  proactive?: ProactiveTrigger[];
}

const LIVE = 'deleted_at IS NULL';

@Injectable()
export class ChannelsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  listByWorkspace(workspaceId: string): Promise<ChannelRow[]> {
    return this.db.query(`SELECT * FROM channels WHERE workspace_id = $1 AND ${LIVE} ORDER BY created_at`, [
      workspaceId,
    ]);
  }

  async findInWorkspace(workspaceId: string, id: string): Promise<ChannelRow | null> {
    const rows: ChannelRow[] = await this.db.query(
      `SELECT * FROM channels WHERE workspace_id = $1 AND id = $2 AND ${LIVE}`,
      [workspaceId, id],
    );
    return rows[0] ?? null;
  }

  /** Any live channel by id: for webhooks and workers, which carry no workspace of their own. */
  async findById(id: string, tx: Db = this.db.manager): Promise<ChannelRow | null> {
    const rows: ChannelRow[] = await tx.query(`SELECT * FROM channels WHERE id = $1 AND ${LIVE}`, [id]);
    return rows[0] ?? null;
  }

  async findByWidgetKey(widgetKey: string): Promise<ChannelRow | null> {
    const rows: ChannelRow[] = await this.db.query(
      `SELECT * FROM channels WHERE widget_key = $1 AND type = 'webchat' AND ${LIVE}`,
      [widgetKey],
    );
    return rows[0] ?? null;
  }

  async findFirstWidgetKey(): Promise<string | null> {
    const rows: { widget_key: string }[] = await this.db.query(
      `SELECT widget_key FROM channels WHERE type = 'webchat' AND ${LIVE} AND widget_key IS NOT NULL ORDER BY created_at LIMIT 1`,
    );
    return rows[0]?.widget_key ?? null;
  }

  async insert(
    channel: Pick<
      ChannelRow,
      'workspace_id' | 'type' | 'name' | 'credentials_enc' | 'webhook_secret' | 'widget_key'
    > & {
      settings?: ChannelSettings;
    },
    tx: Db = this.db.manager,
  ): Promise<ChannelRow> {
    const rows: ChannelRow[] = await tx.query(
      `INSERT INTO channels (workspace_id, type, name, credentials_enc, webhook_secret, widget_key, settings)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        channel.workspace_id,
        channel.type,
        channel.name,
        channel.credentials_enc,
        channel.webhook_secret,
        channel.widget_key,
        JSON.stringify(channel.settings ?? {}),
      ],
    );
    return rows[0];
  }

  /** Removes a channel that never became usable (its platform refused the set-up). */
  async hardDelete(id: string): Promise<void> {
    await this.db.query('DELETE FROM channels WHERE id = $1', [id]);
  }

  /** Soft delete: past conversations keep their channel. Answers false when nothing matched. */
  async softDelete(workspaceId: string, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query(
      `UPDATE channels SET deleted_at = now(), widget_key = NULL WHERE workspace_id = $1 AND id = $2 AND ${LIVE}`,
      [workspaceId, id],
    );
    return count > 0;
  }

  /** Records the platform's verdict on the channel; answers whether anything changed. */
  async setStatus(id: string, status: ChannelStatus, message: string | null): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query(
      `UPDATE channels SET status = $2, status_message = $3
       WHERE id = $1 AND (status <> $2 OR status_message IS DISTINCT FROM $3)`,
      [id, status, message],
    );
    return count > 0;
  }

  /**
   * Takes the polling lease of channels nobody polls (with several processes each channel is
   * polled by one), for `owner` (a process). The lease must be renewed with `renewPollLease`
   * before it runs out.
   */
  async claimPolling(owner: string, leaseSeconds: number): Promise<ChannelRow[]> {
    return returnedRows<ChannelRow>(
      await this.db.query(
        `UPDATE channels SET poll_locked_until = now() + make_interval(secs => $1), poll_owner = $2
         WHERE id IN (SELECT id FROM channels WHERE ${LIVE} AND settings->>'mode' = 'polling'
           AND (poll_locked_until IS NULL OR poll_locked_until < now()) FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [leaseSeconds, owner],
      ),
    );
  }

  /**
   * Saves the cursor and extends the lease; false when the channel was removed meanwhile, or when
   * another process took it over after this one's lease ran out (its cursor is then not saved).
   */
  async renewPollLease(id: string, owner: string, cursor: string | null, leaseSeconds: number): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query(
      `UPDATE channels SET poll_cursor = $2, poll_locked_until = now() + make_interval(secs => $3)
       WHERE id = $1 AND poll_owner = $4 AND ${LIVE}`,
      [id, cursor, leaseSeconds, owner],
    );
    return count > 0;
  }

  async releasePollLease(id: string, owner: string): Promise<void> {
    await this.db.query(
      'UPDATE channels SET poll_locked_until = NULL, poll_owner = NULL WHERE id = $1 AND poll_owner = $2',
      [id, owner],
    );
  }
}
