import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Post-resolution surveys (one per resolved cycle, one answer per survey), buttons on outgoing
 * messages (survey prompts), widget page views and proactive-chat invitations.
 */
export class SurveysProactive1733100000000 implements MigrationInterface {
  name = 'SurveysProactive1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE messages ADD COLUMN buttons jsonb;

      CREATE TABLE surveys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        cycle integer NOT NULL,
        channel_id uuid NOT NULL,
        manager_id uuid,
        kind text NOT NULL CHECK (kind IN ('csat', 'nps', 'ces')),
        message_id uuid,
        sent_at timestamptz,
        skipped_reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX surveys_cycle_key ON surveys (workspace_id, conversation_id, cycle);
      CREATE INDEX surveys_sent_idx ON surveys (workspace_id, sent_at);

      CREATE TABLE survey_responses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL,
        conversation_id uuid NOT NULL,
        cycle integer NOT NULL,
        channel_id uuid NOT NULL,
        manager_id uuid,
        kind text NOT NULL,
        score integer NOT NULL,
        comment text,
        answered_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX survey_responses_survey_key ON survey_responses (workspace_id, survey_id);
      CREATE INDEX survey_responses_answered_idx ON survey_responses (workspace_id, answered_at);

      CREATE TABLE widget_page_views (
        id bigserial PRIMARY KEY,
        workspace_id uuid NOT NULL,
        channel_id uuid NOT NULL,
        visitor_id text NOT NULL,
        url text NOT NULL,
        viewed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX widget_page_views_visitor_idx ON widget_page_views (workspace_id, channel_id, visitor_id, viewed_at);
      CREATE INDEX widget_page_views_time_idx ON widget_page_views (workspace_id, viewed_at);

      CREATE TABLE proactive_invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL,
        channel_id uuid NOT NULL,
        visitor_id text NOT NULL,
        trigger_id text NOT NULL,
        shown_at timestamptz NOT NULL DEFAULT now(),
        shown_day date NOT NULL,
        accepted_at timestamptz,
        conversation_id uuid,
        cycle integer
      );
      CREATE UNIQUE INDEX proactive_invitations_daily_key
        ON proactive_invitations (workspace_id, channel_id, visitor_id, trigger_id, shown_day);
      CREATE INDEX proactive_invitations_shown_idx ON proactive_invitations (workspace_id, shown_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE proactive_invitations;
      DROP TABLE widget_page_views;
      DROP TABLE survey_responses;
      DROP TABLE surveys;
      ALTER TABLE messages DROP COLUMN buttons;
    `);
  }
}
