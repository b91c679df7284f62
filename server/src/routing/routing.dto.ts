import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROUTING_MODES, type OfferDto, type RoutingMode } from '@onebox/contracts';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import type { OfferViewRow } from './routing.repository';

export class ChannelRoutingBody {
  @ApiProperty({ enum: ROUTING_MODES })
  @IsIn(ROUTING_MODES)
  mode: RoutingMode;

  @ApiPropertyOptional({ minimum: 1, maximum: 3600 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  offerTimeoutSec?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 86400 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  ownerTimeoutSec?: number;
}

export class TransferBody {
  @ApiProperty({ nullable: true, description: 'Another user, or null to put the conversation back to the queue' })
  @ValidateIf((_, value) => value !== null)
  @IsUUID()
  assigneeId: string | null;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export function mapOffer(row: OfferViewRow): OfferDto {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    cycle: row.cycle,
    userId: row.user_id,
    reason: row.reason,
    offeredAt: row.offered_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    outcome: row.outcome,
    conversation: {
      contactName: row.contact_name,
      channel: { id: row.channel_id, type: row.channel_type, name: row.channel_name },
      lastMessageText: row.last_message_text,
    },
  };
}
