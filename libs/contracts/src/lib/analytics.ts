import type { ChannelType } from './enums';

/**
 * The metric keys of METRICS.md, as `GET /api/analytics/summary` returns them. `null` means
 * "no data" (a rate over nothing, an average of no values), never zero.
 */
export interface MetricValues {
  chats: number;
  chatsPerManager: number | null;
  messagesIn: number;
  messagesOut: number;
  messagesPerChat: number | null;
  openBacklog: number;
  firstResponseAvgSec: number | null;
  firstResponseMedianSec: number | null;
  firstResponseP90Sec: number | null;
  answeredWithinTargetRate: number | null;
  replyTimeAvgSec: number | null;
  waitToAcceptAvgSec: number | null;
  handleTimeAvgSec: number | null;
  resolutionTimeAvgSec: number | null;
  /**
   * Working-hours variants (the workspace's hours, computed at query time): only the seconds
   * inside the schedule count. Null when the workspace has no working hours set.
   */
  firstResponseAvgBusinessSec: number | null;
  firstResponseMedianBusinessSec: number | null;
  firstResponseP90BusinessSec: number | null;
  handleTimeAvgBusinessSec: number | null;
  resolutionTimeAvgBusinessSec: number | null;
  missedChats: number;
  missedChatRate: number | null;
  acceptanceRate: number | null;
  fcrRate: number | null;
  repeatContactRate: number | null;
  transferRate: number | null;
  csatAvg: number | null;
  csatSatisfiedRate: number | null;
  csatResponses: number;
  nps: number | null;
  npsResponses: number;
  cesAvg: number | null;
  cesResponses: number;
  surveyResponseRate: number | null;
  cannedUsageRate: number | null;
  chatsWithCannedRate: number | null;
  taggedRate: number | null;
  tagsPerChat: number | null;
  dealsCreated: number;
  conversions: number;
  conversionRate: number | null;
  /** Won amounts per currency code, exact decimals: `{ "RUB": "125000.50" }`. */
  revenue: Record<string, string>;
  /** `revenue` ÷ `chats`, per currency (rounded to kopecks/cents). */
  revenuePerChat: Record<string, string>;
  timeToDealAvgSec: number | null;
  /** Widget invitations shown in the period (channel groupings only; 0 per manager or tag). */
  proactiveInvites: number;
  proactiveAccepted: number;
  /** Answered invitations' cycles that converted ÷ answered. */
  proactiveConversionRate: number | null;
  /** Unique website visitors with a page view in the period (channel groupings only). */
  widgetVisitors: number;
  /** Those visitors who started a chat in the period ÷ `widgetVisitors`. */
  visitorToChatRate: number | null;
  botHandled: number;
  botContainmentRate: number | null;
  botEscalationRate: number | null;
  botFallbackRate: number | null;
  /**
   * Cost of the period in the workspace's cost currency (managers' hourly cost × online time +
   * channels' monthly cost pro rata), allocated to groups by their share of chats. Null when no
   * costs are configured.
   */
  cost: number | null;
  /** `cost` ÷ `chats`. */
  costPerChat: number | null;
  /** (revenue in the cost currency − cost) ÷ cost. */
  roi: number | null;
}

export type MetricKey = keyof MetricValues;

/** Every metric "no data": counts 0, rates and averages null, no revenue. */
export function emptyMetrics(): MetricValues {
  return {
    chats: 0,
    chatsPerManager: null,
    messagesIn: 0,
    messagesOut: 0,
    messagesPerChat: null,
    openBacklog: 0,
    firstResponseAvgSec: null,
    firstResponseMedianSec: null,
    firstResponseP90Sec: null,
    answeredWithinTargetRate: null,
    replyTimeAvgSec: null,
    waitToAcceptAvgSec: null,
    handleTimeAvgSec: null,
    resolutionTimeAvgSec: null,
    firstResponseAvgBusinessSec: null,
    firstResponseMedianBusinessSec: null,
    firstResponseP90BusinessSec: null,
    handleTimeAvgBusinessSec: null,
    resolutionTimeAvgBusinessSec: null,
    missedChats: 0,
    missedChatRate: null,
    acceptanceRate: null,
    fcrRate: null,
    repeatContactRate: null,
    transferRate: null,
    csatAvg: null,
    csatSatisfiedRate: null,
    csatResponses: 0,
    nps: null,
    npsResponses: 0,
    cesAvg: null,
    cesResponses: 0,
    surveyResponseRate: null,
    cannedUsageRate: null,
    chatsWithCannedRate: null,
    taggedRate: null,
    tagsPerChat: null,
    dealsCreated: 0,
    conversions: 0,
    conversionRate: null,
    revenue: {},
    revenuePerChat: {},
    timeToDealAvgSec: null,
    proactiveInvites: 0,
    proactiveAccepted: 0,
    proactiveConversionRate: null,
    widgetVisitors: 0,
    visitorToChatRate: null,
    botHandled: 0,
    botContainmentRate: null,
    botEscalationRate: null,
    botFallbackRate: null,
    cost: null,
    costPerChat: null,
    roi: null,
  };
}

