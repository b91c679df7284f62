import { Injectable } from '@nestjs/common';
import type { BotSettings } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import type { Db } from '../database/database';
import { JobWorkerService } from '../jobs/job-worker.service';
import { botSettingsOf, parseBotSettings } from './bot.dto';
import { BotRepository, type BotState } from './bot.repository';

/** The conversation fields the bot's hooks need (a row its caller has locked). */
export interface BotCycleRef {
  id: string;
  workspace_id: string;
  channel_id: string;
  cycle: number;
  first_human_reply_at: Date | null;
  bot_state?: BotState | null;
  bot_cycle?: number | null;
}

/** True when the bot answered in the conversation's current cycle and no person has replied yet. */
export function isBotOnlyCycle(conversation: BotCycleRef): boolean {
  return conversation.bot_cycle === conversation.cycle && conversation.first_human_reply_at === null;
}

/**
 * The FAQ bot's settings and its hooks into the inbox: ingest enqueues a `bot` job for each
 * customer message of a cycle in the bot phase; a human reply ends the bot phase of the cycle.
 */
@Injectable()
export class BotService {
  constructor(
    private readonly bot: BotRepository,
    private readonly events: ConversationEventsRepository,
    private readonly worker: JobWorkerService,
  ) {}

  async getSettings(auth: AuthUser, channelId: string): Promise<BotSettings> {
    const channel = await this.bot.findChannelBot(auth.workspaceId, channelId);
    if (!channel) throw ApiException.notFound('Channel');
    return botSettingsOf(channel.bot);
  }

  async saveSettings(auth: AuthUser, channelId: string, body: unknown): Promise<BotSettings> {
    const settings = parseBotSettings(body);
    if (!(await this.bot.saveChannelBot(auth.workspaceId, channelId, settings))) throw ApiException.notFound('Channel');
    return settings;
  }

  /** In the ingest transaction: a `bot` job for the customer message if its cycle is in the bot phase. */
  enqueueForCustomerMessage(tx: Db, conversationId: string, messageId: string): Promise<boolean> {
    return this.bot.enqueueIfBotPhase(tx, conversationId, messageId);
  }

  /** After the commit that enqueued a bot job: answer now rather than at the next poll. */
  wake(): void {
    this.worker.nudge();
  }

  /**
   * In the transaction of a public human reply: if the bot was answering this cycle, it hands
   * over (`bot_handoff {reason:'human_reply'}`, once) and stays silent for the rest of the cycle.
   */
  async onHumanReply(tx: Db, conversation: BotCycleRef, at: Date): Promise<void> {
    if (conversation.bot_cycle !== conversation.cycle || conversation.bot_state !== 'active') return;
    await this.bot.setState(tx, conversation.id, 'handed_over', conversation.cycle);
    await this.events.append(tx, [
      {
        workspaceId: conversation.workspace_id,
        conversationId: conversation.id,
        channelId: conversation.channel_id,
        cycle: conversation.cycle,
        type: 'bot_handoff',
        actorType: 'bot',
        actorId: null,
        at,
        payload: { reason: 'human_reply' },
      },
    ]);
  }
}
