import { Injectable } from '@nestjs/common';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { RealtimeService } from '../realtime/realtime.service';
import type { RoutingChanges } from './offer-router';
import { mapOffer } from './routing.dto';
import { RoutingRepository } from './routing.repository';

/** Tells the managers concerned what a committed routing transaction changed. */
@Injectable()
export class RoutingPublisher {
  constructor(
    private readonly routing: RoutingRepository,
    private readonly realtime: RealtimeService,
    private readonly conversations: ConversationPublisher,
  ) {}

  async publish(changes: RoutingChanges): Promise<void> {
    for (const offer of changes.closed) {
      this.realtime.toUser(offer.user_id, 'offer.closed', {
        offerId: offer.id,
        conversationId: offer.conversation_id,
        outcome: offer.outcome,
      });
    }
    for (const change of changes.conversations) {
      await this.conversations.conversationChanged(change.id, 'updated', change.previousAssigneeId);
    }
    for (const offer of changes.created) {
      const view = await this.routing.findView(offer.workspace_id, offer.id);
      if (view && !view.outcome) this.realtime.toUser(offer.user_id, 'offer.created', mapOffer(view));
    }
  }
}
