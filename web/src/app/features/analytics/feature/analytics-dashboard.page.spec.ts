import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { signIn } from '../../../../testing/fixtures';
import { authInterceptor } from '../../../core/auth/auth.interceptor';
import { FormatService } from '../../../core/i18n/format.service';
import { ANALYTICS_CLOCK } from '../data-access/dashboard.store';
import { HEAD_USER, answer, plain, row, summary, workspaceSettings } from '../testing/analytics-fixtures';
import { AnalyticsDashboardPage } from './analytics-dashboard.page';

jest.mock('@swimlane/ngx-charts', () => jest.requireActual('../testing/ngx-charts.mock'));

@Component({ template: 'cycles' })
class CyclesStub {}

const NOW = Date.parse('2025-03-10T12:00:00Z');

const CURRENT = row('all', 'All', {
  chats: 1234,
  firstResponseMedianSec: 95,
  missedChats: 154,
  missedChatRate: 0.125,
  conversions: 247,
  conversionRate: 0.2,
  revenue: { RUB: '125000.40' },
  csatAvg: 4.5,
  nps: 40,
});
const PREVIOUS = row('all', 'All', {
  chats: 1000,
  firstResponseMedianSec: 100,
  missedChatRate: 0.1,
  conversionRate: null,
  revenue: { RUB: '100000' },
  csatAvg: 4.25,
  nps: 50,
});

const BY_CHANNEL = summary(
  [
    row('ch-a', 'Alpha', { chats: 5, missedChats: 3, revenue: { RUB: '10' } }),
    row('ch-b', 'Bravo', { chats: 10, missedChats: 1, revenue: { RUB: '30' } }),
    row('ch-c', 'Charlie', { chats: 1, missedChats: 2, revenue: {} }),
  ],
  undefined,
  'channel',
);

