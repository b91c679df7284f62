import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { CannedResponseDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ME, signIn } from '../../../../testing/fixtures';
import type { OutgoingDraft } from '../data-access/conversation-thread.store';
import { ComposerComponent } from './composer.component';

function canned(id: string, title: string, shortcut: string | null, text: string): CannedResponseDto {
  return {
    id,
    title,
    shortcut,
    text,
    shared: false,
    ownerId: ME.id,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

const CANNED = [
  canned('cr-hello', 'Greeting', 'hello', 'Hello {{contact.name}}, this is {{manager.name}}!'),
  canned('cr-del', 'Delivery times', 'delivery', 'We deliver in 2 days.'),
  canned('cr-pay', 'Payment', 'pay', 'You can pay by card.'),
];

describe('Composer canned responses', () => {
  let fixture: ComponentFixture<ComposerComponent>;
  let http: HttpTestingController;
  let sent: OutgoingDraft[];

  beforeEach(async () => {
    localStorage.clear();
    signIn(ME);
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ComposerComponent);
    fixture.componentRef.setInput('conversationId', 'c1');
    fixture.componentRef.setInput('contactName', 'Ivan Petrov');
    sent = [];
    fixture.componentInstance.send.subscribe((d) => sent.push(d));
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const textarea = () => el().querySelector('[data-testid="composer-input"]') as HTMLTextAreaElement;
  const picker = () => el().querySelector('[data-testid="canned-picker"]');
  const options = () => Array.from(el().querySelectorAll<HTMLElement>('[data-testid="canned-option"]'));
  const titles = () => options().map((o) => o.querySelector('.option__title')?.textContent?.trim());

  async function type(value: string): Promise<void> {
    textarea().value = value;
    textarea().dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  async function press(key: string): Promise<KeyboardEvent> {
    const event = new KeyboardEvent('keydown', { key, cancelable: true, bubbles: true });
    textarea().dispatchEvent(event);
    await fixture.whenStable();
    return event;
  }

  async function openWithList(value = '/'): Promise<void> {
    await type(value);
    http.expectOne('/api/canned-responses').flush(CANNED);
    await fixture.whenStable();
  }

  it('opens on / at the start and lists the responses', async () => {
    await openWithList();
    expect(picker()).not.toBeNull();
    expect(titles()).toEqual(['Greeting', 'Delivery times', 'Payment']);
  });

  it('opens after a space but not inside a word', async () => {
    await type('see http://x');
    expect(picker()).toBeNull();
    await openWithList('Sure /');
    expect(picker()).not.toBeNull();
  });

  it('filters by shortcut and title as the agent types', async () => {
    await openWithList();
    await type('/del');
    expect(titles()).toEqual(['Delivery times']);
    await type('/pay');
    expect(titles()).toEqual(['Payment']);
    await type('/greet');
    expect(titles()).toEqual(['Greeting']);
    await type('/zzz');
    expect(options()).toHaveLength(0);
    expect(el().querySelector('[data-testid="canned-empty"]')?.textContent).toContain('No canned responses match');
  });

  it('inserts with placeholders filled on Enter, and the next send carries the id', async () => {
    await openWithList('Hi! /hel');
    const enter = await press('Enter');
    expect(enter.defaultPrevented).toBe(true);
    expect(sent).toEqual([]);
    expect(picker()).toBeNull();
    expect(textarea().value).toBe('Hi! Hello Ivan Petrov, this is Mia Agent!');

    await press('Enter');
    expect(sent).toEqual([
      {
        text: 'Hi! Hello Ivan Petrov, this is Mia Agent!',
        private: false,
        attachments: [],
        cannedResponseId: 'cr-hello',
      },
    ]);

    // Only the next send: the one after it carries no id.
    await type('Anything else?');
    await press('Enter');
    expect(sent[1]).toEqual({ text: 'Anything else?', private: false, attachments: [] });
  });

  it('moves with the arrows and inserts on click', async () => {
    await openWithList();
    await press('ArrowDown');
    expect(options()[1].getAttribute('aria-selected')).toBe('true');
    await press('ArrowDown');
    await press('ArrowUp');
    expect(options()[1].classList).toContain('option--on');
    await press('Enter');
    expect(textarea().value).toBe('We deliver in 2 days.');

    await type('');
    await openWithList('/');
    options()[2].click();
    await fixture.whenStable();
    expect(textarea().value).toBe('You can pay by card.');
  });

  it('forgets the canned response when the text is cleared', async () => {
    await openWithList('/pay');
    await press('Enter');
    await type('');
    await type('typed by hand');
    await press('Enter');
    expect(sent).toEqual([{ text: 'typed by hand', private: false, attachments: [] }]);
  });

  it('closes on Escape without leaving the box, and stays closed for that /', async () => {
    await openWithList('/de');
    textarea().focus();
    const esc = await press('Escape');
    expect(esc.defaultPrevented).toBe(true);
    expect(picker()).toBeNull();
    expect(document.activeElement).toBe(textarea());
    await type('/del');
    expect(picker()).toBeNull();
    // Enter now sends what was typed.
    await press('Enter');
    expect(sent).toEqual([{ text: '/del', private: false, attachments: [] }]);
  });
});
