import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { TagDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TagsStore } from '../../../shared/data-access/tags.store';
import { FakeSocket, provideFakeSocket } from '../../../../testing/fake-socket';
import { ME, conversation, signIn } from '../../../../testing/fixtures';
import { ConversationListStore } from '../data-access/conversation-list.store';
import { ConversationListComponent } from './conversation-list.component';

const TAGS: TagDto[] = [
  { id: 't-vip', name: 'vip', color: '#ff0000', createdAt: '2025-01-01T00:00:00.000Z' },
  { id: 't-lead', name: 'lead', color: '#00aa00', createdAt: '2025-01-01T00:00:00.000Z' },
];

describe('Conversation list tags', () => {
  let fixture: ComponentFixture<ConversationListComponent>;
  let http: HttpTestingController;
  let store: ConversationListStore;

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
      ],
    });
    TestBed.inject(I18nService).setLang('en');
    TestBed.inject(TagsStore).set(TAGS);
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(ConversationListStore);
    fixture = TestBed.createComponent(ConversationListComponent);
    store.reload();
    http
      .expectOne((r) => r.url === '/api/conversations')
      .flush({ items: [conversation('a', { tags: ['vip', 'gone'] }), conversation('b')], nextCursor: null });
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const el = () => fixture.nativeElement as HTMLElement;

  it('shows small coloured chips on the rows', () => {
    const rows = Array.from(el().querySelectorAll<HTMLElement>('[data-testid="conversation-item"]'));
    const chips = Array.from(rows[0].querySelectorAll<HTMLElement>('[data-testid="list-tag"]'));
    expect(chips.map((c) => c.textContent?.trim())).toEqual(['vip', 'gone']);
    expect(chips[0].style.background).toBe('rgb(255, 0, 0)');
    expect(chips[1].style.background).toBe('rgb(152, 162, 179)');
    expect(rows[1].querySelector('[data-testid="list-tag"]')).toBeNull();
  });

  it('filters by tag through the tag query parameter', async () => {
    const select = el().querySelector('[data-testid="tag-filter"]') as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.value)).toEqual(['', 'lead', 'vip']);
    select.value = 'vip';
    select.dispatchEvent(new Event('change'));
    const req = http.expectOne((r) => r.url === '/api/conversations');
    expect(req.request.params.get('tag')).toBe('vip');
    req.flush({ items: [conversation('a', { tags: ['vip'] })], nextCursor: null });
    await fixture.whenStable();
    expect(store.filter().tag).toBe('vip');

    // A live conversation without the tag stays out of the filtered list.
    store.apply(conversation('c', { tags: ['lead'] }));
    store.apply(conversation('d', { tags: ['vip'] }));
    expect(
      store
        .items()
        .map((i) => i.id)
        .sort(),
    ).toEqual(['a', 'd']);

    select.value = '';
    select.dispatchEvent(new Event('change'));
    const all = http.expectOne((r) => r.url === '/api/conversations');
    expect(all.request.params.has('tag')).toBe(false);
    all.flush({ items: [], nextCursor: null });
  });
});
