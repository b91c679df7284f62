import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { Params, RouterLink } from '@angular/router';
import type { AnalyticsRow, MetricKey } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { AnalyticsFormat, mainCurrency } from '../data-access/analytics-format';
import { drillMetric } from '../data-access/analytics-filter';
import { SortState, ariaSort, nextSort, sortRows } from '../data-access/sorting';

export type MetricsColumn =
  | 'label'
  | 'chats'
  | 'missedChats'
  | 'firstResponseMedianSec'
  | 'firstResponseMedianBusinessSec'
  | 'dealsCreated'
  | 'conversions'
  | 'revenue'
  | 'csatAvg'
  | 'cost'
  | 'costPerChat'
  | 'roi';

type NumericColumn = Exclude<MetricsColumn, 'label'>;

/**
 * The columns in order; the working-hours first response only when the workspace has working
 * hours, the cost columns only when it has costs (the API answers null otherwise).
 */
const NUMERIC: NumericColumn[] = [
  'chats',
  'missedChats',
  'firstResponseMedianSec',
  'firstResponseMedianBusinessSec',
  'dealsCreated',
  'conversions',
  'revenue',
  'csatAvg',
  'cost',
  'costPerChat',
  'roi',
];
const OPTIONAL: Partial<Record<NumericColumn, (row: AnalyticsRow) => boolean>> = {
  firstResponseMedianBusinessSec: (row) => row.metrics.firstResponseMedianBusinessSec !== null,
  cost: (row) => row.metrics.cost !== null,
  costPerChat: (row) => row.metrics.cost !== null,
  roi: (row) => row.metrics.cost !== null,
};

/** The figures per channel or per manager; headers sort, every figure opens its drill-down. */
@Component({
  selector: 'ob-metrics-table',
  imports: [RouterLink, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="scroll">
      <table class="table" [attr.data-testid]="'table-' + dimension()">
        <thead>
          <tr>
            @for (column of columns(); track column) {
              <th scope="col" [class.num]="column !== 'label'" [attr.aria-sort]="ariaSort(sort(), column)">
                <button type="button" class="sort" [attr.data-testid]="'sort-' + column" (click)="sortBy(column)">
                  <!-- No space before the mark: it stays on the line of the last word. -->
                  {{ header(column) | t
                  }}<span class="sort__mark" aria-hidden="true">{{
                    sort().column === column ? (sort().dir === 'asc' ? '▲' : '▼') : ''
                  }}</span>
                </button>
              </th>
            }
          </tr>
        </thead>
        <tbody>
          @for (row of sorted(); track row.key) {
            <tr data-testid="table-row">
              <th scope="row" class="name">{{ row.label }}</th>
              @for (column of numeric(); track column) {
                <td class="num">
                  @if (row.key !== null) {
                    <a
                      routerLink="/analytics/cycles"
                      [queryParams]="drill(column, row.key)"
                      [attr.data-testid]="'drill-' + column"
                      >{{ cell(row, column) }}</a
                    >
                  } @else {
                    {{ cell(row, column) }}
                  }
                  @if (column === 'missedChats' && row.metrics.missedChatRate !== null) {
                    <span class="sub">{{ fmt.percent(row.metrics.missedChatRate) }}</span>
                  }
                  @if (column === 'conversions' && row.metrics.conversionRate !== null) {
                    <span class="sub">{{ fmt.percent(row.metrics.conversionRate) }}</span>
                  }
                </td>
              }
            </tr>
          }
        </tbody>
      </table>
    </div>
  `,
  styles: `
    .scroll {
      overflow-x: auto;
    }
    .table {
      width: 100%;
      border-collapse: collapse;
      font-size: 13px;
    }
    th,
    td {
      padding: 6px 8px;
      border-bottom: 1px solid var(--border);
      text-align: left;
      white-space: nowrap;
    }
    thead th {
      /* Long metric names wrap, so that the figures keep the width. */
      white-space: normal;
      vertical-align: bottom;
    }
    .num {
      text-align: right;
    }
    .name {
      font-weight: 500;
      max-width: 220px;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .sort {
      text-align: inherit;
      border: 0;
      background: none;
      padding: 0;
      font: inherit;
      font-weight: 600;
      font-size: 12px;
      color: var(--text-muted);
      cursor: pointer;
    }
    .sort__mark {
      margin-left: 3px;
      font-size: 9px;
    }
    .sub {
      margin-left: 6px;
      font-size: 11px;
      color: var(--text-muted);
    }
  `,
})
export class MetricsTableComponent {
  protected readonly fmt = inject(AnalyticsFormat);
  private readonly i18n = inject(I18nService);

  readonly rows = input.required<AnalyticsRow[]>();
  readonly dimension = input.required<'channel' | 'manager'>();
  /** The currency of the `cost` and `costPerChat` columns (the workspace's cost settings). */
  readonly costCurrency = input<string | null>(null);
  /** The page's filter params, carried into the drill-down links. */
  readonly linkParams = input<Params>({});

  protected readonly numeric = computed(() => {
    const rows = this.rows();
    return NUMERIC.filter((column) => {
      const shown = OPTIONAL[column];
      return !shown || rows.some(shown);
    });
  });
  protected readonly columns = computed<MetricsColumn[]>(() => ['label', ...this.numeric()]);
  protected readonly sort = signal<SortState<MetricsColumn>>({ column: 'chats', dir: 'desc' });
  protected readonly ariaSort = ariaSort;

  protected readonly sorted = computed(() => {
    const { column, dir } = this.sort();
    return sortRows(this.rows(), (row) => this.sortValue(row, column), dir, this.i18n.locale());
  });

  protected sortBy(column: MetricsColumn): void {
    this.sort.update((current) => nextSort(current, column, ['label']));
  }

  protected header(column: MetricsColumn): string {
    return column === 'label' ? `analytics.table.${this.dimension()}` : `analytics.metric.${column}`;
  }

  protected cell(row: AnalyticsRow, column: NumericColumn): string {
    return this.fmt.value(column, row.metrics[column], this.costCurrency());
  }

  protected drill(column: MetricKey, key: string): Params {
    const dimension = this.dimension() === 'channel' ? 'channelId' : 'managerId';
    return { ...this.linkParams(), metric: drillMetric(column), [dimension]: key };
  }

  private sortValue(row: AnalyticsRow, column: MetricsColumn): string | number | null {
    if (column === 'label') return row.label;
    if (column === 'revenue') {
      const currency = mainCurrency(row.metrics.revenue);
      return currency ? Number(row.metrics.revenue[currency]) : 0;
    }
    return row.metrics[column];
  }
}
