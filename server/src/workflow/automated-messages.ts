import { Injectable } from '@nestjs/common';
import type { ConversationEventType } from '@onebox/contracts';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { previewOf } from '../conversations/conversations.dto';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { MessagesRepository, type MessageRow } from '../conversations/messages.repository';
import type { Db } from '../database/database';
import { DELIVERY_MAX_ATTEMPTS, DELIVERY_QUEUE } from '../delivery/delivery.constants';
import { JobsRepository } from '../jobs/jobs.repository';

/** The conversation an automated message goes to (a row the caller has locked in `tx`). */
export interface AutomatedTarget {
  id: string;
  workspace_id: string;
  channel_id: string;
  cycle: number;
}

export interface AutomatedMessage {
  /** `bot` for the FAQ bot and auto-replies, `system` for surveys and notices: never a human reply. */
  authorType: 'bot' | 'system';
  authorName: string;
  text: string;
  /** The event recorded beside the message (e.g. `bot_reply`, `after_hours_reply`, `survey_sent`). */
  event?: { type: ConversationEventType; payload?: Record<string, unknown> };
  /** Reply buttons under the message (messenger channels; a press comes back as callback data). */
  buttons?: { id: string; text: string }[];
  at?: Date;
}

/**
 * Messages Onebox writes on its own (bot answers, after-hours replies, surveys): queued and
 * delivered like an agent's reply, in the caller's transaction, but never counted as a human
 * reply (no `human_reply` event, `first_human_reply_at` untouched). Publish the returned message
 * after the transaction commits (`ConversationPublisher.messageAdded(message, 'updated')`).
 */
@Injectable()
export class AutomatedMessages {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
    private readonly events: ConversationEventsRepository,
    private readonly jobs: JobsRepository,
  ) {}

  async send(tx: Db, conversation: AutomatedTarget, content: AutomatedMessage): Promise<MessageRow> {
    const at = content.at ?? new Date();
    const message = await this.messages.insertUnlessDuplicate(tx, {
      workspace_id: conversation.workspace_id,
      conversation_id: conversation.id,
      channel_id: conversation.channel_id,
      cycle: conversation.cycle,
      direction: 'out',
      author_type: content.authorType,
      author_id: null,
      author_name: content.authorName,
      text: content.text,
      attachments: [],
      status: 'queued',
      private: false,
      external_id: null,
      client_message_id: null,
      canned_response_id: null,
      created_at: at,
      buttons: content.buttons ?? null,
    });
    if (!message) throw new Error('An automated message cannot conflict: it has no idempotency key');
    await this.jobs.enqueue(tx, {
      workspaceId: conversation.workspace_id,
      queue: DELIVERY_QUEUE,
      maxAttempts: DELIVERY_MAX_ATTEMPTS,
      payload: { messageId: message.id, conversationId: conversation.id },
    });
    await this.conversations.recordAgentMessage(tx, conversation.id, at, previewOf(content.text, []), false, {
      id: null,
      name: content.authorName,
    });
    if (content.event)
      await this.events.append(tx, [
        {
          workspaceId: conversation.workspace_id,
          conversationId: conversation.id,
          channelId: conversation.channel_id,
          cycle: conversation.cycle,
          type: content.event.type,
          actorType: content.authorType,
          actorId: null,
          at,
          payload: { messageId: message.id, ...content.event.payload },
        },
      ]);
    return message;
  }
}
