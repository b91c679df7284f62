import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export interface TagRow {
  id: string;
  workspace_id: string;
  name: string;
  color: string;
  created_at: Date;
}

/** Workspace tags; conversations hold tag names, so renames and deletions rewrite them too. */
@Injectable()
export class TagsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  list(workspaceId: string): Promise<TagRow[]> {
    return this.db.query('SELECT * FROM tags WHERE workspace_id = $1 ORDER BY lower(name)', [workspaceId]);
  }

  async findInWorkspace(workspaceId: string, id: string, tx: Db = this.db.manager): Promise<TagRow | null> {
    const rows: TagRow[] = await tx.query('SELECT * FROM tags WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
    return rows[0] ?? null;
  }

  /** The workspace's tags among `names` (case-insensitively), with their stored spelling. */
  findByNames(workspaceId: string, names: string[], tx: Db = this.db.manager): Promise<TagRow[]> {
    return tx.query('SELECT * FROM tags WHERE workspace_id = $1 AND lower(name) = ANY ($2::text[])', [
      workspaceId,
      names.map((n) => n.toLowerCase()),
    ]);
  }

  /** Null when the name is taken. */
  async insert(workspaceId: string, name: string, color: string): Promise<TagRow | null> {
    const rows: TagRow[] = await this.db.query(
      `INSERT INTO tags (workspace_id, name, color) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING *`,
      [workspaceId, name, color],
    );
    return rows[0] ?? null;
  }

  /** Renames/recolours; a rename is applied to every conversation carrying the tag. Null when the new name is taken. */
  async update(tx: Db, tag: TagRow, change: { name: string; color: string }): Promise<TagRow | null> {
    const taken: unknown[] = await tx.query(
      'SELECT 1 FROM tags WHERE workspace_id = $1 AND lower(name) = lower($2) AND id <> $3',
      [tag.workspace_id, change.name, tag.id],
    );
    if (taken.length) return null;
    const rows = returnedRows<TagRow>(
      await tx.query('UPDATE tags SET name = $2, color = $3 WHERE id = $1 RETURNING *', [
        tag.id,
        change.name,
        change.color,
      ]),
    );
    if (change.name !== tag.name) {
      await tx.query(
        `UPDATE conversations SET tags = array_replace(tags, $2, $3), updated_at = now() WHERE workspace_id = $1 AND $2 = ANY (tags)`,
        [tag.workspace_id, tag.name, change.name],
      );
    }
    return rows[0];
  }

  async remove(tx: Db, tag: TagRow): Promise<void> {
    await tx.query(
      `UPDATE conversations SET tags = array_remove(tags, $2), updated_at = now() WHERE workspace_id = $1 AND $2 = ANY (tags)`,
      [tag.workspace_id, tag.name],
    );
    await tx.query('DELETE FROM tags WHERE id = $1', [tag.id]);
  }
}
