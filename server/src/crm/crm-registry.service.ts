import { Inject, Injectable } from '@nestjs/common';
import { AmoCrmAdapter, Bitrix24Adapter, type CrmAdapter, type CrmContext } from '@onebox/crm';
import { SEAL_PURPOSES, SecretBox } from '../common/secret-box';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OutboundGuard } from '../outbound/outbound-guard.service';
import type { CrmConnectionRow } from './crm.repository';

/** The settings that say where the CRM lives (URLs, or a bare host for the Bitrix24 portal). */
const ADDRESS_SETTINGS: Record<CrmAdapter['type'], readonly string[]> = {
  amocrm: ['baseUrl'],
  bitrix24: ['webhookUrl', 'portal'],
};

export interface ConnectedCrm {
  adapter: CrmAdapter;
  settings: Record<string, string>;
  ctx: CrmContext;
}

/** The CRM adapters, and a connection's settings decrypted only here (tokens are sealed at rest). */
@Injectable()
export class CrmRegistry {
  private readonly adapters: Record<CrmAdapter['type'], CrmAdapter> = {
    amocrm: new AmoCrmAdapter() as unknown as CrmAdapter,
    bitrix24: new Bitrix24Adapter() as unknown as CrmAdapter,
  };
  private readonly box: SecretBox;

  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'secretKey' | 'previousSecretKey' | 'crmApiRoots'>,
    private readonly guard: OutboundGuard,
  ) {
    this.box = new SecretBox(config.secretKey, SEAL_PURPOSES.crm, config.previousSecretKey);
  }

  /**
   * Calls go to the operator's API root when one is configured (trusted), otherwise to the
   * address in the settings, through agents that refuse private and local addresses.
   */
  context(type: CrmAdapter['type']): CrmContext {
    const baseUrl = this.config.crmApiRoots[type];
    return baseUrl ? { baseUrl, timeoutMs: 15_000 } : { timeoutMs: 15_000, agents: this.guard.agents };
  }

  /**
   * The first address setting that leads to a private or local address, with the reason; null
   * when all are fine (or calls go to the operator's API root instead). Checked when an admin
   * submits settings, so the answer can name the field; every call is checked again.
   */
  async refusedAddress(
    type: CrmAdapter['type'],
    settings: Record<string, string>,
  ): Promise<{ field: string; reason: string } | null> {
    if (this.config.crmApiRoots[type]) return null;
    for (const field of ADDRESS_SETTINGS[type]) {
      const value = settings[field]?.trim();
      if (!value) continue;
      const reason = await this.guard.urlRefusal(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`);
      if (reason) return { field, reason };
    }
    return null;
  }

  adapter(type: CrmAdapter['type']): CrmAdapter {
    return this.adapters[type];
  }

  all(): CrmAdapter[] {
    return Object.values(this.adapters);
  }

  seal(settings: Record<string, string>): string {
    return this.box.seal(JSON.stringify(settings));
  }

  /** A new secret for the CRM's webhook URL, and its sealed form for the connection row. */
  newWebhookSecret(): { secret: string; sealed: string } {
    return this.box.newSecret();
  }

  /** The connection's webhook secret in clear (rows from before sealing hold it plain). */
  webhookSecret(row: Pick<CrmConnectionRow, 'webhook_secret'>): string {
    return this.box.openSecret(row.webhook_secret);
  }

  connect(row: Pick<CrmConnectionRow, 'type' | 'settings_enc' | 'webhook_secret'>): ConnectedCrm {
    const settings = JSON.parse(this.box.open(row.settings_enc)) as Record<string, string>;
    return {
      adapter: this.adapter(row.type),
      settings: { ...settings, webhookSecret: this.webhookSecret(row) },
      ctx: this.context(row.type),
    };
  }
}
