import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ingest writes a message and an event per customer message. Their workspace and channel are
 * copied from the conversation they belong to, so checking them against their tables on every
 * insert only costs time: keep the messages → conversations key, drop the derived ones.
 */
export class LeanIngest1732400000000 implements MigrationInterface {
  name = 'LeanIngest1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE messages DROP CONSTRAINT messages_workspace_id_fkey;
      ALTER TABLE messages DROP CONSTRAINT messages_channel_id_fkey;
      ALTER TABLE conversation_events DROP CONSTRAINT conversation_events_workspace_id_fkey;
      ALTER TABLE conversation_events DROP CONSTRAINT conversation_events_channel_id_fkey;
      ALTER TABLE conversation_events DROP CONSTRAINT conversation_events_conversation_id_fkey;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE messages ADD CONSTRAINT messages_workspace_id_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces(id);
      ALTER TABLE messages ADD CONSTRAINT messages_channel_id_fkey FOREIGN KEY (channel_id) REFERENCES channels(id);
      ALTER TABLE conversation_events ADD CONSTRAINT conversation_events_workspace_id_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces(id);
      ALTER TABLE conversation_events ADD CONSTRAINT conversation_events_channel_id_fkey FOREIGN KEY (channel_id) REFERENCES channels(id);
      ALTER TABLE conversation_events ADD CONSTRAINT conversation_events_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations(id);
    `);
  }
}
