import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, Params, Router, RouterLink, RouterLinkActive } from '@angular/router';
import type { AgentPerformanceResponse, AgentPerformanceRow, AnalyticsFilter } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { AnalyticsApi } from '../data-access/analytics-api.service';
import {
  DashboardFilter,
  apiFilter,
  dayOf,
  filterFromParams,
  filterToParams,
  linkParams,
} from '../data-access/analytics-filter';
import { AnalyticsFormat, mainCurrency } from '../data-access/analytics-format';
import { uniqueNames } from '../data-access/chart-data';
import { ANALYTICS_CLOCK } from '../data-access/dashboard.store';
import { FilterOptionsStore } from '../data-access/filter-options.store';
import { Section } from '../data-access/section';
import { SortState, ariaSort, nextSort, sortRows } from '../data-access/sorting';
import { AnalyticsFiltersComponent } from '../ui/analytics-filters.component';
import { BarChartComponent } from '../ui/charts';
import { PanelComponent } from '../ui/panel.component';

export type AgentColumn =
  | 'manager'
  | 'chats'
  | 'missedChats'
  | 'acceptanceRate'
  | 'firstResponseAvgSec'
  | 'handleTimeAvgSec'
  | 'csatAvg'
  | 'conversions'
  | 'revenue'
  | 'utilization'
  | 'avgConcurrency'
  | 'onlineSec';

export const AGENT_COLUMNS: AgentColumn[] = [
  'manager',
  'chats',
  'missedChats',
  'acceptanceRate',
  'firstResponseAvgSec',
  'handleTimeAvgSec',
  'csatAvg',
  'conversions',
  'revenue',
  'utilization',
  'avgConcurrency',
  'onlineSec',
];

/** Figures that open the manager's cycles behind them. */
const DRILLABLE = new Set<AgentColumn>(['chats', 'missedChats', 'conversions', 'firstResponseAvgSec', 'csatAvg']);

