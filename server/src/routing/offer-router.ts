import { HttpStatus, Injectable } from '@nestjs/common';
import type { OfferOutcome } from '@onebox/contracts';
import { ApiException } from '../common/api.exception';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { CRM_MAX_ATTEMPTS, CRM_QUEUE } from '../crm/crm.constants';
import type { Db } from '../database/database';
import { JobsRepository } from '../jobs/jobs.repository';
import { isRouted, pickManager, routingOf } from './routing-policy';
import { ROUTING_MAX_ATTEMPTS, ROUTING_QUEUE } from './routing.constants';
import { RoutingRepository, type OfferRow, type RoutedConversationRow } from './routing.repository';

/** What a routing transaction changed, published to sockets once it has committed. */
export class RoutingChanges {
  readonly created: OfferRow[] = [];
  readonly closed: (OfferRow & { outcome: OfferOutcome })[] = [];
  readonly conversations: { id: string; previousAssigneeId: string | null }[] = [];

  get empty(): boolean {
    return !this.created.length && !this.closed.length && !this.conversations.length;
  }
}

/**
 * The routing decisions, each inside the caller's transaction: offer a conversation to the next
 * manager, close offers (accepted, declined, expired, cancelled) with their events, and move on.
 * Lock order everywhere: the workspace's routing lock, then the conversation, then its offer.
 */
@Injectable()
export class OfferRouter {
  constructor(
    private readonly routing: RoutingRepository,
    private readonly conversations: ConversationsRepository,
    private readonly events: ConversationEventsRepository,
    private readonly jobs: JobsRepository,
  ) {}

  /**
   * Routes a conversation per its channel's mode. A returning contact's conversation still carries
   * the previous cycle's manager: unless someone was assigned in this cycle, routing takes it back
   * to the queue and offers it (to that manager first in `owner` mode).
   */
  async route(tx: Db, workspaceId: string, conversationId: string, cycle: number | null, changes: RoutingChanges) {
    // Most channels keep the open queue: leave without taking the workspace's routing lock.
    const peek = await this.routing.lockConversation(tx, workspaceId, conversationId, false);
    if (!peek || !isRouted(routingOf(peek.channel_settings).mode)) return;
    await this.routing.lockWorkspace(tx, workspaceId);
    const conversation = await this.routing.lockConversation(tx, workspaceId, conversationId);
    if (!conversation || (cycle !== null && conversation.cycle !== cycle)) return;
    if (!isRouted(routingOf(conversation.channel_settings).mode) || conversation.status !== 'open') return;
    // The FAQ bot answers first; its hand-off routes the cycle again (handoffJobs).
    if (conversation.in_bot_phase) return;
    if (conversation.assignee_id) {
      if (await this.routing.assignedInCycle(tx, workspaceId, conversationId, conversation.cycle)) return;
      await this.conversations.setAssignee(tx, conversationId, null);
      await this.events.append(tx, [
        {
          ...this.base(conversation),
          type: 'assigned',
          actorType: 'system',
          actorId: null,
          at: new Date(),
          payload: { from: conversation.assignee_id, to: null, reason: 'routing' },
        },
      ]);
      changes.conversations.push({ id: conversationId, previousAssigneeId: conversation.assignee_id });
      conversation.assignee_id = null;
    }
    await this.offerNext(tx, conversation, changes);
  }

  /**
   * An offer's time ran out: it expires and the conversation moves on. Answers ms left when early,
   * unless `early` (the manager went away or closed the app: nobody is there to answer it).
   */
  async expire(
    tx: Db,
    workspaceId: string,
    offerId: string,
    changes: RoutingChanges,
    { now = new Date(), early = false }: { now?: Date; early?: boolean } = {},
  ) {
    await this.routing.lockWorkspace(tx, workspaceId);
    const { offer, conversation } = await this.lockOfferWithConversation(tx, workspaceId, offerId);
    if (!offer || offer.outcome) return 0;
    const left = offer.expires_at.getTime() - now.getTime();
    if (left > 0 && !early) return left;
    if (!conversation || !this.stillOffered(conversation, offer)) {
      await this.close(tx, offer, 'cancelled', now, changes);
      return 0;
    }
    await this.close(tx, offer, 'expired', now, changes);
    await this.offerNext(tx, conversation, changes);
    return 0;
  }

  /** The offered manager answers. A closed offer answers 409 `offer_closed`; someone else's, 404. */
  async answer(
    tx: Db,
    user: { id: string; workspaceId: string },
    offerId: string,
    accept: boolean,
    changes: RoutingChanges,
  ): Promise<'accepted' | 'declined' | 'closed'> {
    await this.routing.lockWorkspace(tx, user.workspaceId);
    const { offer, conversation } = await this.lockOfferWithConversation(tx, user.workspaceId, offerId);
    if (!offer || offer.user_id !== user.id) throw ApiException.notFound('Offer');
    if (offer.outcome) return 'closed';
    const now = new Date();
    if (!conversation || !this.stillOffered(conversation, offer)) {
      await this.close(tx, offer, 'cancelled', now, changes);
      return 'closed';
    }
    if (!accept) {
      await this.close(tx, offer, 'declined', now, changes);
      await this.offerNext(tx, conversation, changes);
      return 'declined';
    }
    await this.close(tx, offer, 'accepted', now, changes);
    await this.assign(tx, conversation, user.id);
    await this.events.append(tx, [
      {
        ...this.base(conversation),
        type: 'assigned',
        actorType: 'agent',
        actorId: user.id,
        at: now,
        payload: { from: null, to: user.id, reason: 'offer', offerId },
      },
    ]);
    changes.conversations.push({ id: conversation.id, previousAssigneeId: null });
    return 'accepted';
  }

