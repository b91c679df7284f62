import { Injectable } from '@nestjs/common';
import { CrmError } from '@onebox/crm';
import { TransactionService } from '../database/transaction.service';
import { CrmRegistry, type ConnectedCrm } from './crm-registry.service';
import { CrmRepository, type CrmConnectionRow } from './crm.repository';

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * A connection ready for CRM calls: with OAuth, the access token is refreshed shortly before it
 * expires — under a lock on the connection row, because the CRM rotates the refresh token and only
 * the first of two concurrent refreshes would succeed. A refresh the CRM refuses marks the
 * connection as needing re-authorisation.
 */
@Injectable()
export class CrmSessions {
  constructor(
    private readonly registry: CrmRegistry,
    private readonly crm: CrmRepository,
    private readonly tx: TransactionService,
  ) {}

  async ready(row: CrmConnectionRow): Promise<ConnectedCrm> {
    const connected = this.registry.connect(row);
    const oauth = connected.adapter.oauth;
    const expiresAt = oauth?.expiresAt(connected.settings);
    if (!oauth || !expiresAt || expiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS) return connected;
    try {
      return await this.tx.run(async (tx) => {
        const current = await this.crm.lock(tx, row.id);
        if (!current) throw new CrmError('not_found', 'The CRM connection was removed');
        const fresh = this.registry.connect(current);
        const freshExpiry = oauth.expiresAt(fresh.settings);
        if (freshExpiry && freshExpiry.getTime() - Date.now() > REFRESH_MARGIN_MS) return fresh; // another worker refreshed
        const { webhookSecret: _secret, ...stored } = fresh.settings;
        const renewed = await oauth.refresh(stored, fresh.ctx);
        await this.crm.updateSealed(row.id, this.registry.seal(renewed), tx);
        return { ...fresh, settings: { ...renewed, webhookSecret: fresh.settings['webhookSecret'] } };
      });
    } catch (err) {
      if (err instanceof CrmError && err.code === 'invalid_credentials') {
        const revoked = new CrmError(
          'invalid_credentials',
          `Access was revoked or expired: authorize Onebox in the CRM again (${err.message})`,
        );
        await this.crm.setStatus(row.id, 'error', revoked.message);
        throw revoked;
      }
      throw err;
    }
  }
}
