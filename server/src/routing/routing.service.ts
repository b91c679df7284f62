import { Inject, Injectable } from '@nestjs/common';
import type { ChannelDto, OfferDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { mapChannel } from '../channels/channels.dto';
import { ChannelsRepository } from '../channels/channels.repository';
import { ApiException } from '../common/api.exception';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { visibilityOf } from '../conversations/conversations.service';
import { MessagesRepository, type MessageRow } from '../conversations/messages.repository';
import { CRM_MAX_ATTEMPTS, CRM_QUEUE } from '../crm/crm.constants';
import { TransactionService } from '../database/transaction.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { UsersRepository } from '../users/users.repository';
import { OfferRouter, RoutingChanges, offerClosedError } from './offer-router';
import { routingOf } from './routing-policy';
import { ROUTING_MAX_ATTEMPTS, ROUTING_QUEUE } from './routing.constants';
import { ChannelRoutingBody, mapOffer, TransferBody } from './routing.dto';
import { RoutingPublisher } from './routing-publisher.service';
import { RoutingRepository } from './routing.repository';

/** Routing as the API offers it: channel modes, a manager's offers, transfers. */
@Injectable()
export class RoutingService {
  constructor(
    private readonly tx: TransactionService,
    private readonly routing: RoutingRepository,
    private readonly router: OfferRouter,
    private readonly publisher: RoutingPublisher,
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
    private readonly events: ConversationEventsRepository,
    private readonly users: UsersRepository,
    private readonly channels: ChannelsRepository,
    private readonly jobs: JobsRepository,
    private readonly worker: JobWorkerService,
    private readonly conversationPublisher: ConversationPublisher,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'publicUrl'>,
  ) {}

  /** Sets a channel's routing; a routed mode offers the conversations already waiting in its queue. */
  async setChannelRouting(auth: AuthUser, channelId: string, body: ChannelRoutingBody): Promise<ChannelDto> {
    const channel = await this.channels.findInWorkspace(auth.workspaceId, channelId);
    if (!channel) throw ApiException.notFound('Channel');
    const current = routingOf(channel.settings);
    const row = await this.routing.setChannelRouting(auth.workspaceId, channelId, {
      mode: body.mode,
      offerTimeoutSec: body.offerTimeoutSec ?? current.offerTimeoutSec,
      ownerTimeoutSec: body.ownerTimeoutSec ?? current.ownerTimeoutSec,
    });
    if (!row) throw ApiException.notFound('Channel');
    if (body.mode !== 'open') {
      await this.tx.run((tx) => this.jobs.enqueue(tx, this.routeWaitingJob(auth.workspaceId)));
      this.worker.nudge();
    }
    return mapChannel(row, this.config.publicUrl);
  }

  async pendingOffers(auth: AuthUser): Promise<OfferDto[]> {
    return (await this.routing.listPendingFor(auth.workspaceId, auth.id)).map(mapOffer);
  }

  async accept(auth: AuthUser, offerId: string): Promise<void> {
    await this.answer(auth, offerId, true);
  }

  async decline(auth: AuthUser, offerId: string): Promise<void> {
    await this.answer(auth, offerId, false);
  }

  /**
   * Hands the conversation to another user, or back to the queue (`assigneeId: null`, routed again
   * per the channel's mode, never back to the one who let it go). The note stays in the thread as
   * a private message; a `transferred` event records who passed it to whom.
   */
  async transfer(auth: AuthUser, id: string, body: TransferBody): Promise<void> {
    const target = body.assigneeId;
    const changes = new RoutingChanges();
    const result = await this.tx.run(async (tx) => {
      const conversation = await this.conversations.lockVisible(tx, visibilityOf(auth), id);
      if (!conversation) throw ApiException.notFound('Conversation');
      if (target && !(await this.users.findInWorkspace(auth.workspaceId, target, tx))) {
        throw ApiException.invalid('assigneeId', 'is not a user of this workspace');
      }
      if (conversation.assignee_id === target) {
        throw ApiException.invalid(
          'assigneeId',
          target ? 'already has this conversation' : 'the conversation is already in the queue',
        );
      }
      const at = new Date();
      await this.router.settle(tx, conversation, target, changes, at);
      await this.conversations.setAssignee(tx, id, target);
      const note = body.note?.trim() || null;
      let message: MessageRow | null = null;
      if (note) {
        message = await this.messages.insertUnlessDuplicate(tx, {
          workspace_id: auth.workspaceId,
          conversation_id: id,
          channel_id: conversation.channel_id,
          cycle: conversation.cycle,
          direction: 'out',
          author_type: 'agent',
          author_id: auth.id,
          author_name: auth.name,
          text: note,
          attachments: [],
          status: 'sent',
          private: true,
          external_id: null,
          client_message_id: null,
          canned_response_id: null,
          created_at: at,
        });
      }
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
        {
          ...base,
          type: 'transferred',
          payload: { fromUserId: conversation.assignee_id, toUserId: target, note, messageId: message?.id ?? null },
        },
        { ...base, type: 'assigned', payload: { from: conversation.assignee_id, to: target, reason: 'transfer' } },
      ]);
      if (target) {
        await this.jobs.enqueue(tx, {
          workspaceId: auth.workspaceId,
          queue: CRM_QUEUE,
          payload: { action: 'assigned', conversationId: id, cycle: conversation.cycle, assigneeId: target },
          maxAttempts: CRM_MAX_ATTEMPTS,
        });
      }
      // Back to the queue: routed again per the channel's mode. To someone: the giver's capacity freed.
      await this.jobs.enqueue(
        tx,
        target
          ? this.routeWaitingJob(auth.workspaceId)
          : {
              workspaceId: auth.workspaceId,
              queue: ROUTING_QUEUE,
              payload: { action: 'route', conversationId: id, cycle: conversation.cycle },
              maxAttempts: ROUTING_MAX_ATTEMPTS,
            },
      );
      return { previous: conversation.assignee_id, message };
    });
    this.worker.nudge();
    await this.conversationPublisher.conversationChanged(id, 'updated', result.previous);
    if (result.message) await this.conversationPublisher.messageChanged(result.message, 'created');
    await this.publisher.publish(changes);
  }

  private async answer(auth: AuthUser, offerId: string, accept: boolean): Promise<void> {
    const changes = new RoutingChanges();
    const outcome = await this.tx.run((tx) => this.router.answer(tx, auth, offerId, accept, changes));
    this.worker.nudge();
    await this.publisher.publish(changes);
    if (outcome === 'closed') throw offerClosedError();
  }

  private routeWaitingJob(workspaceId: string) {
    return {
      workspaceId,
      queue: ROUTING_QUEUE,
      payload: { action: 'route-waiting' },
      maxAttempts: ROUTING_MAX_ATTEMPTS,
    };
  }
}
