import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Index choices from EXPLAIN at 1,000,000 cycles (`npm run bench`, BENCH_SUITES=analytics):
 * - the period scan read the heap for every cycle once `proactive_accepted` joined its figures
 *   (proactive conversion): the covering index now carries it, so the scan reads the index alone;
 * - revenue looked at every cycle of the period to find the won ones: a partial index of won
 *   cycles answers it from about one cycle in eight;
 * - the messages of a period's partial days at its edges were read from the events' heap (tens of
 *   thousands of random reads for a day): the time index now carries what they need;
 * - a year's median and p90 per channel (× manager) sorted a million response times per request:
 *   an index in that order hands them over sorted (the planner still sorts short periods);
 * - the open backlog counted every unresolved cycle per request: `analytics_open` keeps the
 *   number per channel × manager (moved by the refresher in the transaction that changes the
 *   facts), which answers a period ending now or later.
 */
export class AnalyticsIndexes1733460000000 implements MigrationInterface {
  name = 'AnalyticsIndexes1733460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX conversation_cycles_started_idx;
      CREATE INDEX conversation_cycles_started_idx ON conversation_cycles (workspace_id, started_at)
        INCLUDE (channel_id, manager_id, first_response_sec, clock_from, first_human_reply_at, visitor_left_before_reply,
                 resolved_at, resolutions, transferred, returned_at, won_at, proactive_accepted);
      CREATE INDEX conversation_cycles_won_idx ON conversation_cycles (workspace_id, started_at)
        INCLUDE (channel_id, manager_id, won_at, won_amount, won_currency) WHERE won_at IS NOT NULL;
      CREATE INDEX conversation_cycles_response_idx ON conversation_cycles
        (workspace_id, channel_id, manager_id, first_response_sec) INCLUDE (started_at) WHERE first_response_sec IS NOT NULL;
      CREATE INDEX conversation_events_time_covering_idx ON conversation_events (workspace_id, at)
        INCLUDE (type, conversation_id, cycle);
      DROP INDEX conversation_events_time_idx;
      ALTER INDEX conversation_events_time_covering_idx RENAME TO conversation_events_time_idx;
      CREATE TABLE analytics_open (
        workspace_id uuid NOT NULL,
        channel_id uuid NOT NULL,
        manager_key uuid NOT NULL,
        open int NOT NULL DEFAULT 0,
        PRIMARY KEY (workspace_id, channel_id, manager_key)
      );
      INSERT INTO analytics_open (workspace_id, channel_id, manager_key, open)
      SELECT workspace_id, channel_id, coalesce(manager_id, '00000000-0000-0000-0000-000000000000'), count(*)
        FROM conversation_cycles WHERE resolved_at IS NULL GROUP BY 1, 2, 3`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE analytics_open;
      DROP INDEX conversation_events_time_idx;
      CREATE INDEX conversation_events_time_idx ON conversation_events (workspace_id, at);
      DROP INDEX conversation_cycles_response_idx;
      DROP INDEX conversation_cycles_won_idx;
      DROP INDEX conversation_cycles_started_idx;
      CREATE INDEX conversation_cycles_started_idx ON conversation_cycles (workspace_id, started_at)
        INCLUDE (channel_id, manager_id, first_response_sec, clock_from, first_human_reply_at, visitor_left_before_reply,
                 resolved_at, resolutions, transferred, returned_at, won_at, won_amount, won_currency)`);
  }
}
