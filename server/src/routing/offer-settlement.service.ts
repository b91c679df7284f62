import { Injectable } from '@nestjs/common';
import type { Db } from '../database/database';
import { OfferRouter, RoutingChanges } from './offer-router';
import { RoutingPublisher } from './routing-publisher.service';

/**
 * For the inbox's own assignment paths (first reply, manual assignment, resolution): a pending
 * offer of the conversation is closed in the same transaction — accepted when the offered manager
 * took it, else cancelled — and the offer card disappears once the change has committed.
 */
@Injectable()
export class OfferSettlement {
  constructor(
    private readonly router: OfferRouter,
    private readonly publisher: RoutingPublisher,
  ) {}

  /** Call with the conversation locked; `assigneeId` null when it was unassigned or resolved. */
  async assigneeChanged(
    tx: Db,
    conversation: { id: string; workspace_id: string },
    assigneeId: string | null,
  ): Promise<RoutingChanges> {
    const changes = new RoutingChanges();
    await this.router.settle(tx, conversation, assigneeId, changes);
    return changes;
  }

  async publish(changes: RoutingChanges | null): Promise<void> {
    if (changes && !changes.empty) await this.publisher.publish(changes);
  }
}
