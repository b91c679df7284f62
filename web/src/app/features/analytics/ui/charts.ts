import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import {
  BarChartModule,
  type Color,
  HeatMapModule,
  LegendPosition,
  LineChartModule,
  ScaleType,
} from '@swimlane/ngx-charts';

/** A named value: one bar, one heatmap cell, one point of a line (`name` is a Date on a time axis). */
export interface ChartPoint {
  name: string | Date;
  value: number;
}

/** A named group of points: one line, one group of bars, one heatmap column. */
export interface ChartSeries {
  name: string;
  series: ChartPoint[];
}

/** Colours of the series, in order: chats, missed, deals, won… (the app's accent first). */
export const SERIES_SCHEME: Color = {
  name: 'onebox',
  selectable: true,
  group: ScaleType.Ordinal,
  domain: ['#4f46e5', '#d92d20', '#0ba5ec', '#079455', '#f79009', '#7a5af8', '#667085'],
};

/** The colour the chart gives the i-th series name (ordinal scale over the scheme). */
export function seriesColor(index: number): string {
  return SERIES_SCHEME.domain[index % SERIES_SCHEME.domain.length];
}

const HEAT_SCHEME: Color = {
  name: 'onebox-heat',
  selectable: false,
  group: ScaleType.Linear,
  domain: ['#f4f3ff', '#bdb4fe', '#7a5af8', '#4f46e5', '#2d2a8c'],
};

const identity = (value: unknown) => String(value);

export interface LegendItem {
  name: string;
  color: string;
}

/** The series of a chart with their colours, under the chart (ngx-charts' own legend overflows fixed heights). */
@Component({
  selector: 'ob-chart-legend',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ul class="legend" [attr.aria-label]="title()" data-testid="chart-legend">
      @for (item of items(); track item.name) {
        <li><span class="legend__swatch" [style.background]="item.color"></span>{{ item.name }}</li>
      }
    </ul>
  `,
  styles: `
    .legend {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 14px;
      margin: 6px 0 0;
      padding: 0 0 0 8px;
      list-style: none;
      font-size: 12px;
      color: var(--text-muted);
    }
    .legend__swatch {
      display: inline-block;
      width: 10px;
      height: 10px;
      margin-right: 6px;
      border-radius: 3px;
      vertical-align: -1px;
    }
  `,
})
export class ChartLegendComponent {
  readonly title = input.required<string>();
  readonly items = input.required<LegendItem[]>();
}

/** Chats by hour of day (columns) × weekday (rows), darker is busier. */
@Component({
  selector: 'ob-heatmap-chart',
  imports: [HeatMapModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div style="width: 100%" [style.height.px]="height()">
      <ngx-charts-heat-map
        [results]="results()"
        [scheme]="scheme"
        [legend]="true"
        [legendTitle]="legendTitle()"
        [legendPosition]="legendPosition"
        [xAxis]="true"
        [yAxis]="true"
        [showXAxisLabel]="true"
        [showYAxisLabel]="true"
        [xAxisLabel]="xLabel()"
        [yAxisLabel]="yLabel()"
        [innerPadding]="2"
        [animations]="false"
      />
    </div>
  `,
})
export class HeatmapChartComponent {
  readonly results = input.required<ChartSeries[]>();
  readonly xLabel = input.required<string>();
  readonly yLabel = input.required<string>();
  readonly legendTitle = input.required<string>();
  readonly height = input(280);
  protected readonly scheme = HEAT_SCHEME;
  protected readonly legendPosition = LegendPosition.Right;
}

