import { Injectable, InjectionToken, computed, inject, signal } from '@angular/core';
import type {
  AgentPerformanceResponse,
  AnalyticsDistributionResponse,
  AnalyticsFilter,
  AnalyticsHeatmapResponse,
  AnalyticsInterval,
  AnalyticsSummaryResponse,
  AnalyticsTimeseriesResponse,
} from '@onebox/contracts';
import { Subscription, forkJoin } from 'rxjs';
import { AnalyticsApi } from './analytics-api.service';
import { DashboardFilter, EMPTY_FILTER, apiFilter, autoInterval } from './analytics-filter';
import { Section } from './section';

/** The clock the periods are resolved against (tests pin it). */
export const ANALYTICS_CLOCK = new InjectionToken<() => number>('ANALYTICS_CLOCK', {
  providedIn: 'root',
  factory: () => () => Date.now(),
});

export interface VolumeSeries {
  chats: AnalyticsTimeseriesResponse;
  missedChats: AnalyticsTimeseriesResponse;
}

export interface SatisfactionSeries {
  csatAvg: AnalyticsTimeseriesResponse;
  cesAvg: AnalyticsTimeseriesResponse;
  nps: AnalyticsTimeseriesResponse;
}

/**
 * The dashboard's data: one section per request, all reloaded when the filter (from the URL) or
 * the workspace time zone changes.
 */
@Injectable()
export class DashboardStore {
  private readonly api = inject(AnalyticsApi);
  private readonly clock = inject(ANALYTICS_CLOCK);

  private readonly filterSignal = signal<DashboardFilter>(EMPTY_FILTER);
  private readonly rangeSignal = signal<AnalyticsFilter | null>(null);
  private timeZone = 'UTC';
  private currencySubscription: Subscription | null = null;

  readonly filter = this.filterSignal.asReadonly();
  /** The resolved period and filters the API was asked for. */
  readonly range = this.rangeSignal.asReadonly();
  readonly interval = computed<AnalyticsInterval>(() => {
    const range = this.rangeSignal();
    return range ? autoInterval(range.from, range.to) : 'day';
  });

  readonly summary = new Section<AnalyticsSummaryResponse>();
  readonly byChannel = new Section<AnalyticsSummaryResponse>();
  readonly byManager = new Section<AnalyticsSummaryResponse>();
  readonly heatmap = new Section<AnalyticsHeatmapResponse>();
  readonly distribution = new Section<AnalyticsDistributionResponse>();
  readonly volume = new Section<VolumeSeries>();
  readonly satisfaction = new Section<SatisfactionSeries>();
  readonly agents = new Section<AgentPerformanceResponse>();
  private readonly currency = signal<string | null>(null);
  /** The currency `cost` and `costPerChat` are in; null when unknown (they then read as plain numbers). */
  readonly costCurrency = this.currency.asReadonly();

  /** No chats at all in the period (and the summary did load): the page shows its empty state. */
  readonly empty = computed(() => {
    const state = this.summary.state();
    if (state.status !== 'ready' || !state.data) return false;
    return state.data.rows.reduce((sum, row) => sum + (row.metrics.chats ?? 0), 0) === 0;
  });

  load(filter: DashboardFilter, timeZone: string): void {
    this.filterSignal.set(filter);
    this.timeZone = timeZone;
    const range = apiFilter(filter, this.clock(), timeZone);
    this.rangeSignal.set(range);
    const interval = autoInterval(range.from, range.to);
    this.summary.run(this.api.summary(range, 'none', filter.compare));
    this.byChannel.run(this.api.summary(range, 'channel'));
    this.byManager.run(this.api.summary(range, 'manager'));
    this.heatmap.run(this.api.heatmap(range));
    this.distribution.run(this.api.distribution(range));
    this.volume.run(
      forkJoin({
        chats: this.api.timeseries(range, 'chats', interval),
        missedChats: this.api.timeseries(range, 'missedChats', interval),
      }),
    );
    this.satisfaction.run(
      forkJoin({
        csatAvg: this.api.timeseries(range, 'csatAvg', interval),
        cesAvg: this.api.timeseries(range, 'cesAvg', interval),
        nps: this.api.timeseries(range, 'nps', interval),
      }),
    );
    this.agents.run(this.api.agents(range));
    this.currencySubscription?.unsubscribe();
    this.currencySubscription = this.api
      .costCurrency()
      .subscribe({ next: (currency) => this.currency.set(currency), error: () => undefined });
  }

  /** Retry: the same filter again (a relative period moves on with the clock). */
  reload(): void {
    this.load(this.filterSignal(), this.timeZone);
  }
}