/** The agent performance report of METRICS.md: one row per manager, a chart and the CSV. */
@Component({
  selector: 'ob-analytics-agents-page',
  imports: [RouterLink, RouterLinkActive, TranslatePipe, AnalyticsFiltersComponent, PanelComponent, BarChartComponent],
  providers: [FilterOptionsStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './analytics-page.css',
  template: `
    <div class="analytics">
      <header class="analytics__head">
        <div class="analytics__title">
          <h1>{{ 'analytics.title' | t }}</h1>
          <nav class="tabs" [attr.aria-label]="'analytics.sections' | t">
            <a routerLink="/analytics" [queryParams]="links()" class="tabs__link">{{
              'analytics.tab.dashboard' | t
            }}</a>
            <a
              routerLink="/analytics/agents"
              [queryParams]="links()"
              routerLinkActive="tabs__link--active"
              class="tabs__link"
              >{{ 'analytics.tab.agents' | t }}</a
            >
          </nav>
        </div>
        <div class="analytics__actions">
          <span class="analytics__period" data-testid="analytics-range">{{ periodLabel() }}</span>
          <button
            type="button"
            class="btn btn--sm"
            data-testid="export-csv"
            [disabled]="exporting()"
            (click)="exportCsv()"
          >
            {{ (exporting() ? 'analytics.exporting' : 'analytics.export.agents') | t }}
          </button>
        </div>
      </header>

      <ob-analytics-filters
        [filter]="filter()"
        [channels]="options.channels()"
        [tags]="options.tags()"
        [showManager]="false"
        [showCompare]="false"
        [today]="today()"
        (changed)="setFilter($event)"
      />

      @if (report.state().status === 'error') {
        <div class="card state" role="alert" data-testid="analytics-error">
          <h2>{{ 'analytics.error.title' | t }}</h2>
          <p>{{ 'analytics.error.' + (report.state().error ?? 'unknown') | t }}</p>
          <button type="button" class="btn btn--primary btn--sm" data-testid="analytics-retry" (click)="reload()">
            {{ 'analytics.retry' | t }}
          </button>
        </div>
      } @else if (report.state().status === 'ready' && rows().length === 0) {
        <div class="card state" data-testid="analytics-empty">
          <h2>{{ 'analytics.empty.title' | t }}</h2>
          <p>{{ 'analytics.empty.hint' | t }}</p>
        </div>
      } @else {
        <ob-panel
          data-testid="chart-agents"
          [title]="'analytics.agents.chart' | t"
          [caption]="'analytics.agents.chartCaption' | t"
          [status]="report.state().status"
          (retry)="reload()"
        >
          <ob-bar-chart
            type="grouped"
            [results]="chart()"
            [valueFormat]="numberFormat()"
            [xLabel]="'analytics.table.manager' | t"
            [yLabel]="'analytics.axis.count' | t"
            [legendTitle]="'analytics.legend' | t"
          />
        </ob-panel>

        <ob-panel
          data-testid="agents-report"
          [title]="'analytics.agents.title' | t"
          [status]="report.state().status"
          [skeletonHeight]="260"
          (retry)="reload()"
        >
          <div class="scroll">
            <table class="table" data-testid="agents-table">
              <thead>
                <tr>
                  @for (column of columns; track column) {
                    <th scope="col" [class.num]="column !== 'manager'" [attr.aria-sort]="ariaSort(sort(), column)">
                      <button type="button" class="sort" [attr.data-testid]="'sort-' + column" (click)="sortBy(column)">
                        {{ 'analytics.agents.' + column | t }}
                        <span aria-hidden="true">{{
                          sort().column === column ? (sort().dir === 'asc' ? '▲' : '▼') : ''
                        }}</span>
                      </button>
                    </th>
                  }
                </tr>
              </thead>
              <tbody>
                @for (row of sorted(); track row.manager.id) {
                  <tr data-testid="agents-row">
                    <th scope="row">{{ row.manager.name }}</th>
                    @for (column of numeric; track column) {
                      <td class="num" [attr.data-column]="column">
                        @if (drillable.has(column)) {
                          <a
                            routerLink="/analytics/cycles"
                            [queryParams]="drill(column, row)"
                            [attr.data-testid]="'drill-' + column"
                            >{{ cell(row, column) }}</a
                          >
                        } @else {
                          {{ cell(row, column) }}
                        }
                        @if (column === 'csatAvg' && row.csatPositive + row.csatNegative > 0) {
                          <span class="muted" [attr.title]="'analytics.agents.csatSplit' | t">
                            (+{{ row.csatPositive }} / −{{ row.csatNegative }})</span
                          >
                        }
                      </td>
                    }
                  </tr>
                }
              </tbody>
            </table>
          </div>
        </ob-panel>
      }
    </div>
  `,
})
export class AnalyticsAgentsPage {
  protected readonly options = inject(FilterOptionsStore);
  protected readonly fmt = inject(AnalyticsFormat);
  private readonly format = inject(FormatService);
  private readonly i18n = inject(I18nService);
  private readonly api = inject(AnalyticsApi);
  private readonly toast = inject(ToastService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly clock = inject(ANALYTICS_CLOCK);

  private readonly params = toSignal(this.route.queryParams, { initialValue: {} as Params });
  protected readonly filter = computed(() => filterFromParams(this.params()));
  protected readonly links = computed(() => linkParams(this.filter()));
  protected readonly today = computed(() => dayOf(this.clock(), this.format.timeZone()));
  protected readonly report = new Section<AgentPerformanceResponse>();
  protected readonly exporting = signal(false);
  private readonly range = signal<AnalyticsFilter | null>(null);

  protected readonly columns = AGENT_COLUMNS;
  protected readonly numeric = AGENT_COLUMNS.filter((c) => c !== 'manager') as Exclude<AgentColumn, 'manager'>[];
  protected readonly drillable = DRILLABLE;
  protected readonly sort = signal<SortState<AgentColumn>>({ column: 'chats', dir: 'desc' });
  protected readonly ariaSort = ariaSort;

  protected readonly rows = computed(() => this.report.state().data?.rows ?? []);
  protected readonly sorted = computed(() => {
    const { column, dir } = this.sort();
    return sortRows(this.rows(), (row) => this.sortValue(row, column), dir, this.i18n.locale());
  });
  protected readonly chart = computed(() => {
    this.i18n.lang();
    const rows = [...this.rows()].sort((a, b) => b.chats - a.chats).slice(0, 12);
    const names = uniqueNames(rows.map((r) => r.manager.name));
    return rows.map((row, i) => ({
      name: names[i],
      series: [
        { name: this.i18n.t('analytics.metric.chats'), value: row.chats },
        { name: this.i18n.t('analytics.metric.missedChats'), value: row.missedChats },
        { name: this.i18n.t('analytics.metric.conversions'), value: row.conversions },
      ],
    }));
  });
  protected readonly periodLabel = computed(() => {
    this.i18n.lang();
    const range = this.range();
    return range ? this.fmt.period(range.from, range.to) : '';
  });
  protected readonly numberFormat = computed(() => {
    this.i18n.lang();
    return (value: number) => this.fmt.decimal(value, 2);
  });

  constructor() {
    this.options.load();
    effect(() => {
      const filter = this.filter();
      const timeZone = this.format.timeZone();
      untracked(() => {
        this.range.set(apiFilter({ ...filter, managerId: null }, this.clock(), timeZone));
        this.reload();
      });
    });
  }

  protected reload(): void {
    const range = this.range();
    if (range) this.report.run(this.api.agents(range));
  }

  protected setFilter(filter: DashboardFilter): void {
    void this.router.navigate([], { relativeTo: this.route, queryParams: filterToParams(filter) });
  }

  protected sortBy(column: AgentColumn): void {
    this.sort.update((current) => nextSort(current, column, ['manager']));
  }

  protected cell(row: AgentPerformanceRow, column: Exclude<AgentColumn, 'manager'>): string {
    if (column === 'onlineSec') return this.fmt.duration(row.onlineSec);
    if (column === 'avgConcurrency') return row.avgConcurrency === null ? '—' : this.fmt.decimal(row.avgConcurrency, 2);
    return this.fmt.value(column, row[column]);
  }

  protected drill(column: AgentColumn, row: AgentPerformanceRow): Params {
    return { ...this.links(), metric: column, managerId: row.manager.id };
  }

  protected exportCsv(): void {
    const range = this.range();
    if (!range || this.exporting()) return;
    this.exporting.set(true);
    this.api.downloadCsv('agents', range).subscribe({
      next: () => this.exporting.set(false),
      error: () => {
        this.exporting.set(false);
        this.toast.error(this.i18n.t('analytics.exportFailed'));
      },
    });
  }

  private sortValue(row: AgentPerformanceRow, column: AgentColumn): string | number | null {
    if (column === 'manager') return row.manager.name;
    if (column === 'revenue') {
      const currency = mainCurrency(row.revenue);
      return currency ? Number(row.revenue[currency]) : 0;
    }
    return row[column];
  }
}
