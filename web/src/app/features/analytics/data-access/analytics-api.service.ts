import { DOCUMENT } from '@angular/common';
import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  AgentPerformanceResponse,
  AnalyticsCyclesResponse,
  AnalyticsDistributionResponse,
  AnalyticsFilter,
  AnalyticsGrouping,
  AnalyticsHeatmapResponse,
  AnalyticsInterval,
  AnalyticsSummaryResponse,
  AnalyticsTimeseriesResponse,
  ChannelDto,
  ChannelType,
  MetricKey,
  UserDto,
  WorkspaceSettingsDto,
} from '@onebox/contracts';
import { Observable, map } from 'rxjs';

const BASE = '/api/analytics';

export type CsvExport = 'conversations' | 'summary' | 'agents';

export interface CyclesQuery extends AnalyticsFilter {
  metric: MetricKey;
  channelType?: ChannelType;
  cursor?: string | null;
  limit?: number;
}

/** Query params of the shared filters, plus extras; empty values are left out. */
export function analyticsParams(
  filter: AnalyticsFilter,
  extra: Record<string, string | number | boolean | null | undefined> = {},
): HttpParams {
  let params = new HttpParams().set('from', filter.from).set('to', filter.to);
  const all: Record<string, string | number | boolean | null | undefined> = {
    channelId: filter.channelId,
    managerId: filter.managerId,
    tag: filter.tag,
    ...extra,
  };
  for (const [key, value] of Object.entries(all)) {
    if (value === null || value === undefined || value === '' || value === false) continue;
    params = params.set(key, String(value));
  }
  return params;
}

/** The analytics endpoints (heads and admins; managers get 403). The auth interceptor adds the token. */
@Injectable({ providedIn: 'root' })
export class AnalyticsApi {
  private readonly http = inject(HttpClient);
  private readonly document = inject(DOCUMENT);

  summary(filter: AnalyticsFilter, groupBy: AnalyticsGrouping, compare = false): Observable<AnalyticsSummaryResponse> {
    return this.http.get<AnalyticsSummaryResponse>(`${BASE}/summary`, {
      params: analyticsParams(filter, { groupBy, compare }),
    });
  }

  timeseries(
    filter: AnalyticsFilter,
    metric: MetricKey,
    interval: AnalyticsInterval,
    groupBy: AnalyticsGrouping = 'none',
  ): Observable<AnalyticsTimeseriesResponse> {
    return this.http.get<AnalyticsTimeseriesResponse>(`${BASE}/timeseries`, {
      params: analyticsParams(filter, { metric, interval, groupBy: groupBy === 'none' ? null : groupBy }),
    });
  }

  cycles(query: CyclesQuery): Observable<AnalyticsCyclesResponse> {
    const { metric, channelType, cursor, limit, ...filter } = query;
    return this.http.get<AnalyticsCyclesResponse>(`${BASE}/cycles`, {
      params: analyticsParams(filter, { metric, channelType, cursor, limit }),
    });
  }

  heatmap(filter: AnalyticsFilter): Observable<AnalyticsHeatmapResponse> {
    return this.http.get<AnalyticsHeatmapResponse>(`${BASE}/heatmap`, { params: analyticsParams(filter) });
  }

  distribution(filter: AnalyticsFilter): Observable<AnalyticsDistributionResponse> {
    return this.http.get<AnalyticsDistributionResponse>(`${BASE}/distribution`, { params: analyticsParams(filter) });
  }

  agents(filter: AnalyticsFilter): Observable<AgentPerformanceResponse> {
    return this.http.get<AgentPerformanceResponse>(`${BASE}/agents`, { params: analyticsParams(filter) });
  }

  /** The workspace's channels and users: the choices of the channel and manager filters. */
  channels(): Observable<ChannelDto[]> {
    return this.http.get<ChannelDto[]>('/api/channels');
  }

  users(): Observable<UserDto[]> {
    return this.http.get<UserDto[]>('/api/users');
  }

  /** The currency `cost` and `costPerChat` are in (the workspace's cost settings); null without costs. */
  costCurrency(): Observable<string | null> {
    return this.http
      .get<WorkspaceSettingsDto>('/api/workspace/settings')
      .pipe(map((settings) => settings.costs?.currency ?? null));
  }

  /**
   * Fetches a CSV with the auth header (the interceptor adds it; the token never goes into a URL)
   * and saves it through a temporary object URL. Emits the file name once the download started.
   */
  downloadCsv(
    kind: CsvExport,
    filter: AnalyticsFilter,
    extra: Record<string, string | number | boolean | null | undefined> = {},
  ): Observable<string> {
    const fileName = `onebox-${kind}-${filter.from.slice(0, 10)}-${filter.to.slice(0, 10)}.csv`;
    return this.http.get(`${BASE}/${kind}.csv`, { params: analyticsParams(filter, extra), responseType: 'blob' }).pipe(
      map((blob) => {
        this.save(blob, fileName);
        return fileName;
      }),
    );
  }

  private save(blob: Blob, fileName: string): void {
    const url = URL.createObjectURL(blob);
    const link = this.document.createElement('a');
    link.href = url;
    link.download = fileName;
    link.style.display = 'none';
    this.document.body.appendChild(link);
    link.click();
    link.remove();
    // Give the browser a moment to start the download before the blob goes away.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
