import { HttpStatus, Injectable } from '@nestjs/common';
import { CrmError } from '@onebox/crm';
import { ApiException } from '../common/api.exception';
import { TransactionService } from '../database/transaction.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { CrmRegistry } from './crm-registry.service';
import { CRM_MAX_ATTEMPTS, CRM_QUEUE, type CrmJob } from './crm.constants';
import { CrmRepository } from './crm.repository';

/**
 * CRM webhooks (amoCRM: secret in the URL + subdomain; Bitrix24: application token): verified by
 * the adapter before anything is written, then each changed deal is read back by a durable job —
 * never updated from here, so Onebox's own writes cannot loop. A deal already waiting to be read
 * gets no second job: repeated and retried webhooks cost the CRM one read.
 */
@Injectable()
export class CrmWebhooksService {
  constructor(
    private readonly crm: CrmRepository,
    private readonly registry: CrmRegistry,
    private readonly jobs: JobsRepository,
    private readonly worker: JobWorkerService,
    private readonly tx: TransactionService,
  ) {}

  async receive(
    type: 'amocrm' | 'bitrix24',
    connectionId: string,
    request: { pathSecret?: string; headers: Record<string, string | string[] | undefined>; rawBody: unknown },
  ): Promise<{ ok: true }> {
    const connection = await this.crm.findById(connectionId);
    if (!connection || connection.type !== type) throw ApiException.notFound('CRM connection');
    const { adapter, settings } = this.registry.connect(connection);
    let events;
    try {
      events = adapter.parseWebhook(settings, {
        pathSecret: request.pathSecret,
        headers: request.headers,
        rawBody: Buffer.isBuffer(request.rawBody) ? request.rawBody : Buffer.alloc(0),
      });
    } catch (err) {
      if (err instanceof CrmError && err.code === 'invalid_credentials') {
        throw new ApiException(HttpStatus.UNAUTHORIZED, 'invalid_signature', 'The webhook secret does not match');
      }
      throw new ApiException(
        HttpStatus.BAD_REQUEST,
        'malformed_webhook',
        `The webhook could not be read: ${(err as Error).message}`,
      );
    }
    const dealIds = [...new Set(events.map((e) => e.dealId))];
    if (dealIds.length === 0) return { ok: true };
    await this.tx.run(async (tx) => {
      for (const externalId of dealIds) {
        const job: CrmJob = { action: 'sync-deal', connectionId, externalId };
        await this.jobs.enqueueOnce(tx, {
          workspaceId: connection.workspace_id,
          queue: CRM_QUEUE,
          payload: job,
          maxAttempts: CRM_MAX_ATTEMPTS,
        });
      }
    });
    this.worker.nudge();
    return { ok: true };
  }
}
