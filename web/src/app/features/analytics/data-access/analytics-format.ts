import { Injectable, inject } from '@angular/core';
import type { MetricKey, MetricValues } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { I18nService } from '../../../core/i18n/i18n.service';

/** How a metric's value reads and how its change is expressed. */
export type MetricKind = 'count' | 'duration' | 'rate' | 'score' | 'nps' | 'money' | 'cost' | 'ratio';

export function metricKind(key: MetricKey | string): MetricKind {
  if (key === 'revenue') return 'money';
  if (key === 'cost' || key === 'costPerChat') return 'cost';
  // ROI is a ratio of money ((revenue − cost) ÷ cost): shown and compared like a rate, as a percentage.
  if (key === 'roi') return 'rate';
  if (key === 'nps') return 'nps';
  if (key === 'csatAvg' || key === 'cesAvg') return 'score';
  if (key.endsWith('Sec')) return 'duration';
  if (key.endsWith('Rate') || key === 'utilization') return 'rate';
  if (key === 'chatsPerManager' || key === 'messagesPerChat' || key === 'tagsPerChat' || key === 'avgConcurrency') {
    return 'ratio';
  }
  return 'count';
}

/** Metrics where a smaller number is the better one (for the colour of a delta). */
const LOWER_IS_BETTER = new Set<string>([
  'missedChats',
  'missedChatRate',
  'transferRate',
  'repeatContactRate',
  'cesAvg',
  'botEscalationRate',
  'botFallbackRate',
  'openBacklog',
  'cost',
  'costPerChat',
]);

export function lowerIsBetter(key: MetricKey | string): boolean {
  return LOWER_IS_BETTER.has(key) || key.endsWith('Sec');
}

export type DeltaTone = 'good' | 'bad' | 'neutral';

export interface Delta {
  text: string;
  tone: DeltaTone;
}

type Value = MetricValues[MetricKey] | null | undefined;

/** The currency with the largest amount: the one a single revenue figure compares. */
export function mainCurrency(revenue: Record<string, string> | null | undefined): string | null {
  const entries = Object.entries(revenue ?? {});
  if (!entries.length) return null;
  return entries.sort((a, b) => Number(b[1]) - Number(a[1]))[0][0];
}

/**
 * Metric values in the UI language, through the app's FormatService (numbers, money) and Intl
 * units for durations: "1 234", "2 мин 5 с", "12,5 %", "4,3 / 5", "125 000 ₽".
 */
@Injectable({ providedIn: 'root' })
export class AnalyticsFormat {
  private readonly format = inject(FormatService);
  private readonly i18n = inject(I18nService);

  /**
   * `—` stands for "no data" (`null`), never for zero. `costCurrency` is the workspace's cost
   * currency (from its cost settings), for `cost` and `costPerChat`.
   */
  value(key: MetricKey | string, value: Value, costCurrency: string | null = null): string {
    if (value === null || value === undefined) return '—';
    switch (metricKind(key)) {
      case 'money':
        return this.money(value as Record<string, string>);
      case 'cost':
        return this.format.money(String(value), costCurrency);
      case 'duration':
        return this.duration(value as number);
      case 'rate':
        return this.percent(value as number);
      case 'score':
        return this.decimal(value as number, 2);
      case 'nps':
        return this.decimal(value as number, 1);
      case 'ratio':
        return this.decimal(value as number, 1);
      default:
        return this.format.number(value as number);
    }
  }

  /** Each currency separately ("125 000 ₽ · 300 $"); no revenue reads as zero. */
  money(revenue: Record<string, string>): string {
    const entries = Object.entries(revenue).filter(([, amount]) => Number(amount) !== 0);
    if (!entries.length) return this.format.number(0);
    return entries
      .sort((a, b) => Number(b[1]) - Number(a[1]))
      .map(([currency, amount]) => this.format.money(amount, currency))
      .join(' · ');
  }

  /** Revenue rounded to whole units, for a tile where kopecks only add noise. */
  moneyWhole(revenue: Record<string, string>): string {
    return this.money(
      Object.fromEntries(
        Object.entries(revenue).map(([currency, amount]) => [currency, String(Math.round(Number(amount)))]),
      ),
    );
  }

  number(value: number): string {
    return this.format.number(value);
  }

  decimal(value: number, digits: number): string {
    return new Intl.NumberFormat(this.i18n.locale(), { maximumFractionDigits: digits }).format(value);
  }

  /** A 0..1 share as a percentage. */
  percent(value: number): string {
    return new Intl.NumberFormat(this.i18n.locale(), { style: 'percent', maximumFractionDigits: 1 }).format(value);
  }