export const ANALYTICS_GROUPINGS = ['none', 'channel', 'channelType', 'manager', 'tag'] as const;
export type AnalyticsGrouping = (typeof ANALYTICS_GROUPINGS)[number];

export const ANALYTICS_INTERVALS = ['hour', 'day', 'week'] as const;
export type AnalyticsInterval = (typeof ANALYTICS_INTERVALS)[number];

/** Filters shared by every analytics endpoint; `from`/`to` are ISO instants, the period is `[from, to)`. */
export interface AnalyticsFilter {
  from: string;
  to: string;
  channelId?: string;
  managerId?: string;
  tag?: string;
}

export interface AnalyticsRow {
  /** Channel id, channel type, manager id or tag; `all` without grouping; null = no manager. */
  key: string | null;
  label: string;
  metrics: MetricValues;
}

export interface AnalyticsSummaryResponse {
  from: string;
  to: string;
  timeZone: string;
  groupBy: AnalyticsGrouping;
  /** A second dimension (`groupBy=channel&thenBy=manager`); row keys are then `<first>|<second>`. */
  thenBy?: AnalyticsGrouping;
  rows: AnalyticsRow[];
  /** The same figures for the previous period of equal length (when `compare=true`). */
  previous?: AnalyticsRow[];
}

export interface TimeseriesPoint {
  /** Bucket start, ISO, aligned to the workspace time zone. */
  bucket: string;
  key: string | null;
  label: string;
  value: number | null;
}

export interface AnalyticsTimeseriesResponse {
  metric: MetricKey;
  interval: AnalyticsInterval;
  timeZone: string;
  points: TimeseriesPoint[];
}

/** One conversation cycle behind a number: what the drill-down and the CSV list. */
export interface AnalyticsCycleDto {
  conversationId: string;
  cycle: number;
  channel: { id: string; type: ChannelType; name: string };
  contact: { id: string; name: string };
  manager: { id: string; name: string } | null;
  startedAt: string;
  firstResponseSec: number | null;
  missed: boolean;
  resolvedAt: string | null;
  handleTimeSec: number | null;
  transferred: boolean;
  tags: string[];
  botHandled: boolean;
  csat: number | null;
  deal: { status: 'open' | 'won' | 'lost'; amount: string | null; currency: string | null } | null;
}

export interface AnalyticsCyclesResponse {
  items: AnalyticsCycleDto[];
  nextCursor: string | null;
  total: number;
}

/** Chats started per weekday (0 = Monday) and hour of day, in the workspace time zone. */
export interface AnalyticsHeatmapResponse {
  timeZone: string;
  cells: { weekday: number; hour: number; chats: number }[];
}

/** First response times in buckets: `[fromSec, toSec)`, the last one open-ended (`toSec` null). */
export interface AnalyticsDistributionResponse {
  buckets: { fromSec: number; toSec: number | null; count: number }[];
}

/** The agent performance report of METRICS.md, one row per manager. */
export interface AgentPerformanceRow {
  manager: { id: string; name: string };
  chats: number;
  missedChats: number;
  acceptanceRate: number | null;
  firstResponseAvgSec: number | null;
  handleTimeAvgSec: number | null;
  csatAvg: number | null;
  csatPositive: number;
  csatNegative: number;
  conversions: number;
  revenue: Record<string, string>;
  utilization: number | null;
  avgConcurrency: number | null;
  onlineSec: number;
}

export interface AgentPerformanceResponse {
  from: string;
  to: string;
  rows: AgentPerformanceRow[];
}