  /**
   * Someone took the conversation another way (a reply, an assignment, a transfer, a resolution)
   * while an offer was pending: the offer is accepted when the offered manager took it, else
   * cancelled. The caller holds the conversation's lock and records the assignment itself.
   */
  async settle(
    tx: Db,
    conversation: { id: string; workspace_id: string },
    assigneeId: string | null,
    changes: RoutingChanges,
    at = new Date(),
  ): Promise<void> {
    const pending = await this.routing.lockPending(tx, conversation.workspace_id, conversation.id);
    if (!pending) return;
    await this.close(tx, pending, pending.user_id === assigneeId ? 'accepted' : 'cancelled', at, changes);
  }

  /** Offers the (locked, unassigned) conversation to the next available manager, if any. */
  private async offerNext(tx: Db, conversation: RoutedConversationRow, changes: RoutingChanges): Promise<void> {
    const routing = routingOf(conversation.channel_settings);
    if (!isRouted(routing.mode) || conversation.status !== 'open' || conversation.assignee_id) return;
    const ws = conversation.workspace_id;
    if (await this.routing.lockPending(tx, ws, conversation.id)) return;
    const excludeUserIds = await this.routing.excludedUserIds(tx, ws, conversation.id, conversation.cycle);
    const ownerId =
      routing.mode === 'owner' &&
      conversation.cycle > 1 &&
      (await this.routing.countOffers(tx, ws, conversation.id, conversation.cycle)) === 0
        ? await this.routing.previousAssignee(tx, ws, conversation.id, conversation.cycle)
        : null;
    const candidates = (await this.routing.candidates(tx, ws)).map((c) => ({
      userId: c.user_id,
      status: c.status,
      maxChats: c.max_chats,
      load: c.load,
      lastOfferedAt: c.last_offered_at,
    }));
    const pick = pickManager(candidates, { excludeUserIds, ownerId });
    if (!pick) return;
    const now = new Date();
    const timeoutSec = pick.reason === 'owner' ? routing.ownerTimeoutSec : routing.offerTimeoutSec;
    const offer = await this.routing.insertOffer(tx, {
      workspace_id: ws,
      conversation_id: conversation.id,
      channel_id: conversation.channel_id,
      cycle: conversation.cycle,
      user_id: pick.userId,
      reason: pick.reason,
      offered_at: now,
      expires_at: new Date(now.getTime() + timeoutSec * 1000),
    });
    await this.events.append(tx, [
      {
        ...this.base(conversation),
        type: 'offer_made',
        actorType: 'system',
        actorId: null,
        at: now,
        payload: { offerId: offer.id, userId: pick.userId, reason: pick.reason },
      },
    ]);
    await this.jobs.enqueue(tx, {
      workspaceId: ws,
      queue: ROUTING_QUEUE,
      payload: { action: 'expire', offerId: offer.id },
      maxAttempts: ROUTING_MAX_ATTEMPTS,
      runAt: offer.expires_at,
    });
    changes.created.push(offer);
  }

  private async close(
    tx: Db,
    offer: OfferRow,
    outcome: OfferOutcome,
    at: Date,
    changes: RoutingChanges,
  ): Promise<void> {
    await this.routing.decide(tx, offer.id, outcome, at);
    const type = (
      { accepted: 'offer_accepted', declined: 'offer_declined', expired: 'offer_expired', cancelled: null } as const
    )[outcome];
    if (type) {
      await this.events.append(tx, [
        {
          workspaceId: offer.workspace_id,
          conversationId: offer.conversation_id,
          channelId: offer.channel_id,
          cycle: offer.cycle,
          type,
          actorType: outcome === 'expired' ? 'system' : 'agent',
          actorId: outcome === 'expired' ? null : offer.user_id,
          at,
          payload: { offerId: offer.id, userId: offer.user_id, waitMs: at.getTime() - offer.offered_at.getTime() },
        },
      ]);
    }
    changes.closed.push({ ...offer, outcome, decided_at: at });
  }

  private async assign(tx: Db, conversation: RoutedConversationRow, userId: string): Promise<void> {
    await this.conversations.setAssignee(tx, conversation.id, userId);
    conversation.assignee_id = userId;
    // The CRM deal's responsible follows the conversation's manager (the CRM worker decides).
    await this.jobs.enqueue(tx, {
      workspaceId: conversation.workspace_id,
      queue: CRM_QUEUE,
      payload: { action: 'assigned', conversationId: conversation.id, cycle: conversation.cycle, assigneeId: userId },
      maxAttempts: CRM_MAX_ATTEMPTS,
    });
  }

  /** Reads the offer, then locks its conversation and the offer in the routing lock order. */
  private async lockOfferWithConversation(tx: Db, workspaceId: string, offerId: string) {
    const peek = await this.routing.lockOffer(tx, workspaceId, offerId, false);
    if (!peek) return { offer: null, conversation: null };
    const conversation = await this.routing.lockConversation(tx, workspaceId, peek.conversation_id);
    const offer = await this.routing.lockOffer(tx, workspaceId, offerId, true);
    return { offer, conversation };
  }

  private stillOffered(conversation: RoutedConversationRow, offer: OfferRow): boolean {
    return conversation.cycle === offer.cycle && conversation.status === 'open' && conversation.assignee_id === null;
  }

  private base(conversation: RoutedConversationRow) {
    return {
      workspaceId: conversation.workspace_id,
      conversationId: conversation.id,
      channelId: conversation.channel_id,
      cycle: conversation.cycle,
    };
  }
}

export function offerClosedError(): ApiException {
  return new ApiException(HttpStatus.CONFLICT, 'offer_closed', 'This offer is no longer open');
}
