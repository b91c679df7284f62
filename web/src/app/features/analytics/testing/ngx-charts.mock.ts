/**
 * A stand-in for `@swimlane/ngx-charts` in unit tests (`jest.mock('@swimlane/ngx-charts', ...)`): d3 ships
 * as ESM only and jsdom cannot lay out SVG, so the charts render as plain elements that expose what
 * they were given (number of series/points, axis labels) for assertions.
 */
import { Component, Input, NgModule } from '@angular/core';

export enum ScaleType {
  Time = 'time',
  Linear = 'linear',
  Ordinal = 'ordinal',
  Quantile = 'quantile',
}

export enum LegendPosition {
  Right = 'right',
  Below = 'below',
}

@Component({
  selector:
    'ngx-charts-bar-vertical, ngx-charts-bar-vertical-2d, ngx-charts-bar-horizontal, ngx-charts-line-chart, ngx-charts-heat-map',
  standalone: false,
  template: `<div
    class="chart-stub"
    [attr.data-points]="results?.length ?? 0"
    [attr.data-x-label]="xAxisLabel"
    [attr.data-y-label]="yAxisLabel"
    [attr.data-legend]="legend"
  >
    @for (item of results ?? []; track $index) {
      <span class="chart-stub__item">{{ item.name }}={{ item.value ?? item.series?.length }}</span>
    }
  </div>`,
})
export class ChartStubComponent {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  @Input() results: any[] | null = null;
  @Input() xAxisLabel = '';
  @Input() yAxisLabel = '';
  @Input() legend = false;
  @Input() scheme: unknown;
  @Input() legendTitle: unknown;
  @Input() legendPosition: unknown;
  @Input() xAxis: unknown;
  @Input() yAxis: unknown;
  @Input() showXAxisLabel: unknown;
  @Input() showYAxisLabel: unknown;
  @Input() xAxisTickFormatting: unknown;
  @Input() yAxisTickFormatting: unknown;
  @Input() xAxisTicks: unknown;
  @Input() innerPadding: unknown;
  @Input() animations: unknown;
  @Input() trimXAxisTicks: unknown;
  @Input() trimYAxisTicks: unknown;
  @Input() maxXAxisTickLength: unknown;
  @Input() maxYAxisTickLength: unknown;
  @Input() groupPadding: unknown;
  @Input() barPadding: unknown;
  @Input() noBarWhenZero: unknown;
  @Input() xScaleMax: unknown;
  @Input() yScaleMin: unknown;
  @Input() yScaleMax: unknown;
  @Input() showDataLabel: unknown;
  @Input() dataLabelFormatting: unknown;
  @Input() autoScale: unknown;
  @Input() roundDomains: unknown;
  @Input() customColors: unknown;
}

@NgModule({ declarations: [ChartStubComponent], exports: [ChartStubComponent] })
export class BarChartModule {}

@NgModule({ imports: [BarChartModule], exports: [BarChartModule] })
export class LineChartModule {}

@NgModule({ imports: [BarChartModule], exports: [BarChartModule] })
export class HeatMapModule {}
