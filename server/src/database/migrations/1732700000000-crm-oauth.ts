import { MigrationInterface, QueryRunner } from 'typeorm';

/** A CRM connected with OAuth waits in `authorizing` until the admin grants access in the CRM. */
export class CrmOAuth1732700000000 implements MigrationInterface {
  name = 'CrmOAuth1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE crm_connections DROP CONSTRAINT crm_connections_status_check;
      ALTER TABLE crm_connections ADD CONSTRAINT crm_connections_status_check CHECK (status IN ('active', 'error', 'authorizing'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE crm_connections DROP CONSTRAINT crm_connections_status_check;
      ALTER TABLE crm_connections ADD CONSTRAINT crm_connections_status_check CHECK (status IN ('active', 'error'));
    `);
  }
}
