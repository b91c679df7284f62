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
import { HEAD_USER, cycle, plain } from '../testing/analytics-fixtures';
import { AnalyticsCyclesPage } from './analytics-cycles.page';

@Component({ template: 'conversation' })
class ConversationStub {}

const NOW = Date.parse('2025-03-10T12:00:00Z');

describe('AnalyticsCyclesPage', () => {
  let http: HttpTestingController;
  let harness: RouterTestingHarness;

  async function open(url: string): Promise<void> {
    localStorage.clear();
    localStorage.setItem('onebox.lang', 'en');
    signIn(HEAD_USER, 'jwt-head');
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'analytics/cycles', component: AnalyticsCyclesPage },
          { path: 'inbox/:conversationId', component: ConversationStub },
        ]),
        { provide: ANALYTICS_CLOCK, useValue: () => NOW },
      ],
    });
    TestBed.inject(FormatService).setTimeZone('UTC');
    http = TestBed.inject(HttpTestingController);
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url);
    // The names for the filter line.
    http.expectOne('/api/channels').flush([{ id: 'ch-1', type: 'telegram', name: 'Sales bot', status: 'active' }]);
    http.expectOne('/api/users').flush([{ id: 'u-1', email: 'mia@x', name: 'Mia Agent', role: 'manager' }]);
    http.expectOne('/api/tags').flush([]);
  }

  async function settle(): Promise<void> {
    harness.fixture.detectChanges();
    await harness.fixture.whenStable();
  }

  const el = () => harness.routeNativeElement as HTMLElement;
  const q = (selector: string) => el().querySelector(selector) as HTMLElement | null;
  const rows = () => Array.from(el().querySelectorAll('[data-testid=drilldown-row]')) as HTMLElement[];

  afterEach(() => http.verify());

  it('lists the cycles behind the metric with the filters, and loads more by cursor', async () => {
    await open('/analytics/cycles?metric=missedChats&period=30d&channelId=ch-1&managerId=u-1&channelType=telegram');
    const first = http.expectOne((r) => r.url === '/api/analytics/cycles');
    const params = first.request.params;
    expect(params.get('metric')).toBe('missedChats');
    expect(params.get('from')).toBe('2025-02-09T00:00:00.000Z');
    expect(params.get('to')).toBe('2025-03-11T00:00:00.000Z');
    expect(params.get('channelId')).toBe('ch-1');
    expect(params.get('managerId')).toBe('u-1');
    expect(params.get('channelType')).toBe('telegram');
    expect(params.has('cursor')).toBe(false);
    expect(first.request.headers.get('Authorization')).toBe('Bearer jwt-head');
    first.flush({
      items: [
        cycle('c1', {
          missed: true,
          firstResponseSec: null,
          deal: { status: 'won', amount: '15000', currency: 'RUB' },
          csat: 5,
          resolvedAt: '2025-03-05T10:00:00.000Z',
        }),
        cycle('c2', { cycle: 2, manager: null }),
      ],
      nextCursor: 'cur-2',
      total: 3,
    });
    await settle();

    expect(plain(q('[data-testid=drilldown-title]')?.textContent)).toBe('Missed chats: conversations');
    expect(plain(q('[data-testid=drilldown-total]')?.textContent)).toBe('3 conversation cycles');
    expect(
      Array.from(q('[data-testid=drilldown-filters]')!.querySelectorAll('.chip')).map((c) => plain(c.textContent)),
    ).toEqual(['Channel: Sales bot', 'Channel: Telegram', 'Manager: Mia Agent']);
    expect(rows()).toHaveLength(2);
    const cells = Array.from(rows()[0].querySelectorAll('td')).map((td) => plain(td.textContent));
    expect(cells).toEqual([
      'Contact c1',
      'Sales bot',
      'Mia Agent',
      '5 Mar 2025, 09:00',
      '—',
      'Missed',
      '5 Mar 2025, 10:00',
      'Won · RUB 15,000',
      '5',
    ]);
    expect(plain(rows()[1].querySelector('td')?.textContent)).toBe('Contact c2 · cycle 2');
    expect(plain(rows()[1].querySelectorAll('td')[2].textContent)).toBe('No manager');
    expect(plain(rows()[1].querySelectorAll('td')[4].textContent)).toBe('42s');

    q('[data-testid=load-more]')!.click();
    const more = http.expectOne((r) => r.url === '/api/analytics/cycles');
    expect(more.request.params.get('cursor')).toBe('cur-2');
    expect(more.request.params.get('metric')).toBe('missedChats');
    more.flush({ items: [cycle('c3')], nextCursor: null, total: 3 });
    await settle();
    expect(rows()).toHaveLength(3);
    expect(q('[data-testid=load-more]')).toBeNull();
  });

  it('opens the conversation in the inbox from a row', async () => {
    await open('/analytics/cycles?metric=chats');
    http
      .expectOne((r) => r.url === '/api/analytics/cycles')
      .flush({ items: [cycle('conv-9')], nextCursor: null, total: 1 });
    await settle();
    rows()[0].click();
    await harness.fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe('/inbox/conv-9');
  });

  it('shows the empty state and an error with retry', async () => {
    await open('/analytics/cycles?metric=conversions&period=today');
    http
      .expectOne((r) => r.url === '/api/analytics/cycles')
      .flush({ code: 'x', message: 'down' }, { status: 500, statusText: 'Server Error' });
    await settle();
    expect(q('[data-testid=analytics-error]')).not.toBeNull();
    q('[data-testid=analytics-retry]')!.click();
    http.expectOne((r) => r.url === '/api/analytics/cycles').flush({ items: [], nextCursor: null, total: 0 });
    await settle();
    expect(q('[data-testid=analytics-error]')).toBeNull();
    expect(plain(q('[data-testid=analytics-empty]')?.textContent)).toContain('No conversations behind this number');
  });

  it('exports the conversations of the drill-down as CSV', async () => {
    await open('/analytics/cycles?metric=conversions&period=today&tag=vip');
    http.expectOne((r) => r.url === '/api/analytics/cycles').flush({ items: [], nextCursor: null, total: 0 });
    await settle();
    Object.assign(URL, { createObjectURL: jest.fn(() => 'blob:x'), revokeObjectURL: jest.fn() });
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    q('[data-testid=export-csv]')!.click();
    const req = http.expectOne((r) => r.url === '/api/analytics/conversations.csv');
    expect(req.request.headers.get('Authorization')).toBe('Bearer jwt-head');
    expect(req.request.params.get('metric')).toBe('conversions');
    expect(req.request.params.get('tag')).toBe('vip');
    req.flush(new Blob(['x']));
    expect(click).toHaveBeenCalledTimes(1);
    click.mockRestore();
  });
});
