import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The conversation store. Every table carries `workspace_id` and leads its keys with it so the
 * database can later be distributed by workspace without changing queries.
 */
export class InitialSchema1732200000000 implements MigrationInterface {
  name = 'InitialSchema1732200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        time_zone text NOT NULL DEFAULT 'Europe/Moscow',
        locale text NOT NULL DEFAULT 'ru' CHECK (locale IN ('ru', 'en')),
        settings jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('manager', 'head', 'admin')),
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));
      CREATE INDEX users_workspace_idx ON users (workspace_id, name);

      CREATE TABLE channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        type text NOT NULL CHECK (type IN ('telegram', 'whatsapp', 'max', 'webchat')),
        name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'error', 'disabled')),
        credentials_enc text,
        webhook_secret text NOT NULL,
        widget_key text UNIQUE,
        settings jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX channels_workspace_idx ON channels (workspace_id, created_at);

      CREATE TABLE contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        name text NOT NULL,
        email text,
        phone text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX contacts_workspace_idx ON contacts (workspace_id, created_at);

      CREATE TABLE contact_identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        channel_id uuid NOT NULL REFERENCES channels(id),
        external_id text NOT NULL,
        username text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT contact_identities_channel_external_key UNIQUE (channel_id, external_id)
      );
      CREATE INDEX contact_identities_contact_idx ON contact_identities (workspace_id, contact_id);

      CREATE TABLE conversations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        channel_id uuid NOT NULL REFERENCES channels(id),
        contact_id uuid NOT NULL REFERENCES contacts(id),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
        assignee_id uuid REFERENCES users(id),
        tags text[] NOT NULL DEFAULT '{}',
        cycle integer NOT NULL DEFAULT 1,
        cycle_started_at timestamptz NOT NULL DEFAULT now(),
        first_customer_message_at timestamptz,
        first_human_reply_at timestamptz,
        last_customer_message_at timestamptz,
        last_message_at timestamptz NOT NULL DEFAULT now(),
        last_message_text text,
        last_message_direction text CHECK (last_message_direction IN ('in', 'out')),
        resolved_at timestamptz,
        snoozed_until timestamptz,
        unread_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT conversations_channel_contact_key UNIQUE (channel_id, contact_id)
      );
      CREATE INDEX conversations_list_idx ON conversations (workspace_id, last_message_at DESC, id DESC);
      CREATE INDEX conversations_assignee_idx ON conversations (workspace_id, assignee_id, last_message_at DESC, id DESC);
      CREATE INDEX conversations_contact_idx ON conversations (workspace_id, contact_id);

      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        conversation_id uuid NOT NULL REFERENCES conversations(id),
        channel_id uuid NOT NULL REFERENCES channels(id),
        cycle integer NOT NULL,
        direction text NOT NULL CHECK (direction IN ('in', 'out')),
        author_type text NOT NULL CHECK (author_type IN ('contact', 'agent', 'bot', 'system')),
        author_id uuid,
        author_name text NOT NULL,
        text text NOT NULL DEFAULT '',
        attachments jsonb NOT NULL DEFAULT '[]',
        status text NOT NULL CHECK (status IN ('received', 'queued', 'sent', 'delivered', 'read', 'failed')),
        error_code text,
        error_message text,
        private boolean NOT NULL DEFAULT false,
        external_id text,
        client_message_id text,
        canned_response_id uuid,
        edited_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT messages_channel_external_key UNIQUE (channel_id, external_id),
        CONSTRAINT messages_client_message_key UNIQUE (workspace_id, conversation_id, client_message_id)
      );
      CREATE INDEX messages_thread_idx ON messages (workspace_id, conversation_id, created_at DESC, id DESC);

      CREATE TABLE conversation_events (
        id bigserial PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        conversation_id uuid NOT NULL REFERENCES conversations(id),
        channel_id uuid NOT NULL REFERENCES channels(id),
        cycle integer NOT NULL,
        type text NOT NULL,
        actor_type text NOT NULL CHECK (actor_type IN ('contact', 'agent', 'bot', 'system')),
        actor_id uuid,
        at timestamptz NOT NULL DEFAULT now(),
        payload jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX conversation_events_time_idx ON conversation_events (workspace_id, at);
      CREATE INDEX conversation_events_conversation_idx ON conversation_events (workspace_id, conversation_id, at);

      CREATE TABLE attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        uploader_type text NOT NULL CHECK (uploader_type IN ('contact', 'agent')),
        uploader_ref text NOT NULL,
        name text NOT NULL,
        mime_type text NOT NULL,
        size integer NOT NULL,
        storage_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX attachments_workspace_idx ON attachments (workspace_id, created_at);

      CREATE TABLE jobs (
        id bigserial PRIMARY KEY,
        workspace_id uuid REFERENCES workspaces(id),
        queue text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL DEFAULT 8,
        run_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status = 'pending';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE jobs; DROP TABLE attachments; DROP TABLE conversation_events; DROP TABLE messages;
      DROP TABLE conversations; DROP TABLE contact_identities; DROP TABLE contacts; DROP TABLE channels;
      DROP TABLE users; DROP TABLE workspaces;
    `);
  }
}