  /** 45 s, 2 min 5 s, 1 h 20 min, 3 d 4 h: two units at most, rounded to the second. */
  duration(seconds: number): string {
    const total = Math.max(0, Math.round(seconds));
    const units: [Intl.NumberFormatOptions['unit'], number][] = [
      ['day', 86_400],
      ['hour', 3_600],
      ['minute', 60],
      ['second', 1],
    ];
    const parts: string[] = [];
    let rest = total;
    for (const [unit, size] of units) {
      const amount = Math.floor(rest / size);
      rest -= amount * size;
      if (amount > 0 || (parts.length === 0 && size === 1)) {
        parts.push(this.unit(amount, unit!));
      } else if (parts.length) {
        break;
      }
      if (parts.length === 2) break;
    }
    return parts.join(' ');
  }

  unit(value: number, unit: string): string {
    return new Intl.NumberFormat(this.i18n.locale(), { style: 'unit', unit, unitDisplay: 'narrow' }).format(value);
  }

  /**
   * Change against the previous period: relative for counts, money and times (+12 %), in percentage
   * points for rates (+1,5 п.п.), absolute for scores and NPS. No previous value, no delta.
   */
  delta(key: MetricKey | string, current: Value, previous: Value): Delta | null {
    if (current === null || current === undefined || previous === null || previous === undefined) return null;
    const kind = metricKind(key);
    let cur: number;
    let prev: number;
    if (kind === 'money') {
      const currency =
        mainCurrency(current as Record<string, string>) ?? mainCurrency(previous as Record<string, string>);
      if (!currency) return null;
      cur = Number((current as Record<string, string>)[currency] ?? 0);
      prev = Number((previous as Record<string, string>)[currency] ?? 0);
    } else {
      cur = current as number;
      prev = previous as number;
    }
    if (!Number.isFinite(cur) || !Number.isFinite(prev)) return null;
    const locale = this.i18n.locale();
    let text: string;
    let diff: number;
    if (kind === 'rate') {
      diff = Math.round((cur - prev) * 1000) / 10;
      const points = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(
        diff,
      );
      text = this.i18n.t('analytics.delta.points', { value: points });
    } else if (kind === 'score' || kind === 'nps') {
      diff = Math.round((cur - prev) * (kind === 'score' ? 100 : 10)) / (kind === 'score' ? 100 : 10);
      text = new Intl.NumberFormat(locale, {
        maximumFractionDigits: kind === 'score' ? 2 : 1,
        signDisplay: 'exceptZero',
      }).format(diff);
    } else {
      if (prev === 0) return cur === 0 ? { text: this.zeroChange(locale), tone: 'neutral' } : null;
      diff = Math.round(((cur - prev) / prev) * 1000) / 1000;
      text = new Intl.NumberFormat(locale, {
        style: 'percent',
        maximumFractionDigits: 1,
        signDisplay: 'exceptZero',
      }).format(diff);
    }
    const tone: DeltaTone = diff === 0 ? 'neutral' : diff > 0 !== lowerIsBetter(key) ? 'good' : 'bad';
    return { text, tone };
  }

  /** A chart tick for a bucket start, in the workspace time zone: "14:00" for hours, "3 Mar" for days and weeks. */
  bucket(value: Date | string, interval: 'hour' | 'day' | 'week'): string {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return '';
    const options: Intl.DateTimeFormatOptions =
      interval === 'hour'
        ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }
        : { day: 'numeric', month: 'short' };
    return new Intl.DateTimeFormat(this.i18n.locale(), { ...options, timeZone: this.format.timeZone() }).format(date);
  }

  /** Short weekday names, Monday first. */
  weekdays(): string[] {
    const fmt = new Intl.DateTimeFormat(this.i18n.locale(), { weekday: 'short', timeZone: 'UTC' });
    // 1 January 2024 was a Monday.
    return Array.from({ length: 7 }, (_, i) => fmt.format(new Date(Date.UTC(2024, 0, 1 + i))));
  }

  /** A period for headings: "1 Mar 2025 – 7 Mar 2025" (the end of `[from, to)` shown as its last day). */
  period(from: string, to: string): string {
    const last = new Date(new Date(to).getTime() - 1).toISOString();
    const a = this.format.date(from);
    const b = this.format.date(last);
    return a === b ? a : `${a} – ${b}`;
  }

  private zeroChange(locale: string): string {
    return new Intl.NumberFormat(locale, { style: 'percent' }).format(0);
  }
}
