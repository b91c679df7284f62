import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { ActivatedRoute, Router, convertToParamMap, provideRouter } from '@angular/router';
import type { ChannelDto, CrmConnectionDto, UserDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ExternalNavigation } from '../../../core/navigation/external-navigation';
import { ToastService } from '../../../core/toast/toast.service';
import { CRM_TYPES_FIXTURE, PIPELINES_FIXTURE, crmConnection } from '../../../../testing/fixtures';
import { CrmSettingsComponent } from './crm-settings.component';

const CHANNELS: ChannelDto[] = [
  {
    id: 'ch-tg',
    type: 'telegram',
    name: 'Shop bot',
    status: 'active',
    accountName: '@shop_bot',
    mode: 'polling',
    statusMessage: null,
    createdAt: '2025-03-01T10:00:00.000Z',
  },
  {
    id: 'ch-wa',
    type: 'whatsapp',
    name: 'WhatsApp',
    status: 'active',
    accountName: '+7 900',
    mode: 'webhook',
    statusMessage: null,
    createdAt: '2025-03-01T10:00:00.000Z',
  },
];
const USERS: UserDto[] = [
  { id: 'u-anna', email: 'anna@shop.ru', name: 'Anna', role: 'manager' },
  { id: 'u-boris', email: 'boris@shop.ru', name: 'Boris', role: 'head' },
];
const CRM_USERS = [
  { id: 'cu-1', name: 'Anna K.', email: 'anna@amo' },
  { id: 'cu-2', name: 'Boris L.' },
];

