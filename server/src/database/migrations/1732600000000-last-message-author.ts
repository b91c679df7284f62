import { MigrationInterface, QueryRunner } from 'typeorm';

/** Who wrote a conversation's last message, so the list can say "You:" or the colleague's name. */
export class LastMessageAuthor1732600000000 implements MigrationInterface {
  name = 'LastMessageAuthor1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE conversations ADD COLUMN last_message_author_id uuid;
      ALTER TABLE conversations ADD COLUMN last_message_author_name text;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE conversations DROP COLUMN last_message_author_name; ALTER TABLE conversations DROP COLUMN last_message_author_id;`,
    );
  }
}
