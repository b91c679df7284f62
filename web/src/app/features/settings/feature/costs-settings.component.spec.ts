import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { ChannelDto, CostSettings, UserDto, WorkspaceSettingsDto } from '@onebox/contracts';
import { WORKSPACE_SETTINGS_DEFAULTS } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ToastService } from '../../../core/toast/toast.service';
import { CostsSettingsComponent } from './costs-settings.component';

const MIA = '11111111-1111-4111-8111-111111111111';
const BORIS = '22222222-2222-4222-8222-222222222222';
const TG = '33333333-3333-4333-8333-333333333333';
const SITE = '44444444-4444-4444-8444-444444444444';

const USERS: UserDto[] = [
  { id: MIA, email: 'mia@onebox.local', name: 'Mia Agent', role: 'manager' },
  { id: BORIS, email: 'boris@onebox.local', name: 'Boris Head', role: 'head' },
];
const CHANNELS: ChannelDto[] = [
  { id: TG, type: 'telegram', name: 'Sales bot', status: 'active', createdAt: '2025-03-01T10:00:00.000Z' },
  { id: SITE, type: 'webchat', name: 'Website', status: 'active', createdAt: '2025-03-01T10:00:00.000Z' },
];
const COSTS: CostSettings = { currency: 'RUB', managerHourly: { [MIA]: '900.00' }, channelMonthly: { [TG]: '3000' } };

function settings(costs: CostSettings | null): WorkspaceSettingsDto {
  return { ...WORKSPACE_SETTINGS_DEFAULTS, timeZone: 'Europe/Moscow', costs };
}

