import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A 30-day summary at 1,000,000 cycles spent most of its time on two per-request scans of the
 * period's ~80,000 cycles (EXPLAIN at 1M): sorting their first responses for the median and p90,
 * and judging what depends on settings and on "now" (verdicts.sql.ts). The rollup now keeps both:
 * - `first_responses`: each day × channel × manager's first responses (a multiset, packed float8s
 *   in network order) — the exact values, so percentiles over any set of days are exact (the
 *   server merges and sorts them);
 * - the verdict counts, judged with the settings of `analytics_settled` at its `settled_at`
 *   (the refresher moves it along; a request adds the few cycles judged differently since).
 * A workspace without an `analytics_settled` row (new, or its analytics settings just changed:
 * the trigger below drops the row) is judged per request until the refresher has settled it.
 */
export class AnalyticsSettled1733470000000 implements MigrationInterface {
  name = 'AnalyticsSettled1733470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE analytics_daily
        ADD COLUMN first_responses bytea NOT NULL DEFAULT '',
        ADD COLUMN within_target integer NOT NULL DEFAULT 0,
        ADD COLUMN missed integer NOT NULL DEFAULT 0,
        ADD COLUMN fcr_eligible integer NOT NULL DEFAULT 0,
        ADD COLUMN repeated integer NOT NULL DEFAULT 0,
        ADD COLUMN fcr integer NOT NULL DEFAULT 0,
        ADD COLUMN conversions integer NOT NULL DEFAULT 0,
        ADD COLUMN proactive_converted integer NOT NULL DEFAULT 0,
        ADD COLUMN time_to_deal_ms bigint NOT NULL DEFAULT 0;

      CREATE TABLE analytics_settled (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        missed_threshold_sec double precision NOT NULL,
        first_response_target_sec double precision NOT NULL,
        fcr_window_days double precision NOT NULL,
        conversion_window_days double precision NOT NULL,
        settled_at timestamptz NOT NULL
      );

      -- The cycles whose missed-chat verdict changes with time: unanswered ones, by their clock's start.
      CREATE INDEX conversation_cycles_unanswered_clock_idx ON conversation_cycles (workspace_id, clock_from)
        WHERE first_human_reply_at IS NULL;

      -- A day's first responses are a multiset (in no order) of packed 8-byte values: one occurrence
      -- of each removed value goes.
      CREATE FUNCTION onebox_multiset_remove(current bytea, removed bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $fn$
        SELECT coalesce(string_agg(v, ''::bytea), ''::bytea) FROM (
          SELECT v, row_number() OVER (PARTITION BY v) AS n
            FROM generate_series(0, length(current) / 8 - 1) AS i, substring(current FROM i * 8 + 1 FOR 8) AS v) AS kept
        WHERE kept.n > (SELECT count(*) FROM generate_series(0, length(removed) / 8 - 1) AS j
                         WHERE substring(removed FROM j * 8 + 1 FOR 8) = kept.v)
      $fn$;

      UPDATE analytics_daily d SET first_responses = r.responses
        FROM (SELECT workspace_id, (started_at AT TIME ZONE 'UTC')::date AS day, channel_id,
                     coalesce(manager_id, '00000000-0000-0000-0000-000000000000') AS manager_key,
                     string_agg(float8send(first_response_sec), ''::bytea) AS responses
                FROM conversation_cycles WHERE first_response_sec IS NOT NULL GROUP BY 1, 2, 3, 4) AS r
       WHERE d.workspace_id = r.workspace_id AND d.day = r.day AND d.channel_id = r.channel_id
         AND d.manager_key = r.manager_key;

      -- A change of the settings verdicts depend on unsettles the workspace's rollup.
      CREATE FUNCTION analytics_unsettle() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF OLD.settings->'missedChatThresholdSec' IS DISTINCT FROM NEW.settings->'missedChatThresholdSec'
          OR OLD.settings->'firstResponseTargetSec' IS DISTINCT FROM NEW.settings->'firstResponseTargetSec'
          OR OLD.settings->'fcrWindowDays' IS DISTINCT FROM NEW.settings->'fcrWindowDays'
          OR OLD.settings->'conversionWindowDays' IS DISTINCT FROM NEW.settings->'conversionWindowDays' THEN
          DELETE FROM analytics_settled WHERE workspace_id = NEW.id;
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER workspaces_analytics_unsettle AFTER UPDATE OF settings ON workspaces
        FOR EACH ROW EXECUTE FUNCTION analytics_unsettle();`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER workspaces_analytics_unsettle ON workspaces;
      DROP FUNCTION analytics_unsettle();
      DROP FUNCTION onebox_multiset_remove(bytea, bytea);
      DROP INDEX conversation_cycles_unanswered_clock_idx;
      DROP TABLE analytics_settled;
      ALTER TABLE analytics_daily DROP COLUMN first_responses, DROP COLUMN within_target, DROP COLUMN missed,
        DROP COLUMN fcr_eligible, DROP COLUMN repeated, DROP COLUMN fcr, DROP COLUMN conversions,
        DROP COLUMN proactive_converted, DROP COLUMN time_to_deal_ms;`);
  }
}
