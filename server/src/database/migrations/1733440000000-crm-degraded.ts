import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A CRM that stops answering is `degraded` while its sync jobs wait and retry (admins see it,
 * with the time it began), and `active` again at the first successful call.
 */
export class CrmDegraded1733440000000 implements MigrationInterface {
  name = 'CrmDegraded1733440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE crm_connections DROP CONSTRAINT crm_connections_status_check;
      ALTER TABLE crm_connections ADD CONSTRAINT crm_connections_status_check
        CHECK (status IN ('active', 'error', 'authorizing', 'degraded'));
      ALTER TABLE crm_connections ADD COLUMN degraded_since timestamptz;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE crm_connections SET status = 'active' WHERE status = 'degraded';
      ALTER TABLE crm_connections DROP COLUMN degraded_since;
      ALTER TABLE crm_connections DROP CONSTRAINT crm_connections_status_check;
      ALTER TABLE crm_connections ADD CONSTRAINT crm_connections_status_check CHECK (status IN ('active', 'error', 'authorizing'));
    `);
  }
}
