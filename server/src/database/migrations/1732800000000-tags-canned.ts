import { MigrationInterface, QueryRunner } from 'typeorm';

/** Workspace tags (conversations keep tag names in `conversations.tags`) and canned responses. */
export class TagsCanned1732800000000 implements MigrationInterface {
  name = 'TagsCanned1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tags (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        name text NOT NULL,
        color text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX tags_workspace_name_key ON tags (workspace_id, lower(name));
      CREATE INDEX conversations_tags_idx ON conversations USING gin (tags);

      CREATE TABLE canned_responses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        owner_id uuid REFERENCES users(id),
        title text NOT NULL,
        shortcut text,
        text text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX canned_responses_workspace_idx ON canned_responses (workspace_id, owner_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE canned_responses; DROP INDEX conversations_tags_idx; DROP TABLE tags;`);
  }
}
