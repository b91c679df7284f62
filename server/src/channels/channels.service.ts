import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { ChannelError, type ChannelAdapter } from '@onebox/channels';
import type { ChannelDto, ChannelTypeDto } from '@onebox/contracts';
import { randomBytes } from 'node:crypto';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { validateDeclaredFields } from '../common/declared-fields';
import { APP_CONFIG, isPublicHttps, type AppConfig } from '../config/app-config';
import { isMessenger, MessengerRegistry, type MessengerType } from '../messengers/messenger-registry.service';
import { CreateChannelBody, mapChannel, webhookUrl } from './channels.dto';
import { ChannelsRepository } from './channels.repository';

const PLATFORM_NAMES: Record<MessengerType, string> = { telegram: 'Telegram', whatsapp: 'WhatsApp', max: 'MAX' };

@Injectable()
export class ChannelsService {
  private readonly logger = new Logger('Channels');

  constructor(
    private readonly channels: ChannelsRepository,
    private readonly messengers: MessengerRegistry,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'publicUrl' | 'updateMode'>,
  ) {}

  async list(auth: AuthUser): Promise<ChannelDto[]> {
    return (await this.channels.listByWorkspace(auth.workspaceId)).map((c) => mapChannel(c, this.config.publicUrl));
  }

  /** What each channel type asks for, from the adapters' declarations (drives the settings form). */
  types(): ChannelTypeDto[] {
    const messengers = this.messengers.all().map((adapter) => ({
      type: adapter.type,
      credentialFields: adapter.credentialFields.map((f) => ({ ...f })),
      capabilities: {
        maxTextLength: adapter.capabilities.maxTextLength,
        media: [...adapter.capabilities.media],
        messagingWindowHours: adapter.capabilities.messagingWindowHours,
        templates: adapter.capabilities.templates,
      },
    }));
    const webchat: ChannelTypeDto = {
      type: 'webchat',
      credentialFields: [],
      capabilities: {
        maxTextLength: 10_000,
        media: ['image', 'document'],
        messagingWindowHours: null,
        templates: false,
      },
    };
    return [webchat, ...messengers];
  }

  async create(auth: AuthUser, body: CreateChannelBody): Promise<ChannelDto> {
    const name = body.name.trim();
    if (!isMessenger(body.type)) {
      if (Object.keys(body.credentials).length > 0)
        throw ApiException.invalid('credentials', 'webchat takes no credentials');
      const row = await this.channels.insert({
        workspace_id: auth.workspaceId,
        type: 'webchat',
        name,
        credentials_enc: null,
        webhook_secret: this.messengers.newWebhookSecret().sealed,
        widget_key: randomBytes(18).toString('base64url'),
      });
      return mapChannel(row, this.config.publicUrl);
    }
    return this.connectMessenger(auth, body.type, name, body.credentials);
  }

  /**
   * Checks the credentials with the platform, stores them encrypted, and points the platform's
   * updates at Onebox (webhook) or leaves them for the poller. Nothing is kept when a step fails.
   */
  private async connectMessenger(
    auth: AuthUser,
    type: MessengerType,
    name: string,
    given: Record<string, string>,
  ): Promise<ChannelDto> {
    const adapter = this.messengers.adapter(type);
    const credentials = validateCredentials(adapter, given);
    const ctx = this.messengers.context(type);
    const account = await adapter.checkCredentials(credentials, ctx).catch((err) => {
      throw connectError(type, err);
    });
    const mode = this.updateMode(adapter);
    const { secret, sealed } = this.messengers.newWebhookSecret();
    const row = await this.channels.insert({
      workspace_id: auth.workspaceId,
      type,
      name,
      credentials_enc: this.messengers.sealCredentials(credentials),
      webhook_secret: sealed,
      widget_key: null,
      settings: { accountId: account.accountId, accountName: account.accountName, mode },
    });
    try {
      if (mode === 'webhook') {
        await adapter.registerWebhook(credentials, { url: webhookUrl(this.config.publicUrl, row), secret }, ctx);
      } else {
        // A webhook left from an earlier set-up would make long polling fail.
        await adapter.unregisterWebhook(credentials, { url: webhookUrl(this.config.publicUrl, row) }, ctx);
      }
    } catch (err) {
      await this.channels.hardDelete(row.id);
      throw connectError(type, err);
    }
    this.logger.log(`Connected ${type} channel ${row.id} (${account.accountName}) in ${mode} mode`);
    return mapChannel(row, this.config.publicUrl);
  }

  async remove(auth: AuthUser, id: string): Promise<void> {
    const channel = await this.channels.findInWorkspace(auth.workspaceId, id);
    if (!channel || !(await this.channels.softDelete(auth.workspaceId, id))) throw ApiException.notFound('Channel');
    if (isMessenger(channel.type) && channel.settings.mode === 'webhook') {
      const { adapter, credentials, ctx } = this.messengers.connect(channel);
      await adapter
        .unregisterWebhook(credentials, { url: webhookUrl(this.config.publicUrl, channel) }, ctx)
        .catch((err: Error) =>
          this.logger.warn(`Could not remove the ${channel.type} webhook of ${id}: ${err.message}`),
        );
    }
  }

  private updateMode(adapter: ChannelAdapter): 'webhook' | 'polling' {
    if (!adapter.capabilities.polling) return 'webhook';
    if (this.config.updateMode !== 'auto') return this.config.updateMode;
    return isPublicHttps(this.config.publicUrl) ? 'webhook' : 'polling';
  }
}

/** The credentials the adapter declares: required ones present, patterns matched, nothing unknown. */
function validateCredentials(adapter: ChannelAdapter, given: Record<string, string>): Record<string, string> {
  return validateDeclaredFields(adapter.credentialFields, given, 'credentials', {
    unknownMessage: 'is not a field of this channel type',
  });
}

/** The platform's refusal as the admin should see it. */
function connectError(type: MessengerType, err: unknown): ApiException {
  const platform = PLATFORM_NAMES[type];
  if (err instanceof ChannelError && err.code === 'invalid_credentials') {
    return new ApiException(
      HttpStatus.BAD_REQUEST,
      'invalid_credentials',
      `${platform} refused these credentials: ${err.message}`,
      [{ field: 'credentials', message: err.message }],
    );
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new ApiException(
    HttpStatus.BAD_GATEWAY,
    'platform_unavailable',
    `Could not set up the ${platform} channel: ${reason}`,
  );
}
