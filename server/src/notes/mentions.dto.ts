import { ApiPropertyOptional } from '@nestjs/swagger';
import type { MentionDto } from '@onebox/contracts';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { MentionRow } from './mentions.repository';

const PREVIEW = 280;

export class ListMentionsQuery {
  @ApiPropertyOptional({ description: 'only mentions not read yet' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export function mapMention(row: MentionRow): MentionDto {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    messageId: row.message_id,
    text: row.text.length > PREVIEW ? `${row.text.slice(0, PREVIEW - 1)}…` : row.text,
    author: { id: row.author_id, name: row.author_name },
    contact: { id: row.contact_id, name: row.contact_name },
    createdAt: row.created_at.toISOString(),
    readAt: row.read_at?.toISOString() ?? null,
  };
}
