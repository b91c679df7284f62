import { Inject, Injectable } from '@nestjs/common';
import { createChannelAdapters, type AdapterContext, type ChannelAdapter } from '@onebox/channels';
import type { ChannelType } from '@onebox/contracts';
import type { ChannelRow } from '../channels/channels.repository';
import { SEAL_PURPOSES, SecretBox } from '../common/secret-box';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OutboundGuard } from '../outbound/outbound-guard.service';

export type MessengerType = Exclude<ChannelType, 'webchat'>;

export function isMessenger(type: ChannelType): type is MessengerType {
  return type !== 'webchat';
}

/** A messenger channel ready to talk to its platform. */
export interface ConnectedChannel {
  adapter: ChannelAdapter;
  credentials: Record<string, string>;
  ctx: AdapterContext;
}

/**
 * The messenger adapters and what they need per channel: the platform's API root (configurable,
 * so tests and the demo use libs/fakes) and the channel's credentials, decrypted only here.
 */
@Injectable()
export class MessengerRegistry {
  private readonly adapters = createChannelAdapters();
  private readonly box: SecretBox;

  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'secretKey' | 'previousSecretKey' | 'apiRoots'>,
    private readonly guard: OutboundGuard,
  ) {
    this.box = new SecretBox(config.secretKey, SEAL_PURPOSES.channels, config.previousSecretKey);
  }

  adapter(type: MessengerType): ChannelAdapter {
    return this.adapters[type];
  }

  all(): ChannelAdapter[] {
    return Object.values(this.adapters);
  }

  /** The API root is the operator's (trusted); media and upload URLs the platform answers are checked. */
  context(type: MessengerType): AdapterContext {
    return { apiRoot: this.config.apiRoots[type], timeoutMs: 15_000, mediaAgents: this.guard.agents };
  }

  /**
   * The platform's customer-service window for a conversation (WhatsApp: 24 h after the
   * customer's last message), or null when the channel type has none.
   */
  messagingWindow(
    type: ChannelType,
    lastCustomerMessageAt: Date | null,
    now: Date,
  ): { hours: number; closesAt: string | null; open: boolean } | null {
    const hours = isMessenger(type) ? this.adapter(type).capabilities.messagingWindowHours : null;
    if (!hours) return null;
    const closesAt = lastCustomerMessageAt ? new Date(lastCustomerMessageAt.getTime() + hours * 3_600_000) : null;
    return { hours, closesAt: closesAt?.toISOString() ?? null, open: closesAt !== null && closesAt > now };
  }

  sealCredentials(credentials: Record<string, string>): string {
    return this.box.seal(JSON.stringify(credentials));
  }

  /** A new secret the platform presents with every webhook, and its sealed form for the channel row. */
  newWebhookSecret(): { secret: string; sealed: string } {
    return this.box.newSecret();
  }

  /** The channel's webhook secret in clear (rows from before sealing hold it plain). */
  webhookSecret(channel: Pick<ChannelRow, 'webhook_secret'>): string {
    return this.box.openSecret(channel.webhook_secret);
  }

  connect(channel: Pick<ChannelRow, 'type' | 'credentials_enc'>): ConnectedChannel {
    if (!isMessenger(channel.type) || !channel.credentials_enc)
      throw new Error(`${channel.type} channel has no messenger credentials`);
    return {
      adapter: this.adapter(channel.type),
      credentials: JSON.parse(this.box.open(channel.credentials_enc)) as Record<string, string>,
      ctx: this.context(channel.type),
    };
  }
}
