import { MigrationInterface, QueryRunner } from 'typeorm';

/** Messenger channels: polling leases and cursors, media fetched after ingest. */
export class MessengerChannels1732300000000 implements MigrationInterface {
  name = 'MessengerChannels1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE channels ADD COLUMN status_message text;
      ALTER TABLE channels ADD COLUMN poll_cursor text;
      ALTER TABLE channels ADD COLUMN poll_locked_until timestamptz;
      ALTER TABLE attachments ALTER COLUMN storage_key DROP NOT NULL;
      ALTER TABLE attachments ADD COLUMN source_ref jsonb;
      ALTER TABLE attachments DROP CONSTRAINT attachments_uploader_type_check;
      ALTER TABLE attachments ADD CONSTRAINT attachments_uploader_type_check CHECK (uploader_type IN ('contact', 'agent', 'channel'));
      ALTER TABLE messages ADD COLUMN original_text text;
      ALTER TABLE messages ADD COLUMN template jsonb;
      ALTER TABLE contact_identities ADD COLUMN meta jsonb NOT NULL DEFAULT '{}';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE contact_identities DROP COLUMN meta;
      ALTER TABLE messages DROP COLUMN template;
      ALTER TABLE messages DROP COLUMN original_text;
      ALTER TABLE attachments DROP CONSTRAINT attachments_uploader_type_check;
      ALTER TABLE attachments ADD CONSTRAINT attachments_uploader_type_check CHECK (uploader_type IN ('contact', 'agent'));
      ALTER TABLE attachments DROP COLUMN source_ref;
      ALTER TABLE channels DROP COLUMN poll_locked_until;
      ALTER TABLE channels DROP COLUMN poll_cursor;
      ALTER TABLE channels DROP COLUMN status_message;
    `);
  }
}
