import { Inject, Injectable } from '@nestjs/common';
import type { PresenceStatus, UserRole } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export interface PresenceIntervalRow {
  id: string;
  workspace_id: string;
  user_id: string;
  status: PresenceStatus;
  started_at: Date;
  ended_at: Date | null;
  last_seen_at: Date;
}

/** A member of the team with their open interval (null when never seen) and their load. */
export interface TeamPresenceRow {
  user_id: string;
  name: string;
  role: UserRole;
  max_chats: number;
  status: PresenceStatus | null;
  started_at: Date | null;
  active_chats: number;
}

/**
 * Presence as intervals: each user has at most one open interval (`ended_at IS NULL`, enforced by
 * a partial unique index); a change closes it and opens the next at the same instant, so online
 * time and utilization are sums over intervals.
 */
@Injectable()
export class PresenceRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** Serializes changes of one user's presence (their open interval may not exist yet to lock). */
  async lockUser(tx: Db, userId: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`presence:${userId}`]);
  }

  async findOpen(tx: Db, workspaceId: string, userId: string): Promise<PresenceIntervalRow | null> {
    const rows: PresenceIntervalRow[] = await tx.query(
      'SELECT * FROM presence_intervals WHERE workspace_id = $1 AND user_id = $2 AND ended_at IS NULL',
      [workspaceId, userId],
    );
    return rows[0] ?? null;
  }

  async close(tx: Db, id: string, at: Date): Promise<void> {
    await tx.query('UPDATE presence_intervals SET ended_at = GREATEST($2, started_at) WHERE id = $1', [id, at]);
  }

  async open(
    tx: Db,
    interval: { workspaceId: string; userId: string; status: PresenceStatus; at: Date },
  ): Promise<PresenceIntervalRow> {
    const rows: PresenceIntervalRow[] = await tx.query(
      `INSERT INTO presence_intervals (workspace_id, user_id, status, started_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $4) RETURNING *`,
      [interval.workspaceId, interval.userId, interval.status, interval.at],
    );
    return rows[0];
  }

  /** A heartbeat: answers the current status, or null when the user has no open interval. */
  async touch(workspaceId: string, userId: string): Promise<PresenceStatus | null> {
    const rows = returnedRows<{ status: PresenceStatus }>(
      await this.db.query(
        `UPDATE presence_intervals SET last_seen_at = now() WHERE workspace_id = $1 AND user_id = $2 AND ended_at IS NULL
         RETURNING status`,
        [workspaceId, userId],
      ),
    );
    return rows[0]?.status ?? null;
  }

  /** Users shown as present whose app stopped sending heartbeats before `cutoff`. */
  listStale(cutoff: Date, limit = 200): Promise<{ workspace_id: string; user_id: string; last_seen_at: Date }[]> {
    return this.db.query(
      `SELECT workspace_id, user_id, last_seen_at FROM presence_intervals
       WHERE ended_at IS NULL AND status <> 'offline' AND last_seen_at < $1 ORDER BY last_seen_at LIMIT $2`,
      [cutoff, limit],
    );
  }

  listTeam(workspaceId: string): Promise<TeamPresenceRow[]> {
    return this.db.query(
      `SELECT u.id AS user_id, u.name, u.role, u.max_chats, p.status, p.started_at,
         (SELECT count(*) FROM conversations c
          WHERE c.workspace_id = u.workspace_id AND c.assignee_id = u.id AND c.status IN ('open', 'pending'))::int AS active_chats
       FROM users u
       LEFT JOIN presence_intervals p ON p.workspace_id = u.workspace_id AND p.user_id = u.id AND p.ended_at IS NULL
       WHERE u.workspace_id = $1 ORDER BY u.name, u.email`,
      [workspaceId],
    );
  }
}
