import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revocable access tokens: every token carries the user's `token_version`; changing or resetting
 * the password bumps it, so every token issued before stops working (HTTP and sockets alike).
 */
export class TokenVersion1733410000000 implements MigrationInterface {
  name = 'TokenVersion1733410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN token_version integer NOT NULL DEFAULT 0,
        ADD COLUMN password_changed_at timestamptz
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN token_version, DROP COLUMN password_changed_at`);
  }
}
