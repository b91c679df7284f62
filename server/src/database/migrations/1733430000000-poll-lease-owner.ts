import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which process holds a channel's polling lease: a process that stalled past its lease must not
 * renew it (or save its cursor) once another process has taken the channel over.
 */
export class PollLeaseOwner1733430000000 implements MigrationInterface {
  name = 'PollLeaseOwner1733430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channels ADD COLUMN poll_owner uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channels DROP COLUMN poll_owner`);
  }
}
