import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { ContactDto } from '@onebox/contracts';
import { EMPTY, Observable, Subject, Subscription, catchError, debounceTime, map, of, switchMap, tap } from 'rxjs';
import { apiErrorMessage } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ToastService } from '../../../core/toast/toast.service';
import { ContactsApi } from './contacts-api.service';

/** Fewer characters than this do not search. */
export const MERGE_SEARCH_MIN_CHARS = 2;
/** Typing pauses this long before a search goes out. */
export const MERGE_SEARCH_DEBOUNCE_MS = 300;
/** The server accepts `q` of at most this length. */
const MERGE_SEARCH_MAX_CHARS = 100;
const MERGE_SEARCH_LIMIT = 10;

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

/**
 * Merging one contact's duplicates into it: same-person suggestions, a debounced search for any
 * other contact, and the merge itself. Provided per contact panel; `load()` picks the contact.
 */
@Injectable()
export class ContactMergeStore {
  private readonly api = inject(ContactsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly queries = new Subject<string>();
  private suggestionsRequest = Subscription.EMPTY;

  /** The contact others are merged into. */
  readonly contactId = signal<string | null>(null);
  readonly suggestions = signal<ContactDto[]>([]);
  readonly suggestionsState = signal<LoadState>('idle');
  /** The search box's text as typed. */
  readonly query = signal('');
  readonly searchState = signal<LoadState>('idle');
  private readonly found = signal<ContactDto[]>([]);
  /** Search results, never the contact itself. */
  readonly results = computed(() => this.found().filter((c) => c.id !== this.contactId()));
  /** The contact being merged in while the request runs. */
  readonly mergingId = signal<string | null>(null);

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.queries
      .pipe(
        debounceTime(MERGE_SEARCH_DEBOUNCE_MS),
        // switchMap drops the answer to an older query once a newer one goes out.
        switchMap((q) =>
          q.length < MERGE_SEARCH_MIN_CHARS
            ? of(null)
            : this.api.search(q, MERGE_SEARCH_LIMIT).pipe(
                map((items): ContactDto[] | 'error' => items),
                catchError(() => of('error' as const)),
              ),
        ),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe((answer) => {
        if (answer === null) return;
        if (answer === 'error') {
          this.found.set([]);
          this.searchState.set('error');
          return;
        }
        this.found.set(answer);
        this.searchState.set('ready');
      });
    destroyRef.onDestroy(() => this.suggestionsRequest.unsubscribe());
  }

  /** Show suggestions for `contactId`, forgetting any search made for another contact. */
  load(contactId: string): void {
    this.contactId.set(contactId);
    this.suggestions.set([]);
    this.search('');
    this.reloadSuggestions();
  }

  reloadSuggestions(): void {
    const id = this.contactId();
    if (!id) return;
    this.suggestionsRequest.unsubscribe();
    this.suggestionsState.set('loading');
    this.suggestionsRequest = this.api.suggestions(id).subscribe({
      next: (items) => {
        this.suggestions.set(items.filter((c) => c.id !== id));
        this.suggestionsState.set('ready');
      },
      error: () => this.suggestionsState.set('error'),
    });
  }

  /** The search box changed: searches after a pause, once there are enough characters. */
  search(text: string): void {
    this.query.set(text);
    const q = text.trim().slice(0, MERGE_SEARCH_MAX_CHARS);
    if (q.length < MERGE_SEARCH_MIN_CHARS) {
      this.found.set([]);
      this.searchState.set('idle');
    } else {
      this.searchState.set('loading');
    }
    this.queries.next(q);
  }

  retrySearch(): void {
    this.search(this.query());
  }

  /**
   * Fold `other` into the current contact. Emits the kept contact once merged (suggestions and
   * results are updated, a toast confirms); on failure a toast shows the server's reason and
   * the observable completes without emitting.
   */
  merge(other: ContactDto): Observable<ContactDto> {
    const id = this.contactId();
    if (!id || this.mergingId()) return EMPTY;
    this.mergingId.set(other.id);
    return this.api.merge(id, other.id).pipe(
      tap((kept) => {
        this.mergingId.set(null);
        this.suggestions.update((list) => list.filter((c) => c.id !== other.id));
        this.found.update((list) => list.filter((c) => c.id !== other.id));
        this.toast.success(this.i18n.t('contact.merge.done', { other: other.name, this: kept.name }));
        this.reloadSuggestions();
      }),
      catchError((err: unknown) => {
        this.mergingId.set(null);
        // 409 merge_conflict names the channel both contacts have a conversation on.
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
        return EMPTY;
      }),
    );
  }
}
