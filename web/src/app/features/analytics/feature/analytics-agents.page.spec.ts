import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import type { UserDto } from '@onebox/contracts';
import { RouterTestingHarness } from '@angular/router/testing';
import { ME, signIn } from '../../../../testing/fixtures';
import { authInterceptor } from '../../../core/auth/auth.interceptor';
import { FormatService } from '../../../core/i18n/format.service';
import { ANALYTICS_ROUTES } from '../analytics.routes';
import { ANALYTICS_CLOCK } from '../data-access/dashboard.store';
import { HEAD_USER, agentRow, answer, plain } from '../testing/analytics-fixtures';
import { AnalyticsAgentsPage } from './analytics-agents.page';

jest.mock('@swimlane/ngx-charts', () => jest.requireActual('../testing/ngx-charts.mock'));

const NOW = Date.parse('2025-03-10T12:00:00Z');

const REPORT = {
  from: '',
  to: '',
  rows: [
    agentRow('u-1', 'Boris', {
      chats: 12,
      missedChats: 1,
      acceptanceRate: 0.9,
      firstResponseAvgSec: 75,
      handleTimeAvgSec: 3720,
      csatAvg: 4.6,
      csatPositive: 9,
      csatNegative: 1,
      conversions: 3,
      revenue: { RUB: '45000' },
      utilization: 0.5,
      avgConcurrency: 1.25,
      onlineSec: 28800,
    }),
    agentRow('u-2', 'Anna', { chats: 20, missedChats: 4, revenue: { RUB: '1000' }, onlineSec: 3600 }),
  ],
};

describe('AnalyticsAgentsPage', () => {
  let http: HttpTestingController;
  let harness: RouterTestingHarness;

  async function open(url = '/analytics/agents', user: UserDto = HEAD_USER): Promise<void> {
    localStorage.clear();
    localStorage.setItem('onebox.lang', 'en');
    signIn(user, 'jwt-head');
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'analytics', children: ANALYTICS_ROUTES },
          { path: 'inbox', children: [] },
        ]),
        { provide: ANALYTICS_CLOCK, useValue: () => NOW },
      ],
    });
    TestBed.inject(FormatService).setTimeZone('UTC');
    http = TestBed.inject(HttpTestingController);
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url);
  }

  async function settle(): Promise<void> {
    harness.fixture.detectChanges();
    await harness.fixture.whenStable();
  }

  const el = () => harness.routeNativeElement as HTMLElement;
  const q = (selector: string) => el().querySelector(selector) as HTMLElement | null;
  const names = () =>
    Array.from(el().querySelectorAll('[data-testid=agents-row] th')).map((th) => plain(th.textContent));

  afterEach(() => http.verify());

  it('shows the report, sorted by a clicked header, with figures linking to the drill-down', async () => {
    await open('/analytics/agents?period=30d&channelId=ch-1');
    expect(harness.routeDebugElement?.componentInstance).toBeInstanceOf(AnalyticsAgentsPage);
    const req = http.expectOne((r) => r.url === '/api/analytics/agents');
    expect(req.request.params.get('channelId')).toBe('ch-1');
    expect(req.request.params.get('from')).toBe('2025-02-09T00:00:00.000Z');
    req.flush(REPORT);
    answer(
      http.match(() => true),
      {},
    );
    await settle();

    expect(names()).toEqual(['Anna', 'Boris']);
    const boris = Array.from(el().querySelectorAll('[data-testid=agents-row]'))[1];
    expect(Array.from(boris.querySelectorAll('td')).map((td) => plain(td.textContent))).toEqual([
      '12',
      '1',
      '90%',
      '1m 15s',
      '1h 2m',
      '4.6 (+9 / −1)',
      '3',
      'RUB 45,000',
      '50%',
      '1.25',
      '8h',
    ]);
    (q('[data-testid=sort-manager]') as HTMLElement).click();
    await settle();
    expect(names()).toEqual(['Anna', 'Boris']);
    (q('[data-testid=sort-manager]') as HTMLElement).click();
    await settle();
    expect(names()).toEqual(['Boris', 'Anna']);
    (q('[data-testid=sort-revenue]') as HTMLElement).click();
    await settle();
    expect(names()).toEqual(['Boris', 'Anna']);
    (q('[data-testid=sort-onlineSec]') as HTMLElement).click();
    await settle();
    expect(names()).toEqual(['Boris', 'Anna']);
    (q('[data-testid=sort-onlineSec]') as HTMLElement).click();
    await settle();
    expect(names()).toEqual(['Anna', 'Boris']);

    const link = el().querySelector('[data-testid=agents-row] [data-testid=drill-missedChats]') as HTMLAnchorElement;
    const target = TestBed.inject(Router).parseUrl(link.getAttribute('href')!);
    expect(target.queryParams).toEqual({ period: '30d', channelId: 'ch-1', metric: 'missedChats', managerId: 'u-2' });
    expect(q('[data-testid=chart-agents] .chart-stub')!.dataset['points']).toBe('2');
  });

  it('exports the report CSV with the auth header', async () => {
    await open();
    http.expectOne((r) => r.url === '/api/analytics/agents').flush(REPORT);
    answer(
      http.match(() => true),
      {},
    );
    await settle();
    const createObjectURL = jest.fn(() => 'blob:agents');
    Object.assign(URL, { createObjectURL, revokeObjectURL: jest.fn() });
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    q('[data-testid=export-csv]')!.click();
    const req = http.expectOne((r) => r.url === '/api/analytics/agents.csv');
    expect(req.request.headers.get('Authorization')).toBe('Bearer jwt-head');
    expect(req.request.params.get('from')).toBe('2025-03-04T00:00:00.000Z');
    req.flush(new Blob(['manager,chats\n']));
    expect(createObjectURL).toHaveBeenCalled();
    expect(click).toHaveBeenCalledTimes(1);
    click.mockRestore();
  });

  it('shows the empty state when nobody handled chats', async () => {
    await open();
    http.expectOne((r) => r.url === '/api/analytics/agents').flush({ from: '', to: '', rows: [] });
    answer(
      http.match(() => true),
      {},
    );
    await settle();
    expect(plain(q('[data-testid=analytics-empty]')?.textContent)).toContain('No chats in this period');
  });

  it('keeps managers out: the route sends them to the inbox', async () => {
    await open('/analytics/agents', ME);
    expect(TestBed.inject(Router).url).toBe('/inbox');
    expect(http.match(() => true)).toHaveLength(0);
  });
});
