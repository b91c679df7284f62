import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { signIn } from '../../../../testing/fixtures';
import { authInterceptor } from '../../../core/auth/auth.interceptor';
import { AnalyticsApi } from './analytics-api.service';
import { ANALYTICS_CLOCK, DashboardStore } from './dashboard.store';
import { EMPTY_FILTER } from './analytics-filter';
import { workspaceSettings } from '../testing/analytics-fixtures';

const HEAD = { id: 'u-head', email: 'head@onebox.local', name: 'Hanna Head', role: 'head' as const };
const RANGE = { from: '2025-03-01T00:00:00.000Z', to: '2025-03-08T00:00:00.000Z' };

describe('AnalyticsApi', () => {
  let http: HttpTestingController;
  let api: AnalyticsApi;

  beforeEach(() => {
    localStorage.clear();
    signIn(HEAD, 'jwt-head');
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        DashboardStore,
        { provide: ANALYTICS_CLOCK, useValue: () => Date.parse('2025-03-10T12:00:00Z') },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    api = TestBed.inject(AnalyticsApi);
  });

  afterEach(() => http.verify());

  it('sends the period and only the filters that are set', () => {
    api.summary({ ...RANGE, channelId: 'ch-1', tag: 'vip' }, 'manager', true).subscribe();
    const req = http.expectOne((r) => r.url === '/api/analytics/summary');
    expect(req.request.params.keys().sort()).toEqual(['channelId', 'compare', 'from', 'groupBy', 'tag', 'to']);
    expect(req.request.params.get('from')).toBe(RANGE.from);
    expect(req.request.params.get('to')).toBe(RANGE.to);
    expect(req.request.params.get('groupBy')).toBe('manager');
    expect(req.request.params.get('compare')).toBe('true');
    expect(req.request.params.get('channelId')).toBe('ch-1');
    expect(req.request.params.get('tag')).toBe('vip');
    expect(req.request.headers.get('Authorization')).toBe('Bearer jwt-head');
    req.flush({ from: RANGE.from, to: RANGE.to, timeZone: 'UTC', groupBy: 'manager', rows: [] });
  });

  it('asks the cycles of a metric page by page', () => {
    api.cycles({ ...RANGE, metric: 'missedChats', managerId: 'u-1', cursor: 'c-2', limit: 50 }).subscribe();
    const req = http.expectOne((r) => r.url === '/api/analytics/cycles');
    expect(req.request.params.toString()).toBe(
      `from=${RANGE.from}&to=${RANGE.to}&managerId=u-1&metric=missedChats&cursor=c-2&limit=50`,
    );
    req.flush({ items: [], nextCursor: null, total: 0 });
  });

  it('downloads a CSV with the auth header, never with the token in the URL, and saves it', () => {
    const createObjectURL = jest.fn(() => 'blob:csv-1');
    const revokeObjectURL = jest.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const clicks: HTMLAnchorElement[] = [];
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      clicks.push(this);
    });
    jest.useFakeTimers();
    let saved: string | undefined;
    api
      .downloadCsv('conversations', { ...RANGE, managerId: 'u-1' }, { metric: 'chats' })
      .subscribe((name) => (saved = name));

    const req = http.expectOne((r) => r.url === '/api/analytics/conversations.csv');
    expect(req.request.headers.get('Authorization')).toBe('Bearer jwt-head');
    expect(req.request.responseType).toBe('blob');
    expect(req.request.urlWithParams).not.toContain('jwt-head');
    expect(req.request.params.get('managerId')).toBe('u-1');
    expect(req.request.params.get('metric')).toBe('chats');
    const blob = new Blob(['conversationId,cycle\n'], { type: 'text/csv' });
    req.flush(blob);

    expect(createObjectURL).toHaveBeenCalledWith(blob);
    expect(clicks).toHaveLength(1);
    expect(clicks[0].href).toBe('blob:csv-1');
    expect(clicks[0].download).toBe('onebox-conversations-2025-03-01-2025-03-08.csv');
    expect(saved).toBe('onebox-conversations-2025-03-01-2025-03-08.csv');
    jest.advanceTimersByTime(1000);
    expect(revokeObjectURL).toHaveBeenCalledWith('blob:csv-1');
    click.mockRestore();
    jest.useRealTimers();
  });

  it('the dashboard store asks every section for the filter, with the interval chosen by the range', () => {
    const store = TestBed.inject(DashboardStore);
    store.load({ ...EMPTY_FILTER, period: 'today', managerId: 'u-7', compare: true }, 'Europe/Moscow');
    // The currency of the cost figures comes with the workspace settings.
    http
      .expectOne({ method: 'GET', url: '/api/workspace/settings' })
      .flush(workspaceSettings({ currency: 'KZT', managerHourly: {}, channelMonthly: {} }));
    expect(store.costCurrency()).toBe('KZT');
    const requests = http.match(() => true);
    const from = '2025-03-09T21:00:00.000Z';
    const to = '2025-03-10T21:00:00.000Z';
    for (const req of requests) {
      expect(req.request.params.get('from')).toBe(from);
      expect(req.request.params.get('to')).toBe(to);
      expect(req.request.params.get('managerId')).toBe('u-7');
    }
    const described = requests.map((r) => {
      const p = r.request.params;
      return [
        r.request.url.replace('/api/analytics/', ''),
        p.get('groupBy'),
        p.get('metric'),
        p.get('interval'),
        p.get('compare'),
      ]
        .filter((x) => x !== null)
        .join(' ');
    });
    expect(described.sort()).toEqual(
      [
        'agents',
        'distribution',
        'heatmap',
        'summary none true',
        'summary channel',
        'summary manager',
        'timeseries chats hour',
        'timeseries missedChats hour',
        'timeseries csatAvg hour',
        'timeseries cesAvg hour',
        'timeseries nps hour',
      ].sort(),
    );
    expect(store.interval()).toBe('hour');
  });
});
