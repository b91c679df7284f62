import { Inject, Injectable } from '@nestjs/common';
import type { ChannelStatus, ChannelType } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import type { Db } from '../database/database';

export interface ChannelRow {
  id: string;
  workspace_id: string;
  type: ChannelType;
  name: string;
  status: ChannelStatus;
  credentials_enc: string | null;
  webhook_secret: string;
  widget_key: string | null;
  settings: Record<string, unknown>;
  created_at: Date;
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
    channel: Pick<ChannelRow, 'workspace_id' | 'type' | 'name' | 'credentials_enc' | 'webhook_secret' | 'widget_key'>,
    tx: Db = this.db.manager,
  ): Promise<ChannelRow> {
    const rows: ChannelRow[] = await tx.query(
      `INSERT INTO channels (workspace_id, type, name, credentials_enc, webhook_secret, widget_key)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [
        channel.workspace_id,
        channel.type,
        channel.name,
        channel.credentials_enc,
        channel.webhook_secret,
        channel.widget_key,
      ],
    );
    return rows[0];
  }

  /** Soft delete: past conversations keep their channel. Answers false when nothing matched. */
  async softDelete(workspaceId: string, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query(
      `UPDATE channels SET deleted_at = now(), widget_key = NULL WHERE workspace_id = $1 AND id = $2 AND ${LIVE}`,
      [workspaceId, id],
    );
    return count > 0;
  }
}
