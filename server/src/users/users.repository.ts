import { Inject, Injectable } from '@nestjs/common';
import type { UserRole } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export interface UserRow {
  id: string;
  workspace_id: string;
  email: string;
  name: string;
  role: UserRole;
  password_hash: string;
  /** The most open conversations routing gives this user at once. */
  max_chats: number;
  /** Bumped by every password change: tokens carrying an older version are refused. */
  token_version: number;
  password_changed_at: Date | null;
  created_at: Date;
}

@Injectable()
export class UsersRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async findByEmail(email: string): Promise<UserRow | null> {
    const rows: UserRow[] = await this.db.query('SELECT * FROM users WHERE lower(email) = lower($1)', [email]);
    return rows[0] ?? null;
  }

  async findInWorkspace(workspaceId: string, id: string, tx: Db = this.db.manager): Promise<UserRow | null> {
    const rows: UserRow[] = await tx.query('SELECT * FROM users WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      id,
    ]);
    return rows[0] ?? null;
  }

  async findById(id: string): Promise<UserRow | null> {
    const rows: UserRow[] = await this.db.query('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  listByWorkspace(workspaceId: string): Promise<UserRow[]> {
    return this.db.query('SELECT * FROM users WHERE workspace_id = $1 ORDER BY name, email', [workspaceId]);
  }

  async count(tx: Db = this.db.manager): Promise<number> {
    const rows: { n: number }[] = await tx.query('SELECT count(*)::int AS n FROM users');
    return rows[0]?.n ?? 0;
  }

  /** Answers the updated user, or null when no such user in the workspace. */
  async setMaxChats(workspaceId: string, id: string, maxChats: number): Promise<UserRow | null> {
    const rows = returnedRows<UserRow>(
      await this.db.query('UPDATE users SET max_chats = $3 WHERE workspace_id = $1 AND id = $2 RETURNING *', [
        workspaceId,
        id,
        maxChats,
      ]),
    );
    return rows[0] ?? null;
  }

  /**
   * A new password hash, and a new token version revoking every token issued before; answers the
   * updated user, or null when no such user in the workspace.
   */
  async setPassword(workspaceId: string, id: string, passwordHash: string): Promise<UserRow | null> {
    const rows = returnedRows<UserRow>(
      await this.db.query(
        `UPDATE users SET password_hash = $3, token_version = token_version + 1, password_changed_at = now()
         WHERE workspace_id = $1 AND id = $2 RETURNING *`,
        [workspaceId, id, passwordHash],
      ),
    );
    return rows[0] ?? null;
  }

  /** Inserts a user; answers null when the email is taken (case-insensitively). */
  async insert(
    user: Pick<UserRow, 'workspace_id' | 'email' | 'name' | 'role' | 'password_hash'>,
    tx: Db = this.db.manager,
  ): Promise<UserRow | null> {
    const rows: UserRow[] = await tx.query(
      `INSERT INTO users (workspace_id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ((lower(email))) DO NOTHING RETURNING *`,
      [user.workspace_id, user.email, user.name, user.role, user.password_hash],
    );
    return rows[0] ?? null;
  }
}
