import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Timers (missed chats, snooze, auto-resolve): the auto-resolve sweep is one pending job per
 * workspace (a unique partial index makes enqueuing it idempotent across restarts and processes);
 * the list's "missed" filter and the once-per-cycle check read missed events by cycle; the sweep
 * finds silent conversations by their last customer message.
 */
export class Timers1733000000000 implements MigrationInterface {
  name = 'Timers1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNIQUE INDEX jobs_timer_singleton_key ON jobs (workspace_id, queue, (payload->>'singleton'))
        WHERE status = 'pending' AND queue = 'timers' AND payload->>'singleton' IS NOT NULL;
      CREATE INDEX conversation_events_missed_idx ON conversation_events (workspace_id, conversation_id, cycle)
        WHERE type IN ('missed', 'visitor_left', 'after_hours_reply');
      CREATE INDEX conversations_silent_idx ON conversations (workspace_id, last_customer_message_at)
        WHERE status IN ('open', 'pending');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX conversations_silent_idx;
      DROP INDEX conversation_events_missed_idx;
      DROP INDEX jobs_timer_singleton_key;
    `);
  }
}
