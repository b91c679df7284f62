import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { FormatService } from '../../../core/i18n/format.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import type { OutgoingDraft } from '../data-access/conversation-thread.store';
import { ComposerComponent, TYPING_IDLE_MS } from './composer.component';

describe(ComposerComponent.name, () => {
  let fixture: ComponentFixture<ComposerComponent>;
  let sent: OutgoingDraft[];
  let typing: boolean[];

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(I18nService).setLang('en');
    fixture = TestBed.createComponent(ComposerComponent);
    fixture.componentRef.setInput('conversationId', 'c1');
    sent = [];
    typing = [];
    fixture.componentInstance.send.subscribe((d) => sent.push(d));
    fixture.componentInstance.typingChange.subscribe((t) => typing.push(t));
    await fixture.whenStable();
  });

  afterEach(() => jest.useRealTimers());

  const textarea = () => fixture.nativeElement.querySelector('[data-testid="composer-input"]') as HTMLTextAreaElement;
  const sendButton = () => fixture.nativeElement.querySelector('[data-testid="composer-send"]') as HTMLButtonElement;

  function type(value: string): void {
    textarea().value = value;
    textarea().dispatchEvent(new Event('input'));
  }

  function press(key: string, init: KeyboardEventInit = {}): KeyboardEvent {
    const event = new KeyboardEvent('keydown', { key, cancelable: true, bubbles: true, ...init });
    textarea().dispatchEvent(event);
    return event;
  }

  it('sends on Enter and clears the box', async () => {
    type('  Hello  ');
    const event = press('Enter');
    await fixture.whenStable();
    expect(event.defaultPrevented).toBe(true);
    expect(sent).toEqual([{ text: 'Hello', private: false, attachments: [] }]);
    expect(textarea().value).toBe('');
  });

  it('keeps Shift+Enter for a new line', () => {
    type('line one');
    const event = press('Enter', { shiftKey: true });
    expect(event.defaultPrevented).toBe(false);
    expect(sent).toEqual([]);
  });

  it('does not send blank text', async () => {
    type('   ');
    press('Enter');
    await fixture.whenStable();
    expect(sent).toEqual([]);
    expect(sendButton().disabled).toBe(true);
  });

  it('sends a private note when the toggle is on', async () => {
    (fixture.nativeElement.querySelector('[data-testid="composer-private"] input') as HTMLInputElement).click();
    await fixture.whenStable();
    expect(textarea().placeholder).toContain('private note');
    type('internal');
    await fixture.whenStable();
    sendButton().click();
    expect(sent).toEqual([{ text: 'internal', private: true, attachments: [] }]);
  });

  it('announces typing once while typing and stops after 3 s of quiet', () => {
    jest.useFakeTimers();
    type('h');
    type('he');
    type('hel');
    expect(typing).toEqual([true]);
    jest.advanceTimersByTime(TYPING_IDLE_MS - 1);
    expect(typing).toEqual([true]);
    jest.advanceTimersByTime(1);
    expect(typing).toEqual([true, false]);
  });

  it('stops typing when the message is sent', () => {
    type('hi');
    press('Enter');
    expect(typing).toEqual([true, false]);
  });

  it('leaves the box on Escape', () => {
    textarea().focus();
    expect(document.activeElement).toBe(textarea());
    press('Escape');
    expect(document.activeElement).not.toBe(textarea());
  });

  it('uploads picked files and sends their ids', async () => {
    const http = TestBed.inject(HttpTestingController);
    const picker = fixture.nativeElement.querySelector('[data-testid="composer-file"]') as HTMLInputElement;
    const file = new File(['x'], 'offer.pdf', { type: 'application/pdf' });
    Object.defineProperty(picker, 'files', { value: [file], configurable: true });
    picker.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    expect(sendButton().disabled).toBe(true);

    const req = http.expectOne('/api/uploads');
    expect((req.request.body as FormData).get('file')).toBeInstanceOf(File);
    const attachment = { id: 'att-1', name: 'offer.pdf', mimeType: 'application/pdf', size: 1, url: '/files/att-1' };
    req.flush(attachment);
    await fixture.whenStable();

    sendButton().click();
    expect(sent).toEqual([{ text: '', private: false, attachments: [attachment] }]);
  });

  describe('messaging window', () => {
    const NOW = Date.parse('2025-03-01T12:00:00.000Z');
    const q = (testId: string) =>
      fixture.nativeElement.querySelector(`[data-testid="${testId}"]`) as HTMLElement | null;

    async function setWindow(closesAt: string | null, open: boolean): Promise<void> {
      TestBed.inject(FormatService).now.set(NOW);
      fixture.componentRef.setInput('messagingWindow', { hours: 24, closesAt, open });
      fixture.componentRef.setInput('templateLanguage', 'ru');
      await fixture.whenStable();
    }

    it('shows no timer for channels without a window', () => {
      expect(q('window-timer')).toBeNull();
      expect(q('window-closed')).toBeNull();
    });

    it('counts down the time left as the clock ticks', async () => {
      await setWindow(new Date(NOW + (3 * 60 + 12) * 60_000).toISOString(), true);
      expect(q('window-timer')?.textContent?.trim()).toBe('Window closes in 3 h 12 min');

      TestBed.inject(FormatService).now.set(NOW + (3 * 60 + 2) * 60_000 + 30_000);
      await fixture.whenStable();
      expect(q('window-timer')?.textContent?.trim()).toBe('Window closes in 10 min');
      expect(textarea().disabled).toBe(false);
    });

    it('switches to the template form when the window closes on the clock', async () => {
      await setWindow(new Date(NOW + 60_000).toISOString(), true);
      expect(q('window-timer')?.textContent?.trim()).toBe('Window closes in 1 min');

      TestBed.inject(FormatService).now.set(NOW + 60_000);
      await fixture.whenStable();
      expect(q('window-timer')).toBeNull();
      expect(q('window-closed')?.textContent?.trim()).toBe(
        "The customer hasn't written for 24 hours: WhatsApp only allows approved templates now.",
      );
      expect(q('composer-input')).toBeNull();
      expect(q('composer-send')).toBeNull();
      expect(q('template-name')).not.toBeNull();
    });

    it('sends a template with its language and parameters', async () => {
      await setWindow('2025-03-01T09:00:00.000Z', false);
      const input = (testId: string, index = 0) =>
        fixture.nativeElement.querySelectorAll(`[data-testid="${testId}"]`)[index] as HTMLInputElement;
      const fill = (el: HTMLInputElement, value: string) => {
        el.value = value;
        el.dispatchEvent(new Event('input'));
      };
      expect(input('template-language').value).toBe('ru');
      expect((q('template-send') as HTMLButtonElement).disabled).toBe(true);

      fill(input('template-name'), ' order_update ');
      for (let i = 0; i < 3; i++) (q('template-param-add') as HTMLButtonElement).click();
      await fixture.whenStable();
      fill(input('template-param', 0), 'Ivan');
      fill(input('template-param', 1), 'drop me');
      fill(input('template-param', 2), '12345');
      (fixture.nativeElement.querySelectorAll('[data-testid="template-param-remove"]')[1] as HTMLButtonElement).click();
      await fixture.whenStable();
      expect(fixture.nativeElement.querySelectorAll('[data-testid="template-param"]')).toHaveLength(2);

      (q('template-send') as HTMLButtonElement).click();
      expect(sent).toEqual([
        {
          text: '',
          private: false,
          attachments: [],
          template: { name: 'order_update', language: 'ru', parameters: ['Ivan', '12345'] },
        },
      ]);
      await fixture.whenStable();
      expect(input('template-name').value).toBe('');
    });

    it('still takes private notes while the window is closed', async () => {
      await setWindow(null, false);
      (fixture.nativeElement.querySelector('[data-testid="composer-private"] input') as HTMLInputElement).click();
      await fixture.whenStable();
      expect(q('template-name')).toBeNull();
      type('for the team');
      await fixture.whenStable();
      sendButton().click();
      expect(sent).toEqual([{ text: 'for the team', private: true, attachments: [] }]);
    });
  });
});
