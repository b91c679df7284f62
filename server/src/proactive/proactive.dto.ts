import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ProactiveTrigger } from '@onebox/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

export class ProactiveTriggerBody {
  @ApiPropertyOptional({ description: 'Kept when given (A-Za-z0-9_-, up to 64); generated otherwise' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'id must be 1–64 letters, digits, _ or -' })
  id?: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  name: string;

  @ApiProperty()
  @IsBoolean()
  enabled: boolean;

  @ApiPropertyOptional({ description: 'Show after this many seconds on the page (0–3600)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  secondsOnPage?: number;

  @ApiPropertyOptional({ description: 'Text the page URL must contain; * matches any characters' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  urlPattern?: string;

  @ApiPropertyOptional({ description: 'Only visitors who were on the site before' })
  @IsOptional()
  @IsBoolean()
  returningVisitor?: boolean;

  @ApiProperty({ description: 'The invitation the widget shows' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  message: string;
}

export class ProactiveTriggersBody {
  @ApiProperty({ type: [ProactiveTriggerBody] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ProactiveTriggerBody)
  triggers: ProactiveTriggerBody[];
}

/** A trigger as stored and returned: only the fields that are set. */
export function mapTrigger(body: ProactiveTriggerBody & { id: string }): ProactiveTrigger {
  const trigger: ProactiveTrigger = {
    id: body.id,
    name: body.name.trim(),
    enabled: body.enabled,
    message: body.message.trim(),
  };
  if (body.secondsOnPage !== undefined) trigger.secondsOnPage = body.secondsOnPage;
  if (body.urlPattern?.trim()) trigger.urlPattern = body.urlPattern.trim();
  if (body.returningVisitor !== undefined) trigger.returningVisitor = body.returningVisitor;
  return trigger;
}

/** Reads `channels.settings.proactive`, dropping anything malformed. */
export function readTriggers(raw: unknown): ProactiveTrigger[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (t): t is ProactiveTrigger =>
      typeof t === 'object' && t !== null && typeof t.id === 'string' && typeof t.message === 'string',
  );
}
