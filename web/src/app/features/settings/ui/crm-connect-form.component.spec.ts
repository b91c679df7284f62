import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { CreateCrmRequest } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { CRM_TYPES_FIXTURE } from '../../../../testing/fixtures';
import { CrmConnectFormComponent } from './crm-connect-form.component';

describe(CrmConnectFormComponent.name, () => {
  let fixture: ComponentFixture<CrmConnectFormComponent>;
  let emitted: CreateCrmRequest[];

  async function render(lang: 'en' | 'ru' = 'en'): Promise<void> {
    localStorage.clear();
    TestBed.inject(I18nService).setLang(lang);
    fixture = TestBed.createComponent(CrmConnectFormComponent);
    fixture.componentRef.setInput('types', CRM_TYPES_FIXTURE);
    emitted = [];
    fixture.componentInstance.connect.subscribe((r) => emitted.push(r));
    await fixture.whenStable();
  }

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends Element = HTMLElement>(testId: string) => el().querySelector<T>(`[data-testid="${testId}"]`);

  async function choose(type: string): Promise<void> {
    const select = q<HTMLSelectElement>('crm-type')!;
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
    q<HTMLButtonElement>('crm-connect')!.click();
    await fixture.whenStable();
  }

  const settingInputs = () => Array.from(el().querySelectorAll<HTMLInputElement>('input[data-testid^="crm-setting-"]'));

  it('offers every CRM the server declares and generates its settings fields with hints', async () => {
    await render();
    const options = Array.from(q<HTMLSelectElement>('crm-type')!.options).map((o) => o.textContent?.trim());
    expect(options).toEqual(['amoCRM', 'Bitrix24']);
    expect(settingInputs().map((i) => [i.dataset['testid'], i.type])).toEqual([
      ['crm-setting-baseUrl', 'text'],
      ['crm-setting-accessToken', 'password'],
    ]);
    expect(el().querySelector('label[for="crm-setting-accessToken"]')?.textContent).toBe('Long-lived token');
    const hintId = q('crm-setting-accessToken')!.getAttribute('aria-describedby')!;
    expect(el().querySelector(`#${hintId}`)?.textContent).toBe(
      'amoCRM → Settings → Integrations → Create integration → Keys and access',
    );

    await choose('bitrix24');
    expect(settingInputs().map((i) => i.dataset['testid'])).toEqual([
      'crm-setting-webhookUrl',
      'crm-setting-applicationToken',
    ]);
    expect(el().textContent).toContain('Incoming webhook, with CRM scope');

    q<HTMLButtonElement>('crm-setting-webhookUrl-toggle')!.click();
    await fixture.whenStable();
    expect(q<HTMLInputElement>('crm-setting-webhookUrl')!.type).toBe('text');
  });

  it('labels and hints follow the interface language', async () => {
    await render('ru');
    expect(el().querySelector('label[for="crm-setting-accessToken"]')?.textContent).toBe('Долгосрочный токен');
    expect(el().textContent).toContain('Ключи и доступы');
  });

  it('checks required fields and patterns, then sends trimmed settings without blank optional ones', async () => {
    await render();
    await submit();
    expect(emitted).toEqual([]);
    expect(q('error-name')?.textContent).toBe('Required');
    expect(q('error-settings.accessToken')?.textContent).toBe('Required');

    await fill('crm-name', 'Sales CRM');
    await fill('crm-setting-baseUrl', 'http://nope');
    await fill('crm-setting-accessToken', ' tok ');
    await submit();
    expect(emitted).toEqual([]);
    expect(q('error-settings.baseUrl')?.textContent).toBe("This doesn't look right.");

    await fill('crm-setting-baseUrl', 'https://shop.amocrm.ru');
    await submit();
    expect(emitted).toEqual([
      { type: 'amocrm', name: 'Sales CRM', settings: { baseUrl: 'https://shop.amocrm.ru', accessToken: 'tok' } },
    ]);

    await choose('bitrix24');
    await fill('crm-setting-webhookUrl', 'https://b24.example/rest/1/abc/');
    await submit();
    expect(emitted[1]).toEqual({
      type: 'bitrix24',
      name: 'Sales CRM',
      settings: { webhookUrl: 'https://b24.example/rest/1/abc/' },
    });
  });

  it('shows the server’s field errors under their fields until edited, and locks while connecting', async () => {
    await render();
    fixture.componentRef.setInput('serverErrors', { 'settings.baseUrl': 'is not an amoCRM account' });
    fixture.componentRef.setInput('connecting', true);
    await fixture.whenStable();
    expect(q('error-settings.baseUrl')?.textContent).toBe('is not an amoCRM account');
    expect(q('crm-connecting')?.textContent).toContain('Checking with amoCRM…');
    expect(q<HTMLButtonElement>('crm-connect')!.disabled).toBe(true);
    expect(q<HTMLInputElement>('crm-setting-accessToken')!.disabled).toBe(true);

    fixture.componentRef.setInput('connecting', false);
    await fixture.whenStable();
    await fill('crm-setting-baseUrl', 'https://other.amocrm.ru');
    expect(q('error-settings.baseUrl')).toBeNull();
  });

  describe('two ways to connect', () => {
    const fieldIds = () =>
      Array.from(
        el().querySelectorAll<HTMLInputElement>('input[data-testid^="crm-setting-"], input[data-testid^="crm-oauth-"]'),
      ).map((i) => i.dataset['testid']);

    async function mode(value: 'token' | 'oauth'): Promise<void> {
      const radio = q('crm-mode')!.querySelector<HTMLInputElement>(`input[value="${value}"]`)!;
      radio.checked = true;
      radio.dispatchEvent(new Event('change'));
      await fixture.whenStable();
    }

    it('offers the token / webhook way first, and OAuth swaps the token for the app’s fields', async () => {
      await render();
      const radios = Array.from(q('crm-mode')!.querySelectorAll<HTMLInputElement>('input[type="radio"]'));
      expect(radios.map((r) => [r.value, r.checked, r.parentElement?.textContent?.trim()])).toEqual([
        ['token', true, 'Long-lived token'],
        ['oauth', false, 'OAuth app'],
      ]);
      expect(fieldIds()).toEqual(['crm-setting-baseUrl', 'crm-setting-accessToken']);
      expect(q('crm-oauth-help')).toBeNull();

      await mode('oauth');
      expect(fieldIds()).toEqual(['crm-setting-baseUrl', 'crm-oauth-clientId', 'crm-oauth-clientSecret']);
      expect(q<HTMLInputElement>('crm-oauth-clientSecret')!.type).toBe('password');
      expect(el().querySelector('label[for="crm-oauth-clientId"]')?.textContent).toBe('Integration ID');
      expect(q('crm-oauth-callback')?.textContent).toBe('http://localhost/api/crm/oauth/callback');

      await choose('bitrix24');
      expect(q('crm-mode')!.textContent).toContain('Incoming webhook');
      expect(fieldIds()).toEqual([
        'crm-setting-applicationToken',
        'crm-oauth-portal',
        'crm-oauth-clientId',
        'crm-oauth-clientSecret',
      ]);

      await mode('token');
      expect(fieldIds()).toEqual(['crm-setting-webhookUrl', 'crm-setting-applicationToken']);
    });

    it('checks the required fields of the chosen way only', async () => {
      await render();
      await fill('crm-name', 'Sales CRM');
      await submit();
      expect(q('error-settings.baseUrl')?.textContent).toBe('Required');
      expect(q('error-settings.accessToken')?.textContent).toBe('Required');
      expect(q<HTMLInputElement>('crm-setting-accessToken')!.getAttribute('aria-required')).toBe('true');

      await mode('oauth');
      expect(q('error-settings.accessToken')).toBeNull();
      expect(q('error-settings.baseUrl')?.textContent).toBe('Required');
      expect(q('error-settings.clientId')?.textContent).toBe('Required');
      expect(q('error-settings.clientSecret')?.textContent).toBe('Required');
      await fill('crm-setting-baseUrl', 'https://shop.amocrm.ru');
      await fill('crm-oauth-clientId', 'not-a-uuid');
      await fill('crm-oauth-clientSecret', 'secret');
      await submit();
      expect(emitted).toEqual([]);
      expect(q('error-settings.clientId')?.textContent).toBe("This doesn't look right.");

      await choose('bitrix24');
      await submit();
      expect(q('error-settings.portal')?.textContent).toBe('Required');
      expect(q('error-settings.applicationToken')).toBeNull();
      expect(q('error-settings.webhookUrl')).toBeNull();
      await mode('token');
      expect(q('error-settings.webhookUrl')?.textContent).toBe('Required');
      expect(q('error-settings.portal')).toBeNull();
    });

    it('sends only the chosen way’s values', async () => {
      await render();
      await fill('crm-name', 'Sales CRM');
      await fill('crm-setting-baseUrl', 'https://shop.amocrm.ru');
      await fill('crm-setting-accessToken', 'long-lived');
      await mode('oauth');
      await fill('crm-oauth-clientId', '0f8fad5b-d9cb-469f-a165-70867728950e');
      await fill('crm-oauth-clientSecret', ' app-secret ');
      await submit();
      expect(emitted).toEqual([
        {
          type: 'amocrm',
          name: 'Sales CRM',
          settings: {
            baseUrl: 'https://shop.amocrm.ru',
            clientId: '0f8fad5b-d9cb-469f-a165-70867728950e',
            clientSecret: 'app-secret',
          },
        },
      ]);

      await mode('token');
      await submit();
      expect(emitted[1]).toEqual({
        type: 'amocrm',
        name: 'Sales CRM',
        settings: { baseUrl: 'https://shop.amocrm.ru', accessToken: 'long-lived' },
      });

      await choose('bitrix24');
      await fill('crm-setting-webhookUrl', 'https://b24.example/rest/1/abc/');
      await mode('oauth');
      await fill('crm-setting-applicationToken', 'app-token');
      await fill('crm-oauth-portal', 'shop.bitrix24.ru');
      await fill('crm-oauth-clientId', 'local.1');
      await fill('crm-oauth-clientSecret', 'key');
      await submit();
      expect(emitted[2]).toEqual({
        type: 'bitrix24',
        name: 'Sales CRM',
        settings: {
          applicationToken: 'app-token',
          portal: 'shop.bitrix24.ru',
          clientId: 'local.1',
          clientSecret: 'key',
        },
      });
    });

    it('keeps a setting the OAuth way repeats once, under its settings test id', async () => {
      localStorage.clear();
      TestBed.inject(I18nService).setLang('en');
      fixture = TestBed.createComponent(CrmConnectFormComponent);
      const [, bitrix] = CRM_TYPES_FIXTURE;
      // The live server lists Bitrix24's application token among the OAuth fields too.
      fixture.componentRef.setInput('types', [
        { ...bitrix, oauthFields: [...bitrix!.oauthFields, bitrix!.settingsFields[1]!] },
      ]);
      await fixture.whenStable();
      await mode('oauth');
      expect(fieldIds()).toEqual([
        'crm-oauth-portal',
        'crm-oauth-clientId',
        'crm-oauth-clientSecret',
        'crm-setting-applicationToken',
      ]);
    });

    it('has no choice for a CRM without OAuth', async () => {
      localStorage.clear();
      TestBed.inject(I18nService).setLang('ru');
      fixture = TestBed.createComponent(CrmConnectFormComponent);
      fixture.componentRef.setInput('types', [{ ...CRM_TYPES_FIXTURE[0]!, oauthFields: [] }]);
      await fixture.whenStable();
      expect(q('crm-mode')).toBeNull();
      expect(fieldIds()).toEqual(['crm-setting-baseUrl', 'crm-setting-accessToken']);
    });

    it('names the ways in Russian', async () => {
      await render('ru');
      expect(q('crm-mode')!.textContent).toContain('Способ подключения');
      expect(q('crm-mode')!.textContent).toContain('Долгосрочный токен');
      expect(q('crm-mode')!.textContent).toContain('OAuth-приложение');
    });
  });
});
