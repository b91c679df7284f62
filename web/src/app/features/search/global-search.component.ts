import { ChangeDetectionStrategy, Component, ElementRef, OnDestroy, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import type { SearchResponse } from '@onebox/contracts';
import type { Subscription } from 'rxjs';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { SearchApi } from './search-api.service';

/** One row of the results, whatever its group: where it leads when opened. */
interface ResultRow {
  key: string;
  group: 'conversations' | 'contacts' | 'messages';
  title: string;
  /** Plain text (escaped by Angular) … */
  detail: string;
  /** … or the server's snippet: customer text escaped, hits in `<mark>`. */
  snippetHtml: string | null;
  note: boolean;
  conversationId: string;
  messageId: string | null;
}

const MIN_LENGTH = 2;
const DEBOUNCE_MS = 250;

/**
 * The inbox's search box: as the user types, conversations, contacts and messages matching the
 * query (full-text, Russian and English word forms) appear grouped below it; Enter or a click
 * opens the conversation (a message hit also asks the thread to show that message).
 */
@Component({
  selector: 'ob-global-search',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(document:click)': 'onDocumentClick($event)' },
  template: `
    <input
      class="input input--sm search"
      type="search"
      data-testid="search-input"
      role="combobox"
      aria-autocomplete="list"
      aria-controls="search-results"
      [attr.aria-expanded]="open()"
      [attr.aria-activedescendant]="open() && rows().length ? 'search-result-' + active() : null"
      [placeholder]="'search.placeholder' | t"
      [attr.aria-label]="'search.placeholder' | t"
      [value]="query()"
      (input)="onInput($any($event.target).value)"
      (keydown)="onKey($event)"
      (focus)="reopen()"
    />
    @if (open()) {
      <div class="panel" id="search-results" role="listbox" data-testid="search-results">
        @if (loading() && !results()) {
          <div class="state" data-testid="search-loading">{{ 'search.loading' | t }}</div>
        } @else if (failed()) {
          <div class="state" data-testid="search-failed">{{ 'search.failed' | t }}</div>
        } @else if (!rows().length) {
          <div class="state" data-testid="search-empty">{{ 'search.empty' | t: { q: query().trim() } }}</div>
        } @else {
          @for (row of rows(); track row.key; let i = $index) {
            @if (i === 0 || rows()[i - 1].group !== row.group) {
              <div class="group">{{ 'search.' + row.group | t }}</div>
            }
            <button
              type="button"
              role="option"
              class="row"
              data-testid="search-result"
              [id]="'search-result-' + i"
              [attr.data-group]="row.group"
              [class.row--on]="i === active()"
              [attr.aria-selected]="i === active()"
              (mouseenter)="active.set(i)"
              (click)="openRow(row)"
            >
              <span class="row__title">
                {{ row.title }}
                @if (row.note) {
                  <span class="row__note">{{ 'search.note' | t }}</span>
                }
              </span>
              @if (row.snippetHtml !== null) {
                <span class="row__detail" [innerHTML]="row.snippetHtml"></span>
              } @else {
                <span class="row__detail">{{ row.detail }}</span>
              }
            </button>
          }
        }
      </div>
    }
  `,
  styles: `
    :host {
      position: relative;
      display: block;
      width: min(360px, 32vw);
    }
    .search {
      width: 100%;
    }
    .panel {
      position: absolute;
      z-index: 30;
      top: calc(100% + 4px);
      left: 0;
      right: 0;
      max-height: 70vh;
      overflow-y: auto;
      padding: 4px;
      background: var(--surface);
      border: 1px solid var(--border);
      border-radius: 8px;
      box-shadow: var(--shadow-lg);
    }
    .state {
      padding: 12px;
      color: var(--text-muted);
      font-size: 13px;
    }
    .group {
      padding: 8px 8px 4px;
      font-size: 11px;
      font-weight: 600;
      text-transform: uppercase;
      letter-spacing: 0.04em;
      color: var(--text-faint);
    }
    .row {
      display: flex;
      flex-direction: column;
      gap: 2px;
      width: 100%;
      padding: 6px 8px;
      border: 0;
      border-radius: 6px;
      background: none;
      font: inherit;
      text-align: left;
      cursor: pointer;
    }
    .row--on {
      background: var(--hover);
    }
    .row__title {
      font-weight: 600;
      font-size: 13px;
    }
    .row__note {
      margin-left: 6px;
      padding: 0 4px;
      border-radius: 4px;
      background: var(--note-bg);
      border: 1px solid var(--note-border);
      font-size: 11px;
      font-weight: 500;
    }
    .row__detail {
      font-size: 12px;
      color: var(--text-muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .row__detail ::ng-deep mark {
      background: #fde68a;
      color: inherit;
      border-radius: 2px;
    }
  `,
})
export class GlobalSearchComponent implements OnDestroy {
  private readonly api = inject(SearchApi);
  private readonly router = inject(Router);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  protected readonly query = signal('');
  protected readonly results = signal<SearchResponse | null>(null);
  protected readonly loading = signal(false);
  protected readonly failed = signal(false);
  protected readonly active = signal(0);
  private readonly dismissed = signal(false);
  protected readonly open = computed(() => !this.dismissed() && this.query().trim().length >= MIN_LENGTH);

  protected readonly rows = computed<ResultRow[]>(() => {
    const r = this.results();
    if (!r) return [];
    return [
      ...r.conversations.map((c) => ({
        key: `c-${c.id}`,
        group: 'conversations' as const,
        title: c.contact.name,
        detail: `${c.channel.name}${c.lastMessage ? ' · ' + c.lastMessage.text : ''}`,
        snippetHtml: null,
        note: false,
        conversationId: c.id,
        messageId: null,
      })),
      ...r.contacts.map((c) => ({
        key: `p-${c.id}`,
        group: 'contacts' as const,
        title: c.name,
        detail: [c.phone, c.email].filter(Boolean).join(' · '),
        snippetHtml: null,
        note: false,
        conversationId: c.conversationId,
        messageId: null,
      })),
      ...r.messages.map((m) => ({
        key: `m-${m.id}`,
        group: 'messages' as const,
        title: `${m.contact.name} · ${m.author.name}`,
        detail: '',
        snippetHtml: m.snippet,
        note: m.private,
        conversationId: m.conversationId,
        messageId: m.id,
      })),
    ];
  });

  private timer: ReturnType<typeof setTimeout> | null = null;
  private request: Subscription | null = null;

  ngOnDestroy(): void {
    this.cancel();
  }

  protected onInput(value: string): void {
    this.query.set(value);
    this.dismissed.set(false);
    this.cancel();
    if (value.trim().length < MIN_LENGTH) {
      this.results.set(null);
      this.loading.set(false);
      return;
    }
    this.loading.set(true);
    this.timer = setTimeout(() => this.run(value.trim()), DEBOUNCE_MS);
  }

  protected onKey(event: KeyboardEvent): void {
    const rows = this.rows();
    if (event.key === 'Escape') {
      this.dismissed.set(true);
      return;
    }
    if (!this.open() || !rows.length) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.active.set((this.active() + step + rows.length) % rows.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const row = rows[Math.min(this.active(), rows.length - 1)];
      if (row) this.openRow(row);
    }
  }

  protected reopen(): void {
    this.dismissed.set(false);
  }

  protected onDocumentClick(event: Event): void {
    if (!this.host.nativeElement.contains(event.target as Node)) this.dismissed.set(true);
  }

  protected openRow(row: ResultRow): void {
    this.dismissed.set(true);
    void this.router.navigate(['/inbox', row.conversationId], {
      queryParams: row.messageId ? { message: row.messageId } : {},
    });
  }

  private run(q: string): void {
    this.timer = null;
    this.request = this.api.search(q).subscribe({
      next: (results) => {
        this.results.set(results);
        this.failed.set(false);
        this.active.set(0);
        this.loading.set(false);
      },
      error: () => {
        this.results.set(null);
        this.failed.set(true);
        this.loading.set(false);
      },
    });
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.request?.unsubscribe();
    this.request = null;
  }
}
