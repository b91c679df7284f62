import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, Params, Router, RouterLink } from '@angular/router';
import type { AnalyticsCycleDto, AnalyticsFilter, ChannelType, MetricKey } from '@onebox/contracts';
import { CHANNEL_TYPES } from '@onebox/contracts';
import { Subscription } from 'rxjs';
import { FormatService } from '../../../core/i18n/format.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import type { TranslationKey } from '../../../core/i18n/en';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { AnalyticsApi } from '../data-access/analytics-api.service';
import { apiFilter, filterFromParams, linkParams } from '../data-access/analytics-filter';
import { AnalyticsFormat } from '../data-access/analytics-format';
import { ANALYTICS_CLOCK } from '../data-access/dashboard.store';
import { FilterOptionsStore } from '../data-access/filter-options.store';
import { SectionError, errorKind } from '../data-access/section';

export const CYCLES_PAGE_SIZE = 50;

/** A metric key from the URL: letters only, `chats` (every cycle) when missing. */
export function metricFromParams(params: Params): MetricKey {
  const value = params['metric'];
  return (typeof value === 'string' && /^[A-Za-z]+$/.test(value) ? value : 'chats') as MetricKey;
}

/** The drill-down: the conversation cycles behind one number, page by page; a row opens the chat. */
@Component({
  selector: 'ob-analytics-cycles-page',
  imports: [RouterLink, TranslatePipe],
  providers: [FilterOptionsStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './analytics-page.css',
  template: `
    <div class="analytics">
      <header class="analytics__head">
        <div class="analytics__title">
          <a
            routerLink="/analytics"
            [queryParams]="backParams()"
            class="btn btn--sm btn--ghost"
            data-testid="drilldown-back"
          >
            ← {{ 'analytics.title' | t }}
          </a>
          <h1 data-testid="drilldown-title">{{ metricLabel() }}</h1>
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
            {{ (exporting() ? 'analytics.exporting' : 'analytics.export.conversations') | t }}
          </button>
        </div>
      </header>
      @if (filterSummary().length) {
        <p class="muted" data-testid="drilldown-filters">
          @for (part of filterSummary(); track $index) {
            <span class="chip">{{ part.label | t }}: {{ part.value }}</span>
          }
        </p>
      }
      @if (total() !== null) {
        <p class="muted" data-testid="drilldown-total">
          {{ 'analytics.cycles.total' | t: { n: fmt.number(total()!) } }}
        </p>
      }

      @if (error(); as err) {
        @if (items().length === 0) {
          <div class="card state" role="alert" data-testid="analytics-error">
            <h2>{{ 'analytics.error.title' | t }}</h2>
            <p>{{ 'analytics.error.' + err | t }}</p>
            <button type="button" class="btn btn--primary btn--sm" data-testid="analytics-retry" (click)="reload()">
              {{ 'analytics.retry' | t }}
            </button>
          </div>
        }
      }
      @if (loading() && items().length === 0) {
        <div class="card" data-testid="drilldown-loading">
          @for (i of [1, 2, 3, 4, 5, 6]; track i) {
            <span class="skeleton" style="display: block; height: 22px; margin: 8px 0; border-radius: 6px"></span>
          }
        </div>
      } @else if (!error() && items().length === 0) {
        <div class="card state" data-testid="analytics-empty">
          <h2>{{ 'analytics.cycles.empty' | t }}</h2>
          <p>{{ 'analytics.cycles.emptyHint' | t }}</p>
        </div>
      } @else if (items().length) {
        <div class="card scroll">
          <table class="table" data-testid="drilldown-table">
            <thead>
              <tr>
                <th scope="col">{{ 'analytics.cycles.contact' | t }}</th>
                <th scope="col">{{ 'analytics.table.channel' | t }}</th>
                <th scope="col">{{ 'analytics.table.manager' | t }}</th>
                <th scope="col">{{ 'analytics.cycles.started' | t }}</th>
                <th scope="col" class="num">{{ 'analytics.cycles.firstResponse' | t }}</th>
                <th scope="col">{{ 'analytics.cycles.missed' | t }}</th>
                <th scope="col">{{ 'analytics.cycles.resolved' | t }}</th>
                <th scope="col">{{ 'analytics.cycles.deal' | t }}</th>
                <th scope="col" class="num">{{ 'analytics.cycles.csat' | t }}</th>
              </tr>
            </thead>
            <tbody>
              @for (item of items(); track item.conversationId + ':' + item.cycle) {
                <tr data-testid="drilldown-row" class="row" (click)="open(item)">
                  <td>
                    <a [routerLink]="['/inbox', item.conversationId]" (click)="$event.stopPropagation()">{{
                      item.contact.name
                    }}</a>
                    @if (item.cycle > 1) {
                      <span class="muted"> · {{ 'analytics.cycles.cycle' | t: { n: item.cycle } }}</span>
                    }
                  </td>
                  <td>{{ item.channel.name }}</td>
                  <td>{{ item.manager?.name ?? ('analytics.noManager' | t) }}</td>
                  <td>{{ format.dateTime(item.startedAt) }}</td>
                  <td class="num">{{ item.firstResponseSec === null ? '—' : fmt.duration(item.firstResponseSec) }}</td>
                  <td>
                    @if (item.missed) {
                      <span class="status-pill status-pill--bad">{{ 'analytics.cycles.missedYes' | t }}</span>
                    } @else {
                      <span class="muted">{{ 'analytics.cycles.missedNo' | t }}</span>
                    }
                  </td>
                  <td>{{ item.resolvedAt ? format.dateTime(item.resolvedAt) : ('analytics.cycles.open' | t) }}</td>
                  <td>{{ dealText(item) }}</td>
                  <td class="num">{{ item.csat ?? '—' }}</td>
                </tr>
              }
            </tbody>
          </table>
        </div>
        @if (nextCursor()) {
          <div class="more">
            <button
              type="button"
              class="btn btn--sm"
              data-testid="load-more"
              [disabled]="loading()"
              (click)="loadMore()"
            >
              {{ (loading() ? 'common.loading' : 'analytics.cycles.loadMore') | t }}
            </button>
            @if (error() && items().length) {
              <span class="field__error" role="alert">{{ 'analytics.error.' + error() | t }}</span>
            }
          </div>
        }
      }
    </div>
  `,
  styles: `
    .row {
      cursor: pointer;
    }
    .chip {
      margin-right: 12px;
    }
    .more {
      display: flex;
      justify-content: center;
      align-items: center;
      gap: 10px;
    }
  `,
})
export class AnalyticsCyclesPage {
  protected readonly fmt = inject(AnalyticsFormat);
  protected readonly format = inject(FormatService);
  private readonly i18n = inject(I18nService);
  private readonly api = inject(AnalyticsApi);
  private readonly toast = inject(ToastService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly clock = inject(ANALYTICS_CLOCK);

  private readonly params = toSignal(this.route.queryParams, { initialValue: {} as Params });
  protected readonly metric = computed(() => metricFromParams(this.params()));
  private readonly filter = computed(() => filterFromParams(this.params()));
  private readonly channelType = computed(() => {
    const value = this.params()['channelType'];
    return (CHANNEL_TYPES as readonly string[]).includes(value) ? (value as ChannelType) : undefined;
  });
  protected readonly backParams = computed(() => linkParams(this.filter()));
  private readonly options = inject(FilterOptionsStore);
  /** The filters in words: "Channel: Telegram sales", "Manager: Anna", "Tag: vip". */
  protected readonly filterSummary = computed(() => {
    const filter = this.filter();
    const name = (list: { value: string; label: string }[], id: string) =>
      list.find((o) => o.value === id)?.label ?? id;
    const parts: { label: string; value: string }[] = [];
    if (filter.channelId)
      parts.push({ label: 'analytics.channel', value: name(this.options.channels(), filter.channelId) });
    const channelType = this.channelType();
    if (channelType)
      parts.push({ label: 'analytics.channel', value: this.i18n.t(`channel.${channelType}` as TranslationKey) });
    if (filter.managerId)
      parts.push({ label: 'analytics.manager', value: name(this.options.managers(), filter.managerId) });
    if (filter.tag) parts.push({ label: 'analytics.tag', value: filter.tag });
    return parts;
  });

  protected readonly items = signal<AnalyticsCycleDto[]>([]);
  protected readonly nextCursor = signal<string | null>(null);
  protected readonly total = signal<number | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal<SectionError | null>(null);
  protected readonly exporting = signal(false);
  private readonly range = signal<AnalyticsFilter | null>(null);
  private subscription: Subscription | null = null;

  protected readonly metricLabel = computed(() => {
    this.i18n.lang();
    const key = `analytics.metric.${this.metric()}` as TranslationKey;
    const label = this.i18n.t(key);
    return this.i18n.t('analytics.cycles.title', { metric: label === key ? this.metric() : label });
  });
  protected readonly periodLabel = computed(() => {
    this.i18n.lang();
    const range = this.range();
    return range ? this.fmt.period(range.from, range.to) : '';
  });

  constructor() {
    this.options.load();
    effect(() => {
      const filter = this.filter();
      this.metric();
      this.channelType();
      const timeZone = this.format.timeZone();
      untracked(() => {
        this.range.set(apiFilter(filter, this.clock(), timeZone));
        this.reload();
      });
    });
  }

  protected reload(): void {
    this.items.set([]);
    this.nextCursor.set(null);
    this.total.set(null);
    this.fetch(null);
  }

  protected loadMore(): void {
    const cursor = this.nextCursor();
    if (cursor && !this.loading()) this.fetch(cursor);
  }

  protected open(item: AnalyticsCycleDto): void {
    void this.router.navigate(['/inbox', item.conversationId]);
  }

  protected dealText(item: AnalyticsCycleDto): string {
    const deal = item.deal;
    if (!deal) return '—';
    const status = this.i18n.t(`analytics.deal.${deal.status}` as TranslationKey);
    return deal.amount !== null ? `${status} · ${this.format.money(deal.amount, deal.currency)}` : status;
  }

  protected exportCsv(): void {
    const range = this.range();
    if (!range || this.exporting()) return;
    this.exporting.set(true);
    this.api.downloadCsv('conversations', range, { metric: this.metric(), channelType: this.channelType() }).subscribe({
      next: () => this.exporting.set(false),
      error: () => {
        this.exporting.set(false);
        this.toast.error(this.i18n.t('analytics.exportFailed'));
      },
    });
  }

  private fetch(cursor: string | null): void {
    const range = this.range();
    if (!range) return;
    this.subscription?.unsubscribe();
    this.loading.set(true);
    this.error.set(null);
    this.subscription = this.api
      .cycles({ ...range, metric: this.metric(), channelType: this.channelType(), cursor, limit: CYCLES_PAGE_SIZE })
      .subscribe({
        next: (page) => {
          this.items.update((items) => (cursor ? [...items, ...page.items] : page.items));
          this.nextCursor.set(page.nextCursor);
          this.total.set(page.total);
          this.loading.set(false);
        },
        error: (err: unknown) => {
          this.loading.set(false);
          this.error.set(errorKind(err));
        },
      });
  }
}