describe(CrmSettingsComponent.name, () => {
  let fixture: ComponentFixture<CrmSettingsComponent>;
  let http: HttpTestingController;
  let assign: jest.Mock<void, [string]>;
  /** The page's query (`?connected=1`, `?error=…`), read once when the component starts. */
  let query: Record<string, string>;

  beforeEach(() => {
    localStorage.clear();
    assign = jest.fn();
    query = {};
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        {
          provide: ActivatedRoute,
          useValue: {
            snapshot: {
              get queryParamMap() {
                return convertToParamMap(query);
              },
            },
          },
        },
        { provide: ExternalNavigation, useValue: { assign } },
      ],
    });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
  });

  async function start(): Promise<void> {
    fixture = TestBed.createComponent(CrmSettingsComponent);
    await fixture.whenStable();
  }

  afterEach(() => {
    http.verify();
    jest.restoreAllMocks();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends Element = HTMLElement>(testId: string) => el().querySelector<T>(`[data-testid="${testId}"]`);

  async function change(testId: string, value: string | boolean): Promise<void> {
    const input = q<HTMLInputElement | HTMLSelectElement>(testId)!;
    if (typeof value === 'boolean') (input as HTMLInputElement).checked = value;
    else input.value = value;
    input.dispatchEvent(
      new Event(input instanceof HTMLSelectElement || typeof value === 'boolean' ? 'change' : 'input'),
    );
    await fixture.whenStable();
  }

  async function loadConnected(connection: CrmConnectionDto = crmConnection()): Promise<void> {
    http.expectOne('/api/crm').flush([connection]);
    await fixture.whenStable();
    http.expectOne(`/api/crm/${connection.id}/pipelines`).flush(PIPELINES_FIXTURE);
    http.expectOne(`/api/crm/${connection.id}/users`).flush(CRM_USERS);
    http.expectOne('/api/channels').flush(CHANNELS);
    http.expectOne('/api/users').flush(USERS);
    await fixture.whenStable();
  }

  async function connectAmo(): Promise<void> {
    http.expectOne('/api/crm').flush([]);
    await fixture.whenStable();
    http.expectOne('/api/crm/types').flush(CRM_TYPES_FIXTURE);
    await fixture.whenStable();
    await change('crm-name', 'Sales CRM');
    await change('crm-setting-baseUrl', 'https://shop.amocrm.ru');
    await change('crm-setting-accessToken', 'long-lived');
    q<HTMLButtonElement>('crm-connect')!.click();
    await fixture.whenStable();
  }

  describe('with no CRM connected', () => {
    beforeEach(start);

    it('connects through the generated form, shows the check in progress, then the connected card', async () => {
      await connectAmo();
      const req = http.expectOne({ method: 'POST', url: '/api/crm' });
      expect(req.request.body).toEqual({
        type: 'amocrm',
        name: 'Sales CRM',
        settings: { baseUrl: 'https://shop.amocrm.ru', accessToken: 'long-lived' },
      });
      expect(q('crm-connecting')?.textContent).toContain('Checking with amoCRM…');

      req.flush(crmConnection());
      await fixture.whenStable();
      await loadConnectedDetails();
      expect(q('crm-form')).toBeNull();
      expect(q('crm-status')?.textContent?.trim()).toBe('Active');
    });

    async function loadConnectedDetails(): Promise<void> {
      http.expectOne('/api/crm/crm-1/pipelines').flush(PIPELINES_FIXTURE);
      http.expectOne('/api/crm/crm-1/users').flush(CRM_USERS);
      http.expectOne('/api/channels').flush(CHANNELS);
      http.expectOne('/api/users').flush(USERS);
      await fixture.whenStable();
    }

    it('puts validation details under their settings fields', async () => {
      await connectAmo();
      http.expectOne('/api/crm').flush(
        {
          code: 'validation_failed',
          message: 'Invalid fields: settings.accessToken',
          details: [{ field: 'settings.accessToken', message: 'is too short' }],
        },
        { status: 400, statusText: 'Bad Request' },
      );
      await fixture.whenStable();
      expect(q('error-settings.accessToken')?.textContent).toBe('is too short');
      expect(q('crm-form-error')).toBeNull();
    });

    it('shows refused credentials at the top of the form, and toasts an unreachable CRM', async () => {
      const toast = jest.spyOn(TestBed.inject(ToastService), 'error');
      await connectAmo();
      http
        .expectOne('/api/crm')
        .flush(
          { code: 'invalid_credentials', message: 'amoCRM refused the token: 401 Unauthorized' },
          { status: 400, statusText: 'Bad Request' },
        );
      await fixture.whenStable();
      expect(q('crm-form-error')?.textContent).toContain('amoCRM refused the token: 401 Unauthorized');
      expect(toast).not.toHaveBeenCalled();

      q<HTMLButtonElement>('crm-connect')!.click();
      await fixture.whenStable();
      http
        .expectOne('/api/crm')
        .flush(
          { code: 'crm_unavailable', message: 'amoCRM did not answer' },
          { status: 502, statusText: 'Bad Gateway' },
        );
      await fixture.whenStable();
      expect(q('crm-form-error')?.textContent).toContain('amoCRM did not answer');
      expect(toast).toHaveBeenCalledWith('amoCRM did not answer');
    });
  });

  describe('with a CRM connected', () => {
    beforeEach(start);

    it('shows a CRM that is not answering: since when, why, and the changes waiting', async () => {
      await loadConnected(
        crmConnection({
          status: 'degraded',
          statusMessage: 'amoCRM answered HTTP 503',
          degradedSince: '2025-03-01T10:00:00.000Z',
          sync: { pending: 42, failed: 0, lastError: 'amoCRM answered HTTP 503', lastSyncedAt: null },
        }),
      );
      expect(q('crm-status')?.textContent?.trim()).toBe('Not answering');
      expect(q('crm-status')?.classList).toContain('status-pill--wait');
      expect(q('crm-status-message')?.textContent).toMatch(
        /^\s*Not answering since .+: changes wait and are retried\.\s+amoCRM answered HTTP 503\s*$/,
      );
      expect(q('crm-sync-pending')?.textContent?.trim()).toBe('42');
    });

    it('shows the account, an error status with its message, the webhook URL and what to do with it', async () => {
      const writeText = jest.fn().mockResolvedValue(undefined);
      Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
      await loadConnected(crmConnection({ status: 'error', statusMessage: 'Token expired' }));
      expect(q('crm-account')?.textContent).toBe('shop.amocrm.ru');
      expect(q('crm-status')?.textContent?.trim()).toBe('Error');
      expect(q('crm-status-message')?.textContent).toBe('Token expired');
      expect(q('crm-webhook-url')?.textContent).toBe('https://onebox.example/webhooks/crm/crm-1');
      expect(q('crm-webhook-help')?.textContent).toContain('amoCRM → Settings → Integrations → Webhooks');
      q<HTMLButtonElement>('crm-copy-webhook')!.click();
      expect(writeText).toHaveBeenCalledWith('https://onebox.example/webhooks/crm/crm-1');
    });

    it('preselects the main pipeline and its first open stage, and saves every edit in one PATCH', async () => {
      const toast = jest.spyOn(TestBed.inject(ToastService), 'success');
      await loadConnected();
      expect(q<HTMLSelectElement>('crm-pipeline')!.value).toBe('p-sales');
      const stageOptions = Array.from(q<HTMLSelectElement>('crm-stage')!.options).map((o) => o.textContent?.trim());
      expect(stageOptions).toEqual(['New lead', 'Negotiation']);
      expect(q<HTMLInputElement>('crm-channel-ch-tg')!.disabled).toBe(true);

      await change('crm-pipeline', 'p-partners');
      await change('crm-stage', 'pp-contract');
      await change('crm-auto-create', true);
      await change('crm-all-channels', false);
      await change('crm-channel-ch-wa', false);
      await change('crm-user-u-anna', 'cu-1');
      q<HTMLButtonElement>('crm-save')!.click();
      await fixture.whenStable();

      const req = http.expectOne({ method: 'PATCH', url: '/api/crm/crm-1' });
      expect(req.request.body).toEqual({
        pipelineId: 'p-partners',
        stageId: 'pp-contract',
        autoCreateDeal: true,
        channelIds: ['ch-tg'],
        userMap: { 'u-anna': 'cu-1' },
      });
      expect(q('crm-save')?.textContent?.trim()).toBe('Saving…');
      req.flush(
        crmConnection({
          pipelineId: 'p-partners',
          stageId: 'pp-contract',
          autoCreateDeal: true,
          channelIds: ['ch-tg'],
          userMap: { 'u-anna': 'cu-1' },
        }),
      );
      await fixture.whenStable();
      expect(toast).toHaveBeenCalledWith('CRM settings saved');
      expect(q<HTMLInputElement>('crm-channel-ch-wa')!.checked).toBe(false);
      expect(q<HTMLSelectElement>('crm-user-u-anna')!.value).toBe('cu-1');
    });

    it('keeps saved choices and sends an unmapped manager as absent', async () => {
      await loadConnected(
        crmConnection({
          pipelineId: 'p-sales',
          stageId: 's-talk',
          channelIds: ['ch-wa'],
          userMap: { 'u-boris': 'cu-2' },
        }),
      );
      expect(q<HTMLSelectElement>('crm-stage')!.value).toBe('s-talk');
      await change('crm-user-u-boris', '');
      q<HTMLButtonElement>('crm-save')!.click();
      const req = http.expectOne({ method: 'PATCH', url: '/api/crm/crm-1' });
      expect(req.request.body).toEqual({
        pipelineId: 'p-sales',
        stageId: 's-talk',
        autoCreateDeal: false,
        channelIds: ['ch-wa'],
        userMap: {},
      });
      req.flush(crmConnection());
    });

    it('shows the sync status and queues failed jobs again', async () => {
      await loadConnected(
        crmConnection({
          sync: {
            pending: 3,
            failed: 2,
            lastError: 'amoCRM: 429 Too Many Requests',
            lastSyncedAt: '2025-03-01T10:00:00.000Z',
          },
        }),
      );
      expect(q('crm-sync-pending')?.textContent?.trim()).toBe('3');
      expect(q('crm-sync-failed')?.textContent?.trim()).toBe('2');
      expect(q('crm-sync-error')?.textContent).toBe('amoCRM: 429 Too Many Requests');

      q<HTMLButtonElement>('crm-retry')!.click();
      await fixture.whenStable();
      expect(q<HTMLButtonElement>('crm-retry')!.disabled).toBe(true);
      http
        .expectOne({ method: 'POST', url: '/api/crm/crm-1/retry' })
        .flush(null, { status: 204, statusText: 'No Content' });
      await fixture.whenStable();
      http
        .expectOne({ method: 'GET', url: '/api/crm' })
        .flush([crmConnection({ sync: { pending: 5, failed: 0, lastError: null, lastSyncedAt: null } })]);
      await fixture.whenStable();
      expect(q('crm-sync-pending')?.textContent?.trim()).toBe('5');
      expect(q<HTMLButtonElement>('crm-retry')!.disabled).toBe(true);
    });

    it('disconnects after confirmation and offers the connect form again', async () => {
      await loadConnected();
      jest.spyOn(window, 'confirm').mockReturnValue(true);
      q<HTMLButtonElement>('crm-disconnect')!.click();
      http
        .expectOne({ method: 'DELETE', url: '/api/crm/crm-1' })
        .flush(null, { status: 204, statusText: 'No Content' });
      await fixture.whenStable();
      http.expectOne('/api/crm/types').flush(CRM_TYPES_FIXTURE);
      await fixture.whenStable();
      expect(q('crm-card')).toBeNull();
      expect(q('crm-type')).not.toBeNull();
    });
  });

  describe('OAuth', () => {
    /** A connection waiting for consent: the CRM cannot be asked for pipelines or users yet. */
    async function loadAuthorizing(connection: CrmConnectionDto): Promise<void> {
      http.expectOne('/api/crm').flush([connection]);
      await fixture.whenStable();
      http.expectNone('/api/crm/crm-1/pipelines');
      http.expectNone('/api/crm/crm-1/users');
      http.expectOne('/api/channels').flush(CHANNELS);
      http.expectOne('/api/users').flush(USERS);
      await fixture.whenStable();
    }

    it('connects with an OAuth app: sends only its settings, then goes to the CRM’s consent page', async () => {
      const success = jest.spyOn(TestBed.inject(ToastService), 'success');
      await start();
      http.expectOne('/api/crm').flush([]);
      await fixture.whenStable();
      http.expectOne('/api/crm/types').flush(CRM_TYPES_FIXTURE);
      await fixture.whenStable();
      await change('crm-name', 'Sales CRM');
      await change('crm-setting-accessToken', 'typed before switching');
      await change('crm-mode-oauth', true);
      await change('crm-setting-baseUrl', 'https://shop.amocrm.ru');
      await change('crm-oauth-clientId', '0f8fad5b-d9cb-469f-a165-70867728950e');
      await change('crm-oauth-clientSecret', 'app-secret');
      q<HTMLButtonElement>('crm-connect')!.click();
      await fixture.whenStable();

      const req = http.expectOne({ method: 'POST', url: '/api/crm' });
      expect(req.request.body).toEqual({
        type: 'amocrm',
        name: 'Sales CRM',
        settings: {
          baseUrl: 'https://shop.amocrm.ru',
          clientId: '0f8fad5b-d9cb-469f-a165-70867728950e',
          clientSecret: 'app-secret',
        },
      });
      expect(q('crm-connecting')?.textContent).toContain('Opening amoCRM…');
      req.flush(
        crmConnection({
          status: 'authorizing',
          accountName: '',
          authorizeUrl: 'https://shop.amocrm.ru/oauth?state=s1',
        }),
      );
      await fixture.whenStable();
      expect(assign).toHaveBeenCalledWith('https://shop.amocrm.ru/oauth?state=s1');
      expect(success).not.toHaveBeenCalled();
      http.expectNone('/api/crm/crm-1/pipelines');
      http.expectOne('/api/channels').flush(CHANNELS);
      http.expectOne('/api/users').flush(USERS);
      await fixture.whenStable();
      expect(q('crm-status')?.textContent?.trim()).toBe('Waiting for authorization');
      expect(q('crm-authorize')).not.toBeNull();
    });

    it('shows a connection waiting for consent, and its button fetches a fresh link and goes there', async () => {
      await start();
      await loadAuthorizing(crmConnection({ status: 'authorizing', accountName: '' }));
      expect(q('crm-status')?.textContent?.trim()).toBe('Waiting for authorization');
      expect(q('crm-status')?.dataset['status']).toBe('authorizing');
      expect(q('crm-authorizing-help')?.textContent).toContain('Grant Onebox access in amoCRM');
      expect(q('crm-authorize')?.textContent?.trim()).toBe('Authorize in amoCRM');

      q<HTMLButtonElement>('crm-authorize')!.click();
      await fixture.whenStable();
      expect(q<HTMLButtonElement>('crm-authorize')!.disabled).toBe(true);
      http
        .expectOne({ method: 'GET', url: '/api/crm/crm-1/authorize' })
        .flush({ authorizeUrl: 'https://shop.amocrm.ru/oauth?state=s2' });
      await fixture.whenStable();
      expect(assign).toHaveBeenCalledWith('https://shop.amocrm.ru/oauth?state=s2');
    });

    it('says "Ожидает авторизации" in Russian', async () => {
      TestBed.inject(I18nService).setLang('ru');
      await start();
      await loadAuthorizing(crmConnection({ type: 'bitrix24', status: 'authorizing', accountName: '' }));
      expect(q('crm-status')?.textContent?.trim()).toBe('Ожидает авторизации');
      expect(q('crm-authorize')?.textContent?.trim()).toBe('Авторизовать в Битрикс24');
    });

    it('offers authorizing again for a connection in error, and drops the button for a token connection (409 not_oauth)', async () => {
      const error = jest.spyOn(TestBed.inject(ToastService), 'error');
      await start();
      await loadConnected(crmConnection({ status: 'error', statusMessage: 'Access was revoked in amoCRM' }));
      expect(q('crm-status-message')?.textContent).toBe('Access was revoked in amoCRM');
      q<HTMLButtonElement>('crm-authorize')!.click();
      http
        .expectOne('/api/crm/crm-1/authorize')
        .flush(
          { code: 'not_oauth', message: 'This CRM is connected with a token, not OAuth' },
          { status: 409, statusText: 'Conflict' },
        );
      await fixture.whenStable();
      expect(q('crm-authorize')).toBeNull();
      expect(error).not.toHaveBeenCalled();
      expect(assign).not.toHaveBeenCalled();
    });

    it('toasts any other failure to get the link and keeps the button', async () => {
      const error = jest.spyOn(TestBed.inject(ToastService), 'error');
      await start();
      await loadAuthorizing(crmConnection({ status: 'authorizing', accountName: '' }));
      q<HTMLButtonElement>('crm-authorize')!.click();
      http
        .expectOne('/api/crm/crm-1/authorize')
        .flush({ code: 'internal', message: 'Something broke' }, { status: 500, statusText: 'Server Error' });
      await fixture.whenStable();
      expect(error).toHaveBeenCalledWith('Something broke');
      expect(q<HTMLButtonElement>('crm-authorize')!.disabled).toBe(false);
    });

    describe('back from the consent page', () => {
      it('toasts ?connected=1 and clears it from the address', async () => {
        query = { tab: 'crm', connected: '1' };
        const success = jest.spyOn(TestBed.inject(ToastService), 'success');
        const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
        await start();
        expect(success).toHaveBeenCalledWith('Access granted: the CRM is connected');
        expect(navigate).toHaveBeenCalledWith(
          [],
          expect.objectContaining({
            queryParams: { connected: null, error: null },
            queryParamsHandling: 'merge',
            replaceUrl: true,
          }),
        );
        await loadConnected();
        expect(q('crm-status')?.textContent?.trim()).toBe('Active');
        expect(q('crm-authorize')).toBeNull();
      });

      it('shows the text of ?error= and clears it', async () => {
        query = { tab: 'crm', error: 'amoCRM: the code has expired' };
        const error = jest.spyOn(TestBed.inject(ToastService), 'error');
        const success = jest.spyOn(TestBed.inject(ToastService), 'success');
        const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
        await start();
        expect(error).toHaveBeenCalledWith('amoCRM: the code has expired');
        expect(success).not.toHaveBeenCalled();
        expect(navigate).toHaveBeenCalledTimes(1);
        await loadConnected(
          crmConnection({ status: 'error', statusMessage: 'Authorization failed: the code has expired' }),
        );
        expect(q('crm-authorize')).not.toBeNull();
      });

      it('does nothing without those parameters', async () => {
        const navigate = jest.spyOn(TestBed.inject(Router), 'navigate');
        const success = jest.spyOn(TestBed.inject(ToastService), 'success');
        await start();
        expect(navigate).not.toHaveBeenCalled();
        expect(success).not.toHaveBeenCalled();
        http.expectOne('/api/crm').flush([]);
        http.expectOne('/api/crm/types').flush(CRM_TYPES_FIXTURE);
      });
    });
  });
});