/** Bars: one series (`vertical`, `horizontal`) or groups of series side by side (`grouped`). */
@Component({
  selector: 'ob-bar-chart',
  imports: [BarChartModule, ChartLegendComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div style="width: 100%" [style.height.px]="height()">
      @switch (type()) {
        @case ('grouped') {
          <ngx-charts-bar-vertical-2d
            [results]="results()"
            [scheme]="scheme"
            [legend]="false"
            [customColors]="customColors()"
            [xAxis]="true"
            [yAxis]="true"
            [showXAxisLabel]="true"
            [showYAxisLabel]="true"
            [xAxisLabel]="xLabel()"
            [yAxisLabel]="yLabel()"
            [yAxisTickFormatting]="valueFormat()"
            [trimXAxisTicks]="true"
            [maxXAxisTickLength]="14"
            [groupPadding]="12"
            [barPadding]="2"
            [noBarWhenZero]="false"
            [animations]="false"
          />
        }
        @case ('horizontal') {
          <ngx-charts-bar-horizontal
            [results]="results()"
            [scheme]="scheme"
            [legend]="false"
            [customColors]="customColors()"
            [xAxis]="true"
            [yAxis]="true"
            [showXAxisLabel]="true"
            [showYAxisLabel]="true"
            [xAxisLabel]="xLabel()"
            [yAxisLabel]="yLabel()"
            [xAxisTickFormatting]="valueFormat()"
            [xScaleMax]="valueMax()!"
            [trimYAxisTicks]="true"
            [maxYAxisTickLength]="16"
            [showDataLabel]="true"
            [dataLabelFormatting]="valueFormat()"
            [animations]="false"
          />
        }
        @default {
          <ngx-charts-bar-vertical
            [results]="results()"
            [scheme]="scheme"
            [legend]="false"
            [customColors]="customColors()"
            [xAxis]="true"
            [yAxis]="true"
            [showXAxisLabel]="true"
            [showYAxisLabel]="true"
            [xAxisLabel]="xLabel()"
            [yAxisLabel]="yLabel()"
            [yAxisTickFormatting]="valueFormat()"
            [showDataLabel]="true"
            [dataLabelFormatting]="valueFormat()"
            [animations]="false"
          />
        }
      }
    </div>
    <ob-chart-legend [title]="legendTitle()" [items]="legendItems()" />
  `,
})
export class BarChartComponent {
  readonly type = input<'vertical' | 'horizontal' | 'grouped'>('vertical');
  readonly results = input.required<ChartPoint[] | ChartSeries[]>();
  readonly xLabel = input.required<string>();
  readonly yLabel = input.required<string>();
  readonly legendTitle = input.required<string>();
  readonly valueFormat = input<(value: number) => string>(identity);
  readonly valueMax = input<number | undefined>(undefined);
  readonly height = input(260);
  protected readonly scheme = SERIES_SCHEME;

  /** Groups: one colour per inner series; single bars: one colour, named by the legend title. */
  protected readonly legendItems = computed(() => {
    if (this.type() !== 'grouped') return [{ name: this.legendTitle(), color: SERIES_SCHEME.domain[0] }];
    const first = (this.results()[0] as ChartSeries | undefined)?.series ?? [];
    return first.map((point, i) => ({ name: String(point.name), color: seriesColor(i) }));
  });
  protected readonly customColors = computed(() =>
    this.type() === 'grouped' ? undefined : () => SERIES_SCHEME.domain[0],
  );
}

/** Lines over time (point names are Dates); the ticks are the given bucket starts. */
@Component({
  selector: 'ob-line-chart',
  imports: [LineChartModule, ChartLegendComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div style="width: 100%" [style.height.px]="height()">
      <ngx-charts-line-chart
        [results]="results()"
        [scheme]="scheme"
        [legend]="false"
        [xAxis]="true"
        [yAxis]="true"
        [showXAxisLabel]="true"
        [showYAxisLabel]="true"
        [xAxisLabel]="xLabel()"
        [yAxisLabel]="yLabel()"
        [xAxisTicks]="ticks()!"
        [xAxisTickFormatting]="tickFormat()"
        [yAxisTickFormatting]="valueFormat()"
        [yScaleMin]="yMin()!"
        [yScaleMax]="yMax()!"
        [autoScale]="autoScale()"
        [roundDomains]="true"
        [animations]="false"
      />
    </div>
    <ob-chart-legend [title]="legendTitle()" [items]="legendItems()" />
  `,
})
export class LineChartComponent {
  readonly results = input.required<ChartSeries[]>();
  readonly xLabel = input.required<string>();
  readonly yLabel = input.required<string>();
  readonly legendTitle = input.required<string>();
  /** Bucket starts to put ticks on; `undefined` lets the chart choose. */
  readonly ticks = input<Date[] | undefined>(undefined);
  readonly tickFormat = input<(value: Date) => string>(identity);
  readonly valueFormat = input<(value: number) => string>(identity);
  readonly yMin = input<number | undefined>(undefined);
  readonly yMax = input<number | undefined>(undefined);
  readonly autoScale = input(false);
  readonly height = input(260);
  protected readonly scheme = SERIES_SCHEME;
  protected readonly legendItems = computed(() =>
    this.results().map((series, i) => ({ name: series.name, color: seriesColor(i) })),
  );
}
