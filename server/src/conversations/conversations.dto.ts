import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CONVERSATION_STATUSES,
  type ConversationListItem,
  type ConversationStatus,
  type MessageDto,
  type WebchatMessage,
} from '@onebox/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  Matches,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { ConversationListRow } from './conversations.repository';
import type { MessageRow } from './messages.repository';

export const MAX_TEXT_LENGTH = 10_000;

export class ListConversationsQuery {
  @ApiPropertyOptional({ enum: [...CONVERSATION_STATUSES, 'all'] })
  @IsOptional()
  @IsIn([...CONVERSATION_STATUSES, 'all'])
  status?: ConversationStatus | 'all';

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  channelId?: string;

  @ApiPropertyOptional({ description: 'me, unassigned or a user id' })
  @IsOptional()
  @ValidateIf((_, v) => v !== 'me' && v !== 'unassigned')
  @IsUUID('all', { message: 'assignee must be me, unassigned or a user id' })
  assignee?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(60)
  tag?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ description: "true: only conversations whose current cycle was missed (heads' view)" })
  @IsOptional()
  @IsIn(['true', 'false'])
  missed?: 'true' | 'false';

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 30 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class ListMessagesQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 30 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class TemplateBody {
  @ApiProperty({ description: 'the approved template name' })
  @IsString()
  @Matches(/^[a-z0-9_]{1,512}$/, { message: 'name must be a template name (lowercase letters, digits, _)' })
  name: string;

  @ApiProperty({ example: 'ru' })
  @IsString()
  @Matches(/^[a-z]{2,3}(_[A-Z]{2})?$/, { message: 'language must be a language code such as ru or en_US' })
  language: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(1024, { each: true })
  parameters?: string[];
}

export class SendMessageBody {
  @ApiProperty({ maxLength: MAX_TEXT_LENGTH })
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  text: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  clientMessageId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  cannedResponseId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  private?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsUUID('all', { each: true })
  attachmentIds?: string[];

  @ApiPropertyOptional({
    type: TemplateBody,
    description: 'a WhatsApp template, for when the 24-hour window is closed',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => TemplateBody)
  template?: TemplateBody;

  @ApiPropertyOptional({ type: [String], description: 'users of the workspace a private note mentions' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true })
  mentionedUserIds?: string[];
}

export class AssignBody {
  @ApiProperty({ nullable: true, description: 'a user id, or null to unassign' })
  @ValidateIf((_, v) => v !== null)
  @IsUUID()
  assigneeId: string | null;
}

export class StatusBody {
  @ApiProperty({ enum: CONVERSATION_STATUSES })
  @IsIn(CONVERSATION_STATUSES)
  status: ConversationStatus;

  @ApiPropertyOptional({ description: 'required with `snoozed`: an ISO time in the future (at most a year ahead)' })
  @ValidateIf((o: StatusBody) => o.status === 'snoozed' || o.snoozedUntil !== undefined)
  @IsISO8601({ strict: true }, { message: 'snoozedUntil must be an ISO 8601 time' })
  snoozedUntil?: string;
}

/** `timestamptz::text` as PostgreSQL prints it, e.g. `2026-11-21 23:52:23.487+00`. */
const POSTGRES_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function encodeCursor(row: Pick<ConversationListRow, 'cursor_at' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.cursor_at, row.id])).toString('base64url');
}

/** Null when the cursor was not made by `encodeCursor`. */
export function decodeCursor(cursor: string): { at: string; id: string } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string') return null;
    if (!POSTGRES_TIMESTAMPTZ.test(at) || !/^[0-9a-f-]{36}$/i.test(id)) return null;
    return { at, id };
  } catch {
    return null;
  }
}

export function mapConversation(row: ConversationListRow): ConversationListItem {
  return {
    id: row.id,
    channel: { id: row.channel_id, type: row.channel_type, name: row.channel_name },
    contact: { id: row.contact_id, name: row.contact_name },
    status: row.status,
    assignee: row.assignee_id ? { id: row.assignee_id, name: row.assignee_name ?? '' } : null,
    tags: row.tags,
    lastMessage: row.last_message_direction
      ? {
          text: row.last_message_text ?? '',
          direction: row.last_message_direction,
          author: row.last_message_author_id
            ? { id: row.last_message_author_id, name: row.last_message_author_name ?? '' }
            : null,
          createdAt: row.last_message_at.toISOString(),
        }
      : null,
    unreadCount: row.unread_count,
    deal: row.deal_id
      ? {
          id: row.deal_id,
          title: row.deal_title ?? '',
          stage: row.deal_stage ?? '',
          semantic: row.deal_semantic ?? 'open',
          amount: row.deal_amount ?? null,
          currency: row.deal_currency ?? null,
        }
      : null,
    ...(row.status === 'snoozed' && row.snoozed_until ? { snoozedUntil: row.snoozed_until.toISOString() } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function mapMessage(row: MessageRow): MessageDto {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    direction: row.direction,
    author: { type: row.author_type, id: row.author_id, name: row.author_name },
    text: row.text,
    attachments: row.attachments,
    status: row.status,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    private: row.private,
    clientMessageId: row.client_message_id,
    editedAt: row.edited_at ? row.edited_at.toISOString() : null,
    template: row.template,
    createdAt: row.created_at.toISOString(),
  };
}

/** What a website visitor may see of a message: no private notes ever reach this mapper's callers. */
export function mapWebchatMessage(row: MessageRow): WebchatMessage {
  return {
    id: row.id,
    clientMessageId: row.direction === 'in' ? row.client_message_id : null,
    direction: row.direction,
    authorName: row.author_name,
    text: row.text,
    attachments: row.attachments,
    createdAt: row.created_at.toISOString(),
  };
}

/** The list preview: the text, or the first attachment's name. */
export function previewOf(text: string, attachments: { name: string }[]): string {
  const line = text.trim() || (attachments[0] ? `📎 ${attachments[0].name}` : '');
  const chars = [...line];
  return chars.length > 200 ? `${chars.slice(0, 199).join('')}…` : line;
}
