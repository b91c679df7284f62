import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { I18nService } from './i18n.service';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Dates, times and numbers through Intl, in the chosen language and the workspace time zone
 * (from `/api/me`; the browser's until then). `now` ticks every 30 s so relative times stay fresh.
 */
@Injectable({ providedIn: 'root' })
export class FormatService {
  private readonly i18n = inject(I18nService);
  private readonly timeZoneSignal = signal(browserTimeZone());
  private readonly cache = new Map<string, Intl.DateTimeFormat>();

  readonly timeZone = this.timeZoneSignal.asReadonly();
  readonly now = signal(Date.now());
  private readonly numberFormat = computed(() => new Intl.NumberFormat(this.i18n.locale()));

  constructor() {
    const timer = setInterval(() => this.now.set(Date.now()), 30_000);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  setTimeZone(tz: string | null | undefined): void {
    this.timeZoneSignal.set(tz && isValidTimeZone(tz) ? tz : browserTimeZone());
  }

  /** 14:05 */
  time(iso: string): string {
    return this.format({ hour: '2-digit', minute: '2-digit' }, iso);
  }

  /** 3 March 2025, 14:05 */
  dateTime(iso: string): string {
    return this.format({ dateStyle: 'medium', timeStyle: 'short' }, iso);
  }

  /** 3 Mar 2025 */
  date(iso: string): string {
    return this.format({ dateStyle: 'medium' }, iso);
  }

  /** A calendar-day key (YYYY-MM-DD) in the workspace time zone. */
  dayKey(iso: string | number): string {
    return this.format({ year: 'numeric', month: '2-digit', day: '2-digit' }, iso, 'en-CA');
  }

  /** "Today", "Yesterday" or a full date: the label of a day separator in the thread. */
  dayLabel(iso: string): string {
    const key = this.dayKey(iso);
    const now = this.now();
    if (key === this.dayKey(now)) return this.i18n.t('time.today');
    if (key === this.dayKey(now - DAY)) return this.i18n.t('time.yesterday');
    return this.format({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }, iso);
  }

  /** Compact time for list rows: "now", "5 min ago", "14:05", "Mon", "3 Mar". */
  relative(iso: string): string {
    const then = new Date(iso).getTime();
    const now = this.now();
    if (Number.isNaN(then)) return '';
    const diff = now - then;
    if (diff < MINUTE) return this.i18n.t('time.now');
    if (diff < HOUR) {
      return new Intl.RelativeTimeFormat(this.i18n.locale(), { numeric: 'always', style: 'short' }).format(
        -Math.floor(diff / MINUTE),
        'minute',
      );
    }
    if (this.dayKey(then) === this.dayKey(now)) return this.time(iso);
    if (diff < 6 * DAY) return this.fmt({ weekday: 'short' }).format(then);
    if (this.fmt({ year: 'numeric' }).format(then) === this.fmt({ year: 'numeric' }).format(now)) {
      return this.fmt({ day: 'numeric', month: 'short' }).format(then);
    }
    return this.fmt({ day: 'numeric', month: 'short', year: 'numeric' }).format(then);
  }

  number(value: number): string {
    return this.numberFormat().format(value);
  }

  /**
   * An exact decimal amount (as the CRM sends it) with its ISO currency: "RUB 15,000.50" / "15 000,50 ₽".
   * An unknown currency code is shown after the number rather than dropped.
   */
  money(amount: string, currency: string | null): string {
    const value = Number(amount);
    if (!Number.isFinite(value)) return currency ? `${amount} ${currency}` : amount;
    const locale = this.i18n.locale();
    // Whole amounts without ",00"; kopecks and cents always with two digits.
    const digits = Number.isInteger(value) ? 0 : 2;
    if (currency) {
      try {
        return new Intl.NumberFormat(locale, {
          style: 'currency',
          currency,
          minimumFractionDigits: digits,
          maximumFractionDigits: digits,
        }).format(value);
      } catch {
        /* not an ISO 4217 code */
      }
    }
    const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
    return currency ? `${number} ${currency}` : number;
  }

  fileSize(bytes: number): string {
    const units = ['B', 'KB', 'MB', 'GB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    const digits = unit === 0 || value >= 10 ? 0 : 1;
    return `${new Intl.NumberFormat(this.i18n.locale(), { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
  }

  /** Formats a timestamp; an unparseable one renders as an empty string instead of throwing. */
  private format(options: Intl.DateTimeFormatOptions, value: string | number, locale?: string): string {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? '' : this.fmt(options, locale).format(date);
  }

  private fmt(options: Intl.DateTimeFormatOptions, locale = this.i18n.locale()): Intl.DateTimeFormat {
    const timeZone = this.timeZoneSignal();
    const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
    let format = this.cache.get(key);
    if (!format) {
      format = new Intl.DateTimeFormat(locale, { ...options, timeZone });
      this.cache.set(key, format);
    }
    return format;
  }
}
