import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user';
import {
  METRIC_KEYS,
  type AnalyticsFilterQuery,
  type AnalyticsMetricCyclesQuery,
  type AnalyticsSummaryQuery,
} from './analytics.dto';
import { AnalyticsService } from './analytics.service';
import { toCsv } from './csv';

const money = (revenue: Record<string, string>) =>
  Object.entries(revenue)
    .map(([currency, amount]) => `${amount} ${currency}`.trim())
    .join('; ');

/** The analytics as CSV: one row per cycle, the summary, the agent report. */
@Injectable()
export class AnalyticsExport {
  constructor(private readonly analytics: AnalyticsService) {}

  async conversations(auth: AuthUser, query: AnalyticsMetricCyclesQuery): Promise<string> {
    const rows = await this.analytics.allCycles(auth, query);
    return toCsv(
      [
        'conversationId',
        'cycle',
        'startedAt',
        'channel',
        'channelType',
        'contact',
        'manager',
        'firstResponseSec',
        'missed',
        'resolvedAt',
        'handleTimeSec',
        'transferred',
        'tags',
        'botHandled',
        'csat',
        'dealStatus',
        'wonAmount',
        'currency',
      ],
      rows.map((r) => [
        r.conversation_id,
        r.cycle,
        r.started_at,
        r.channel_name,
        r.channel_type,
        r.contact_name,
        r.manager_name,
        r.first_response_sec,
        r.missed,
        r.resolved_at,
        r.handle_time_sec,
        r.transferred,
        r.tags.join(' '),
        r.bot_handled,
        r.last_csat,
        r.deal_status,
        r.won_amount,
        r.won_currency,
      ]),
    );
  }

  async summary(auth: AuthUser, query: AnalyticsSummaryQuery): Promise<string> {
    const summary = await this.analytics.summary(auth, { ...query, compare: false });
    return toCsv(
      ['key', 'label', ...METRIC_KEYS],
      summary.rows.map((row) => [
        row.key,
        row.label,
        ...METRIC_KEYS.map((key) => {
          const value = row.metrics[key];
          return typeof value === 'object' && value !== null ? money(value) : value;
        }),
      ]),
    );
  }

  async agents(auth: AuthUser, query: AnalyticsFilterQuery): Promise<string> {
    const report = await this.analytics.agents(auth, query);
    return toCsv(
      [
        'manager',
        'chats',
        'missedChats',
        'acceptanceRate',
        'firstResponseAvgSec',
        'handleTimeAvgSec',
        'csatAvg',
        'csatPositive',
        'csatNegative',
        'conversions',
        'revenue',
        'utilization',
        'avgConcurrency',
        'onlineSec',
      ],
      report.rows.map((r) => [
        r.manager.name,
        r.chats,
        r.missedChats,
        r.acceptanceRate,
        r.firstResponseAvgSec,
        r.handleTimeAvgSec,
        r.csatAvg,
        r.csatPositive,
        r.csatNegative,
        r.conversions,
        money(r.revenue),
        r.utilization,
        r.avgConcurrency,
        r.onlineSec,
      ]),
    );
  }
}
