import type { TestRequest } from '@angular/common/http/testing';
import {
  WORKSPACE_SETTINGS_DEFAULTS,
  emptyMetrics,
  type AgentPerformanceRow,
  type AnalyticsCycleDto,
  type AnalyticsRow,
  type AnalyticsSummaryResponse,
  type CostSettings,
  type MetricValues,
  type WorkspaceSettingsDto,
} from '@onebox/contracts';

export const HEAD_USER = { id: 'u-head', email: 'head@onebox.local', name: 'Hanna Head', role: 'head' as const };

/** Every metric "no data": counts 0, rates and averages null. */
export function metrics(patch: Partial<MetricValues> = {}): MetricValues {
  return { ...emptyMetrics(), ...patch };
}

export function row(key: string | null, label: string, patch: Partial<MetricValues> = {}): AnalyticsRow {
  return { key, label, metrics: metrics(patch) };
}

export function summary(
  rows: AnalyticsRow[],
  previous?: AnalyticsRow[],
  groupBy: AnalyticsSummaryResponse['groupBy'] = 'none',
): AnalyticsSummaryResponse {
  return { from: '', to: '', timeZone: 'UTC', groupBy, rows, ...(previous ? { previous } : {}) };
}

export function agentRow(id: string, name: string, patch: Partial<AgentPerformanceRow> = {}): AgentPerformanceRow {
  return {
    manager: { id, name },
    chats: 0,
    missedChats: 0,
    acceptanceRate: null,
    firstResponseAvgSec: null,
    handleTimeAvgSec: null,
    csatAvg: null,
    csatPositive: 0,
    csatNegative: 0,
    conversions: 0,
    revenue: {},
    utilization: null,
    avgConcurrency: null,
    onlineSec: 0,
    ...patch,
  };
}

export function cycle(id: string, patch: Partial<AnalyticsCycleDto> = {}): AnalyticsCycleDto {
  return {
    conversationId: id,
    cycle: 1,
    channel: { id: 'ch-1', type: 'telegram', name: 'Sales bot' },
    contact: { id: `ct-${id}`, name: `Contact ${id}` },
    manager: { id: 'u-1', name: 'Mia Agent' },
    startedAt: '2025-03-05T09:00:00.000Z',
    firstResponseSec: 42,
    missed: false,
    resolvedAt: null,
    handleTimeSec: null,
    transferred: false,
    tags: [],
    botHandled: false,
    csat: null,
    deal: null,
    ...patch,
  };
}

/** Spaces as Intl writes them (no-break, narrow no-break) turned into plain ones, for readable assertions. */
export function plain(text: string | null | undefined): string {
  return (text ?? '')
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Workspace settings with the given costs (the dashboard reads their currency). */
export function workspaceSettings(costs: CostSettings | null = null): WorkspaceSettingsDto {
  return { ...WORKSPACE_SETTINGS_DEFAULTS, timeZone: 'UTC', costs };
}

/**
 * Answers the dashboard's requests: analytics by endpoint name, the filter lists with empty
 * arrays, the workspace settings with `bodies.settings` (no costs by default).
 */
export function answer(requests: TestRequest[], bodies: Record<string, unknown>): void {
  for (const req of requests) {
    if (req.cancelled) continue;
    const url = req.request.url;
    if (url === '/api/channels' || url === '/api/users' || url === '/api/tags') {
      req.flush([]);
      continue;
    }
    if (url === '/api/workspace/settings') {
      req.flush((bodies['settings'] as object | undefined) ?? workspaceSettings());
      continue;
    }
    const name = url.replace('/api/analytics/', '');
    const params = req.request.params;
    const key = [name, params.get('groupBy'), params.get('metric')].filter(Boolean).join(':');
    const body = bodies[key] ?? bodies[name];
    if (body instanceof Error) {
      req.flush({ code: 'boom', message: body.message }, { status: 500, statusText: 'Server Error' });
    } else if (body !== undefined) {
      req.flush(body as object);
    } else if (name === 'timeseries') {
      req.flush({ metric: params.get('metric'), interval: params.get('interval'), timeZone: 'UTC', points: [] });
    } else if (name === 'heatmap') {
      req.flush({ timeZone: 'UTC', cells: [] });
    } else if (name === 'distribution') {
      req.flush({ buckets: [] });
    } else if (name === 'agents') {
      req.flush({ from: '', to: '', rows: [] });
    } else {
      req.flush(summary([]));
    }
  }
}
