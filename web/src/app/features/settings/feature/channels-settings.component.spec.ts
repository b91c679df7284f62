import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { ChannelDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ToastService } from '../../../core/toast/toast.service';
import { BOT_TOKEN, CHANNEL_TYPES_FIXTURE } from '../../../../testing/fixtures';
import { ChannelsSettingsComponent } from './channels-settings.component';

function channel(id: string, patch: Partial<ChannelDto> = {}): ChannelDto {
  return {
    id,
    type: 'telegram',
    name: `Channel ${id}`,
    status: 'active',
    accountName: '@shop_bot',
    mode: 'polling',
    statusMessage: null,
    createdAt: '2025-03-01T10:00:00.000Z',
    ...patch,
  };
}

describe(ChannelsSettingsComponent.name, () => {
  let fixture: ComponentFixture<ChannelsSettingsComponent>;
  let http: HttpTestingController;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ChannelsSettingsComponent);
    await fixture.whenStable();
  });

  afterEach(() => {
    http.verify();
    jest.restoreAllMocks();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends Element = HTMLElement>(testId: string, root: Element = el()) =>
    root.querySelector<T>(`[data-testid="${testId}"]`);

  async function load(channels: ChannelDto[] = []): Promise<void> {
    http.expectOne('/api/channels/types').flush(CHANNEL_TYPES_FIXTURE);
    http.expectOne('/api/channels').flush(channels);
    await fixture.whenStable();
  }

  async function fillTelegram(): Promise<void> {
    const select = q<HTMLSelectElement>('channel-type')!;
    select.value = 'telegram';
    select.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    for (const [testId, value] of [
      ['channel-name', 'Shop bot'],
      ['credential-botToken', BOT_TOKEN],
    ]) {
      const input = q<HTMLInputElement>(testId)!;
      input.value = value;
      input.dispatchEvent(new Event('input'));
    }
    await fixture.whenStable();
    q<HTMLButtonElement>('channel-connect')!.click();
    await fixture.whenStable();
  }

  it('shows each channel with its account, status and how updates arrive', async () => {
    await load([
      channel('tg'),
      channel('wa', {
        type: 'whatsapp',
        accountName: '+7 900 000-00-00',
        mode: 'webhook',
        webhookUrl: 'https://onebox.example/webhooks/whatsapp/wa',
        status: 'error',
        statusMessage: 'Access token expired',
      }),
    ]);
    const [tg, wa] = Array.from(el().querySelectorAll('[data-testid="channel-item"]'));
    expect(q('channel-account', tg)?.textContent).toBe('@shop_bot');
    expect(q('channel-status', tg)?.textContent?.trim()).toBe('Connected');
    expect(q('channel-mode', tg)?.textContent).toContain('Long polling');
    expect(q('channel-webhook-url', tg)).toBeNull();
    expect(q('whatsapp-note', tg)).toBeNull();

    expect(q('channel-status', wa)?.textContent?.trim()).toBe('Error');
    expect(q('channel-status-message', wa)?.textContent).toBe('Access token expired');
    expect(q('channel-webhook-url', wa)?.textContent).toBe('https://onebox.example/webhooks/whatsapp/wa');
    expect(q('whatsapp-note', wa)?.textContent).toContain("Meta's app dashboard (WhatsApp → Configuration)");
  });

  it('copies the webhook URL', async () => {
    const writeText = jest.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await load([channel('tg', { mode: 'webhook', webhookUrl: 'https://onebox.example/hook' })]);
    q<HTMLButtonElement>('copy-webhook')!.click();
    expect(writeText).toHaveBeenCalledWith('https://onebox.example/hook');
  });

  it('connects a channel, showing the check in progress, and lists it first', async () => {
    await load([channel('old')]);
    await fillTelegram();
    const req = http.expectOne({ method: 'POST', url: '/api/channels' });
    expect(req.request.body).toEqual({ type: 'telegram', name: 'Shop bot', credentials: { botToken: BOT_TOKEN } });
    expect(q('channel-connecting')?.textContent).toContain('Checking with Telegram…');

    req.flush(channel('new', { name: 'Shop bot' }));
    await fixture.whenStable();
    expect(q('channel-connecting')).toBeNull();
    const names = Array.from(el().querySelectorAll('[data-testid="channel-item"] strong')).map((s) => s.textContent);
    expect(names).toEqual(['Shop bot', 'Channel old']);
    expect(q<HTMLInputElement>('credential-botToken')!.value).toBe('');
  });

  it('puts validation details under their fields', async () => {
    await load();
    await fillTelegram();
    http.expectOne('/api/channels').flush(
      {
        code: 'validation_failed',
        message: 'Invalid fields: credentials.botToken',
        details: [{ field: 'credentials.botToken', message: 'does not look right' }],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(q('error-credentials.botToken')?.textContent).toBe('does not look right');
    expect(q('channel-form-error')).toBeNull();
  });

  it('shows refused credentials at the top of the form', async () => {
    const toast = jest.spyOn(TestBed.inject(ToastService), 'error');
    await load();
    await fillTelegram();
    http.expectOne('/api/channels').flush(
      {
        code: 'invalid_credentials',
        message: 'Telegram refused these credentials: Unauthorized',
        details: [{ field: 'credentials', message: 'Unauthorized' }],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(q('channel-form-error')?.textContent).toContain('Telegram refused these credentials: Unauthorized');
    expect(toast).not.toHaveBeenCalled();
  });

  it('toasts and shows an unreachable platform', async () => {
    const toast = jest.spyOn(TestBed.inject(ToastService), 'error');
    await load();
    await fillTelegram();
    const message = 'Could not set up the Telegram channel: timeout';
    http
      .expectOne('/api/channels')
      .flush({ code: 'platform_unavailable', message }, { status: 502, statusText: 'Bad Gateway' });
    await fixture.whenStable();
    expect(q('channel-form-error')?.textContent).toContain(message);
    expect(toast).toHaveBeenCalledWith(message);
  });

  it('disconnects a channel after confirmation', async () => {
    await load([channel('tg'), channel('wa', { type: 'whatsapp' })]);
    const confirm = jest.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);

    q<HTMLButtonElement>('channel-delete')!.click();
    http.expectNone('/api/channels/tg');
    expect(confirm).toHaveBeenCalledWith('Disconnect channel "Channel tg"? Its conversations stay in the inbox.');

    q<HTMLButtonElement>('channel-delete')!.click();
    http
      .expectOne({ method: 'DELETE', url: '/api/channels/tg' })
      .flush(null, { status: 204, statusText: 'No Content' });
    await fixture.whenStable();
    expect(el().querySelectorAll('[data-testid="channel-item"]')).toHaveLength(1);
  });
});