describe('AnalyticsDashboardPage', () => {
  let http: HttpTestingController;
  let harness: RouterTestingHarness;

  async function open(url = '/analytics', lang: 'en' | 'ru' = 'en'): Promise<void> {
    localStorage.clear();
    localStorage.setItem('onebox.lang', lang);
    signIn(HEAD_USER, 'jwt-head');
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'analytics', component: AnalyticsDashboardPage },
          { path: 'analytics/cycles', component: CyclesStub },
        ]),
        { provide: ANALYTICS_CLOCK, useValue: () => NOW },
      ],
    });
    TestBed.inject(FormatService).setTimeZone('UTC');
    http = TestBed.inject(HttpTestingController);
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url);
  }

  async function respond(bodies: Record<string, unknown> = {}): Promise<void> {
    answer(
      http.match(() => true),
      {
        'summary:none': summary([CURRENT], [PREVIOUS]),
        'summary:channel': BY_CHANNEL,
        ...bodies,
      },
    );
    harness.fixture.detectChanges();
    await harness.fixture.whenStable();
  }

  const el = () => harness.routeNativeElement as HTMLElement;
  const q = (selector: string) => el().querySelector(selector) as HTMLElement | null;
  const tile = (key: string) => ({
    value: plain(q(`[data-testid=kpi-${key}] [data-testid=kpi-value]`)?.textContent),
    delta: plain(q(`[data-testid=kpi-${key}] [data-testid=kpi-delta]`)?.textContent),
    tone: q(`[data-testid=kpi-${key}] [data-testid=kpi-delta]`)?.className ?? '',
  });

  afterEach(() => http.verify());

  it('asks the API for the period in the URL with its filters', async () => {
    await open('/analytics?period=30d&channelId=ch-1&tag=vip');
    const summaryReq = http.match((r) => r.url === '/api/analytics/summary' && r.params.get('groupBy') === 'none');
    expect(summaryReq).toHaveLength(1);
    const params = summaryReq[0].request.params;
    expect(params.get('from')).toBe('2025-02-09T00:00:00.000Z');
    expect(params.get('to')).toBe('2025-03-11T00:00:00.000Z');
    expect(params.get('channelId')).toBe('ch-1');
    expect(params.get('tag')).toBe('vip');
    expect(params.get('compare')).toBe('true');
    expect(params.has('managerId')).toBe(false);
    expect(summaryReq[0].request.headers.get('Authorization')).toBe('Bearer jwt-head');
    await respond();
    const timeseries = http.match(() => true);
    expect(timeseries).toHaveLength(0);
  });

  it('shows formatted KPI values and deltas in English', async () => {
    await open();
    await respond();
    expect(tile('chats')).toMatchObject({ value: '1,234', delta: '+23.4% vs previous period' });
    expect(tile('chats').tone).toContain('good');
    expect(tile('firstResponseMedianSec')).toMatchObject({ value: '1m 35s', delta: '-5% vs previous period' });
    expect(tile('firstResponseMedianSec').tone).toContain('good');
    expect(tile('missedChatRate')).toMatchObject({ value: '12.5%', delta: '+2.5 pp vs previous period' });
    expect(tile('missedChatRate').tone).toContain('bad');
    expect(tile('conversionRate')).toMatchObject({ value: '20%', delta: '—' });
    expect(tile('revenue')).toMatchObject({ value: 'RUB 125,000', delta: '+25% vs previous period' });
    expect(tile('csatAvg')).toMatchObject({ value: '4.5', delta: '+0.25 vs previous period' });
    expect(tile('nps')).toMatchObject({ value: '40', delta: '-10 vs previous period' });
    expect(tile('nps').tone).toContain('bad');
  });

  it('shows formatted KPI values and deltas in Russian', async () => {
    await open('/analytics', 'ru');
    await respond();
    expect(tile('chats')).toMatchObject({ value: '1 234', delta: '+23,4 % к прошлому периоду' });
    expect(tile('firstResponseMedianSec').value).toBe('1 мин 35 с');
    expect(tile('missedChatRate')).toMatchObject({ value: '12,5 %', delta: '+2,5 п.п. к прошлому периоду' });
    expect(tile('revenue').value).toBe('125 000 ₽');
    expect(tile('csatAvg')).toMatchObject({ value: '4,5', delta: '+0,25 к прошлому периоду' });
  });

  it('shows no deltas when comparing is off', async () => {
    await open('/analytics?compare=0');
    const req = http.expectOne((r) => r.url === '/api/analytics/summary' && r.params.get('groupBy') === 'none');
    expect(req.request.params.has('compare')).toBe(false);
    req.flush(summary([CURRENT]));
    await respond();
    expect(tile('chats')).toEqual({ value: '1,234', delta: '', tone: '' });
  });

  it('opens the drill-down of a tile with its metric and the filters', async () => {
    await open('/analytics?period=30d&managerId=u-2');
    await respond();
    q('[data-testid=kpi-missedChatRate]')!.click();
    await harness.fixture.whenStable();
    const url = TestBed.inject(Router).parseUrl(TestBed.inject(Router).url);
    expect(url.root.children['primary'].segments.map((s) => s.path)).toEqual(['analytics', 'cycles']);
    expect(url.queryParams).toEqual({ period: '30d', managerId: 'u-2', metric: 'missedChats' });
  });

  it('keeps filter changes in the URL and reloads', async () => {
    await open();
    await respond();
    const select = q('[data-testid=analytics-period]') as HTMLSelectElement;
    select.value = '90d';
    select.dispatchEvent(new Event('change'));
    await harness.fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe('/analytics?period=90d');
    const req = http.expectOne((r) => r.url === '/api/analytics/summary' && r.params.get('groupBy') === 'none');
    expect(req.request.params.get('from')).toBe('2024-12-11T00:00:00.000Z');
    req.flush(summary([CURRENT], [PREVIOUS]));
    // 90 days is still by day; the charts follow.
    expect(
      http.match((r) => r.url === '/api/analytics/timeseries').every((r) => r.request.params.get('interval') === 'day'),
    ).toBe(true);
    await respond();
  });

  it('sorts the per-channel table by a clicked header and links each figure to its drill-down', async () => {
    await open('/analytics?period=30d');
    await respond();
    const table = () => q('[data-testid=by-channel]')!;
    const names = () =>
      Array.from(table().querySelectorAll('[data-testid=table-row] th')).map((th) => plain(th.textContent));
    expect(names()).toEqual(['Bravo', 'Alpha', 'Charlie']);
    (table().querySelector('[data-testid=sort-label]') as HTMLElement).click();
    await harness.fixture.whenStable();
    expect(names()).toEqual(['Alpha', 'Bravo', 'Charlie']);
    (table().querySelector('[data-testid=sort-label]') as HTMLElement).click();
    await harness.fixture.whenStable();
    expect(names()).toEqual(['Charlie', 'Bravo', 'Alpha']);
    (table().querySelector('[data-testid=sort-missedChats]') as HTMLElement).click();
    await harness.fixture.whenStable();
    expect(names()).toEqual(['Alpha', 'Charlie', 'Bravo']);
    expect(table().querySelector('th[aria-sort=descending] [data-testid=sort-missedChats]')).not.toBeNull();
    (table().querySelector('[data-testid=sort-revenue]') as HTMLElement).click();
    await harness.fixture.whenStable();
    expect(names()).toEqual(['Bravo', 'Alpha', 'Charlie']);

    const link = table().querySelector('[data-testid=table-row] [data-testid=drill-missedChats]') as HTMLAnchorElement;
    expect(plain(link.textContent)).toBe('1');
    const target = TestBed.inject(Router).parseUrl(link.getAttribute('href')!);
    expect(target.queryParams).toEqual({ period: '30d', metric: 'missedChats', channelId: 'ch-b' });
  });

  it('renders every chart with its data, axis labels and a legend', async () => {
    await open('/analytics?period=today');
    await respond({
      heatmap: { timeZone: 'UTC', cells: [{ weekday: 0, hour: 9, chats: 4 }] },
      distribution: {
        buckets: [
          { fromSec: 0, toSec: 30, count: 3 },
          { fromSec: 30, toSec: 60, count: 1 },
          { fromSec: 60, toSec: null, count: 2 },
        ],
      },
      'timeseries:chats': {
        metric: 'chats',
        interval: 'hour',
        timeZone: 'UTC',
        points: [{ bucket: '2025-03-10T09:00:00.000Z', key: 'all', label: 'All', value: 4 }],
      },
      agents: {
        from: '',
        to: '',
        rows: [
          {
            manager: { id: 'u-1', name: 'Mia' },
            chats: 4,
            missedChats: 0,
            acceptanceRate: 1,
            firstResponseAvgSec: 30,
            handleTimeAvgSec: 300,
            csatAvg: null,
            csatPositive: 0,
            csatNegative: 0,
            conversions: 1,
            revenue: {},
            utilization: 0.756,
            avgConcurrency: 1.5,
            onlineSec: 3600,
          },
        ],
      },
    });
    const chart = (id: string) => q(`[data-testid=${id}] .chart-stub`);
    expect(chart('chart-heatmap')!.dataset['points']).toBe('24');
    expect(chart('chart-heatmap')!.dataset['xLabel']).toBe('Hour of day');
    const bars = Array.from(q('[data-testid=chart-first-response]')!.querySelectorAll('.chart-stub__item')).map((e) =>
      plain(e.textContent),
    );
    expect(bars).toEqual(['0s–30s=3', '30s–1m=1', '≥ 1m=2']);
    expect(chart('chart-volume')!.dataset['yLabel']).toBe('Chats');
    expect(chart('chart-volume')!.dataset['xLabel']).toBe('Time (by hour)');
    const legend = (id: string) =>
      Array.from(q(`[data-testid=${id}]`)!.querySelectorAll('[data-testid=chart-legend] li')).map((li) =>
        plain(li.textContent),
      );
    expect(legend('chart-volume')).toEqual(['Chats', 'Missed chats']);
    expect(legend('chart-first-response')).toEqual(['Chats']);
    expect(legend('chart-funnel')).toEqual(['Chats', 'Deals', 'Won']);
    expect(legend('chart-utilization')).toEqual(['Utilization, %', 'Open chats at once (average)']);
    expect(chart('chart-heatmap')!.dataset['legend']).toBe('true');
    expect(plain(q('[data-testid=chart-satisfaction]')!.textContent)).toContain('No survey answers in this period');
    expect(chart('chart-funnel')!.dataset['points']).toBe('3');
    const revenue = Array.from(q('[data-testid=funnel-revenue]')!.querySelectorAll('tr')).map((tr) =>
      Array.from(tr.children).map((c) => plain(c.textContent)),
    );
    expect(revenue).toEqual([
      ['Alpha', 'RUB 10'],
      ['Bravo', 'RUB 30'],
      ['Charlie', '0'],
    ]);
    const utilization = q('[data-testid=chart-utilization] .chart-stub__item');
    expect(plain(utilization!.textContent)).toBe('Mia=75.6');
  });

  it('shows no cost tiles, cost columns or working-hours figures while they are null', async () => {
    await open();
    await respond();
    expect(q('[data-testid=kpi-costPerChat]')).toBeNull();
    expect(q('[data-testid=kpi-roi]')).toBeNull();
    expect(q('[data-testid=kpi-firstResponseMedianSec] [data-testid=kpi-note]')).toBeNull();
    const table = q('[data-testid=by-channel]')!;
    for (const column of ['cost', 'costPerChat', 'roi', 'firstResponseMedianBusinessSec']) {
      expect(table.querySelector(`[data-testid=sort-${column}]`)).toBeNull();
    }
    expect(q('[data-testid=kpis]')!.classList).not.toContain('kpis--two-rows');
  });

  describe('with costs and working hours', () => {
    const COSTS = { currency: 'RUB', managerHourly: {}, channelMonthly: {} };
    const WITH_COSTS = {
      settings: workspaceSettings(COSTS),
      'summary:none': summary(
        [
          {
            ...CURRENT,
            metrics: {
              ...CURRENT.metrics,
              cost: 45000,
              costPerChat: 36.47,
              roi: 1.778,
              firstResponseMedianBusinessSec: 130,
            },
          },
        ],
        [
          {
            ...PREVIOUS,
            metrics: {
              ...PREVIOUS.metrics,
              cost: 40000,
              costPerChat: 40,
              roi: 1.5,
              firstResponseMedianBusinessSec: 140,
            },
          },
        ],
      ),
      'summary:channel': summary(
        [
          row('ch-a', 'Alpha', {
            chats: 5,
            cost: 300.5,
            costPerChat: 60.1,
            roi: -0.25,
            firstResponseMedianBusinessSec: 45,
          }),
          row('ch-b', 'Bravo', {
            chats: 10,
            cost: 1000,
            costPerChat: 100,
            roi: 2,
            firstResponseMedianBusinessSec: null,
          }),
        ],
        undefined,
        'channel',
      ),
    };

    it('adds the cost per chat and ROI tiles with their deltas, in the cost currency', async () => {
      await open();
      await respond(WITH_COSTS);
      expect(tile('costPerChat')).toMatchObject({ value: 'RUB 36.47', delta: '-8.8% vs previous period' });
      // Cheaper chats are the good news.
      expect(tile('costPerChat').tone).toContain('good');
      expect(tile('roi')).toMatchObject({ value: '177.8%', delta: '+27.8 pp vs previous period' });
      expect(tile('roi').tone).toContain('good');
      expect(plain(q('[data-testid=kpi-costPerChat] .tile__label')?.textContent)).toBe('Cost per chat');
      expect(q('[data-testid=kpis]')!.classList).toContain('kpis--two-rows');
    });

    it('shows the first response in working hours under its tile', async () => {
      await open();
      await respond(WITH_COSTS);
      expect(plain(q('[data-testid=kpi-firstResponseMedianSec] [data-testid=kpi-note]')?.textContent)).toBe(
        'in working hours: 2m 10s',
      );
      expect(tile('firstResponseMedianSec').value).toBe('1m 35s');
    });

    it('adds the cost and working-hours columns to the tables, drilling into the cycles behind them', async () => {
      await open('/analytics?period=30d');
      await respond(WITH_COSTS);
      const table = q('[data-testid=by-channel]')!;
      const headers = Array.from(table.querySelectorAll('thead th')).map((th) =>
        plain(th.textContent).replace(/[▲▼]$/, ''),
      );
      expect(headers).toEqual([
        'Channel',
        'Chats',
        'Missed chats',
        'First response, median',
        'First response, median (working hours)',
        'Deals',
        'Won',
        'Revenue',
        'CSAT',
        'Cost',
        'Cost per chat',
        'ROI',
      ]);
      const cells = (column: string) =>
        Array.from(table.querySelectorAll(`[data-testid=drill-${column}]`)).map((a) => plain(a.textContent));
      expect(cells('cost')).toEqual(['RUB 1,000', 'RUB 300.50']);
      expect(cells('costPerChat')).toEqual(['RUB 100', 'RUB 60.10']);
      expect(cells('roi')).toEqual(['200%', '-25%']);
      expect(cells('firstResponseMedianBusinessSec')).toEqual(['—', '45s']);
      const href = (column: string) =>
        TestBed.inject(Router).parseUrl(table.querySelector(`[data-testid=drill-${column}]`)!.getAttribute('href')!)
          .queryParams;
      expect(href('costPerChat')).toEqual({ period: '30d', metric: 'chats', channelId: 'ch-b' });
      expect(href('roi')).toEqual({ period: '30d', metric: 'revenue', channelId: 'ch-b' });
      expect(href('firstResponseMedianBusinessSec')).toEqual({
        period: '30d',
        metric: 'firstResponseMedianSec',
        channelId: 'ch-b',
      });
      (table.querySelector('[data-testid=sort-costPerChat]') as HTMLElement).click();
      await harness.fixture.whenStable();
      expect(
        Array.from(table.querySelectorAll('[data-testid=table-row] th')).map((th) => plain(th.textContent)),
      ).toEqual(['Bravo', 'Alpha']);
    });

    it('formats costs in Russian', async () => {
      await open('/analytics', 'ru');
      await respond(WITH_COSTS);
      expect(tile('costPerChat').value).toBe('36,47 ₽');
      expect(tile('roi').value).toBe('177,8 %');
      expect(plain(q('[data-testid=kpi-firstResponseMedianSec] [data-testid=kpi-note]')?.textContent)).toBe(
        'в рабочее время: 2 мин 10 с',
      );
    });
  });

  it('shows the empty state when the period has no chats', async () => {
    await open();
    await respond({ 'summary:none': summary([row('all', 'All', { chats: 0 })], [row('all', 'All', { chats: 3 })]) });
    expect(plain(q('[data-testid=analytics-empty]')?.textContent)).toContain('No chats in this period');
    expect(q('[data-testid=chart-heatmap]')).toBeNull();
    expect(q('[data-testid=kpi-chats]')).toBeNull();
  });

  it('shows loading skeletons, then an error with a retry that loads again', async () => {
    await open();
    expect(q('[data-testid=kpi-chats] [data-testid=kpi-loading]')).not.toBeNull();
    expect(q('[data-testid=chart-heatmap] [data-testid=panel-loading]')).not.toBeNull();
    await respond({ 'summary:none': new Error('down') });
    expect(q('[data-testid=analytics-error]')).not.toBeNull();
    expect(q('[data-testid=kpi-chats]')).toBeNull();
    q('[data-testid=analytics-retry]')!.click();
    await respond();
    expect(q('[data-testid=analytics-error]')).toBeNull();
    expect(tile('chats').value).toBe('1,234');
  });

  it('shows an error with retry inside a chart that failed, leaving the rest', async () => {
    await open();
    await respond({ heatmap: new Error('down') });
    expect(q('[data-testid=chart-heatmap] [data-testid=panel-error]')).not.toBeNull();
    expect(q('[data-testid=chart-first-response] [data-testid=panel-error]')).toBeNull();
    expect(tile('chats').value).toBe('1,234');
  });

  it('tells a manager that analytics is for heads and admins (403)', async () => {
    await open();
    for (const req of http.match((r) => r.url.startsWith('/api/analytics/'))) {
      if (!req.cancelled) req.flush({ code: 'forbidden', message: 'No' }, { status: 403, statusText: 'Forbidden' });
    }
    await respond();
    expect(plain(q('[data-testid=analytics-error]')?.textContent)).toContain(
      'Analytics is available to heads of sales and admins only.',
    );
  });

  it('exports the summary CSV with the auth header and starts a download', async () => {
    await open('/analytics?period=7d');
    await respond();
    const createObjectURL = jest.fn(() => 'blob:summary');
    Object.assign(URL, { createObjectURL, revokeObjectURL: jest.fn() });
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    q('[data-testid=export-csv]')!.click();
    const req = http.expectOne((r) => r.url === '/api/analytics/summary.csv');
    expect(req.request.headers.get('Authorization')).toBe('Bearer jwt-head');
    expect(req.request.params.get('from')).toBe('2025-03-04T00:00:00.000Z');
    expect(req.request.params.get('groupBy')).toBe('channel');
    req.flush(new Blob(['a,b\n']));
    expect(createObjectURL).toHaveBeenCalled();
    expect(click).toHaveBeenCalled();
    click.mockRestore();
  });
});
