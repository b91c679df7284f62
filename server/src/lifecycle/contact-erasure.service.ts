import { Injectable, Logger } from '@nestjs/common';
import { CycleFactsRepository } from '../analytics/cycle-facts.repository';
import { AttachmentsService } from '../attachments/attachments.service';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { TransactionService } from '../database/transaction.service';
import { ErasureRepository } from './erasure.repository';

/**
 * Erases a contact on request (`DELETE /api/contacts/:id`): every row about them in one
 * transaction, their analytics facts subtracted from the daily rollup in the same transaction,
 * then their stored files. The audit line names ids and counts, never personal data.
 */
/** The advisory lock an analytics refresher pass holds (see `AnalyticsRefresher`). */
const ANALYTICS_LOCK = 'onebox:analytics';

@Injectable()
export class ContactErasureService {
  private readonly logger = new Logger('Erasure');

  constructor(
    private readonly tx: TransactionService,
    private readonly erasure: ErasureRepository,
    private readonly facts: CycleFactsRepository,
    private readonly attachments: AttachmentsService,
  ) {}

  async erase(auth: AuthUser, contactId: string): Promise<void> {
    // Under the refresher's lock: a pass running meanwhile must not write back facts of what is erased.
    const erased = await this.tx.runExclusive(ANALYTICS_LOCK, async (tx) => {
      if (!(await this.erasure.lockContact(tx, auth.workspaceId, contactId))) throw ApiException.notFound('Contact');
      const conversationIds = await this.erasure.conversationIds(tx, auth.workspaceId, contactId);
      // No facts in their place: the stored cycles go, and their share of the daily rollup with them.
      const keys = conversationIds.map((conversationId) => ({ workspaceId: auth.workspaceId, conversationId }));
      await this.facts.replace(tx, keys, []);
      return this.erasure.erase(tx, auth.workspaceId, contactId, conversationIds);
    });
    await this.attachments
      .deleteFiles(erased.storageKeys)
      .catch((err: Error) => this.logger.error(`Files of erased contact ${contactId} not all deleted: ${err.message}`));
    this.logger.log(
      `Contact ${contactId} erased by user ${auth.id} (workspace ${auth.workspaceId}): ` +
        `${erased.conversations} conversations, ${erased.messages} messages, ${erased.storageKeys.length} files`,
    );
  }
}
