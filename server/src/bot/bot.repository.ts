import { Inject, Injectable } from '@nestjs/common';
import type { ChannelType } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';
import { BOT_MAX_ATTEMPTS, BOT_QUEUE, botPhaseSql } from './bot.constants';

export type BotState = 'active' | 'handed_over';

/** A conversation as the bot sees it, with its channel's raw bot settings. */
export interface BotConversationRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  cycle: number;
  status: string;
  first_human_reply_at: Date | null;
  bot_state: BotState | null;
  bot_cycle: number | null;
  channel_type: ChannelType;
  channel_name: string;
  bot: unknown;
}

export interface BotMessageRow {
  id: string;
  conversation_id: string;
  cycle: number;
  direction: 'in' | 'out';
  text: string;
}

@Injectable()
export class BotRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** The stored bot settings of a live channel of the workspace; undefined when there is no such channel. */
  async findChannelBot(workspaceId: string, channelId: string): Promise<{ bot: unknown } | undefined> {
    const rows: { bot: unknown }[] = await this.db.query(
      `SELECT settings->'bot' AS bot FROM channels WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [workspaceId, channelId],
    );
    return rows[0];
  }

  /** Replaces only the `bot` key of the channel's settings; false when the channel is not there. */
  async saveChannelBot(workspaceId: string, channelId: string, bot: object): Promise<boolean> {
    const rows = returnedRows(
      await this.db.query(
        `UPDATE channels SET settings = settings || jsonb_build_object('bot', $3::jsonb)
         WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id`,
        [workspaceId, channelId, JSON.stringify(bot)],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Enqueues a `bot` job for the customer message when its conversation's cycle is in the bot
   * phase — one statement, in the ingest transaction. Answers whether a job was enqueued.
   */
  async enqueueIfBotPhase(tx: Db, conversationId: string, messageId: string): Promise<boolean> {
    const rows = returnedRows(
      await tx.query(
        `INSERT INTO jobs (workspace_id, queue, payload, max_attempts)
         SELECT c.workspace_id, '${BOT_QUEUE}', jsonb_build_object('conversationId', c.id, 'messageId', $2::uuid),
                ${BOT_MAX_ATTEMPTS}
         FROM conversations c JOIN channels ch ON ch.id = c.channel_id
         WHERE c.id = $1 AND ${botPhaseSql('c', 'ch')}
         RETURNING id`,
        [conversationId, messageId],
      ),
    );
    return rows.length > 0;
  }

  async lockConversation(tx: Db, workspaceId: string, id: string): Promise<BotConversationRow | null> {
    const rows: BotConversationRow[] = await tx.query(
      `SELECT c.id, c.workspace_id, c.channel_id, c.cycle, c.status, c.first_human_reply_at, c.bot_state, c.bot_cycle,
              ch.type AS channel_type, ch.name AS channel_name, ch.settings->'bot' AS bot
       FROM conversations c JOIN channels ch ON ch.id = c.channel_id
       WHERE c.workspace_id = $1 AND c.id = $2 FOR UPDATE OF c`,
      [workspaceId, id],
    );
    return rows[0] ?? null;
  }

  async findMessage(tx: Db, workspaceId: string, conversationId: string, id: string): Promise<BotMessageRow | null> {
    const rows: BotMessageRow[] = await tx.query(
      `SELECT id, conversation_id, cycle, direction, text FROM messages
       WHERE workspace_id = $1 AND conversation_id = $2 AND id = $3`,
      [workspaceId, conversationId, id],
    );
    return rows[0] ?? null;
  }

  /** Whether the bot already acted on this customer message (a job that ran again). */
  async hasActedOn(tx: Db, workspaceId: string, conversationId: string, messageId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `SELECT 1 FROM conversation_events
       WHERE workspace_id = $1 AND conversation_id = $2 AND type IN ('bot_reply', 'bot_handoff')
         AND payload->>'inReplyTo' = $3 LIMIT 1`,
      [workspaceId, conversationId, messageId],
    );
    return rows.length > 0;
  }

  async setState(tx: Db, conversationId: string, state: BotState, cycle: number): Promise<void> {
    await tx.query(`UPDATE conversations SET bot_state = $2, bot_cycle = $3 WHERE id = $1`, [
      conversationId,
      state,
      cycle,
    ]);
  }
}
