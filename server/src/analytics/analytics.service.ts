import { Injectable } from '@nestjs/common';
import {
  emptyMetrics,
  openIntervals,
  workspaceSettingsFrom,
  type AgentPerformanceResponse,
  type AnalyticsCyclesResponse,
  type AnalyticsDistributionResponse,
  type AnalyticsGrouping,
  type AnalyticsHeatmapResponse,
  type AnalyticsInterval,
  type AnalyticsRow,
  type AnalyticsSummaryResponse,
  type AnalyticsTimeseriesResponse,
  type CostSettings,
  type MetricValues,
  type WorkspaceSettingsDto,
} from '@onebox/contracts';
import { cellKey, costMetrics, managerTime, periodCosts, type ChatCell } from '@onebox/metrics';
import type { AuthUser } from '../auth/auth-user';
import { ChannelsRepository } from '../channels/channels.repository';
import { ApiException } from '../common/api.exception';
import { UsersRepository } from '../users/users.repository';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';
import { AnalyticsRefresher } from './analytics-refresher.service';
import {
  mapCycle,
  type AnalyticsCyclesQuery,
  type AnalyticsFilterQuery,
  type AnalyticsMetricCyclesQuery,
  type AnalyticsSummaryQuery,
  type AnalyticsTimeseriesQuery,
} from './analytics.dto';
import { AnalyticsRepository, type CycleRow } from './analytics.repository';
import { businessHoursOf, DRILLDOWN, NOT_A_TIME_SERIES, type Dimensions, type SqlFilter } from './analytics.sql';

const MAX_RANGE_DAYS = 800;
const MAX_POINTS = 5000;

