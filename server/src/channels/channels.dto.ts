import { ApiProperty } from '@nestjs/swagger';
import { CHANNEL_TYPES, type ChannelDto, type ChannelType } from '@onebox/contracts';
import { IsIn, IsObject, IsString, MaxLength, MinLength } from 'class-validator';
import { routingOf } from '../routing/routing-policy';
import type { ChannelRow } from './channels.repository';

export class CreateChannelBody {
  @ApiProperty({ enum: CHANNEL_TYPES })
  @IsIn(CHANNEL_TYPES)
  type: ChannelType;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  name: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  @IsObject()
  credentials: Record<string, string>;
}

export function embedSnippet(publicUrl: string, widgetKey: string): string {
  return `<script src="${publicUrl}/widget.js" data-widget-key="${widgetKey}" async></script>`;
}

/** Credentials never leave the server; webchat channels get their embed snippet. */
export function mapChannel(row: ChannelRow, publicUrl: string): ChannelDto {
  const dto: ChannelDto = {
    id: row.id,
    type: row.type,
    name: row.name,
    status: row.status,
    routing: routingOf(row.settings),
    createdAt: row.created_at.toISOString(),
  };
  if (row.type === 'webchat' && row.widget_key) {
    dto.widgetKey = row.widget_key;
    dto.embedSnippet = embedSnippet(publicUrl, row.widget_key);
  } else if (row.type !== 'webchat') {
    dto.webhookUrl = webhookUrl(publicUrl, row);
    dto.accountName = row.settings.accountName;
    dto.mode = row.settings.mode;
    dto.statusMessage = row.status_message;
  }
  return dto;
}

export function webhookUrl(publicUrl: string, row: Pick<ChannelRow, 'type' | 'id'>): string {
  return `${publicUrl}/webhooks/${row.type}/${row.id}`;
}
