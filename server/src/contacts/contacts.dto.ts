import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ContactDto } from '@onebox/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { ContactRow, IdentityRow } from './contacts.repository';

export class SearchContactsQuery {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  q: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}

export class MergeContactBody {
  @ApiProperty({ description: 'the contact to fold into this one; it is removed' })
  @IsUUID()
  contactId: string;
}

export function mapContact(row: ContactRow, identities: IdentityRow[]): ContactDto {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    identities: identities.map((i) => ({
      channelId: i.channel_id,
      channelType: i.channel_type,
      externalId: i.external_id,
    })),
    createdAt: row.created_at.toISOString(),
  };
}
