import { Injectable, Logger } from '@nestjs/common';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import type { MessageRow } from '../conversations/messages.repository';
import { TransactionService } from '../database/transaction.service';
import { JobError, type JobProcessor } from '../jobs/job-processor';
import { AutomatedMessages } from '../workflow/automated-messages';
import { handoffJobs } from '../workflow/handoff-jobs';
import { JobsRepository, type JobRow } from '../jobs/jobs.repository';
import { decide } from './bot-matcher';
import { BOT_QUEUE } from './bot.constants';
import { botSettingsOf } from './bot.dto';
import { BotRepository, type BotConversationRow } from './bot.repository';

/** Whether the bot still speaks in the conversation's cycle (the SQL twin is `botPhaseSql`). */
export function inBotPhase(conversation: BotConversationRow, enabled: boolean): boolean {
  if (!enabled || conversation.status === 'resolved' || conversation.first_human_reply_at !== null) return false;
  return !(conversation.bot_state === 'handed_over' && conversation.bot_cycle === conversation.cycle);
}

/**
 * Answers one customer message of a cycle in the bot phase: a matching rule's answer
 * (`bot_reply {ruleId, matched:true}`), the fallback (`bot_reply {ruleId:null, matched:false}`)
 * or, on a request for a person, the hand-off text (`bot_handoff {reason:'request'}`) after which
 * the bot is silent for the rest of the cycle. Idempotent: each event carries `inReplyTo`, the
 * customer message, and a job that runs again finds it and does nothing.
 */
@Injectable()
export class BotProcessor implements JobProcessor {
  readonly queue = BOT_QUEUE;
  private readonly logger = new Logger('Bot');

  constructor(
    private readonly tx: TransactionService,
    private readonly bot: BotRepository,
    private readonly automated: AutomatedMessages,
    private readonly publisher: ConversationPublisher,
    private readonly jobs: JobsRepository,
  ) {}

  async process(job: JobRow): Promise<void> {
    const { conversationId, messageId } = job.payload as { conversationId?: string; messageId?: string };
    if (!job.workspace_id || !conversationId || !messageId) throw new JobError('Malformed bot job', false);
    const workspaceId = job.workspace_id;
    const sent = await this.tx.run(async (tx): Promise<MessageRow[]> => {
      const conversation = await this.bot.lockConversation(tx, workspaceId, conversationId);
      if (!conversation) return [];
      const message = await this.bot.findMessage(tx, workspaceId, conversationId, messageId);
      if (!message || message.direction !== 'in' || message.cycle !== conversation.cycle) return [];
      const settings = botSettingsOf(conversation.bot);
      if (!inBotPhase(conversation, settings.enabled)) return [];
      if (await this.bot.hasActedOn(tx, workspaceId, conversationId, messageId)) return [];
      const decision = decide(settings, message.text);
      const author = { authorType: 'bot' as const, authorName: conversation.channel_name };
      const out: MessageRow[] = [];
      const firstInCycle = conversation.bot_cycle !== conversation.cycle;
      if (firstInCycle && settings.greeting && decision.kind !== 'handoff')
        out.push(await this.automated.send(tx, conversation, { ...author, text: settings.greeting }));
      if (decision.kind === 'handoff') {
        out.push(
          await this.automated.send(tx, conversation, {
            ...author,
            text: settings.handoffText,
            event: { type: 'bot_handoff', payload: { reason: 'request', inReplyTo: messageId } },
          }),
        );
        await this.bot.setState(tx, conversationId, 'handed_over', conversation.cycle);
        const handoff = { workspaceId, conversationId, cycle: conversation.cycle };
        for (const next of handoffJobs(handoff)) await this.jobs.enqueue(tx, next);
      } else {
        const matched = decision.kind === 'answer';
        out.push(
          await this.automated.send(tx, conversation, {
            ...author,
            text: matched ? decision.rule.answer : settings.fallbackText,
            event: {
              type: 'bot_reply',
              payload: { ruleId: matched ? decision.rule.id : null, matched, inReplyTo: messageId },
            },
          }),
        );
        await this.bot.setState(tx, conversationId, 'active', conversation.cycle);
      }
      return out;
    });
    for (const message of sent) {
      await this.publisher
        .messageAdded(message, 'updated')
        .catch((err: Error) => this.logger.warn(`Publishing bot message ${message.id} failed: ${err.message}`));
    }
  }

  async onGiveUp(): Promise<void> {
    // A customer message the bot could not answer stays in the inbox for a person.
  }
}
