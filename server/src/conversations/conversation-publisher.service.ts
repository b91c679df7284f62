import { Injectable } from '@nestjs/common';
import { RealtimeService } from '../realtime/realtime.service';
import { mapConversation, mapMessage } from './conversations.dto';
import { ConversationsRepository, type ConversationListRow } from './conversations.repository';
import type { MessageRow } from './messages.repository';

/** Tells connected agents what changed, after the change has committed. */
@Injectable()
export class ConversationPublisher {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly realtime: RealtimeService,
  ) {}

  async conversationChanged(
    id: string,
    kind: 'created' | 'updated' = 'updated',
    previousAssigneeId: string | null = null,
  ): Promise<void> {
    const row = await this.conversations.findById(id);
    if (!row) return;
    this.realtime.toConversationAudience(row, `conversation.${kind}`, mapConversation(row), [previousAssigneeId]);
  }

  /**
   * A new message and the conversation it changed, from one read (none when the caller already
   * has the conversation as the list shows it): what ingest and sends publish.
   */
  async messageAdded(
    message: MessageRow,
    conversationKind: 'created' | 'updated',
    current?: ConversationListRow,
  ): Promise<void> {
    const row = current ?? (await this.conversations.findById(message.conversation_id));
    if (!row) return;
    this.realtime.toConversationAudience(row, `conversation.${conversationKind}`, mapConversation(row));
    this.realtime.toConversationAudience(row, 'message.created', mapMessage(message));
  }

  async messageChanged(message: MessageRow, kind: 'created' | 'updated'): Promise<void> {
    const row = await this.conversations.findById(message.conversation_id);
    if (!row) return;
    this.realtime.toConversationAudience(row, `message.${kind}`, mapMessage(message));
  }
}