describe(CostsSettingsComponent.name, () => {
  let fixture: ComponentFixture<CostsSettingsComponent>;
  let http: HttpTestingController;

  async function render(costs: CostSettings | null, lang: 'en' | 'ru' = 'en'): Promise<void> {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(I18nService).setLang(lang);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(CostsSettingsComponent);
    await fixture.whenStable();
    http.expectOne({ method: 'GET', url: '/api/workspace/settings' }).flush(settings(costs));
    http.expectOne({ method: 'GET', url: '/api/users' }).flush(USERS);
    http.expectOne({ method: 'GET', url: '/api/channels' }).flush(CHANNELS);
    await fixture.whenStable();
  }

  afterEach(() => {
    http.verify();
    jest.restoreAllMocks();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends HTMLElement = HTMLElement>(testId: string) =>
    el().querySelector(`[data-testid="${testId}"]`) as T | null;

  async function fill(testId: string, value: string): Promise<void> {
    const input = q<HTMLInputElement>(testId)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  async function click(testId: string): Promise<void> {
    q(testId)!.click();
    await fixture.whenStable();
  }

  async function save(): Promise<TestRequest> {
    await click('costs-save');
    return http.expectOne({ method: 'PUT', url: '/api/workspace/settings' });
  }

  it('shows the stored costs: currency, each user’s hourly and each channel’s monthly amount', async () => {
    await render(COSTS);
    expect(q<HTMLInputElement>('costs-currency')!.value).toBe('RUB');
    const rows = (testId: string) =>
      Array.from(el().querySelectorAll(`[data-testid=${testId}]`)).map((tr) => [
        tr.querySelector('td')!.textContent!.trim(),
        tr.querySelector('input')!.value,
      ]);
    // Sorted by name; a user or channel without a cost shows an empty field.
    expect(rows('costs-user')).toEqual([
      ['Boris Head', ''],
      ['Mia Agent', '900.00'],
    ]);
    expect(rows('costs-channel')).toEqual([
      ['Sales bot', '3000'],
      ['Website', ''],
    ]);
    expect(q('costs-managers')!.querySelector('th.num')!.textContent).toContain('Cost per hour online, RUB');
    expect(q('costs-none')).toBeNull();
  });

  it('saves exactly the costs key: typed amounts normalised, empty fields left out', async () => {
    await render(COSTS);
    const toast = jest.spyOn(TestBed.inject(ToastService), 'success');
    await fill('costs-currency', 'usd');
    await fill(`costs-hourly-${BORIS}`, '1 200,5');
    await fill(`costs-hourly-${MIA}`, '');
    await fill(`costs-monthly-${SITE}`, ' 500 ');

    const req = await save();
    expect(req.request.body).toEqual({
      costs: { currency: 'USD', managerHourly: { [BORIS]: '1200.5' }, channelMonthly: { [TG]: '3000', [SITE]: '500' } },
    });
    expect(q<HTMLButtonElement>('costs-save')!.disabled).toBe(true);
    expect(q('costs-save')!.textContent).toContain('Saving…');
    const saved: CostSettings = {
      currency: 'USD',
      managerHourly: { [BORIS]: '1200.50' },
      channelMonthly: { [TG]: '3000.00', [SITE]: '500.00' },
    };
    req.flush(settings(saved));
    await fixture.whenStable();
    expect(toast).toHaveBeenCalledWith('Costs saved');
    expect(q<HTMLButtonElement>('costs-save')!.disabled).toBe(false);
    expect(q<HTMLInputElement>(`costs-hourly-${BORIS}`)!.value).toBe('1200.50');
  });

  it('shows the server’s 400 beside the field, naming the row instead of its id', async () => {
    await render(COSTS);
    const toastError = jest.spyOn(TestBed.inject(ToastService), 'error');
    await fill(`costs-hourly-${BORIS}`, '12.345');
    const req = await save();
    const message = `managerHourly: ${BORIS}: the amount must be a decimal string such as "1500.00"`;
    req.flush(
      {
        code: 'validation_failed',
        message: 'Invalid fields: costs.managerHourly',
        details: [{ field: 'costs.managerHourly', message }],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(q('error-costs.managerHourly')!.textContent!.trim()).toBe(
      '"Boris Head": the amount must be a decimal string such as "1500.00"',
    );
    expect(q(`costs-hourly-${BORIS}`)!.getAttribute('aria-invalid')).toBe('true');
    expect(q(`costs-hourly-${MIA}`)!.getAttribute('aria-invalid')).toBe('false');
    expect(q('error-costs.channelMonthly')).toBeNull();
    expect(toastError).not.toHaveBeenCalled();
    // What the admin typed stays for them to fix.
    expect(q<HTMLInputElement>(`costs-hourly-${BORIS}`)!.value).toBe('12.345');
    expect(q<HTMLButtonElement>('costs-save')!.disabled).toBe(false);
  });

  it('shows a bad currency beside the currency field', async () => {
    await render(COSTS);
    await fill('costs-currency', 'RU');
    const req = await save();
    expect(req.request.body.costs.currency).toBe('RU');
    req.flush(
      {
        code: 'validation_failed',
        message: 'Invalid fields: costs.currency',
        details: [{ field: 'costs.currency', message: 'currency must be a three-letter ISO 4217 code such as RUB' }],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(q('error-costs.currency')!.textContent).toContain('three-letter ISO 4217 code');
  });

  it('starts from the "no costs" state and sets costs up', async () => {
    await render(null);
    expect(q('costs-none')!.textContent).toContain('No costs set');
    expect(q('costs-form')).toBeNull();
    await click('costs-set-up');
    expect(q<HTMLInputElement>('costs-currency')!.value).toBe('RUB');
    expect(q('costs-clear')).toBeNull();
    await fill(`costs-monthly-${TG}`, '3000');
    const req = await save();
    expect(req.request.body).toEqual({
      costs: { currency: 'RUB', managerHourly: {}, channelMonthly: { [TG]: '3000' } },
    });
    req.flush(settings({ currency: 'RUB', managerHourly: {}, channelMonthly: { [TG]: '3000.00' } }));
    await fixture.whenStable();
    expect(q('costs-clear')).not.toBeNull();
  });

  it('cancels setting up without calling the server', async () => {
    await render(null);
    await click('costs-set-up');
    await click('costs-cancel');
    expect(q('costs-none')).not.toBeNull();
  });

  it('removes the costs after a confirmation: PUT costs null', async () => {
    await render(COSTS);
    const confirm = jest.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    const toast = jest.spyOn(TestBed.inject(ToastService), 'success');
    await click('costs-clear');
    http.expectNone({ method: 'PUT', url: '/api/workspace/settings' });
    await click('costs-clear');
    expect(confirm).toHaveBeenCalledWith('Remove all costs? Cost per chat and ROI disappear from the dashboard.');
    const req = http.expectOne({ method: 'PUT', url: '/api/workspace/settings' });
    expect(req.request.body).toEqual({ costs: null });
    req.flush(settings(null));
    await fixture.whenStable();
    expect(toast).toHaveBeenCalledWith('Costs removed');
    expect(q('costs-none')).not.toBeNull();
  });

  it('speaks Russian', async () => {
    await render(COSTS, 'ru');
    expect(el().querySelector('h2')!.textContent).toContain('Затраты на команду');
    expect(q('costs-save')!.textContent).toContain('Сохранить затраты');
    expect(q('costs-channels')!.querySelector('th.num')!.textContent).toContain('Стоимость в месяц, RUB');
  });
});
