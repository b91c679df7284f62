import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  isValidTimeZone,
  MESSAGE_RETENTION_MAX_DAYS,
  scheduleProblem,
  workspaceSettingsFrom,
  type CostSettings,
  type WeeklySchedule,
  type WorkspaceSettingsDto,
} from '@onebox/contracts';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNumber,
  IsPositive,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import type { WorkspaceSettingsRow } from './workspace-settings.repository';

export const AFTER_HOURS_TEXT_MAX = 1000;

/** Validates the field only when it was sent (null included, so a non-nullable field rejects it). */
const Given = () => ValidateIf((_, v) => v !== undefined);
/** Validates the field only when it was sent with a value; null clears it. */
const GivenOrNull = () => ValidateIf((_, v) => v !== undefined && v !== null);

/** A weekly schedule `{mon: [{from:'09:00', to:'18:00'}], …}` (see `scheduleProblem`). */
export function IsWeeklySchedule(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWeeklySchedule',
      validator: {
        validate: (value) => scheduleProblem(value) === null,
        defaultMessage: (args) => `${args?.property}: ${scheduleProblem(args?.value)}`,
      },
    },
    options,
  );
}

export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimeZone',
      validator: {
        validate: (value) => typeof value === 'string' && value.length <= 64 && isValidTimeZone(value),
        defaultMessage: (args) => `${args?.property} must be an IANA time zone such as Europe/Moscow`,
      },
    },
    options,
  );
}

export class AfterHoursReplyBody {
  @ApiProperty()
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({ maxLength: AFTER_HOURS_TEXT_MAX })
  @IsString()
  @MaxLength(AFTER_HOURS_TEXT_MAX)
  text: string;
}

const MONEY = /^\d{1,12}(\.\d{1,2})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_COST_ENTRIES = 1000;

/** Why `value` is not a map of ids to amounts (`{"<uuid>": "1500.00"}`), or null when it is one. */
export function costMapProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object of id → amount';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_COST_ENTRIES) return `may hold at most ${MAX_COST_ENTRIES} entries`;
  for (const [id, amount] of entries) {
    if (!UUID.test(id)) return `${id} is not an id`;
    if (typeof amount !== 'string' || !MONEY.test(amount))
      return `${id}: the amount must be a decimal string such as "1500.00"`;
  }
  return null;
}

function IsCostMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCostMap',
      validator: {
        validate: (value) => costMapProblem(value) === null,
        defaultMessage: (args) => `${args?.property}: ${costMapProblem(args?.value)}`,
      },
    },
    options,
  );
}

export class CostSettingsBody implements CostSettings {
  @ApiProperty({ example: 'RUB', description: 'ISO 4217 code' })
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a three-letter ISO 4217 code such as RUB' })
  currency: string;

  @ApiProperty({ example: { '8d7f…': '900.00' }, description: 'user id → hourly cost' })
  @IsObject()
  @IsCostMap()
  managerHourly: Record<string, string>;

  @ApiProperty({ example: { '5a1c…': '3000.00' }, description: 'channel id → monthly cost' })
  @IsObject()
  @IsCostMap()
  channelMonthly: Record<string, string>;
}

const SCHEDULE_EXAMPLE = { mon: [{ from: '09:00', to: '18:00' }], sat: [] };

export class UpdateWorkspaceSettingsBody {
  @ApiPropertyOptional({ example: 'Europe/Moscow' })
  @Given()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 86400, default: 300 })
  @Given()
  @IsInt()
  @Min(1)
  @Max(86400)
  missedChatThresholdSec?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 86400, default: 60 })
  @Given()
  @IsInt()
  @Min(1)
  @Max(86400)
  firstResponseTargetSec?: number;

  @ApiPropertyOptional({ nullable: true, description: 'hours of customer silence (fractions allowed); null = off' })
  @GivenOrNull()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(8760)
  autoResolveHours?: number | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 365, default: 7 })
  @Given()
  @IsInt()
  @Min(1)
  @Max(365)
  fcrWindowDays?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 365, default: 30 })
  @Given()
  @IsInt()
  @Min(1)
  @Max(365)
  conversionWindowDays?: number;

  @ApiPropertyOptional({ nullable: true, example: SCHEDULE_EXAMPLE, description: 'null = always open' })
  @GivenOrNull()
  @IsWeeklySchedule()
  workingHours?: WeeklySchedule | null;

  @ApiPropertyOptional({ type: AfterHoursReplyBody })
  @Given()
  @ValidateNested()
  @Type(() => AfterHoursReplyBody)
  afterHoursReply?: AfterHoursReplyBody;

  @ApiPropertyOptional({ type: CostSettingsBody, nullable: true, description: 'null = no costs' })
  @GivenOrNull()
  @ValidateNested()
  @Type(() => CostSettingsBody)
  costs?: CostSettingsBody | null;
  @ApiPropertyOptional({
    nullable: true,
    minimum: 1,
    maximum: MESSAGE_RETENTION_MAX_DAYS,
    description: 'messages older than this many days are deleted daily; null = keep forever',
  })
  @GivenOrNull()
  @IsInt()
  @Min(1)
  @Max(MESSAGE_RETENTION_MAX_DAYS)
  messageRetentionDays?: number | null;
}

export class ChannelWorkingHoursBody {
  @ApiProperty({ nullable: true, example: SCHEDULE_EXAMPLE, description: "null = the workspace's hours" })
  @GivenOrNull()
  @IsWeeklySchedule()
  workingHours: WeeklySchedule | null;
}

/** Keeps only the openings of each day, in order, so stored schedules compare and render simply. */
export function normalizeSchedule(schedule: WeeklySchedule): WeeklySchedule {
  const out: WeeklySchedule = {};
  for (const [day, ranges] of Object.entries(schedule) as [keyof WeeklySchedule, { from: string; to: string }[]][]) {
    out[day] = ranges.map((r) => ({ from: r.from, to: r.to })).sort((a, b) => a.from.localeCompare(b.from));
  }
  return out;
}

export function mapWorkspaceSettings(row: WorkspaceSettingsRow): WorkspaceSettingsDto {
  return workspaceSettingsFrom(row.settings, row.time_zone);
}
