import { DOCUMENT, NgTemplateOutlet } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import type { ContactDto } from '@onebox/contracts';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ContactMergeStore, MERGE_SEARCH_MIN_CHARS } from '../data-access/contact-merge.store';
import { ContactMatchComponent } from '../ui/contact-match.component';

let nextId = 0;

/**
 * Merge duplicates into the open contact: "possibly the same person" suggestions and a search
 * for any other contact, each merged after an inline confirmation.
 */
@Component({
  selector: 'ob-contact-merge',
  imports: [NgTemplateOutlet, TranslatePipe, ContactMatchComponent],
  providers: [ContactMergeStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (store.suggestions().length) {
      <section class="block" data-testid="merge-suggestions" [attr.aria-labelledby]="ids.suggestions">
        <h3 class="section" [id]="ids.suggestions">{{ 'contact.merge.suggestions' | t }}</h3>
        <ul class="list">
          @for (s of store.suggestions(); track s.id) {
            <li data-testid="merge-suggestion">
              <ob-contact-match [contact]="s" [disabled]="busy()" (merge)="ask(s)" />
              <ng-container *ngTemplateOutlet="confirmTpl; context: { $implicit: s }" />
            </li>
          }
        </ul>
      </section>
    } @else if (store.suggestionsState() === 'error') {
      <p class="muted note" data-testid="merge-suggestions-error">
        {{ 'contact.merge.suggestionsFailed' | t }}
        <button type="button" class="link" (click)="store.reloadSuggestions()">{{ 'contact.merge.retry' | t }}</button>
      </p>
    }

    @if (searchOpen()) {
      <div class="search" data-testid="merge-search" (keydown.escape)="closeSearch()">
        <div class="search__bar">
          <input
            #searchInput
            type="text"
            class="input input--sm"
            data-testid="merge-search-input"
            autocomplete="off"
            maxlength="100"
            [attr.aria-label]="'contact.merge.searchLabel' | t"
            [attr.aria-describedby]="ids.searchStatus"
            [placeholder]="'contact.merge.searchPlaceholder' | t"
            [value]="store.query()"
            (input)="store.search($any($event.target).value)"
          />
          <button
            type="button"
            class="btn btn--sm btn--ghost"
            data-testid="merge-search-close"
            [attr.aria-label]="'contact.merge.searchClose' | t"
            (click)="closeSearch()"
          >
            ×
          </button>
        </div>
        <p class="muted note" role="status" [id]="ids.searchStatus" data-testid="merge-search-status">
          @switch (store.searchState()) {
            @case ('idle') {
              {{ 'contact.merge.searchHint' | t: { n: minChars } }}
            }
            @case ('loading') {
              {{ 'contact.merge.searching' | t }}
            }
            @case ('error') {
              {{ 'contact.merge.searchFailed' | t }}
              <button type="button" class="link" (click)="store.retrySearch()">{{ 'contact.merge.retry' | t }}</button>
            }
            @case ('ready') {
              @if (!store.results().length) {
                {{ 'contact.merge.noResults' | t }}
              }
            }
          }
        </p>
        @if (store.searchState() === 'ready' && store.results().length) {
          <ul class="list">
            @for (r of store.results(); track r.id) {
              <li data-testid="merge-search-result">
                <ob-contact-match [contact]="r" [disabled]="busy()" (merge)="ask(r)" />
                <ng-container *ngTemplateOutlet="confirmTpl; context: { $implicit: r }" />
              </li>
            }
          </ul>
        }
      </div>
    } @else {
      <button #searchOpener type="button" class="link" data-testid="merge-search-open" (click)="openSearch()">
        {{ 'contact.merge.searchOpen' | t }}
      </button>
    }

    <ng-template #confirmTpl let-other>
      @if (pending()?.id === other.id) {
        <div
          class="confirm"
          role="alertdialog"
          [attr.aria-labelledby]="ids.confirm"
          data-testid="merge-confirm-dialog"
          (keydown.escape)="cancel(); $event.stopPropagation()"
        >
          <p class="confirm__text" [id]="ids.confirm">
            {{ 'contact.merge.confirm' | t: { other: other.name, this: contact().name } }}
          </p>
          <div class="confirm__actions">
            <button
              #confirmButton
              type="button"
              class="btn btn--sm btn--primary"
              data-testid="merge-confirm"
              [disabled]="busy()"
              (click)="confirm(other)"
            >
              {{ (busy() ? 'contact.merge.merging' : 'contact.merge.merge') | t }}
            </button>
            <button type="button" class="btn btn--sm" data-testid="merge-cancel" [disabled]="busy()" (click)="cancel()">
              {{ 'contact.merge.cancel' | t }}
            </button>
          </div>
        </div>
      }
    </ng-template>
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    .block {
      display: flex;
      flex-direction: column;
      gap: 6px;
    }
    .section {
      margin: 12px 0 0;
      font-size: 11px;
      text-transform: uppercase;
      letter-spacing: 0.06em;
      color: var(--text-muted);
    }
    .list {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 6px;
      font-size: 13px;
    }
    .link {
      align-self: flex-start;
      padding: 0;
      border: 0;
      background: none;
      font: inherit;
      font-size: 13px;
      color: var(--accent, #2563eb);
      text-decoration: underline;
      cursor: pointer;
    }
    .note {
      margin: 0;
      font-size: 12px;
    }
    .note:empty {
      display: none;
    }
    .muted {
      color: var(--text-muted);
    }
    .search {
      display: flex;
      flex-direction: column;
      gap: 6px;
    }
    .search__bar {
      display: flex;
      gap: 4px;
    }
    .search__bar .input {
      flex: 1;
      min-width: 0;
    }
    .confirm {
      margin-top: 6px;
      padding: 8px;
      border: 1px solid var(--border);
      border-radius: 6px;
      background: var(--bg);
    }
    .confirm__text {
      margin: 0 0 8px;
      font-size: 12px;
      overflow-wrap: anywhere;
    }
    .confirm__actions {
      display: flex;
      gap: 6px;
    }
  `,
})
export class ContactMergeComponent {
  protected readonly store = inject(ContactMergeStore);
  private readonly injector = inject(Injector);
  private readonly document = inject(DOCUMENT);
  private readonly searchInput = viewChild<ElementRef<HTMLInputElement>>('searchInput');
  private readonly searchOpener = viewChild<ElementRef<HTMLButtonElement>>('searchOpener');
  private readonly confirmButton = viewChild<ElementRef<HTMLButtonElement>>('confirmButton');

  /** The contact others are merged into (the open conversation's contact). */
  readonly contact = input.required<ContactDto>();
  /** A contact was merged into this one; emits the kept contact. Its identities and conversations changed. */
  readonly merged = output<ContactDto>();

  protected readonly minChars = MERGE_SEARCH_MIN_CHARS;
  protected readonly ids = {
    suggestions: `merge-suggestions-${++nextId}`,
    searchStatus: `merge-search-status-${nextId}`,
    confirm: `merge-confirm-${nextId}`,
  };
  protected readonly searchOpen = signal(false);
  /** The contact awaiting confirmation. */
  protected readonly pending = signal<ContactDto | null>(null);
  protected readonly busy = computed(() => this.store.mergingId() !== null);
  private readonly contactId = computed(() => this.contact().id);
  /** Where focus returns when the confirmation is dismissed. */
  private returnFocus: HTMLElement | null = null;

  constructor() {
    effect(() => {
      const id = this.contactId();
      untracked(() => {
        this.pending.set(null);
        this.searchOpen.set(false);
        this.store.load(id);
      });
    });
  }

  protected openSearch(): void {
    this.searchOpen.set(true);
    this.focusAfterRender(() => this.searchInput());
  }

  protected closeSearch(): void {
    if (this.busy()) return;
    if (this.pending() && this.store.results().some((r) => r.id === this.pending()?.id)) this.pending.set(null);
    this.searchOpen.set(false);
    this.store.search('');
    this.focusAfterRender(() => this.searchOpener());
  }

  protected ask(other: ContactDto): void {
    if (this.busy()) return;
    const active = this.document.activeElement;
    this.returnFocus = active instanceof HTMLElement ? active : null;
    this.pending.set(other);
    this.focusAfterRender(() => this.confirmButton());
  }

  protected cancel(): void {
    if (this.busy()) return;
    this.pending.set(null);
    const target = this.returnFocus;
    this.returnFocus = null;
    if (target?.isConnected) target.focus();
  }

  protected confirm(other: ContactDto): void {
    this.store.merge(other).subscribe({
      next: (kept) => {
        this.pending.set(null);
        this.returnFocus = null;
        // The merged row is gone; keep focus in the panel rather than dropping it on the page.
        this.focusAfterRender(() => this.searchInput() ?? this.searchOpener());
        this.merged.emit(kept);
      },
      complete: () => {
        // A refused merge leaves the dialog: close it, the toast says why.
        if (this.pending()?.id === other.id) this.cancel();
      },
    });
  }

  private focusAfterRender(target: () => ElementRef<HTMLElement> | undefined): void {
    afterNextRender(() => target()?.nativeElement.focus(), { injector: this.injector });
  }
}