/**
 * The head of sales' numbers: METRICS.md per channel, channel type, manager or tag, as a
 * summary, a time series, the cycles behind any number, and CSV. Facts changed a moment ago
 * are refreshed before answering, so a number never lags the inbox.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly analytics: AnalyticsRepository,
    private readonly refresher: AnalyticsRefresher,
    private readonly workspaces: WorkspacesRepository,
    private readonly channels: ChannelsRepository,
    private readonly users: UsersRepository,
  ) {}

  async summary(auth: AuthUser, query: AnalyticsSummaryQuery): Promise<AnalyticsSummaryResponse> {
    const { filter, settings } = await this.prepare(auth, query);
    const by = query.groupBy ?? 'none';
    const dims = dimensionsOf(query);
    // Names are read while the figures are.
    const named = this.labelsFor(auth.workspaceId, dims);
    const costs = settings.costs;
    const rowsOf = async (f: SqlFilter): Promise<AnalyticsRow[]> => {
      const [groups, labels] = await Promise.all([this.analytics.metrics(f, dims, false), named]);
      const rows = groups.map((group) => ({ key: group.key, label: labels(group.key), metrics: group.metrics }));
      if (costs) await this.addCosts(f, dims, rows, costs);
      return rows.sort((a, b) => b.metrics.chats - a.metrics.chats || a.label.localeCompare(b.label));
    };
    const span = filter.to.getTime() - filter.from.getTime();
    const [rows, previous] = await Promise.all([
      rowsOf(filter),
      query.compare ? rowsOf({ ...filter, from: new Date(filter.from.getTime() - span), to: filter.from }) : undefined,
    ]);
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      timeZone: filter.timeZone,
      groupBy: by,
      ...(dims.length === 2 ? { thenBy: dims[1] } : {}),
      rows:
        by === 'none' && rows.length === 0
          ? [{ key: 'all', label: (await named)('all'), metrics: emptyMetrics() }]
          : rows,
      ...(previous ? { previous } : {}),
    };
  }

  async timeseries(auth: AuthUser, query: AnalyticsTimeseriesQuery): Promise<AnalyticsTimeseriesResponse> {
    if (NOT_A_TIME_SERIES.includes(query.metric))
      throw ApiException.invalid('metric', `${query.metric} is not available as a time series`);
    const interval = query.interval ?? 'day';
    const filter = await this.filterOf(auth, query, interval);
    const buckets = (filter.to.getTime() - filter.from.getTime()) / BUCKET_MS[interval];
    if (buckets > MAX_POINTS)
      throw ApiException.invalid('interval', `too many ${interval}s in the period; use a longer interval`);
    const dims = dimensionsOf(query);
    const labels = await this.labelsFor(auth.workspaceId, dims);
    const groups = await this.analytics.metrics(filter, dims, true);
    return {
      metric: query.metric,
      interval,
      timeZone: filter.timeZone,
      points: groups
        .filter((group) => group.bucket !== null)
        .map((group) => ({
          bucket: (group.bucket as Date).toISOString(),
          key: group.key,
          label: labels(group.key),
          value: scalar(group.metrics, query.metric),
        }))
        .sort((a, b) => a.bucket.localeCompare(b.bucket) || a.label.localeCompare(b.label)),
    };
  }

  async cycles(auth: AuthUser, query: AnalyticsCyclesQuery): Promise<AnalyticsCyclesResponse> {
    const filter = await this.filterOf(auth, query);
    const condition = DRILLDOWN[query.metric ?? 'chats'] ?? 'TRUE';
    const limit = query.limit ?? 50;
    const [rows, total] = await Promise.all([
      this.analytics.cycles(filter, condition, limit + 1, decodeCursor(query.cursor)),
      this.analytics.cyclesTotal(filter, condition),
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(mapCycle),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
      total,
    };
  }

  /** Every cycle behind the metric in the period (all pages), for the CSV export. */
  async allCycles(auth: AuthUser, query: AnalyticsMetricCyclesQuery, max = 100_000): Promise<CycleRow[]> {
    const filter = await this.filterOf(auth, query);
    const condition = DRILLDOWN[query.metric ?? 'chats'] ?? 'TRUE';
    const rows: CycleRow[] = [];
    let after: Parameters<AnalyticsRepository['cycles']>[3] = null;
    while (rows.length < max) {
      const page = await this.analytics.cycles(filter, condition, 1000, after);
      rows.push(...page);
      if (page.length < 1000) break;
      const last = page[page.length - 1];
      after = { startedAt: last.started_at, conversationId: last.conversation_id, cycle: last.cycle };
    }
    return rows;
  }

  async heatmap(auth: AuthUser, query: AnalyticsFilterQuery): Promise<AnalyticsHeatmapResponse> {
    const filter = await this.filterOf(auth, query);
    return { timeZone: filter.timeZone, cells: await this.analytics.heatmap(filter) };
  }

  async distribution(auth: AuthUser, query: AnalyticsFilterQuery): Promise<AnalyticsDistributionResponse> {
    return { buckets: await this.analytics.firstResponseDistribution(await this.filterOf(auth, query)) };
  }

  /** METRICS.md's agent performance report: one row per manager who handled a chat or was online. */
  async agents(auth: AuthUser, query: AnalyticsFilterQuery): Promise<AgentPerformanceResponse> {
    const filter = await this.filterOf(auth, query);
    const [groups, presence, spans, users] = await Promise.all([
      this.analytics.metrics(filter, ['manager'], false),
      this.analytics.presence(auth.workspaceId, filter.from, filter.to),
      this.analytics.assignments(auth.workspaceId, filter.from, filter.to),
      this.users.listByWorkspace(auth.workspaceId),
    ]);
    const intervals = presence.map((p) => ({
      userId: p.user_id,
      status: p.status,
      from: p.started_at,
      to: p.ended_at,
    }));
    const held = spans.map((s) => ({
      assignments: s.assignments.map((a) => ({
        userId: a.userId,
        from: new Date(a.from),
        to: a.to ? new Date(a.to) : null,
      })),
    }));
    const period = { from: filter.from, to: filter.to, asOf: filter.asOf };
    const rows = users
      .filter((u) => !query.managerId || u.id === query.managerId)
      .map((user) => {
        const metrics = groups.find((g) => g.key === user.id)?.metrics ?? emptyMetrics();
        const time = managerTime(user.id, intervals, held, period);
        return {
          manager: { id: user.id, name: user.name },
          chats: metrics.chats,
          missedChats: metrics.missedChats,
          acceptanceRate: metrics.acceptanceRate,
          firstResponseAvgSec: metrics.firstResponseAvgSec,
          handleTimeAvgSec: metrics.handleTimeAvgSec,
          csatAvg: metrics.csatAvg,
          csatPositive: Math.round((metrics.csatSatisfiedRate ?? 0) * metrics.csatResponses),
          csatNegative: metrics.csatResponses - Math.round((metrics.csatSatisfiedRate ?? 0) * metrics.csatResponses),
          conversions: metrics.conversions,
          revenue: metrics.revenue,
          utilization: time.utilization,
          avgConcurrency: time.avgConcurrency,
          onlineSec: time.onlineSec,
        };
      })
      .filter((row) => row.chats > 0 || row.onlineSec > 0)
      .sort((a, b) => b.chats - a.chats || a.manager.name.localeCompare(b.manager.name));
    return { from: filter.from.toISOString(), to: filter.to.toISOString(), rows };
  }

  /**
   * `cost`, `costPerChat` and `roi` per row: the period's costs carried by each channel × manager
   * cell of the whole workspace (libs/metrics `periodCosts`), summed over the cells of each row.
   * The ungrouped total carries every cost, also those no chat carries. Tag groupings have none.
   */
  private async addCosts(
    filter: SqlFilter,
    dims: Dimensions,
    rows: AnalyticsRow[],
    costs: CostSettings,
  ): Promise<void> {
    if (dims.includes('tag') || filter.tag) return;
    const whole = { ...filter, channelId: null, managerId: null, channelType: null, tag: null };
    const [cellGroups, presence, channels] = await Promise.all([
      this.analytics.metrics(whole, ['channel', 'manager'], false),
      this.analytics.presence(filter.workspaceId, filter.from, filter.to),
      this.channels.listByWorkspace(filter.workspaceId),
    ]);
    const typeOf = new Map(channels.map((c) => [c.id, c.type as string]));
    const cells: ChatCell[] = cellGroups.map((group) => {
      const [channelId, managerId] = (group.key ?? '|').split('|');
      return { channelId, managerId: managerId || null, chats: group.metrics.chats };
    });
    const period = { from: filter.from, to: filter.to, asOf: filter.asOf };
    const intervals = presence.map((p) => ({
      userId: p.user_id,
      status: p.status,
      from: p.started_at,
      to: p.ended_at,
    }));
    const online = new Map(
      Object.keys(costs.managerHourly).map((id) => [id, managerTime(id, intervals, [], period).onlineSec]),
    );
    const carried = periodCosts(costs, cells, online, period);
    const filtered = filter.channelId !== null || filter.managerId !== null || filter.channelType !== null;
    const part = (dim: Dimensions[number], cell: ChatCell): string | null =>
      dim === 'channel'
        ? cell.channelId
        : dim === 'channelType'
          ? (typeOf.get(cell.channelId) ?? null)
          : dim === 'manager'
            ? cell.managerId
            : 'all';
    const keyOf = (cell: ChatCell): string | null => {
      const first = part(dims[0], cell);
      return dims.length === 1 || first === null ? first : `${first}|${part(dims[1], cell) ?? ''}`;
    };
    const inFilter = (cell: ChatCell) =>
      (filter.channelId === null || cell.channelId === filter.channelId) &&
      (filter.managerId === null || cell.managerId === filter.managerId) &&
      (filter.channelType === null || typeOf.get(cell.channelId) === filter.channelType);
    for (const row of rows) {
      const cost =
        dims[0] === 'none' && !filtered
          ? carried.total
          : cells
              .filter((cell) => inFilter(cell) && keyOf(cell) === row.key)
              .reduce((sum, cell) => sum + (carried.cells.get(cellKey(cell.channelId, cell.managerId)) ?? 0), 0);
      Object.assign(row.metrics, costMetrics(cost, row.metrics, costs.currency));
    }
  }

  /** Validated filter with the workspace's settings; facts of this workspace refreshed first. */
  private async filterOf(
    auth: AuthUser,
    query: AnalyticsFilterQuery,
    interval: AnalyticsInterval = 'day',
  ): Promise<SqlFilter> {
    return (await this.prepare(auth, query, interval)).filter;
  }

  /** The filter and the workspace settings it was made from (one read of the workspace). */
  private async prepare(
    auth: AuthUser,
    query: AnalyticsFilterQuery,
    interval: AnalyticsInterval = 'day',
  ): Promise<{ filter: SqlFilter; settings: WorkspaceSettingsDto }> {
    const from = new Date(query.from);
    const to = new Date(query.to);
    if (!(to > from)) throw ApiException.invalid('to', 'must be after from');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000)
      throw ApiException.invalid('to', `the period may span at most ${MAX_RANGE_DAYS} days`);
    const workspace = await this.workspaces.findById(auth.workspaceId);
    if (!workspace) throw ApiException.notFound('Workspace');
    const settings = workspaceSettingsFrom(workspace.settings, workspace.time_zone);
    await this.refresher.drain(auth.workspaceId);
    const asOf = new Date();
    const filter: SqlFilter = {
      workspaceId: auth.workspaceId,
      from,
      to,
      asOf,
      missedThresholdSec: settings.missedChatThresholdSec,
      firstResponseTargetSec: settings.firstResponseTargetSec,
      fcrWindowDays: settings.fcrWindowDays,
      conversionWindowDays: settings.conversionWindowDays,
      channelId: query.channelId ?? null,
      managerId: query.managerId ?? null,
      tag: query.tag ?? null,
      channelType: query.channelType ?? null,
      timeZone: workspace.time_zone,
      interval,
      // The clock spans every instant a cycle started in the period can have: from its start to now.
      businessHours: settings.workingHours
        ? businessHoursOf(
            openIntervals(
              settings.workingHours,
              workspace.time_zone,
              from.getTime(),
              Math.max(asOf.getTime(), to.getTime()),
            ),
          )
        : null,
    };
    return { filter, settings };
  }

  /** Labels for one or two dimensions (`Telegram · Maria`). */
  private async labelsFor(workspaceId: string, dims: Dimensions): Promise<(key: string | null) => string> {
    const [first, second] = await Promise.all(dims.map((dim) => this.labels(workspaceId, dim)));
    if (!second) return first;
    return (key) => {
      const [a, b] = (key ?? '').split('|');
      return `${first(a || null)} · ${second(b || null)}`;
    };
  }

  /** Human names for group keys. */
  private async labels(workspaceId: string, by: AnalyticsGrouping): Promise<(key: string | null) => string> {
    if (by === 'channel') {
      const names = new Map((await this.channels.listByWorkspace(workspaceId)).map((c) => [c.id, c.name]));
      return (key) => (key && names.get(key)) || key || '—';
    }
    if (by === 'manager') {
      const names = new Map((await this.users.listByWorkspace(workspaceId)).map((u) => [u.id, u.name]));
      return (key) => (key ? names.get(key) || key : 'Unassigned');
    }
    return (key) => (by === 'none' ? 'All' : (key ?? '—'));
  }
}

