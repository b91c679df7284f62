import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/database';

export interface CannedResponseRow {
  id: string;
  workspace_id: string;
  /** Null: shared with the workspace. */
  owner_id: string | null;
  title: string;
  shortcut: string | null;
  text: string;
  created_at: Date;
  updated_at: Date;
}

/** Canned responses: a user's own and the workspace's shared ones. */
@Injectable()
export class CannedResponsesRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** What `userId` may use: theirs and the shared ones, matching `q` in shortcut, title or text. */
  listUsable(workspaceId: string, userId: string, q: string | null): Promise<CannedResponseRow[]> {
    const like = q ? `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null;
    return this.db.query(
      `SELECT * FROM canned_responses WHERE workspace_id = $1 AND (owner_id IS NULL OR owner_id = $2)
         AND ($3::text IS NULL OR shortcut ILIKE $3 OR title ILIKE $3 OR text ILIKE $3)
       ORDER BY (shortcut IS NULL), lower(coalesce(shortcut, title)) LIMIT 200`,
      [workspaceId, userId, like],
    );
  }

  /** One the user may use (own or shared), or null: another user's personal one answers like a missing one. */
  async findUsable(workspaceId: string, userId: string, id: string): Promise<CannedResponseRow | null> {
    const rows: CannedResponseRow[] = await this.db.query(
      'SELECT * FROM canned_responses WHERE workspace_id = $1 AND id = $2 AND (owner_id IS NULL OR owner_id = $3)',
      [workspaceId, id, userId],
    );
    return rows[0] ?? null;
  }

  async insert(
    row: Pick<CannedResponseRow, 'workspace_id' | 'owner_id' | 'title' | 'shortcut' | 'text'>,
  ): Promise<CannedResponseRow> {
    const rows: CannedResponseRow[] = await this.db.query(
      `INSERT INTO canned_responses (workspace_id, owner_id, title, shortcut, text) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [row.workspace_id, row.owner_id, row.title, row.shortcut, row.text],
    );
    return rows[0];
  }

  async update(
    id: string,
    change: Pick<CannedResponseRow, 'owner_id' | 'title' | 'shortcut' | 'text'>,
  ): Promise<CannedResponseRow> {
    const rows = returnedRows<CannedResponseRow>(
      await this.db.query(
        `UPDATE canned_responses SET owner_id = $2, title = $3, shortcut = $4, text = $5, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, change.owner_id, change.title, change.shortcut, change.text],
      ),
    );
    return rows[0];
  }

  async remove(id: string): Promise<void> {
    await this.db.query('DELETE FROM canned_responses WHERE id = $1', [id]);
  }
}
