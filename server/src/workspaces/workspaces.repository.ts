import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Db } from '../database/database';

export interface WorkspaceRow {
  id: string;
  name: string;
  time_zone: string;
  locale: 'ru' | 'en';
  settings: Record<string, unknown>;
  created_at: Date;
}

@Injectable()
export class WorkspacesRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async findById(id: string): Promise<WorkspaceRow | null> {
    const rows: WorkspaceRow[] = await this.db.query('SELECT * FROM workspaces WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  async insert(
    ws: Pick<WorkspaceRow, 'name' | 'time_zone' | 'locale'>,
    tx: Db = this.db.manager,
  ): Promise<WorkspaceRow> {
    const rows: WorkspaceRow[] = await tx.query(
      'INSERT INTO workspaces (name, time_zone, locale) VALUES ($1, $2, $3) RETURNING *',
      [ws.name, ws.time_zone, ws.locale],
    );
    return rows[0];
  }
}
