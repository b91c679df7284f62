import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { UserDto } from '@onebox/contracts';
import { FakeSocket, provideFakeSocket } from '../../../testing/fake-socket';
import { ME, crmConnection, signIn } from '../../../testing/fixtures';
import { AuthService } from '../auth/auth.service';
import { I18nService } from '../i18n/i18n.service';
import { AgentSocketService } from '../socket/agent-socket.service';
import { CrmOutageBannerComponent } from './crm-outage-banner.component';

const ADMIN: UserDto = { ...ME, role: 'admin' };
const DEGRADED = crmConnection({
  name: 'amoCRM',
  status: 'degraded',
  statusMessage: 'amoCRM answered HTTP 503',
  degradedSince: '2025-03-01T10:00:00.000Z',
  sync: { pending: 42, failed: 0, lastError: 'amoCRM answered HTTP 503', lastSyncedAt: '2025-03-01T09:59:00.000Z' },
});

describe('CrmOutageBannerComponent', () => {
  let fixture: ComponentFixture<CrmOutageBannerComponent>;
  let http: HttpTestingController;
  let socket: FakeSocket;

  function create(user: UserDto): void {
    localStorage.clear();
    signIn(user);
    const sockets: FakeSocket[] = [];
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), provideFakeSocket(sockets)],
    });
    TestBed.inject(I18nService).setLang('en');
    TestBed.inject(AgentSocketService).connect(() => 'jwt');
    socket = sockets[0];
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(CrmOutageBannerComponent);
    fixture.detectChanges();
  }

  afterEach(() => {
    fixture.destroy();
    http.verify();
  });

  const q = (id: string) => (fixture.nativeElement as HTMLElement).querySelector<HTMLElement>(`[data-testid="${id}"]`);
  const flushList = (list: unknown[]) => {
    http.expectOne('/api/crm').flush(list);
    fixture.detectChanges();
  };

  it('tells admins the CRM is not answering: since when, the changes waiting, the last error, a link to its settings', () => {
    create(ADMIN);
    flushList([DEGRADED]);

    expect(q('crm-outage-banner')?.getAttribute('role')).toBe('alert');
    expect(q('crm-outage-text')?.textContent?.trim()).toMatch(
      /^amoCRM has not been answering since .+\. Changes waiting to be sent when it is back: 42\.$/,
    );
    expect(q('crm-outage-error')?.textContent).toBe('Last error: amoCRM answered HTTP 503');
    expect(q('crm-outage-open')?.getAttribute('href')).toBe('/settings?tab=crm');
  });

  it('appears and goes away live, on crm.status', () => {
    create(ADMIN);
    flushList([crmConnection()]);
    expect(q('crm-outage-banner')).toBeNull();

    socket.serverEmit('crm.status', {
      id: 'crm-1',
      type: 'amocrm',
      name: 'amoCRM',
      status: 'degraded',
      statusMessage: 'HTTP 503',
      degradedSince: DEGRADED.degradedSince,
    });
    flushList([DEGRADED]);
    expect(q('crm-outage-banner')).not.toBeNull();

    socket.serverEmit('crm.status', {
      id: 'crm-1',
      type: 'amocrm',
      name: 'amoCRM',
      status: 'active',
      statusMessage: null,
      degradedSince: null,
    });
    flushList([crmConnection()]);
    expect(q('crm-outage-banner')).toBeNull();
  });

  it('reads the state afresh whenever the socket connects (an outage that began meanwhile sent its event to nobody)', () => {
    create(ADMIN);
    flushList([crmConnection()]);
    socket.fire('connect');
    fixture.detectChanges();
    flushList([DEGRADED]);
    expect(q('crm-outage-banner')).not.toBeNull();
  });

  it('says when the sync has stopped', () => {
    create(ADMIN);
    flushList([crmConnection({ name: 'Bitrix24', status: 'error', statusMessage: 'Token expired' })]);

    expect(q('crm-outage-banner')?.getAttribute('data-status')).toBe('error');
    expect(q('crm-outage-text')?.textContent?.trim()).toBe('Bitrix24 sync has stopped: Token expired');
    expect(q('crm-outage-error')).toBeNull();
  });

  it('asks nothing and shows nothing to agents who are not admins', () => {
    create(ME);
    http.expectNone('/api/crm');
    socket.serverEmit('crm.status', { ...DEGRADED });
    http.expectNone('/api/crm');
    expect(q('crm-outage-banner')).toBeNull();
    expect(TestBed.inject(AuthService).user()?.role).toBe('manager');
  });
});
