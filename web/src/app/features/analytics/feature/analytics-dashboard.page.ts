import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, Router, RouterLink, RouterLinkActive } from '@angular/router';
import type { AnalyticsRow, MetricKey } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import type { TranslationKey } from '../../../core/i18n/en';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { AnalyticsApi, CsvExport } from '../data-access/analytics-api.service';
import {
  DashboardFilter,
  dayOf,
  drillMetric,
  filterFromParams,
  filterToParams,
  linkParams,
} from '../data-access/analytics-filter';
import { AnalyticsFormat } from '../data-access/analytics-format';
import {
  bucketTicks,
  distributionPoints,
  funnelSeries,
  heatmapSeries,
  timeSeries,
  utilizationPoints,
} from '../data-access/chart-data';
import { ANALYTICS_CLOCK, DashboardStore } from '../data-access/dashboard.store';
import { FilterOptionsStore } from '../data-access/filter-options.store';
import { AnalyticsFiltersComponent } from '../ui/analytics-filters.component';
import { BarChartComponent, HeatmapChartComponent, LineChartComponent } from '../ui/charts';
import { KpiTileComponent } from '../ui/kpi-tile.component';
import { MetricsTableComponent } from '../ui/metrics-table.component';
import { PanelComponent } from '../ui/panel.component';

/** The headline tiles, in order. */
export const KPI_TILES: MetricKey[] = [
  'chats',
  'firstResponseMedianSec',
  'missedChatRate',
  'conversionRate',
  'revenue',
  'csatAvg',
  'nps',
];

/** The tiles added after the others when the workspace has costs (`cost` is not null). */
export const COST_TILES: MetricKey[] = ['costPerChat', 'roi'];

/** A tile's secondary line: the same figure counted in working hours only, when the workspace has them. */
const WORKING_HOURS_NOTE: Partial<Record<MetricKey, MetricKey>> = {
  firstResponseMedianSec: 'firstResponseMedianBusinessSec',
};

