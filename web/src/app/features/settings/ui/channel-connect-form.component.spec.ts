import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { ChannelTypeDto, CreateChannelRequest } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { BOT_TOKEN, CHANNEL_TYPES_FIXTURE } from '../../../../testing/fixtures';
import { ChannelConnectFormComponent, credentialProblem } from './channel-connect-form.component';

describe(ChannelConnectFormComponent.name, () => {
  let fixture: ComponentFixture<ChannelConnectFormComponent>;
  let emitted: CreateChannelRequest[];

  async function render(types: ChannelTypeDto[] = CHANNEL_TYPES_FIXTURE, lang: 'en' | 'ru' = 'en'): Promise<void> {
    localStorage.clear();
    TestBed.inject(I18nService).setLang(lang);
    fixture = TestBed.createComponent(ChannelConnectFormComponent);
    fixture.componentRef.setInput('types', types);
    emitted = [];
    fixture.componentInstance.connect.subscribe((r) => emitted.push(r));
    await fixture.whenStable();
  }

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends Element = HTMLElement>(testId: string) => el().querySelector<T>(`[data-testid="${testId}"]`);

  async function choose(type: string): Promise<void> {
    const select = q<HTMLSelectElement>('channel-type')!;
    select.value = type;
    select.dispatchEvent(new Event('change'));
    await fixture.whenStable();
  }

  async function fill(testId: string, value: string): Promise<void> {
    const input = q<HTMLInputElement>(testId)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  async function submit(): Promise<void> {
    q<HTMLButtonElement>('channel-connect')!.click();
    await fixture.whenStable();
  }

  it('offers every type the server declares and starts with the first', async () => {
    await render();
    const options = Array.from(q<HTMLSelectElement>('channel-type')!.options).map((o) => o.textContent?.trim());
    expect(options).toEqual(['Website chat', 'Telegram', 'WhatsApp', 'MAX']);
    expect(el().querySelectorAll('[data-testid^="credential-"]')).toHaveLength(0);
  });

  it('generates one input per credential field, secrets masked with a show toggle and hints below', async () => {
    await render();
    await choose('whatsapp');
    const inputs = Array.from(el().querySelectorAll<HTMLInputElement>('input[data-testid^="credential-"]'));
    expect(inputs.map((i) => i.dataset['testid'])).toEqual([
      'credential-phoneNumberId',
      'credential-accessToken',
      'credential-appSecret',
      'credential-verifyToken',
    ]);
    expect(inputs.map((i) => i.type)).toEqual(['text', 'password', 'password', 'password']);
    expect(el().querySelector('label[for="credential-phoneNumberId"]')?.textContent).toBe('Phone number ID');
    expect(q('credential-phoneNumberId-toggle')).toBeNull();
    const hintId = q('credential-phoneNumberId')!.getAttribute('aria-describedby')!;
    expect(el().querySelector(`#${hintId}`)?.textContent).toContain('WhatsApp Manager → API Setup');

    q<HTMLButtonElement>('credential-accessToken-toggle')!.click();
    await fixture.whenStable();
    expect(q<HTMLInputElement>('credential-accessToken')!.type).toBe('text');
    expect(q('credential-accessToken-toggle')!.getAttribute('aria-pressed')).toBe('true');
  });

  it('labels and hints follow the interface language', async () => {
    await render(CHANNEL_TYPES_FIXTURE, 'ru');
    await choose('telegram');
    expect(el().querySelector('label[for="credential-botToken"]')?.textContent).toBe('Токен бота');
    expect(el().textContent).toContain('Получите его у @BotFather');
  });

  it('checks required fields and the declared pattern before sending', async () => {
    await render();
    await choose('telegram');
    await submit();
    expect(emitted).toEqual([]);
    expect(q('error-name')?.textContent).toBe('Required');
    expect(q('error-credentials.botToken')?.textContent).toBe('Required');

    await fill('channel-name', 'Shop bot');
    await fill('credential-botToken', 'not-a-token');
    await submit();
    expect(emitted).toEqual([]);
    expect(q('error-credentials.botToken')?.textContent).toBe("This doesn't look right.");
    expect(q('credential-botToken')!.getAttribute('aria-invalid')).toBe('true');

    await fill('credential-botToken', ` ${BOT_TOKEN} `);
    expect(q('error-credentials.botToken')).toBeNull();
    await submit();
    expect(emitted).toEqual([{ type: 'telegram', name: 'Shop bot', credentials: { botToken: BOT_TOKEN } }]);
  });

  it('shows the server’s field errors under their fields until the field is edited', async () => {
    await render();
    await choose('telegram');
    fixture.componentRef.setInput('serverErrors', { 'credentials.botToken': 'does not look right' });
    await fixture.whenStable();
    expect(q('error-credentials.botToken')?.textContent).toBe('does not look right');

    await fill('credential-botToken', BOT_TOKEN);
    expect(q('error-credentials.botToken')).toBeNull();
  });

  it('shows a form-level error at the top', async () => {
    await render();
    fixture.componentRef.setInput('formError', 'Telegram refused these credentials: Unauthorized');
    await fixture.whenStable();
    const top = q('channel-form-error')!;
    expect(top.textContent).toContain('Telegram refused these credentials: Unauthorized');
    expect(top.compareDocumentPosition(q('channel-type')!) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('locks the form and says who it is asking while connecting', async () => {
    await render();
    await choose('telegram');
    fixture.componentRef.setInput('connecting', true);
    await fixture.whenStable();
    expect(q('channel-connecting')?.textContent).toContain('Checking with Telegram…');
    expect(q<HTMLButtonElement>('channel-connect')!.disabled).toBe(true);
    expect(q<HTMLInputElement>('credential-botToken')!.disabled).toBe(true);
  });
});

describe(credentialProblem.name, () => {
  const field = CHANNEL_TYPES_FIXTURE[1].credentialFields[0];

  it('accepts a blank optional field and refuses a blank required one', () => {
    expect(credentialProblem({ ...field, required: false }, '  ')).toBeNull();
    expect(credentialProblem(field, '  ')).toBe('required');
  });

  it('tests the trimmed value against the pattern and leaves a broken pattern to the server', () => {
    expect(credentialProblem(field, ` ${BOT_TOKEN} `)).toBeNull();
    expect(credentialProblem(field, '123:short')).toBe('pattern');
    expect(credentialProblem({ ...field, pattern: '(' }, 'abc')).toBeNull();
  });
});
