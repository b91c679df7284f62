import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Analytics facts: one row per conversation cycle with every per-cycle figure of METRICS.md,
 * derived from the cycle's events by the reference code of `libs/metrics` (AnalyticsRefresher).
 * Writers never maintain it themselves: a statement trigger on `conversation_events` and `deals`
 * marks the conversation dirty in the same transaction, so no fact can be missed, and the
 * refresher recomputes dirty conversations within a second. Queries aggregate these rows.
 */
export class Analytics1733300000000 implements MigrationInterface {
  name = 'Analytics1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE conversation_cycles (
        workspace_id uuid NOT NULL,
        conversation_id uuid NOT NULL,
        cycle integer NOT NULL,
        channel_id uuid NOT NULL,
        channel_type text NOT NULL,
        contact_id uuid NOT NULL,
        manager_id uuid,
        started_at timestamptz NOT NULL,
        first_customer_message_at timestamptz,
        -- First response and misses count from here: the first customer message, or the bot's hand-off.
        clock_from timestamptz,
        first_human_reply_at timestamptz,
        first_response_sec double precision,
        visitor_left_before_reply boolean NOT NULL DEFAULT false,
        resolved_at timestamptz,
        resolutions integer NOT NULL DEFAULT 0,
        transferred boolean NOT NULL DEFAULT false,
        handle_time_sec double precision,
        resolution_time_sec double precision,
        customer_messages integer NOT NULL DEFAULT 0,
        human_replies integer NOT NULL DEFAULT 0,
        canned_replies integer NOT NULL DEFAULT 0,
        reply_time_sum double precision NOT NULL DEFAULT 0,
        reply_time_count integer NOT NULL DEFAULT 0,
        tags text[] NOT NULL DEFAULT '{}',
        bot_replies integer NOT NULL DEFAULT 0,
        bot_fallbacks integer NOT NULL DEFAULT 0,
        bot_handled boolean NOT NULL DEFAULT false,
        bot_escalated boolean NOT NULL DEFAULT false,
        bot_resolved boolean NOT NULL DEFAULT false,
        surveys_sent integer NOT NULL DEFAULT 0,
        csat_sum integer NOT NULL DEFAULT 0,
        csat_count integer NOT NULL DEFAULT 0,
        csat_satisfied integer NOT NULL DEFAULT 0,
        nps_count integer NOT NULL DEFAULT 0,
        nps_promoters integer NOT NULL DEFAULT 0,
        nps_detractors integer NOT NULL DEFAULT 0,
        ces_sum integer NOT NULL DEFAULT 0,
        ces_count integer NOT NULL DEFAULT 0,
        last_csat integer,
        offers_made integer NOT NULL DEFAULT 0,
        offers_accepted integer NOT NULL DEFAULT 0,
        wait_to_accept_sum double precision NOT NULL DEFAULT 0,
        wait_to_accept_count integer NOT NULL DEFAULT 0,
        proactive_accepted boolean NOT NULL DEFAULT false,
        deals_count integer NOT NULL DEFAULT 0,
        deal_status text CHECK (deal_status IN ('open', 'won', 'lost')),
        won_at timestamptz,
        won_amount numeric(18, 2),
        won_currency text,
        -- [{userId, from, to}]: who held the cycle when (utilization, concurrency).
        assignments jsonb NOT NULL DEFAULT '[]',
        -- {"2025-03-01": [in, out]}: customer messages and human replies per UTC day.
        message_days jsonb NOT NULL DEFAULT '{}',
        -- The same contact's first cycle start after this one's resolution (any channel): repeat contacts.
        returned_at timestamptz,
        refreshed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, conversation_id, cycle)
      );
      -- Covers the per-request scan of what depends on settings or on "now" (percentiles, misses,
      -- FCR, conversions), so it reads the index alone.
      CREATE INDEX conversation_cycles_started_idx ON conversation_cycles (workspace_id, started_at)
        INCLUDE (channel_id, manager_id, first_response_sec, clock_from, first_human_reply_at, visitor_left_before_reply,
                 resolved_at, resolutions, transferred, returned_at, won_at, won_amount, won_currency);
      CREATE INDEX conversation_cycles_contact_idx ON conversation_cycles (workspace_id, contact_id, started_at);
      CREATE INDEX conversation_cycles_resolved_idx ON conversation_cycles (workspace_id, resolved_at);
      CREATE INDEX conversation_cycles_unresolved_idx ON conversation_cycles (workspace_id, started_at)
        INCLUDE (channel_id, channel_type, manager_id, tags) WHERE resolved_at IS NULL;

      -- Additive figures per UTC day × channel × manager (no manager: the nil uuid), kept by the
      -- refresher in the transaction that changes the facts: chats by start day, messages by the
      -- day they were sent, resolutions by the day of resolution. Dashboards read these for whole
      -- days and the facts only for the partial days at the edges of a period.
      CREATE TABLE analytics_daily (
        workspace_id uuid NOT NULL,
        day date NOT NULL,
        channel_id uuid NOT NULL,
        manager_key uuid NOT NULL,
        chats integer NOT NULL DEFAULT 0,
        answered integer NOT NULL DEFAULT 0,
        -- Durations summed in whole milliseconds: exact under any number of updates.
        first_response_ms bigint NOT NULL DEFAULT 0,
        reply_time_ms bigint NOT NULL DEFAULT 0,
        reply_time_count integer NOT NULL DEFAULT 0,
        wait_ms bigint NOT NULL DEFAULT 0,
        wait_count integer NOT NULL DEFAULT 0,
        handle_ms bigint NOT NULL DEFAULT 0,
        handle_count integer NOT NULL DEFAULT 0,
        resolution_ms bigint NOT NULL DEFAULT 0,
        resolution_count integer NOT NULL DEFAULT 0,
        offers_made integer NOT NULL DEFAULT 0,
        offers_accepted integer NOT NULL DEFAULT 0,
        transferred integer NOT NULL DEFAULT 0,
        csat_sum integer NOT NULL DEFAULT 0,
        csat_count integer NOT NULL DEFAULT 0,
        csat_satisfied integer NOT NULL DEFAULT 0,
        nps_count integer NOT NULL DEFAULT 0,
        nps_promoters integer NOT NULL DEFAULT 0,
        nps_detractors integer NOT NULL DEFAULT 0,
        ces_sum integer NOT NULL DEFAULT 0,
        ces_count integer NOT NULL DEFAULT 0,
        surveys_sent integer NOT NULL DEFAULT 0,
        canned_replies integer NOT NULL DEFAULT 0,
        human_replies integer NOT NULL DEFAULT 0,
        chats_with_canned integer NOT NULL DEFAULT 0,
        chats_with_replies integer NOT NULL DEFAULT 0,
        tagged integer NOT NULL DEFAULT 0,
        tag_count integer NOT NULL DEFAULT 0,
        deals_created integer NOT NULL DEFAULT 0,
        proactive_accepted integer NOT NULL DEFAULT 0,
        bot_handled integer NOT NULL DEFAULT 0,
        bot_resolved integer NOT NULL DEFAULT 0,
        bot_escalated integer NOT NULL DEFAULT 0,
        bot_fallbacks integer NOT NULL DEFAULT 0,
        bot_replies integer NOT NULL DEFAULT 0,
        messages_in integer NOT NULL DEFAULT 0,
        messages_out integer NOT NULL DEFAULT 0,
        resolved integer NOT NULL DEFAULT 0,
        resolved_messages integer NOT NULL DEFAULT 0,
        PRIMARY KEY (workspace_id, day, channel_id, manager_key)
      );

      CREATE TABLE analytics_dirty (
        conversation_id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        marked_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX analytics_dirty_marked_idx ON analytics_dirty (marked_at);
      -- A queue: rows come and go all day. Vacuum it after every thousand deletions, without a cost
      -- delay, so the refresher's oldest-first scan doesn't wade through dead index entries.
      ALTER TABLE analytics_dirty SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_cost_delay = 0, autovacuum_analyze_scale_factor = 0.01);

      CREATE FUNCTION analytics_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO analytics_dirty (conversation_id, workspace_id)
        SELECT DISTINCT conversation_id, workspace_id FROM changed
        ON CONFLICT (conversation_id) DO UPDATE SET version = analytics_dirty.version + 1, marked_at = now();
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER conversation_events_analytics AFTER INSERT ON conversation_events
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_dirty();
      CREATE TRIGGER deals_analytics_insert AFTER INSERT ON deals
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_dirty();
      CREATE TRIGGER deals_analytics_update AFTER UPDATE ON deals
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_dirty();

      -- A contact merge moves conversations to another contact: their facts follow.
      CREATE FUNCTION analytics_mark_conversation_dirty() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO analytics_dirty (conversation_id, workspace_id) VALUES (NEW.id, NEW.workspace_id)
        ON CONFLICT (conversation_id) DO UPDATE SET version = analytics_dirty.version + 1, marked_at = now();
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER conversations_contact_analytics AFTER UPDATE OF contact_id ON conversations
        FOR EACH ROW WHEN (OLD.contact_id IS DISTINCT FROM NEW.contact_id)
        EXECUTE FUNCTION analytics_mark_conversation_dirty();

      INSERT INTO analytics_dirty (conversation_id, workspace_id) SELECT id, workspace_id FROM conversations;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER conversations_contact_analytics ON conversations;
      DROP TRIGGER deals_analytics_update ON deals; DROP TRIGGER deals_analytics_insert ON deals;
      DROP TRIGGER conversation_events_analytics ON conversation_events;
      DROP FUNCTION analytics_mark_conversation_dirty(); DROP FUNCTION analytics_mark_dirty();
      DROP TABLE analytics_dirty; DROP TABLE analytics_daily; DROP TABLE conversation_cycles;
    `);
  }
}
