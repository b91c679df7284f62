import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export interface WorkspaceSettingsRow {
  time_zone: string;
  settings: Record<string, unknown>;
}

/**
 * Workspace and channel settings owned by timers and working hours. Several features keep keys in
 * the same jsonb, so writes merge the given top-level keys and never replace the whole object.
 */
@Injectable()
export class WorkspaceSettingsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async find(workspaceId: string, tx: Db = this.db.manager): Promise<WorkspaceSettingsRow | null> {
    const rows: WorkspaceSettingsRow[] = await tx.query('SELECT time_zone, settings FROM workspaces WHERE id = $1', [
      workspaceId,
    ]);
    return rows[0] ?? null;
  }

  /** Merges `patch` into `settings` (top-level keys only) and sets the time zone when given. */
  async update(
    tx: Db,
    workspaceId: string,
    patch: Record<string, unknown>,
    timeZone: string | undefined,
  ): Promise<WorkspaceSettingsRow | null> {
    const rows = returnedRows<WorkspaceSettingsRow>(
      await tx.query(
        `UPDATE workspaces SET settings = settings || $2::jsonb, time_zone = COALESCE($3, time_zone)
         WHERE id = $1 RETURNING time_zone, settings`,
        [workspaceId, JSON.stringify(patch), timeZone ?? null],
      ),
    );
    return rows[0] ?? null;
  }

  /** Which of these user and channel ids belong to the workspace (lower-case ids). */
  async ownedIds(
    tx: Db,
    workspaceId: string,
    userIds: string[],
    channelIds: string[],
  ): Promise<{ users: Set<string>; channels: Set<string> }> {
    const rows: { kind: 'user' | 'channel'; id: string }[] = await tx.query(
      `SELECT 'user' AS kind, id::text FROM users WHERE workspace_id = $1 AND id = ANY($2::uuid[])
       UNION ALL
       SELECT 'channel', id::text FROM channels WHERE workspace_id = $1 AND id = ANY($3::uuid[]) AND deleted_at IS NULL`,
      [workspaceId, userIds, channelIds],
    );
    const of = (kind: string) => new Set(rows.filter((r) => r.kind === kind).map((r) => r.id.toLowerCase()));
    return { users: of('user'), channels: of('channel') };
  }

  /** A live channel's own working hours (`settings.workingHours`); undefined when no such channel. */
  async channelWorkingHours(
    workspaceId: string,
    channelId: string,
    tx: Db = this.db.manager,
  ): Promise<{ workingHours: unknown } | undefined> {
    const rows: { working_hours: unknown }[] = await tx.query(
      `SELECT settings->'workingHours' AS working_hours FROM channels
       WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [workspaceId, channelId],
    );
    return rows[0] ? { workingHours: rows[0].working_hours ?? null } : undefined;
  }

  /** Answers false when the channel is not a live channel of the workspace. */
  async setChannelWorkingHours(workspaceId: string, channelId: string, workingHours: unknown): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query(
      `UPDATE channels SET settings = settings || jsonb_build_object('workingHours', $3::jsonb)
       WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [workspaceId, channelId, JSON.stringify(workingHours)],
    );
    return count > 0;
  }
}
