import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
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
});
