import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data lifecycle: the message-retention sweep is one pending job per workspace (a unique partial
 * index makes enqueuing it idempotent across restarts and processes), and it finds a workspace's
 * oldest messages through their age.
 */
export class Lifecycle1733400000000 implements MigrationInterface {
  name = 'Lifecycle1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNIQUE INDEX jobs_retention_singleton_key ON jobs (workspace_id)
        WHERE status = 'pending' AND queue = 'retention';
      CREATE INDEX messages_age_idx ON messages (workspace_id, created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX messages_age_idx;
      DROP INDEX jobs_retention_singleton_key;
    `);
  }
}
