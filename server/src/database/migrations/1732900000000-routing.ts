import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Presence intervals (online time, utilization), per-user capacity and routing offers (acceptance
 * rate, wait to accept). A channel's routing mode lives in `channels.settings.routing`.
 */
export class Routing1732900000000 implements MigrationInterface {
  name = 'Routing1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users ADD COLUMN max_chats integer NOT NULL DEFAULT 5 CHECK (max_chats BETWEEN 0 AND 100);

      CREATE TABLE presence_intervals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        user_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL CHECK (status IN ('online', 'away', 'offline')),
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        last_seen_at timestamptz NOT NULL,
        CHECK (ended_at IS NULL OR ended_at >= started_at)
      );
      CREATE UNIQUE INDEX presence_intervals_open_key ON presence_intervals (workspace_id, user_id) WHERE ended_at IS NULL;
      CREATE INDEX presence_intervals_user_idx ON presence_intervals (workspace_id, user_id, started_at);
      CREATE INDEX presence_intervals_stale_idx ON presence_intervals (last_seen_at) WHERE ended_at IS NULL AND status <> 'offline';

      CREATE TABLE routing_offers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        conversation_id uuid NOT NULL REFERENCES conversations(id),
        channel_id uuid NOT NULL,
        cycle integer NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id),
        reason text NOT NULL CHECK (reason IN ('owner', 'round_robin')),
        offered_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        outcome text CHECK (outcome IN ('accepted', 'declined', 'expired', 'cancelled')),
        decided_at timestamptz
      );
      CREATE UNIQUE INDEX routing_offers_pending_key ON routing_offers (workspace_id, conversation_id) WHERE outcome IS NULL;
      CREATE INDEX routing_offers_conversation_idx ON routing_offers (workspace_id, conversation_id, cycle);
      CREATE INDEX routing_offers_user_idx ON routing_offers (workspace_id, user_id, offered_at DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE routing_offers; DROP TABLE presence_intervals; ALTER TABLE users DROP COLUMN max_chats;`);
  }
}
