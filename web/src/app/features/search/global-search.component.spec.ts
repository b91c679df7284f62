import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import type { SearchResponse } from '@onebox/contracts';
import { I18nService } from '../../core/i18n/i18n.service';
import { conversation, ME, signIn } from '../../../testing/fixtures';
import { GlobalSearchComponent } from './global-search.component';

const RESULTS: SearchResponse = {
  conversations: [conversation('c-1', { contact: { id: 'ct-1', name: 'Ольга' } })],
  contacts: [{ id: 'ct-2', name: 'Олег', phone: '+7 916 555', email: null, conversationId: 'c-2' }],
  messages: [
    {
      id: 'm-9',
      conversationId: 'c-3',
      snippet: 'когда &lt;b&gt; <mark>доставка</mark>?',
      createdAt: '2025-01-01T10:00:00.000Z',
      author: { type: 'contact', name: 'Оля' },
      private: false,
      contact: { id: 'ct-3', name: 'Оля' },
    },
  ],
};

describe('GlobalSearchComponent', () => {
  let fixture: ComponentFixture<GlobalSearchComponent>;
  let http: HttpTestingController;
  let navigate: jest.SpyInstance;

  beforeEach(async () => {
    jest.useFakeTimers();
    localStorage.clear();
    signIn(ME);
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    fixture = TestBed.createComponent(GlobalSearchComponent);
    fixture.detectChanges();
  });

  afterEach(() => {
    http.verify();
    jest.useRealTimers();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const input = () => el().querySelector('[data-testid="search-input"]') as HTMLInputElement;
  const results = () => Array.from(el().querySelectorAll<HTMLElement>('[data-testid="search-result"]'));

  function type(value: string): void {
    input().value = value;
    input().dispatchEvent(new Event('input'));
    fixture.detectChanges();
  }

  function press(key: string): void {
    input().dispatchEvent(new KeyboardEvent('keydown', { key, cancelable: true }));
    fixture.detectChanges();
  }

  function answer(body: SearchResponse, q = 'доставка'): void {
    jest.advanceTimersByTime(300);
    const req = http.expectOne((r) => r.url === '/api/search');
    expect(req.request.params.get('q')).toBe(q);
    req.flush(body);
    fixture.detectChanges();
  }

  it('waits for two characters and debounces, showing a loading state meanwhile', () => {
    type('д');
    jest.advanceTimersByTime(300);
    http.expectNone('/api/search');
    expect(el().querySelector('[data-testid="search-results"]')).toBeNull();
    type('доставка');
    expect(el().querySelector('[data-testid="search-loading"]')?.textContent).toContain('Searching');
    answer(RESULTS);
    expect(el().querySelector('[data-testid="search-loading"]')).toBeNull();
  });

  it('shows the results grouped, with the snippet as escaped HTML and hits marked', () => {
    type('доставка');
    answer(RESULTS);
    expect(results().map((r) => r.dataset['group'])).toEqual(['conversations', 'contacts', 'messages']);
    expect(Array.from(el().querySelectorAll('.group')).map((g) => g.textContent?.trim())).toEqual([
      'Conversations',
      'Contacts',
      'Messages',
    ]);
    const snippet = results()[2].querySelector('.row__detail')!;
    expect(snippet.querySelector('mark')?.textContent).toBe('доставка');
    expect(snippet.querySelector('b')).toBeNull();
    expect(snippet.textContent).toContain('<b>');
  });

  it('opens the conversation of a clicked result, and a message hit with the message', () => {
    type('доставка');
    answer(RESULTS);
    results()[1].click();
    expect(navigate).toHaveBeenCalledWith(['/inbox', 'c-2'], { queryParams: {} });
    type('доставки');
    answer(RESULTS, 'доставки');
    results()[2].click();
    expect(navigate).toHaveBeenLastCalledWith(['/inbox', 'c-3'], { queryParams: { message: 'm-9' } });
  });

  it('moves with the arrows and opens with Enter', () => {
    type('доставка');
    answer(RESULTS);
    press('ArrowDown');
    press('ArrowDown');
    expect(results()[2].getAttribute('aria-selected')).toBe('true');
    press('Enter');
    expect(navigate).toHaveBeenCalledWith(['/inbox', 'c-3'], { queryParams: { message: 'm-9' } });
    expect(el().querySelector('[data-testid="search-results"]')).toBeNull();
  });

  it('says when nothing was found, in the current language', () => {
    TestBed.inject(I18nService).setLang('ru');
    type('zzz');
    answer({ conversations: [], contacts: [], messages: [] }, 'zzz');
    expect(el().querySelector('[data-testid="search-empty"]')?.textContent).toContain(
      'По запросу «zzz» ничего не найдено',
    );
    expect(results()).toEqual([]);
  });
});
