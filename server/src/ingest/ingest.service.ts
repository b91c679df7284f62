import { Injectable, Logger } from '@nestjs/common';
import type { AttachmentDto } from '@onebox/contracts';
import type { ChannelRow } from '../channels/channels.repository';
import { ContactsRepository } from '../contacts/contacts.repository';
import {
  ConversationEventsRepository,
  type NewConversationEvent,
} from '../conversations/conversation-events.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { previewOf } from '../conversations/conversations.dto';
import {
  ConversationsRepository,
  type ConversationListRow,
  type ConversationRow,
} from '../conversations/conversations.repository';
import { MessagesRepository, type MessageRow } from '../conversations/messages.repository';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { cycleStartJobs } from '../workflow/cycle-start-jobs';
import { IngestRepository } from './ingest.repository';
import { BotService } from '../bot/bot.service';
import { MetricsService } from '../observability/metrics.service';

/** A customer's message, already normalized by its channel. */
export interface InboundMessage {
  channel: Pick<ChannelRow, 'id' | 'workspace_id' | 'type'>;
  /** The customer's id on the channel (chat id, phone, visitor id). */
  externalUserId: string;
  contactName: string;
  username?: string | null;
  phone?: string | null;
  /** What the platform tells about the customer's identity that replies need (Telegram business connection). */
  identityMeta?: Record<string, unknown>;
  /** Jobs to enqueue in the same transaction as the message (media downloads); `messageId` is added to each payload. */
  jobs?: { queue: string; payload: Record<string, unknown> }[];
  /** The provider's message id: the idempotency key within the channel. */
  externalMessageId: string;
  clientMessageId?: string | null;
  text: string;
  attachments: AttachmentDto[];
  sentAt: Date;
}

export interface IngestResult {
  message: MessageRow;
  conversation: ConversationRow;
  duplicate: boolean;
}

/** Thrown inside the transaction to roll it back when the message was already stored. */
class DuplicateInbound extends Error {}

