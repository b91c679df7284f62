import { HttpStatus, Injectable } from '@nestjs/common';
import type { DealDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { visibilityOf } from '../conversations/conversations.service';
import { TransactionService } from '../database/transaction.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { CRM_MAX_ATTEMPTS, CRM_QUEUE, type CrmJob } from './crm.constants';
import { CreateDealBody, UpdateDealBody } from './crm.dto';
import { CrmRepository } from './crm.repository';
import { DealPublisher } from './deal-publisher.service';
import { DealsRepository } from './deals.repository';

/** The deal card of a conversation: read it, create or link a deal, move its stage or amount. */
@Injectable()
export class DealsService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly deals: DealsRepository,
    private readonly crm: CrmRepository,
    private readonly jobs: JobsRepository,
    private readonly worker: JobWorkerService,
    private readonly tx: TransactionService,
    private readonly publisher: DealPublisher,
  ) {}

  async get(auth: AuthUser, conversationId: string): Promise<DealDto | null> {
    await this.visible(auth, conversationId);
    const deal = await this.deals.latestForConversation(auth.workspaceId, conversationId);
    return deal ? this.publisher.dto(deal) : null;
  }

  /** Creates a deal now (or links an existing one): stored pending, written to the CRM by a job. */
  async create(auth: AuthUser, conversationId: string, body: CreateDealBody): Promise<DealDto> {
    const conversation = await this.visible(auth, conversationId);
    const connection = await this.requireCrm(auth);
    const deal = await this.tx.run(async (tx) => {
      const row = await this.deals.insertPending(
        {
          workspace_id: auth.workspaceId,
          crm_connection_id: connection.id,
          conversation_id: conversationId,
          cycle: conversation.cycle,
          origin: body.externalId ? 'linked' : 'manual',
          title: body.title?.trim() || `${conversation.contact_name} — ${conversation.channel_name}`,
          external_id: body.externalId ?? null,
        },
        tx,
      );
      if (!row) {
        throw new ApiException(
          HttpStatus.CONFLICT,
          'deal_linked',
          'This CRM deal is already linked to a conversation',
          [{ field: 'externalId', message: 'already linked' }],
        );
      }
      const job: CrmJob = body.externalId
        ? { action: 'link-deal', dealId: row.id }
        : { action: 'create-deal', dealId: row.id };
      await this.jobs.enqueue(tx, {
        workspaceId: auth.workspaceId,
        queue: CRM_QUEUE,
        payload: job,
        maxAttempts: CRM_MAX_ATTEMPTS,
      });
      return row;
    });
    this.worker.nudge();
    await this.publisher.changed(deal);
    return this.publisher.dto(deal);
  }

  /** A stage or amount change from the inbox; the CRM is written by a job, then read back. */
  async update(auth: AuthUser, conversationId: string, body: UpdateDealBody): Promise<DealDto> {
    await this.visible(auth, conversationId);
    if (body.stageId === undefined && body.amount === undefined)
      throw ApiException.invalid('stageId', 'give a stage or an amount');
    await this.requireCrm(auth);
    const deal = await this.deals.latestForConversation(auth.workspaceId, conversationId);
    if (!deal) throw ApiException.notFound('Deal');
    await this.tx.run(async (tx) => {
      await this.deals.markPending(deal.id, tx);
      await this.jobs.enqueue(tx, {
        workspaceId: auth.workspaceId,
        queue: CRM_QUEUE,
        payload: {
          action: 'update-deal',
          dealId: deal.id,
          stageId: body.stageId,
          amount: body.amount,
          currency: body.currency,
        } satisfies CrmJob,
        maxAttempts: CRM_MAX_ATTEMPTS,
      });
    });
    this.worker.nudge();
    const pending = { ...deal, sync_state: 'pending' as const, sync_error: null };
    await this.publisher.changed(pending);
    return this.publisher.dto(pending);
  }

  private async visible(auth: AuthUser, conversationId: string) {
    const conversation = await this.conversations.findVisible(visibilityOf(auth), conversationId);
    if (!conversation) throw ApiException.notFound('Conversation');
    return conversation;
  }

  private async requireCrm(auth: AuthUser) {
    const connection = await this.crm.findActive(auth.workspaceId);
    if (!connection)
      throw new ApiException(
        HttpStatus.CONFLICT,
        'no_crm',
        'No CRM is connected: connect amoCRM or Bitrix24 in Settings → CRM',
      );
    return connection;
  }
}
