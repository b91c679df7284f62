import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SearchContactHit, SearchMessageHit } from '@onebox/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { HIT_END, HIT_START, type ContactHitRow, type MessageHitRow } from './search.repository';

export class SearchQuery {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MaxLength(200)
  q: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, description: 'results per group (default 10)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Customer text is untrusted: everything is escaped, then the hit markers become `<mark>`. */
export function snippetHtml(headline: string): string {
  return headline
    .replace(/[&<>"']/g, (ch) => ESCAPES[ch])
    .split(HIT_START)
    .join('<mark>')
    .split(HIT_END)
    .join('</mark>')
    .replace(/\s+/g, ' ')
    .trim();
}

export function mapMessageHit(row: MessageHitRow): SearchMessageHit {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    snippet: snippetHtml(row.headline),
    createdAt: row.created_at.toISOString(),
    author: { type: row.author_type, name: row.author_name },
    private: row.private,
    contact: { id: row.contact_id, name: row.contact_name },
  };
}

export function mapContactHit(row: ContactHitRow): SearchContactHit {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    conversationId: row.conversation_id,
  };
}
