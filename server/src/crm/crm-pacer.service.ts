import { Injectable } from '@nestjs/common';
import type { CrmAdapter } from '@onebox/crm';
import { RateGate } from '../common/rate-gate';

/**
 * Spaces the calls to each CRM account to its documented rate, a fifth under it, across every
 * server process (the shared RateGate takes its turns in Redis when there is one): the CRM counts calls as they arrive, delays on the way (a busy event loop, the
 * network) bunch them up, and amoCRM answers abuse by blocking the address. Every caller of a
 * CRM's API — sync jobs and the catalog of pipelines and users — waits its turn here.
 */
@Injectable()
export class CrmPacer {
  constructor(private readonly gate: RateGate) {}

  wait(connectionId: string, limit: CrmAdapter['rateLimit']): Promise<void> {
    return this.gate.wait(`crm:${connectionId}`, Math.ceil(1200 / limit.perSecond));
  }
}
