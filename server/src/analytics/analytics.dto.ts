import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ANALYTICS_GROUPINGS,
  ANALYTICS_INTERVALS,
  CHANNEL_TYPES,
  type AnalyticsCycleDto,
  type AnalyticsGrouping,
  type AnalyticsInterval,
  type ChannelType,
  type MetricKey,
} from '@onebox/contracts';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import type { CycleRow } from './analytics.repository';

/** Every metric key of METRICS.md that the summary returns. */
export const METRIC_KEYS: readonly MetricKey[] = [
  'chats',
  'chatsPerManager',
  'messagesIn',
  'messagesOut',
  'messagesPerChat',
  'openBacklog',
  'firstResponseAvgSec',
  'firstResponseMedianSec',
  'firstResponseP90Sec',
  'answeredWithinTargetRate',
  'replyTimeAvgSec',
  'waitToAcceptAvgSec',
  'handleTimeAvgSec',
  'resolutionTimeAvgSec',
  'missedChats',
  'missedChatRate',
  'acceptanceRate',
  'fcrRate',
  'repeatContactRate',
  'transferRate',
  'csatAvg',
  'csatSatisfiedRate',
  'csatResponses',
  'nps',
  'npsResponses',
  'cesAvg',
  'cesResponses',
  'surveyResponseRate',
  'cannedUsageRate',
  'chatsWithCannedRate',
  'taggedRate',
  'tagsPerChat',
  'dealsCreated',
  'conversions',
  'conversionRate',
  'revenue',
  'revenuePerChat',
  'timeToDealAvgSec',
  'proactiveInvites',
  'proactiveAccepted',
  'proactiveConversionRate',
  'widgetVisitors',
  'visitorToChatRate',
  'botHandled',
  'botContainmentRate',
  'botEscalationRate',
  'botFallbackRate',
];

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === true ? true : value === 'false' ? false : value;

export class AnalyticsFilterQuery {
  @ApiProperty({ description: 'ISO instant; the period is [from, to)' })
  @IsISO8601({ strict: true })
  from: string;

  @ApiProperty()
  @IsISO8601({ strict: true })
  to: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  channelId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  managerId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(60)
  tag?: string;

  @ApiPropertyOptional({ enum: CHANNEL_TYPES })
  @IsOptional()
  @IsIn([...CHANNEL_TYPES])
  channelType?: ChannelType;
}

export class AnalyticsSummaryQuery extends AnalyticsFilterQuery {
  @ApiPropertyOptional({ enum: ANALYTICS_GROUPINGS })
  @IsOptional()
  @IsIn([...ANALYTICS_GROUPINGS])
  groupBy?: AnalyticsGrouping;

  @ApiPropertyOptional({
    enum: ANALYTICS_GROUPINGS,
    description: 'a second dimension, e.g. groupBy=channel&thenBy=manager (row keys `<channel>|<manager>`)',
  })
  @IsOptional()
  @IsIn([...ANALYTICS_GROUPINGS])
  thenBy?: AnalyticsGrouping;

  @ApiPropertyOptional({ description: 'also return the previous period of equal length' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  compare?: boolean;
}

export class AnalyticsTimeseriesQuery extends AnalyticsSummaryQuery {
  @ApiProperty({ enum: METRIC_KEYS })
  @IsIn([...METRIC_KEYS])
  metric: MetricKey;

  @ApiPropertyOptional({ enum: ANALYTICS_INTERVALS })
  @IsOptional()
  @IsIn([...ANALYTICS_INTERVALS])
  interval?: AnalyticsInterval;
}

/** The cycles behind a metric (the drill-down and the conversations CSV). */
export class AnalyticsMetricCyclesQuery extends AnalyticsFilterQuery {
  @ApiPropertyOptional({ enum: METRIC_KEYS, description: 'the cycles behind this metric (default: all chats)' })
  @IsOptional()
  @IsIn([...METRIC_KEYS])
  metric?: MetricKey;
}

export class AnalyticsCyclesQuery extends AnalyticsMetricCyclesQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ default: 50 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export function mapCycle(row: CycleRow): AnalyticsCycleDto {
  return {
    conversationId: row.conversation_id,
    cycle: row.cycle,
    channel: { id: row.channel_id, type: row.channel_type as ChannelType, name: row.channel_name },
    contact: { id: row.contact_id, name: row.contact_name },
    manager: row.manager_id ? { id: row.manager_id, name: row.manager_name ?? '' } : null,
    startedAt: row.started_at.toISOString(),
    firstResponseSec: row.first_response_sec,
    missed: row.missed,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    handleTimeSec: row.handle_time_sec,
    transferred: row.transferred,
    tags: row.tags,
    botHandled: row.bot_handled,
    csat: row.last_csat,
    deal: row.deal_status ? { status: row.deal_status, amount: row.won_amount, currency: row.won_currency } : null,
  };
}
