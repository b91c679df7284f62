import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { I18nService } from '../../../core/i18n/i18n.service';
import { FakeSocket, provideFakeSocket } from '../../../../testing/fake-socket';
import { ME, conversation, signIn } from '../../../../testing/fixtures';
import { InboxShortcuts } from '../data-access/inbox-shortcuts.service';
import { InboxPage } from './inbox.page';

describe(InboxPage.name, () => {
  let fixture: ComponentFixture<InboxPage>;
  let http: HttpTestingController;

  beforeEach(async () => {
    localStorage.clear();
    signIn(ME);
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        provideFakeSocket([] as FakeSocket[]),
      ],
    });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(InboxPage);
    await fixture.whenStable();
    http.expectOne('/api/channels').flush([]);
    http
      .expectOne((r) => r.url === '/api/conversations')
      .flush({ items: [conversation('a'), conversation('b', { unreadCount: 2 })], nextCursor: null });
    await fixture.whenStable();
  });

  function key(k: string, target: EventTarget = document.body): void {
    target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
  }

  const rows = () =>
    Array.from(fixture.nativeElement.querySelectorAll('[data-testid="conversation-item"]')) as HTMLElement[];

  it('renders rows with the unread badge', () => {
    expect(rows()).toHaveLength(2);
    expect(rows()[1].querySelector('[data-testid="unread-badge"]')?.textContent?.trim()).toBe('2');
    expect(rows()[0].querySelector('[data-testid="unread-badge"]')).toBeNull();
  });

  it('moves with j/k and opens with Enter', async () => {
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    key('j');
    key('j');
    key('k');
    await fixture.whenStable();
    expect(rows()[0].classList).toContain('row--cursor');
    key('ArrowDown');
    key('Enter');
    expect(navigate).toHaveBeenCalledWith(['/inbox', 'b']);
  });

  it('ignores shortcuts typed into a text field', async () => {
    const search = fixture.nativeElement.querySelector('[data-testid="conversation-search"]') as HTMLInputElement;
    key('j', search);
    await fixture.whenStable();
    expect(rows().some((r) => r.classList.contains('row--cursor'))).toBe(false);
  });

  it('hands e, a and s to the open conversation (resolve, assign to me, snooze)', () => {
    const shortcuts = fixture.debugElement.injector.get(InboxShortcuts);
    const heard: string[] = [];
    shortcuts.resolve.subscribe(() => heard.push('resolve'));
    shortcuts.assignToMe.subscribe(() => heard.push('assign'));
    shortcuts.snooze.subscribe(() => heard.push('snooze'));
    key('e');
    key('a');
    key('s');
    key('s', fixture.nativeElement.querySelector('[data-testid="conversation-search"]'));
    expect(heard).toEqual(['resolve', 'assign', 'snooze']);
  });

  it('lists every shortcut in the overlay, in Russian too', async () => {
    key('?');
    await fixture.whenStable();
    const overlay = () => fixture.nativeElement.querySelector('[data-testid="shortcuts-overlay"]') as HTMLElement;
    for (const id of ['shortcut-resolve', 'shortcut-assign', 'shortcut-snooze', 'shortcut-canned'])
      expect(overlay().querySelector(`[data-testid="${id}"]`)).not.toBeNull();
    expect(overlay().textContent).toContain('Snooze the open conversation');
    TestBed.inject(I18nService).setLang('ru');
    await fixture.whenStable();
    expect(overlay().textContent).toContain('Отложить открытый диалог');
  });

  it('toggles the shortcuts overlay with ? and closes it with Escape', async () => {
    key('?');
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('[data-testid="shortcuts-overlay"]')).not.toBeNull();
    key('Escape');
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('[data-testid="shortcuts-overlay"]')).toBeNull();
  });
});
