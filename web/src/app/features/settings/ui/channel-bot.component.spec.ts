import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { BotSettings } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ChannelBotComponent } from './channel-bot.component';

const STORED: BotSettings = {
  enabled: true,
  greeting: null,
  rules: [{ id: 'r-1', phrases: ['доставка', 'delivery'], answer: '1–3 дня' }],
  handoffPhrases: ['оператор', 'human'],
  fallbackText: 'Не понял',
  handoffText: 'Зову менеджера',
};

describe('ChannelBotComponent', () => {
  let fixture: ComponentFixture<ChannelBotComponent>;
  let http: HttpTestingController;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ChannelBotComponent);
    fixture.componentRef.setInput('channelId', 'ch-1');
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const el = () => fixture.nativeElement as HTMLElement;

  async function open(): Promise<void> {
    const details = el().querySelector('details')!;
    details.open = true;
    details.dispatchEvent(new Event('toggle'));
    http.expectOne('/api/channels/ch-1/bot').flush(STORED);
    await fixture.whenStable();
  }

  it('loads only when opened and shows the rules', async () => {
    http.expectNone('/api/channels/ch-1/bot');
    await open();
    expect(el().querySelector('summary')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('FAQ bot · on');
    const phrases = el().querySelector<HTMLInputElement>('[data-testid="bot-rule-phrases"]')!;
    expect(phrases.value).toBe('доставка, delivery');
  });

  it('saves rules with phrases split on commas and shows field errors', async () => {
    await open();
    (el().querySelector('[data-testid="bot-add-rule"]') as HTMLButtonElement).click();
    await fixture.whenStable();
    const inputs = el().querySelectorAll<HTMLInputElement>('[data-testid="bot-rule-phrases"]');
    inputs[1].value = ' цена , price,';
    inputs[1].dispatchEvent(new Event('input'));
    await fixture.whenStable();
    (el().querySelector('[data-testid="bot-save"]') as HTMLButtonElement).click();
    const req = http.expectOne({ method: 'PUT', url: '/api/channels/ch-1/bot' });
    expect(req.request.body).toMatchObject({
      enabled: true,
      rules: [
        { id: 'r-1', phrases: ['доставка', 'delivery'], answer: '1–3 дня' },
        { phrases: ['цена', 'price'], answer: '' },
      ],
      handoffPhrases: ['оператор', 'human'],
    });
    req.flush(
      {
        code: 'validation_failed',
        message: 'bad',
        details: [{ field: 'rules[1].answer', message: 'must be a non-empty string' }],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(el().textContent).toContain('must be a non-empty string');
  });
});
