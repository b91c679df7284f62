import { HttpStatus, Injectable } from '@nestjs/common';
import type {
  ChannelType,
  ConversationDetail,
  ConversationListResponse,
  MessageDto,
  MessageListResponse,
} from '@onebox/contracts';
import { AttachmentsRepository } from '../attachments/attachments.repository';
import { seesAllConversations, type AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { ContactsRepository } from '../contacts/contacts.repository';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { CRM_MAX_ATTEMPTS, CRM_QUEUE } from '../crm/crm.constants';
import { DELIVERY_MAX_ATTEMPTS, DELIVERY_QUEUE } from '../delivery/delivery.constants';
import { JobWorkerService } from '../jobs/job-worker.service';
import { snoozeUntil } from '../timers/snooze';
import { snoozeWakeJob } from '../timers/timers.constants';
import { CannedResponsesRepository } from '../canned/canned-responses.repository';
import { resolutionJobs } from '../workflow/resolution-jobs';
import type { RoutingChanges } from '../routing/offer-router';
import { OfferSettlement } from '../routing/offer-settlement.service';
import { BotService, isBotOnlyCycle } from '../bot/bot.service';
import { NotesService } from '../notes/notes.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { MessengerRegistry } from '../messengers/messenger-registry.service';
import { TagsRepository } from '../tags/tags.repository';
import { UsersRepository } from '../users/users.repository';
import { ConversationEventsRepository } from './conversation-events.repository';
import { ConversationPublisher } from './conversation-publisher.service';
import {
  AssignBody,
  decodeCursor,
  encodeCursor,
  ListConversationsQuery,
  ListMessagesQuery,
  mapConversation,
  mapMessage,
  previewOf,
  SendMessageBody,
  StatusBody,
} from './conversations.dto';
import { ConversationsRepository, type ListFilter, type Visibility } from './conversations.repository';
import { MessagesRepository } from './messages.repository';

export function visibilityOf(auth: AuthUser): Visibility {
  return { workspaceId: auth.workspaceId, restrictToUserId: seesAllConversations(auth) ? null : auth.id };
}

@Injectable()
export class ConversationsService {
  constructor(
    private readonly tx: TransactionService,
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
    private readonly events: ConversationEventsRepository,
    private readonly contacts: ContactsRepository,
    private readonly users: UsersRepository,
    private readonly attachments: AttachmentsRepository,
    private readonly jobs: JobsRepository,
    private readonly worker: JobWorkerService,
    private readonly publisher: ConversationPublisher,
    private readonly messengers: MessengerRegistry,
    private readonly tags: TagsRepository,
    private readonly bot: BotService,
    private readonly notes: NotesService,
    private readonly offers: OfferSettlement,
    private readonly canned: CannedResponsesRepository,
  ) {}

  async list(auth: AuthUser, query: ListConversationsQuery): Promise<ConversationListResponse> {
    const limit = query.limit ?? 30;
    const filter: ListFilter = { status: query.status ?? 'open', limit, channelId: query.channelId, tag: query.tag };
    if (query.missed === 'true') filter.missed = true;
    if (query.q?.trim()) filter.q = query.q.trim();
    if (query.assignee === 'unassigned') filter.assignee = { kind: 'unassigned' };
    else if (query.assignee) filter.assignee = { kind: 'user', id: query.assignee === 'me' ? auth.id : query.assignee };
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      if (!after) throw ApiException.invalid('cursor', 'is not a cursor this API returned');
      filter.after = after;
    }
    const rows = await this.conversations.list(visibilityOf(auth), filter);
    const page = rows.slice(0, limit);
    return {
      items: page.map(mapConversation),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }

  async get(auth: AuthUser, id: string): Promise<ConversationDetail> {
    const visibility = visibilityOf(auth);
    const row = await this.conversations.findVisible(visibility, id);
    if (!row) throw ApiException.notFound('Conversation');
    const [contact, identities, others] = await Promise.all([
      this.contacts.findInWorkspace(auth.workspaceId, row.contact_id),
      this.contacts.listIdentities(auth.workspaceId, row.contact_id),
      this.conversations.listOfContact(visibility, row.contact_id, row.id),
    ]);
    if (!contact) throw ApiException.notFound('Conversation');
    return {
      ...mapConversation(row),
      contact: {
        id: contact.id,
        name: contact.name,
        email: contact.email,
        phone: contact.phone,
        identities: identities.map((i) => ({
          channelId: i.channel_id,
          channelType: i.channel_type,
          externalId: i.external_id,
        })),
        createdAt: contact.created_at.toISOString(),
      },
      cycle: row.cycle,
      cycleStartedAt: row.cycle_started_at.toISOString(),
      firstCustomerMessageAt: row.first_customer_message_at?.toISOString() ?? null,
      firstHumanReplyAt: row.first_human_reply_at?.toISOString() ?? null,
      resolvedAt: row.resolved_at?.toISOString() ?? null,
      messagingWindow: this.messengers.messagingWindow(row.channel_type, row.last_customer_message_at, new Date()),
      pastConversations: others.map((o) => ({
        id: o.id,
        channel: { id: o.channel_id, type: o.channel_type, name: o.channel_name },
        status: o.status,
        lastMessageAt: o.last_message_at.toISOString(),
      })),
    };
  }

  async listMessages(auth: AuthUser, id: string, query: ListMessagesQuery): Promise<MessageListResponse> {
    const conversation = await this.conversations.findVisible(visibilityOf(auth), id);
    if (!conversation) throw ApiException.notFound('Conversation');
    const limit = query.limit ?? 30;
    const rows = await this.messages.listThread(auth.workspaceId, id, {
      beforeId: query.before,
      limit: limit + 1,
      includePrivate: true,
    });
    return { items: rows.slice(0, limit).reverse().map(mapMessage), hasMore: rows.length > limit };
  }

  /**
   * Stores the message `queued` with its delivery job in one transaction. The same
   * `clientMessageId` again answers the message already stored, and nothing new is written.
   */
  async send(auth: AuthUser, id: string, body: SendMessageBody): Promise<MessageDto> {
    const template = body.template
      ? { name: body.template.name, language: body.template.language, parameters: body.template.parameters ?? [] }
      : null;
    const text = body.text.trim() || (template ? templateSummary(template) : '');
    const attachmentIds = [...new Set(body.attachmentIds ?? [])];
    if (!text && attachmentIds.length === 0) throw ApiException.invalid('text', 'must not be empty');
    const isPrivate = body.private ?? false;
    if (template && isPrivate) throw ApiException.invalid('template', 'a private note cannot be a template');
    if (body.mentionedUserIds?.length && !isPrivate)
      throw ApiException.invalid('mentionedUserIds', 'only private notes can mention teammates');
    // The reply records which canned response it came from: one the sender may use, or none.
    if (body.cannedResponseId && !(await this.canned.findUsable(auth.workspaceId, auth.id, body.cannedResponseId)))
      throw ApiException.invalid('cannedResponseId', 'is not a canned response you can use');
    let settled: RoutingChanges | null = null;
    const result = await this.tx.run(async (tx) => {
      const conversation = await this.conversations.lockVisible(tx, visibilityOf(auth), id);
      if (!conversation) throw ApiException.notFound('Conversation');
      if (body.clientMessageId) {
        const existing = await this.messages.findByClientMessageId(tx, auth.workspaceId, id, body.clientMessageId);
        if (existing) return { message: existing, fresh: false, assigned: false };
      }
      const attachments = await this.attachments.findOwned(
        auth.workspaceId,
        { type: 'agent', ref: auth.id },
        attachmentIds,
        tx,
      );
      if (attachments.length !== attachmentIds.length)
        throw ApiException.invalid('attachmentIds', 'contains an unknown attachment');
      const now = new Date();
      if (!isPrivate) this.checkWindow(conversation, template !== null, now);
      const message = await this.messages.insertUnlessDuplicate(tx, {
        workspace_id: auth.workspaceId,
        conversation_id: id,
        channel_id: conversation.channel_id,
        cycle: conversation.cycle,
        direction: 'out',
        author_type: 'agent',
        author_id: auth.id,
        author_name: auth.name,
        text,
        attachments,
        status: isPrivate ? 'sent' : 'queued',
        private: isPrivate,
        external_id: null,
        client_message_id: body.clientMessageId ?? null,
        canned_response_id: body.cannedResponseId ?? null,
        template,
        created_at: now,
      });
      if (!message) {
        // A concurrent request with the same clientMessageId committed first.
        const existing = await this.messages.findByClientMessageId(
          tx,
          auth.workspaceId,
          id,
          body.clientMessageId ?? '',
        );
        if (!existing) throw new Error('Message insert conflicted without a matching message');
        return { message: existing, fresh: false, assigned: false };
      }
      if (isPrivate) {
        const mentions = await this.notes.recordNote(tx, auth, conversation, message, body.mentionedUserIds);
        return { message, fresh: true, assigned: false, mentions };
      }
      await this.jobs.enqueue(tx, {
        workspaceId: auth.workspaceId,
        queue: DELIVERY_QUEUE,
        maxAttempts: DELIVERY_MAX_ATTEMPTS,
        payload: { messageId: message.id, conversationId: id },
      });
      await this.conversations.recordAgentMessage(tx, id, now, previewOf(text, attachments), true, {
        id: auth.id,
        name: auth.name,
      });
      await this.bot.onHumanReply(tx, conversation, now);
      const base = {
        workspaceId: auth.workspaceId,
        conversationId: id,
        channelId: conversation.channel_id,
        cycle: conversation.cycle,
        at: now,
      };
      const assigned = conversation.assignee_id === null;
      if (assigned) {
        await this.conversations.setAssignee(tx, id, auth.id);
        await this.enqueueCrmAssignment(tx, auth.workspaceId, id, conversation.cycle, auth.id);
        settled = await this.offers.assigneeChanged(tx, conversation, auth.id);
      }
      await this.events.append(tx, [
        ...(assigned
          ? [
              {
                ...base,
                type: 'assigned' as const,
                actorType: 'agent' as const,
                actorId: auth.id,
                payload: { from: null, to: auth.id, reason: 'first_reply' },
              },
            ]
          : []),
        {
          ...base,
          type: 'human_reply',
          actorType: 'agent',
          actorId: auth.id,
          payload: {
            messageId: message.id,
            cannedResponseId: body.cannedResponseId ?? null,
            firstInCycle: conversation.first_human_reply_at === null,
          },
        },
      ]);
      return { message, fresh: true, assigned };
    });
    if (result.fresh) {
      this.worker.nudge();
      if (result.mentions?.length) this.notes.notify(result.mentions);
      if (result.message.private) await this.publisher.messageChanged(result.message, 'created');
      else await this.publisher.messageAdded(result.message, 'updated');
      await this.offers.publish(settled);
    }
    return mapMessage(result.message);
  }

  /** Sends a failed message again, as the agent asked: a new delivery job, the same message. */
  async retry(auth: AuthUser, id: string, messageId: string): Promise<MessageDto> {
    const message = await this.tx.run(async (tx) => {
      const conversation = await this.conversations.lockVisible(tx, visibilityOf(auth), id);
      if (!conversation) throw ApiException.notFound('Conversation');
      const requeued = await this.messages.requeueFailed(tx, auth.workspaceId, id, messageId);
      if (!requeued) {
        throw new ApiException(HttpStatus.CONFLICT, 'not_failed', 'Only a message that failed to send can be retried');
      }
      await this.jobs.enqueue(tx, {
        workspaceId: auth.workspaceId,
        queue: DELIVERY_QUEUE,
        maxAttempts: DELIVERY_MAX_ATTEMPTS,
        payload: { messageId, conversationId: id },
      });
      return requeued;
    });
    this.worker.nudge();
    await this.publisher.messageChanged(message, 'updated');
    return mapMessage(message);
  }

  /** The CRM deal of the cycle follows its conversation's manager (the CRM worker decides). */
  private async enqueueCrmAssignment(
    tx: Db,
    workspaceId: string,
    conversationId: string,
    cycle: number,
    assigneeId: string | null,
  ): Promise<void> {
    if (!assigneeId) return;
    await this.jobs.enqueue(tx, {
      workspaceId,
      queue: CRM_QUEUE,
      payload: { action: 'assigned', conversationId, cycle, assigneeId },
      maxAttempts: CRM_MAX_ATTEMPTS,
    });
  }

  /** WhatsApp's 24-hour window: free text only while it is open; templates at any time, on WhatsApp only. */
  private checkWindow(
    conversation: { channel_type: ChannelType; last_customer_message_at: Date | null },
    isTemplate: boolean,
    now: Date,
  ): void {
    const window = this.messengers.messagingWindow(
      conversation.channel_type,
      conversation.last_customer_message_at,
      now,
    );
    if (isTemplate && !window)
      throw ApiException.invalid('template', 'templates can only be sent on WhatsApp channels');
    if (window && !window.open && !isTemplate) {
      throw new ApiException(
        HttpStatus.CONFLICT,
        'window_closed',
        `The ${window.hours}-hour window for free-form messages has closed: the customer has not written for ${window.hours} hours. Send an approved template instead.`,
        [{ field: 'template', message: 'required while the window is closed' }],
      );
    }
  }

  async assign(auth: AuthUser, id: string, body: AssignBody): Promise<void> {
    const target = body.assigneeId;
    if (!seesAllConversations(auth) && target !== null && target !== auth.id) {
      throw ApiException.forbidden('Managers can only assign conversations to themselves');
    }
    let settled: RoutingChanges | null = null;
    const previous = await this.tx.run(async (tx) => {
      const conversation = await this.conversations.lockVisible(tx, visibilityOf(auth), id);
      if (!conversation) throw ApiException.notFound('Conversation');
      if (target && !(await this.users.findInWorkspace(auth.workspaceId, target, tx))) {
        throw ApiException.invalid('assigneeId', 'is not a user of this workspace');
      }
      if (conversation.assignee_id === target) return undefined;
      await this.conversations.setAssignee(tx, id, target);
      settled = await this.offers.assigneeChanged(tx, conversation, target);
      await this.events.append(tx, [
        {
          workspaceId: auth.workspaceId,
          conversationId: id,
          channelId: conversation.channel_id,
          cycle: conversation.cycle,
          type: 'assigned',
          actorType: 'agent',
          actorId: auth.id,
          at: new Date(),
          payload: { from: conversation.assignee_id, to: target },
        },
      ]);
      await this.enqueueCrmAssignment(tx, auth.workspaceId, id, conversation.cycle, target);
      return conversation.assignee_id;
    });
    if (previous !== undefined) {
      if (target) this.worker.nudge();
      await this.publisher.conversationChanged(id, 'updated', previous);
      await this.offers.publish(settled);
    }
  }

  async setStatus(auth: AuthUser, id: string, body: StatusBody): Promise<void> {
    let settled: RoutingChanges | null = null;
    const changed = await this.tx.run(async (tx) => {
      const conversation = await this.conversations.lockVisible(tx, visibilityOf(auth), id);
      if (!conversation) throw ApiException.notFound('Conversation');
      const at = new Date();
      // Snoozing needs its wake-up time; snoozing again moves it (the earlier wake job finds nothing to do).
      const until = body.status === 'snoozed' ? snoozeUntil(body.snoozedUntil, at) : null;
      if (
        conversation.status === body.status &&
        (conversation.snoozed_until?.getTime() ?? null) === (until?.getTime() ?? null)
      )
        return false;
      if (until) await this.conversations.setStatus(tx, id, body.status, at, until);
      else await this.conversations.setStatus(tx, id, body.status, at);
      const type =
        body.status === 'resolved'
          ? 'resolved'
          : body.status === 'snoozed'
            ? 'snoozed'
            : conversation.status === 'resolved'
              ? 'reopened'
              : 'status_changed';
      await this.events.append(tx, [
        {
          workspaceId: auth.workspaceId,
          conversationId: id,
          channelId: conversation.channel_id,
          cycle: conversation.cycle,
          type,
          actorType: 'agent',
          actorId: auth.id,
          at,
          payload: {
            from: conversation.status,
            to: body.status,
            // Containment: a cycle the FAQ bot answered and nobody replied to.
            ...(type === 'resolved' && isBotOnlyCycle(conversation) ? { botOnly: true } : {}),
            ...(until ? { until: until.toISOString() } : {}),
          },
        },
      ]);
      if (until) await this.jobs.enqueue(tx, snoozeWakeJob(auth.workspaceId, id, until));
      if (type === 'resolved') {
        const resolution = {
          workspaceId: auth.workspaceId,
          conversationId: id,
          channelId: conversation.channel_id,
          cycle: conversation.cycle,
          at,
        };
        for (const job of resolutionJobs(resolution)) await this.jobs.enqueue(tx, job);
        settled = await this.offers.assigneeChanged(tx, conversation, null);
      }
      return true;
    });
    if (changed) {
      this.worker.nudge();
      await this.publisher.conversationChanged(id);
      await this.offers.publish(settled);
    }
  }

  /** Replaces the conversation's tags (names of workspace tags); each change is an event for metrics. */
  async setTags(auth: AuthUser, id: string, names: string[]): Promise<void> {
    const changed = await this.tx.run(async (tx) => {
      const conversation = await this.conversations.lockVisible(tx, visibilityOf(auth), id);
      if (!conversation) throw ApiException.notFound('Conversation');
      const wanted = [...new Set(names.map((n) => n.trim().toLowerCase()).filter(Boolean))];
      const known = await this.tags.findByNames(auth.workspaceId, wanted, tx);
      if (known.length !== wanted.length) {
        const missing = wanted.filter((n) => !known.some((t) => t.name.toLowerCase() === n));
        throw ApiException.invalid('tags', `unknown tag: ${missing.join(', ')}`);
      }
      const next = known.map((t) => t.name).sort((a, b) => a.localeCompare(b));
      const added = next.filter((t) => !conversation.tags.includes(t));
      const removed = conversation.tags.filter((t) => !next.includes(t));
      if (!added.length && !removed.length) return false;
      await this.conversations.setTags(tx, id, next);
      const at = new Date();
      const base = {
        workspaceId: auth.workspaceId,
        conversationId: id,
        channelId: conversation.channel_id,
        cycle: conversation.cycle,
        actorType: 'agent' as const,
        actorId: auth.id,
        at,
      };
      await this.events.append(tx, [
        ...added.map((tag) => ({ ...base, type: 'tag_added' as const, payload: { tag } })),
        ...removed.map((tag) => ({ ...base, type: 'tag_removed' as const, payload: { tag } })),
      ]);
      return true;
    });
    if (changed) await this.publisher.conversationChanged(id);
  }

  async markRead(auth: AuthUser, id: string): Promise<void> {
    if (!(await this.conversations.markRead(visibilityOf(auth), id))) throw ApiException.notFound('Conversation');
    await this.publisher.conversationChanged(id);
  }
}

function templateSummary(template: { name: string; language: string; parameters: string[] }): string {
  const parameters = template.parameters.length ? `: ${template.parameters.join(', ')}` : '';
  return `Template ${template.name} (${template.language})${parameters}`;
}
