import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { ChannelDto, CrmConnectionDto, UserDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
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

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(CrmSettingsComponent);
    await fixture.whenStable();
  });

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
});