function dimensionsOf(query: AnalyticsSummaryQuery): Dimensions {
  const by = query.groupBy ?? 'none';
  if (!query.thenBy || query.thenBy === 'none') return [by];
  if (by === 'none' || query.thenBy === by)
    throw ApiException.invalid('thenBy', 'must name a second, different grouping');
  return [by, query.thenBy];
}

const BUCKET_MS: Record<AnalyticsInterval, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

/** A metric's value as one number (revenue: the total when there is one currency). */
function scalar(metrics: MetricValues, key: keyof MetricValues): number | null {
  const value = metrics[key];
  if (typeof value === 'number' || value === null) return value;
  const amounts = Object.values(value);
  return amounts.length === 1 ? Number(amounts[0]) : amounts.length === 0 ? 0 : null;
}

function encodeCursor(row: CycleRow): string {
  return Buffer.from(`${row.started_at.toISOString()}|${row.conversation_id}|${row.cycle}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { startedAt: Date; conversationId: string; cycle: number } | null {
  if (!cursor) return null;
  const [at, conversationId, cycle] = Buffer.from(cursor, 'base64url').toString().split('|');
  const startedAt = new Date(at);
  if (Number.isNaN(startedAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(conversationId ?? '') || !/^\d+$/.test(cycle ?? ''))
    throw ApiException.invalid('cursor', 'is not a cursor this endpoint returned');
  return { startedAt, conversationId, cycle: Number(cycle) };
}
