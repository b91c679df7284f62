import { Injectable, Logger } from '@nestjs/common';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { JobError, type JobProcessor } from '../jobs/job-processor';
import type { JobRow } from '../jobs/jobs.repository';
import { OfferRouter, RoutingChanges } from './offer-router';
import { ROUTING_QUEUE } from './routing.constants';
import { RoutingPublisher } from './routing-publisher.service';
import { RoutingRepository } from './routing.repository';

export type RoutingJob =
  | { action: 'route'; conversationId: string; cycle?: number }
  | { action: 'expire'; offerId: string }
  | { action: 'route-waiting' }
  | { action: 'withdraw'; userId: string };

/** How many waiting conversations one `route-waiting` pass offers (the rest wait for the next trigger). */
const WAITING_BATCH = 100;

/**
 * Routing work as durable jobs: `route` (a new cycle, or a conversation put back to the queue),
 * `expire` (an offer's timer, due at `expires_at`) and `route-waiting` (someone came online or
 * freed capacity: offer the queue's waiting conversations). Every step re-reads the state under
 * the workspace's routing lock, so a job that runs twice changes nothing the second time.
 */
@Injectable()
export class RoutingProcessor implements JobProcessor {
  readonly queue = ROUTING_QUEUE;
  private readonly logger = new Logger('Routing');

  constructor(
    private readonly tx: TransactionService,
    private readonly router: OfferRouter,
    private readonly routing: RoutingRepository,
    private readonly publisher: RoutingPublisher,
  ) {}

  async process(job: JobRow): Promise<void> {
    const payload = job.payload as RoutingJob;
    const workspaceId = job.workspace_id;
    if (!workspaceId) return;
    if (payload.action === 'route') {
      await this.run((tx, changes) =>
        this.router.route(tx, workspaceId, payload.conversationId, payload.cycle ?? null, changes),
      );
    } else if (payload.action === 'expire') {
      let left = 0;
      await this.run(async (tx, changes) => {
        left = await this.router.expire(tx, workspaceId, payload.offerId, changes);
      });
      if (left > 0) throw JobError.defer('offer not expired yet', left);
    } else if (payload.action === 'withdraw') {
      // The manager went away or closed the app: their pending offers move on now.
      for (const offer of await this.routing.listPendingFor(workspaceId, payload.userId)) {
        await this.run(async (tx, changes) => {
          await this.router.expire(tx, workspaceId, offer.id, changes, { early: true });
        });
      }
    } else if (payload.action === 'route-waiting') {
      for (const id of await this.routing.listWaiting(workspaceId, WAITING_BATCH)) {
        await this.run((tx, changes) => this.router.route(tx, workspaceId, id, null, changes));
      }
    }
  }

  onGiveUp(job: JobRow, error: JobError): Promise<void> {
    this.logger.warn(`routing job ${job.id} given up: ${error.message}`);
    return Promise.resolve();
  }

  private async run(work: (tx: Db, changes: RoutingChanges) => Promise<void>): Promise<void> {
    const changes = new RoutingChanges();
    await this.tx.run((tx) => work(tx, changes));
    if (!changes.empty) await this.publisher.publish(changes);
  }
}