/** The head of sales' page: filters in the URL, KPI tiles, charts and the per-channel / per-manager tables. */
@Component({
  selector: 'ob-analytics-dashboard-page',
  imports: [
    RouterLink,
    RouterLinkActive,
    TranslatePipe,
    AnalyticsFiltersComponent,
    KpiTileComponent,
    PanelComponent,
    MetricsTableComponent,
    HeatmapChartComponent,
    BarChartComponent,
    LineChartComponent,
  ],
  providers: [DashboardStore, FilterOptionsStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './analytics-dashboard.page.html',
  styleUrl: './analytics-page.css',
})
export class AnalyticsDashboardPage {
  protected readonly store = inject(DashboardStore);
  protected readonly options = inject(FilterOptionsStore);
  protected readonly fmt = inject(AnalyticsFormat);
  private readonly format = inject(FormatService);
  private readonly i18n = inject(I18nService);
  private readonly api = inject(AnalyticsApi);
  private readonly toast = inject(ToastService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly clock = inject(ANALYTICS_CLOCK);

  private readonly params = toSignal(this.route.queryParams, { initialValue: {} });
  protected readonly filter = computed(() => filterFromParams(this.params()));
  protected readonly links = computed(() => linkParams(this.filter()));
  protected readonly today = computed(() => dayOf(this.clock(), this.format.timeZone()));
  protected readonly exporting = signal<CsvExport | null>(null);
  protected readonly funnelBy = signal<'channel' | 'manager'>('channel');

  protected readonly periodLabel = computed(() => {
    const range = this.store.range();
    return range ? this.fmt.period(range.from, range.to) : '';
  });

  private readonly current = computed(() => this.store.summary.state().data?.rows[0]?.metrics ?? null);
  private readonly previous = computed(() => this.store.summary.state().data?.previous?.[0]?.metrics ?? null);

  protected readonly tileViews = computed(() => {
    this.i18n.lang();
    const current = this.current();
    const previous = this.previous();
    const compare = this.filter().compare;
    const currency = this.store.costCurrency();
    const tiles = current && current.cost !== null ? [...KPI_TILES, ...COST_TILES] : KPI_TILES;
    return tiles.map((key) => {
      const noteKey = WORKING_HOURS_NOTE[key];
      const note = noteKey && current ? current[noteKey] : null;
      return {
        key,
        label: this.i18n.t(`analytics.metric.${key}` as TranslationKey),
        value: !current
          ? '—'
          : key === 'revenue'
            ? this.fmt.moneyWhole(current.revenue)
            : this.fmt.value(key, current[key], currency),
        note:
          noteKey && note !== null && note !== undefined
            ? this.i18n.t('analytics.kpi.inWorkingHours', { value: this.fmt.value(noteKey, note) })
            : null,
        delta: compare && current && previous ? this.fmt.delta(key, current[key], previous[key]) : null,
      };
    });
  });

  protected readonly heatmap = computed(() => {
    this.i18n.lang();
    const data = this.store.heatmap.state().data;
    return data ? heatmapSeries(data, this.fmt.weekdays()) : [];
  });
  protected readonly heatmapEmpty = computed(() => !this.store.heatmap.state().data?.cells.some((c) => c.chats > 0));

  protected readonly distribution = computed(() => {
    this.i18n.lang();
    const data = this.store.distribution.state().data;
    return data
      ? distributionPoints(
          data,
          (sec) => this.fmt.duration(sec),
          (from) => this.i18n.t('analytics.chart.openEnded', { from }),
        )
      : [];
  });
  protected readonly distributionEmpty = computed(() => this.distribution().every((p) => p.value === 0));

  protected readonly volume = computed(() => {
    this.i18n.lang();
    const data = this.store.volume.state().data;
    if (!data) return { results: [], ticks: undefined };
    return {
      results: timeSeries([
        { name: this.i18n.t('analytics.metric.chats'), response: data.chats },
        { name: this.i18n.t('analytics.metric.missedChats'), response: data.missedChats },
      ]),
      ticks: bucketTicks([data.chats, data.missedChats]),
    };
  });
  protected readonly volumeEmpty = computed(() => this.volume().results.every((s) => s.series.length === 0));

  protected readonly satisfaction = computed(() => {
    this.i18n.lang();
    const data = this.store.satisfaction.state().data;
    if (!data) return { scores: [], nps: [], ticks: undefined };
    return {
      scores: timeSeries([
        { name: this.i18n.t('analytics.metric.csatAvg'), response: data.csatAvg },
        { name: this.i18n.t('analytics.metric.cesAvg'), response: data.cesAvg },
      ]),
      nps: timeSeries([{ name: this.i18n.t('analytics.metric.nps'), response: data.nps }]),
      ticks: bucketTicks([data.csatAvg, data.cesAvg, data.nps]),
    };
  });
  protected readonly satisfactionEmpty = computed(() => {
    const s = this.satisfaction();
    return [...s.scores, ...s.nps].every((series) => series.series.length === 0);
  });

  protected readonly funnel = computed(() => {
    this.i18n.lang();
    const section = this.funnelBy() === 'channel' ? this.store.byChannel : this.store.byManager;
    const rows = section.state().data?.rows ?? [];
    return {
      state: section.state(),
      rows,
      results: funnelSeries(rows, {
        chats: this.i18n.t('analytics.metric.chats'),
        deals: this.i18n.t('analytics.metric.dealsCreated'),
        won: this.i18n.t('analytics.metric.conversions'),
      }),
    };
  });

  protected readonly utilization = computed(() => utilizationPoints(this.store.agents.state().data?.rows ?? []));

  protected readonly tickFormat = computed(() => {
    this.i18n.lang();
    this.format.timeZone();
    const interval = this.store.interval();
    return (value: Date) => this.fmt.bucket(value, interval);
  });
  protected readonly numberFormat = computed(() => {
    this.i18n.lang();
    return (value: number) => this.fmt.decimal(value, 2);
  });
  protected readonly percentFormat = computed(() => {
    this.i18n.lang();
    return (value: number) => this.fmt.percent(value / 100);
  });

  constructor() {
    this.options.load();
    // Reload whenever the URL's filter or the workspace time zone (from /api/me) changes.
    effect(() => {
      const filter = this.filter();
      const timeZone = this.format.timeZone();
      untracked(() => this.store.load(filter, timeZone));
    });
  }

  protected setFilter(filter: DashboardFilter): void {
    void this.router.navigate([], { relativeTo: this.route, queryParams: filterToParams(filter) });
  }

  protected openTile(key: MetricKey): void {
    void this.router.navigate(['/analytics/cycles'], {
      queryParams: { ...this.links(), metric: drillMetric(key) },
    });
  }

  protected revenueOf(row: AnalyticsRow): string {
    return this.fmt.money(row.metrics.revenue);
  }

  protected export(kind: CsvExport): void {
    const range = this.store.range();
    if (!range || this.exporting()) return;
    this.exporting.set(kind);
    const extra = kind === 'summary' ? { groupBy: 'channel' } : {};
    this.api.downloadCsv(kind, range, extra).subscribe({
      next: () => this.exporting.set(null),
      error: () => {
        this.exporting.set(null);
        this.toast.error(this.i18n.t('analytics.exportFailed'));
      },
    });
  }
}