/**
 * The one way customer messages enter the store, for every channel: contact, conversation (a
 * new cycle after resolution), message, timestamps and events in one transaction; a redelivered
 * message changes nothing and answers the stored one.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger('Ingest');

  constructor(
    private readonly tx: TransactionService,
    private readonly contacts: ContactsRepository,
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
    private readonly events: ConversationEventsRepository,
    private readonly publisher: ConversationPublisher,
    private readonly jobs: JobsRepository,
    private readonly fastPath: IngestRepository,
    private readonly bot: BotService,
    private readonly metrics: MetricsService,
  ) {}

  async ingest(inbound: InboundMessage): Promise<IngestResult> {
    const result = await this.ingestOnce(inbound);
    this.metrics.inboundStored(inbound.channel.type, result.duplicate);
    return result;
  }

  private async ingestOnce(inbound: InboundMessage): Promise<IngestResult> {
    // The common case, a returning customer writing into an open conversation: one statement.
    if (!inbound.jobs?.length && !inbound.identityMeta) {
      const appended = await this.fastPath.appendToOpenConversation({
        channelId: inbound.channel.id,
        externalUserId: inbound.externalUserId,
        externalMessageId: inbound.externalMessageId,
        clientMessageId: inbound.clientMessageId ?? null,
        text: inbound.text,
        attachments: inbound.attachments,
        sentAt: inbound.sentAt,
        preview: previewOf(inbound.text, inbound.attachments),
      });
      if (appended) {
        if (appended.botJob) this.bot.wake();
        this.publish(appended.message, 'updated', appended.conversation);
        return { message: appended.message, conversation: appended.conversation, duplicate: false };
      }
    }
    let outcome: {
      message: MessageRow;
      conversation: ConversationRow;
      opened: boolean;
      current: ConversationListRow;
      botJob: boolean;
    };
    try {
      outcome = await this.tx.run((tx) => this.store(tx, inbound));
    } catch (err) {
      if (!(err instanceof DuplicateInbound)) throw err;
      const message = await this.messages.findByExternalId(inbound.channel.id, inbound.externalMessageId);
      const conversation = message && (await this.conversations.findById(message.conversation_id));
      if (!message || !conversation) throw new Error('Duplicate inbound message could not be found');
      return { message, conversation, duplicate: true };
    }
    if (outcome.botJob) this.bot.wake();
    this.publish(outcome.message, outcome.opened ? 'created' : 'updated', outcome.current);
    return { message: outcome.message, conversation: outcome.conversation, duplicate: false };
  }

  /** The platform is answered without waiting for agents' sockets; the store already has it all. */
  private publish(message: MessageRow, kind: 'created' | 'updated', current: ConversationListRow): void {
    void this.publisher
      .messageAdded(message, kind, current)
      .catch((err: Error) => this.logger.warn(`Publishing message ${message.id} failed: ${err.message}`));
  }

  /**
   * The customer and their conversation on this channel, locked: one statement for a returning
   * customer, else the contact identity is upserted and the conversation opened.
   */
  private async contactAndConversation(
    tx: Db,
    inbound: InboundMessage,
  ): Promise<{ contact: { id: string; name: string }; conversation: ConversationRow; created: boolean }> {
    const workspaceId = inbound.channel.workspace_id;
    if (!inbound.identityMeta) {
      const known = await this.conversations.lockByIdentity(tx, inbound.channel.id, inbound.externalUserId);
      if (known)
        return { contact: { id: known.contact_id, name: known.contact_name }, conversation: known, created: false };
    }
    const contact = await this.contacts.upsertByIdentity(tx, {
      workspaceId,
      channelId: inbound.channel.id,
      externalId: inbound.externalUserId,
      name: inbound.contactName,
      username: inbound.username,
      phone: inbound.phone,
      meta: inbound.identityMeta,
    });
    const { conversation, created } = await this.conversations.openOrLock(tx, {
      workspaceId,
      channelId: inbound.channel.id,
      contactId: contact.id,
      at: inbound.sentAt,
    });
    return { contact, conversation, created };
  }

  private async store(tx: Db, inbound: InboundMessage) {
    const workspaceId = inbound.channel.workspace_id;
    const at = inbound.sentAt;
    const { contact, conversation: found, created } = await this.contactAndConversation(tx, inbound);
    const reopened = !created && found.status === 'resolved';
    const conversation = reopened ? await this.conversations.startNewCycle(tx, found.id, at) : found;
    const message = await this.messages.insertUnlessDuplicate(tx, {
      workspace_id: workspaceId,
      conversation_id: conversation.id,
      channel_id: inbound.channel.id,
      cycle: conversation.cycle,
      direction: 'in',
      author_type: 'contact',
      author_id: contact.id,
      author_name: contact.name,
      text: inbound.text,
      attachments: inbound.attachments,
      status: 'received',
      private: false,
      external_id: inbound.externalMessageId,
      client_message_id: inbound.clientMessageId ?? null,
      canned_response_id: null,
      created_at: at,
    });
    if (!message) throw new DuplicateInbound();
    const current = await this.conversations.recordCustomerMessage(
      tx,
      conversation.id,
      at,
      previewOf(inbound.text, inbound.attachments),
    );
    const base = {
      workspaceId,
      conversationId: conversation.id,
      channelId: inbound.channel.id,
      cycle: conversation.cycle,
      at,
    };
    const events: NewConversationEvent[] = [];
    if (reopened)
      events.push({
        ...base,
        type: 'reopened',
        actorType: 'contact',
        actorId: contact.id,
        payload: { previousCycle: found.cycle },
      });
    if (created || reopened) events.push({ ...base, type: 'cycle_started', actorType: 'contact', actorId: contact.id });
    events.push({
      ...base,
      type: 'message_in',
      actorType: 'contact',
      actorId: contact.id,
      payload: { messageId: message.id },
    });
    await this.events.append(tx, events);
    if (created || reopened) {
      for (const job of cycleStartJobs({ ...base, conversationId: conversation.id })) await this.jobs.enqueue(tx, job);
    }
    for (const job of inbound.jobs ?? []) {
      await this.jobs.enqueue(tx, {
        workspaceId,
        queue: job.queue,
        payload: { ...job.payload, messageId: message.id },
      });
    }
    // The FAQ bot answers while the cycle is in its phase (the fast path does the same in its statement).
    const botJob = await this.bot.enqueueForCustomerMessage(tx, conversation.id, message.id);
    return { message, conversation, opened: created, current, botJob };
  }
}
