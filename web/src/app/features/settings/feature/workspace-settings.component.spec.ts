import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { WorkspaceSettingsDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { WorkspaceSettingsComponent } from './workspace-settings.component';

const SETTINGS: WorkspaceSettingsDto = {
  timeZone: 'Europe/Moscow',
  missedChatThresholdSec: 300,
  firstResponseTargetSec: 60,
  autoResolveHours: null,
  fcrWindowDays: 7,
  conversionWindowDays: 30,
  workingHours: null,
  afterHoursReply: { enabled: false, text: '' },
  costs: null,
  messageRetentionDays: null,
};

describe(WorkspaceSettingsComponent.name, () => {
  let fixture: ComponentFixture<WorkspaceSettingsComponent>;
  let http: HttpTestingController;

  async function render(settings: WorkspaceSettingsDto = SETTINGS, lang: 'en' | 'ru' = 'en'): Promise<void> {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(I18nService).setLang(lang);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(WorkspaceSettingsComponent);
    await fixture.whenStable();
    http.expectOne({ method: 'GET', url: '/api/workspace/settings' }).flush(settings);
    await fixture.whenStable();
  }

  afterEach(() => http.verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends HTMLElement = HTMLElement>(testId: string) =>
    el().querySelector(`[data-testid="${testId}"]`) as T;

  async function fill(testId: string, value: string): Promise<void> {
    const input = q<HTMLInputElement>(testId);
    input.value = value;
    input.dispatchEvent(new Event('input'));
    input.dispatchEvent(new Event('change'));
    await fixture.whenStable();
  }

  async function check(testId: string, checked = true): Promise<void> {
    const input = q<HTMLInputElement>(testId);
    input.checked = checked;
    input.dispatchEvent(new Event('change'));
    await fixture.whenStable();
  }

  async function save(): Promise<ReturnType<HttpTestingController['expectOne']>> {
    q<HTMLButtonElement>('ws-save').click();
    await fixture.whenStable();
    return http.expectOne({ method: 'PUT', url: '/api/workspace/settings' });
  }

  it('shows the stored settings', async () => {
    await render({ ...SETTINGS, autoResolveHours: 24, missedChatThresholdSec: 120 });
    expect(q<HTMLInputElement>('ws-missed-threshold').value).toBe('120');
    expect(q<HTMLInputElement>('ws-response-target').value).toBe('60');
    expect(q<HTMLInputElement>('ws-auto-resolve').value).toBe('24');
    expect(q<HTMLInputElement>('ws-retention').value).toBe('');
    expect(q<HTMLInputElement>('ws-time-zone').value).toBe('Europe/Moscow');
    expect(q<HTMLInputElement>('ws-hours-always').checked).toBe(true);
    expect(q('ws-hours')).toBeNull();
  });

  it('saves thresholds, a weekly schedule and the after-hours reply', async () => {
    await render();
    await fill('ws-missed-threshold', '120');
    await fill('ws-auto-resolve', '48');
    await fill('ws-retention', '365');
    await check('ws-hours-schedule');
    // Office hours to start with; Saturday opens 10:00–14:00, Friday closes.
    expect(q<HTMLInputElement>('ws-day-mon-open').checked).toBe(true);
    expect(q<HTMLInputElement>('ws-day-sat-open').checked).toBe(false);
    await check('ws-day-sat-open');
    await fill('ws-day-sat-from', '10:00');
    await fill('ws-day-sat-to', '14:00');
    await check('ws-day-fri-open', false);
    await check('ws-after-hours-enabled');
    await fill('ws-after-hours-text', 'We answer from 9:00');

    const req = await save();
    const office = [{ from: '09:00', to: '18:00' }];
    expect(req.request.body).toEqual({
      timeZone: 'Europe/Moscow',
      missedChatThresholdSec: 120,
      firstResponseTargetSec: 60,
      autoResolveHours: 48,
      fcrWindowDays: 7,
      conversionWindowDays: 30,
      workingHours: {
        mon: office,
        tue: office,
        wed: office,
        thu: office,
        fri: [],
        sat: [{ from: '10:00', to: '14:00' }],
        sun: [],
      },
      afterHoursReply: { enabled: true, text: 'We answer from 9:00' },
      messageRetentionDays: 365,
    });
    req.flush({ ...SETTINGS, missedChatThresholdSec: 120 });
    await fixture.whenStable();
  });

  it('turns auto-resolve off when the field is emptied', async () => {
    await render({ ...SETTINGS, autoResolveHours: 12 });
    await fill('ws-auto-resolve', '');
    const req = await save();
    expect(req.request.body.autoResolveHours).toBeNull();
    expect(req.request.body.workingHours).toBeNull();
    expect(req.request.body.messageRetentionDays).toBeNull();
    req.flush(SETTINGS);
  });

  it('shows the server’s field errors beside the fields', async () => {
    await render();
    await fill('ws-missed-threshold', '0');
    const req = await save();
    req.flush(
      {
        code: 'validation_failed',
        message: 'Invalid fields: missedChatThresholdSec',
        details: [{ field: 'missedChatThresholdSec', message: 'missedChatThresholdSec must not be less than 1' }],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(q('error-missedChatThresholdSec').textContent).toContain('must not be less than 1');
  });

  it('asks for the reply text before enabling the after-hours reply, without calling the server', async () => {
    await render();
    await check('ws-after-hours-enabled');
    q<HTMLButtonElement>('ws-save').click();
    await fixture.whenStable();
    expect(q('error-afterHoursReply.text').textContent).toContain('Write the reply text');
  });

  it('speaks Russian', async () => {
    await render(SETTINGS, 'ru');
    expect(el().querySelector('h2')!.textContent).toContain('Настройки пространства');
    expect(q('ws-save').textContent).toContain('Сохранить');
  });
});
