import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AddressPolicy } from './address-policy';
import { guardedAgents, hostRefusal, type GuardedAgents } from './guarded-agents';

/**
 * The server's guard against server-side request forgery: addresses that users type (CRM URLs)
 * or platforms hand out (media and upload URLs) may not lead to loopback, private, link-local or
 * other non-public addresses unless the operator allowed them (`ONEBOX_ALLOWED_PRIVATE_HOSTS`).
 * The messenger and CRM API roots set in the environment are the operator's own and not checked.
 */
@Injectable()
export class OutboundGuard {
  private readonly logger = new Logger(OutboundGuard.name);
  private readonly policy: AddressPolicy;
  /** For every request to such an address: each connection, each redirect hop, is checked. */
  readonly agents: GuardedAgents;
  private refusedCount = 0;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'allowedPrivateHosts'>) {
    this.policy = new AddressPolicy(config.allowedPrivateHosts);
    this.agents = guardedAgents(this.policy, (err) => this.count(err.host, err.reason));
  }

  /** Connections refused since start (each counted once, with a warning naming host and reason only). */
  get refused(): number {
    return this.refusedCount;
  }

  /**
   * Why a URL's host may not be called, or null. Resolves names; a name that does not resolve is
   * not refused here (the request itself then fails with its own error). For checks at the moment
   * a user submits an address; the agents check again at every connection.
   */
  async urlRefusal(url: string): Promise<string | null> {
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return null;
    }
    const { reason } = await hostRefusal(this.policy, host).catch(() => ({ reason: null }));
    if (reason) this.count(host, reason);
    return reason;
  }

  private count(host: string, reason: string): void {
    this.refusedCount++;
    this.logger.warn(`Refused an outbound request to ${host}: ${reason}`);
  }
}
