import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * FAQ bot state per conversation cycle, full-text search over message text, and @mentions in
 * private notes.
 *
 * - `conversations.bot_state` belongs to cycle `bot_cycle` only: a new cycle starts in the bot
 *   phase again without anyone resetting it ('active' = the bot answered in that cycle,
 *   'handed_over' = it handed the cycle to a person and stays silent).
 * - The search index is an expression index on `to_tsvector('russian', text)`: PostgreSQL's
 *   `russian` configuration stems Cyrillic words with the Russian Snowball stemmer and Latin
 *   words with the English one (`asciiword → english_stem`), so one vector serves RU and EN.
 *   GIN cannot lead with `workspace_id` without the btree_gin extension; queries filter by
 *   workspace on top of it.
 */
export class BotSearchNotes1733200000000 implements MigrationInterface {
  name = 'BotSearchNotes1733200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE conversations
        ADD COLUMN bot_state text CHECK (bot_state IN ('active', 'handed_over')),
        ADD COLUMN bot_cycle integer;

      CREATE INDEX messages_fts_idx ON messages USING gin (to_tsvector('russian'::regconfig, text));

      CREATE TABLE mentions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        message_id uuid NOT NULL REFERENCES messages(id),
        conversation_id uuid NOT NULL REFERENCES conversations(id),
        user_id uuid NOT NULL REFERENCES users(id),
        author_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz,
        CONSTRAINT mentions_message_user_key UNIQUE (workspace_id, message_id, user_id)
      );
      CREATE INDEX mentions_user_idx ON mentions (workspace_id, user_id, created_at DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE mentions;
      DROP INDEX messages_fts_idx;
      ALTER TABLE conversations DROP COLUMN bot_cycle, DROP COLUMN bot_state;
    `);
  }
}
