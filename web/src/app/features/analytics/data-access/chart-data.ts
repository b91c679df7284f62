import type {
  AgentPerformanceRow,
  AnalyticsDistributionResponse,
  AnalyticsHeatmapResponse,
  AnalyticsRow,
  AnalyticsTimeseriesResponse,
} from '@onebox/contracts';
import type { ChartPoint, ChartSeries } from '../ui/charts';

/** Chart libraries key series by name: two channels called alike get "Name (2)". */
export function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name} (${count})`;
  });
}

/**
 * Columns are hours 0–23, each with the seven weekdays; missing cells are 0. The chart stacks a
 * column's cells bottom-up, so Sunday comes first to put Monday on top.
 */
export function heatmapSeries(res: AnalyticsHeatmapResponse, weekdays: string[]): ChartSeries[] {
  const counts = new Map(res.cells.map((c) => [`${c.weekday}:${c.hour}`, c.chats]));
  return Array.from({ length: 24 }, (_, hour) => ({
    name: String(hour).padStart(2, '0'),
    series: weekdays.map((day, weekday) => ({ name: day, value: counts.get(`${weekday}:${hour}`) ?? 0 })).reverse(),
  }));
}

/** One bar per bucket: "30s–1m", the last one "≥ 10m". */
export function distributionPoints(
  res: AnalyticsDistributionResponse,
  duration: (sec: number) => string,
  openEnded: (from: string) => string,
): ChartPoint[] {
  const names = res.buckets.map((b) =>
    b.toSec === null ? openEnded(duration(b.fromSec)) : `${duration(b.fromSec)}–${duration(b.toSec)}`,
  );
  const unique = uniqueNames(names);
  return res.buckets.map((b, i) => ({ name: unique[i], value: b.count }));
}

/** Lines on a time axis; buckets without a value (no data) are left out rather than drawn as 0. */
export function timeSeries(entries: { name: string; response: AnalyticsTimeseriesResponse }[]): ChartSeries[] {
  return entries.map(({ name, response }) => {
    const byBucket = new Map<string, number>();
    for (const point of response.points) {
      if (point.value === null) continue;
      byBucket.set(point.bucket, (byBucket.get(point.bucket) ?? 0) + point.value);
    }
    const series = [...byBucket.entries()]
      .map(([bucket, value]) => ({ name: new Date(bucket), value }))
      .sort((a, b) => a.name.getTime() - b.name.getTime());
    return { name, series };
  });
}

/** At most `max` evenly spread bucket starts of the responses, as axis ticks; undefined when there are none. */
export function bucketTicks(responses: AnalyticsTimeseriesResponse[], max = 10): Date[] | undefined {
  const buckets = [...new Set(responses.flatMap((r) => r.points.map((p) => p.bucket)))].sort(
    (a, b) => new Date(a).getTime() - new Date(b).getTime(),
  );
  if (!buckets.length) return undefined;
  const step = Math.ceil(buckets.length / max);
  return buckets.filter((_, i) => i % step === 0).map((b) => new Date(b));
}

export interface FunnelLabels {
  chats: string;
  deals: string;
  won: string;
}

/** Chats → deals → won per group (channel or manager), the busiest `limit` groups. */
export function funnelSeries(rows: AnalyticsRow[], labels: FunnelLabels, limit = 8): ChartSeries[] {
  const top = [...rows].sort((a, b) => b.metrics.chats - a.metrics.chats).slice(0, limit);
  const names = uniqueNames(top.map((r) => r.label));
  return top.map((row, i) => ({
    name: names[i],
    series: [
      { name: labels.chats, value: row.metrics.chats },
      { name: labels.deals, value: row.metrics.dealsCreated },
      { name: labels.won, value: row.metrics.conversions },
    ],
  }));
}

/** Utilization (in %) and average concurrency per manager; managers without presence data are left out. */
export function utilizationPoints(rows: AgentPerformanceRow[]): {
  utilization: ChartPoint[];
  concurrency: ChartPoint[];
} {
  const names = uniqueNames(rows.map((r) => r.manager.name));
  const utilization: ChartPoint[] = [];
  const concurrency: ChartPoint[] = [];
  rows.forEach((row, i) => {
    if (row.utilization !== null) utilization.push({ name: names[i], value: Math.round(row.utilization * 1000) / 10 });
    if (row.avgConcurrency !== null) {
      concurrency.push({ name: names[i], value: Math.round(row.avgConcurrency * 100) / 100 });
    }
  });
  return { utilization, concurrency };
}
