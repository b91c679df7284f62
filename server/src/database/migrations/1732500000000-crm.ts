import { MigrationInterface, QueryRunner } from 'typeorm';

/** CRM connections, the deals tied to conversation cycles, and every stage a deal went through. */
export class Crm1732500000000 implements MigrationInterface {
  name = 'Crm1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm_connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        type text NOT NULL CHECK (type IN ('amocrm', 'bitrix24')),
        name text NOT NULL,
        settings_enc text NOT NULL,
        webhook_secret text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'error')),
        status_message text,
        last_synced_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE UNIQUE INDEX crm_connections_one_per_workspace ON crm_connections (workspace_id) WHERE deleted_at IS NULL;

      CREATE TABLE crm_contact_links (
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        crm_connection_id uuid NOT NULL REFERENCES crm_connections(id),
        contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (crm_connection_id, contact_id)
      );

      CREATE TABLE deals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        crm_connection_id uuid NOT NULL REFERENCES crm_connections(id),
        conversation_id uuid NOT NULL REFERENCES conversations(id),
        cycle integer NOT NULL,
        origin text NOT NULL CHECK (origin IN ('auto', 'manual', 'linked')),
        external_id text,
        title text NOT NULL,
        pipeline_id text,
        stage_id text,
        stage_name text,
        semantic text NOT NULL DEFAULT 'open' CHECK (semantic IN ('open', 'won', 'lost')),
        amount numeric(18, 2),
        currency text,
        responsible_external_id text,
        closed_at timestamptz,
        sync_state text NOT NULL DEFAULT 'pending' CHECK (sync_state IN ('pending', 'synced', 'failed')),
        sync_error text,
        transcript_sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT deals_crm_external_key UNIQUE (crm_connection_id, external_id)
      );
      CREATE UNIQUE INDEX deals_one_auto_per_cycle ON deals (conversation_id, cycle) WHERE origin = 'auto';
      CREATE INDEX deals_conversation_idx ON deals (workspace_id, conversation_id, created_at DESC);

      CREATE TABLE deal_stage_history (
        id bigserial PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        deal_id uuid NOT NULL REFERENCES deals(id),
        stage_id text NOT NULL,
        stage_name text,
        semantic text NOT NULL CHECK (semantic IN ('open', 'won', 'lost')),
        amount numeric(18, 2),
        currency text,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX deal_stage_history_deal_idx ON deal_stage_history (workspace_id, deal_id, at);
      CREATE INDEX deal_stage_history_time_idx ON deal_stage_history (workspace_id, at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE deal_stage_history; DROP TABLE deals; DROP TABLE crm_contact_links; DROP TABLE crm_connections;`,
    );
  }
}
