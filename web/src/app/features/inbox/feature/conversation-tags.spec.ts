import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { TagDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ToastService } from '../../../core/toast/toast.service';
import { TagsStore, UNKNOWN_TAG_COLOR } from '../../../shared/data-access/tags.store';
import { FakeSocket, provideFakeSocket } from '../../../../testing/fake-socket';
import { ME, conversation, detail, signIn } from '../../../../testing/fixtures';
import { ConversationListStore } from '../data-access/conversation-list.store';
import { InboxShortcuts } from '../data-access/inbox-shortcuts.service';
import { ConversationPage } from './conversation.page';

const TAGS: TagDto[] = [
  { id: 't-vip', name: 'vip', color: '#ff0000', createdAt: '2025-01-01T00:00:00.000Z' },
  { id: 't-lead', name: 'lead', color: '#00aa00', createdAt: '2025-01-01T00:00:00.000Z' },
  { id: 't-b2b', name: 'b2b', color: '#0000ff', createdAt: '2025-01-01T00:00:00.000Z' },
];

// The thread header's tag chips: add / remove PUT the full list, optimistically.
describe('Conversation tags', () => {
  let fixture: ComponentFixture<ConversationPage>;
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
        ConversationListStore,
        InboxShortcuts,
      ],
    });
    TestBed.inject(I18nService).setLang('en');
    TestBed.inject(TagsStore).set(TAGS);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ConversationPage);
    fixture.componentRef.setInput('conversationId', 'c1');
    await fixture.whenStable();
    http.expectOne('/api/conversations/c1').flush(detail('c1', { tags: ['vip', 'legacy'] }));
    http.expectOne((r) => r.url === '/api/conversations/c1/messages').flush({ items: [], hasMore: false });
    http.match('/api/conversations/c1/read').forEach((r) => r.flush(null));
    await fixture.whenStable();
  });

  afterEach(() => {
    http.match('/api/crm').forEach((r) => r.flush([]));
    http.match((r) => r.url.endsWith('/deal')).forEach((r) => r.cancelled || r.flush(null));
    http.match((r) => r.url.endsWith('/surveys')).forEach((r) => r.cancelled || r.flush({ items: [] }));
    http.match((r) => r.url.includes('/contacts/')).forEach((r) => r.cancelled || r.flush([]));
    http.verify();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const all = (testId: string) => Array.from(el().querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`));
  const chips = () => all('thread-tag').map((c) => c.querySelector('.name')?.textContent?.trim());
  const picker = () => el().querySelector<HTMLSelectElement>('[data-testid="thread-tag-add"]') as HTMLSelectElement;

  it('shows the tags in their colours, unknown ones grey', () => {
    expect(chips()).toEqual(['vip', 'legacy']);
    const [vip, legacy] = all('thread-tag');
    expect(vip.style.background).toBe('rgb(255, 0, 0)');
    expect(legacy.style.background).toBe(hexToRgb(UNKNOWN_TAG_COLOR));
  });

  it('offers only the tags not on the conversation and PUTs the full list on add', async () => {
    const options = Array.from(picker().options).map((o) => o.value);
    expect(options).toEqual(['', 'b2b', 'lead']);
    picker().value = 'lead';
    picker().dispatchEvent(new Event('change'));
    await fixture.whenStable();

    const req = http.expectOne('/api/conversations/c1/tags');
    expect(req.request.method).toBe('PUT');
    expect(req.request.body).toEqual({ tags: ['vip', 'legacy', 'lead'] });
    expect(chips()).toEqual(['vip', 'legacy', 'lead']);
    req.flush(null, { status: 204, statusText: 'No Content' });
    await fixture.whenStable();
    expect(chips()).toEqual(['vip', 'legacy', 'lead']);
  });

  it('PUTs the list without the removed tag and updates the list row', async () => {
    const list = TestBed.inject(ConversationListStore);
    list.apply(conversation('c1', { tags: ['vip', 'legacy'], status: 'open' }));
    all('thread-tag-remove')[0].click();
    await fixture.whenStable();

    const req = http.expectOne('/api/conversations/c1/tags');
    expect(req.request.body).toEqual({ tags: ['legacy'] });
    expect(chips()).toEqual(['legacy']);
    expect(list.items()[0].tags).toEqual(['legacy']);
    req.flush(null, { status: 204, statusText: 'No Content' });
  });

  it('puts the old tags back with a toast when the server refuses', async () => {
    const list = TestBed.inject(ConversationListStore);
    list.apply(conversation('c1', { tags: ['vip', 'legacy'], status: 'open' }));
    all('thread-tag-remove')[1].click();
    await fixture.whenStable();
    expect(chips()).toEqual(['vip']);

    http
      .expectOne('/api/conversations/c1/tags')
      .flush(
        { code: 'validation_failed', message: 'Unknown tag', details: [{ field: 'tags', message: 'Unknown tag' }] },
        { status: 400, statusText: 'Bad Request' },
      );
    await fixture.whenStable();
    expect(chips()).toEqual(['vip', 'legacy']);
    expect(list.items()[0].tags).toEqual(['vip', 'legacy']);
    const toasts = TestBed.inject(ToastService).toasts();
    expect(toasts.at(-1)).toEqual(
      expect.objectContaining({ kind: 'error', text: 'Could not update the tags: Unknown tag' }),
    );
  });
});

function hexToRgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}
