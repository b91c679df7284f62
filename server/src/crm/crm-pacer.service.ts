import { Injectable } from '@nestjs/common';
import type { CrmAdapter } from '@onebox/crm';
import { RateGate } from '../common/rate-gate';

/**
 * Spaces the calls to each CRM account to its documented rate (this process's share), a fifth
 * under it: the CRM counts calls as they arrive, delays on the way (a busy event loop, the
 * network) bunch them up, and amoCRM answers abuse by blocking the address. Every caller of a
 * CRM's API — sync jobs and the catalog of pipelines and users — waits its turn here.
 */
@Injectable()
export class CrmPacer {
  private readonly gate = new RateGate();

  wait(connectionId: string, limit: CrmAdapter['rateLimit']): Promise<void> {
    return this.gate.wait(connectionId, Math.ceil(1200 / limit.perSecond));
  }
}
