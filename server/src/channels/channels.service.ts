import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { ChannelDto } from '@onebox/contracts';
import { randomBytes } from 'node:crypto';
import { ApiException } from '../common/api.exception';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { AuthUser } from '../auth/auth-user';
import { CreateChannelBody, mapChannel } from './channels.dto';
import { ChannelsRepository } from './channels.repository';

@Injectable()
export class ChannelsService {
  constructor(
    private readonly channels: ChannelsRepository,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'publicUrl'>,
  ) {}

  async list(auth: AuthUser): Promise<ChannelDto[]> {
    return (await this.channels.listByWorkspace(auth.workspaceId)).map((c) => mapChannel(c, this.config.publicUrl));
  }

  async create(auth: AuthUser, body: CreateChannelBody): Promise<ChannelDto> {
    if (body.type !== 'webchat') {
      // Messenger adapters (Telegram, WhatsApp, MAX) arrive with their own issue; refuse rather than store a dead channel.
      throw new ApiException(
        HttpStatus.BAD_REQUEST,
        'channel_type_unavailable',
        `type: ${body.type} channels are not available yet`,
        [{ field: 'type', message: `${body.type} is not available yet; webchat is` }],
      );
    }
    if (Object.keys(body.credentials).length > 0)
      throw ApiException.invalid('credentials', 'webchat takes no credentials');
    const row = await this.channels.insert({
      workspace_id: auth.workspaceId,
      type: body.type,
      name: body.name.trim(),
      credentials_enc: null,
      webhook_secret: randomBytes(24).toString('base64url'),
      widget_key: randomBytes(18).toString('base64url'),
    });
    return mapChannel(row, this.config.publicUrl);
  }

  async remove(auth: AuthUser, id: string): Promise<void> {
    if (!(await this.channels.softDelete(auth.workspaceId, id))) throw ApiException.notFound('Channel');
  }
}
