import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import type { AttachmentDto, CannedResponseDto, ConversationDetail, UserDto } from '@onebox/contracts';
import { AuthService } from '../../../core/auth/auth.service';
import { FormatService } from '../../../core/i18n/format.service';
import { apiErrorMessage } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { CannedResponsesApi, fillPlaceholders } from '../../../shared/data-access/canned-responses-api.service';
import { ConversationsApi } from '../data-access/conversations-api.service';
import type { OutgoingDraft } from '../data-access/conversation-thread.store';
import { TemplateFormComponent, type TemplateDraft } from './template-form.component';

/** Re-announce "typing" at most this often while the agent keeps typing. */
export const TYPING_THROTTLE_MS = 2000;
/** Announce "stopped typing" after this much quiet. */
export const TYPING_IDLE_MS = 3000;

/** A `/query` right before the caret, at the start of the text or after whitespace. */
const CANNED_TRIGGER = /(^|\s)\/([^\s/]*)$/;
/** The most options the picker lists at once. */
const CANNED_LIMIT = 8;

/** An `@query` right before the caret in a note (a name may hold spaces: "@Anna Ma"). */
const MENTION_TRIGGER = /(^|\s)@([^@\n]{0,40})$/;

/** Teammates whose name (or one of its words) starts with `query`, case-insensitive. */
export function filterTeammates<T extends { name: string }>(users: T[], query: string): T[] {
  const q = query.toLocaleLowerCase();
  return users.filter((u) => {
    const name = u.name.toLocaleLowerCase();
    return name.startsWith(q) || name.split(/\s+/).some((word) => word.startsWith(q));
  });
}

/** The canned responses matching `query` (shortcut or title), shortcut-prefix matches first. */
export function filterCanned(list: CannedResponseDto[], query: string): CannedResponseDto[] {
  const q = query.trim().toLowerCase();
  if (!q) return list;
  const rank = (r: CannedResponseDto): number => {
    const shortcut = (r.shortcut ?? '').toLowerCase();
    const title = r.title.toLowerCase();
    if (shortcut.startsWith(q)) return 0;
    if (title.startsWith(q)) return 1;
    if (shortcut.includes(q)) return 2;
    if (title.includes(q)) return 3;
    return -1;
  };
  return list
    .map((r) => ({ r, rank: rank(r) }))
    .filter((x) => x.rank >= 0)
    .sort((a, b) => a.rank - b.rank)
    .map((x) => x.r);
}

interface PendingFile {
  key: number;
  name: string;
  state: 'uploading' | 'done' | 'error';
  attachment?: AttachmentDto;
}

/**
 * The reply box: Enter sends, Shift+Enter breaks the line, files upload as soon as picked. `/` at
 * the start or after a space opens the canned responses; the chosen one replaces the `/query`
 * with its placeholders filled, and the next send reports its id.
 */
@Component({
  selector: 'ob-composer',
  imports: [TranslatePipe, TemplateFormComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (window(); as w) {
      @if (w.open) {
        @if (timeLeft(); as left) {
          <div class="window" data-testid="window-timer" [attr.title]="'composer.window.hint' | t: { hours: w.hours }">
            <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
              <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" stroke-width="1.5" />
              <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" />
            </svg>
            {{ 'composer.window.closesIn' | t: { time: left } }}
          </div>
        }
      } @else {
        <div class="window window--closed" role="note" data-testid="window-closed">
          {{ 'composer.window.closed' | t: { hours: w.hours } }}
        </div>
      }
    }
    <div class="composer" [class.composer--note]="isPrivate()">
      @if (templateMode()) {
        <ob-template-form
          [defaultLanguage]="templateLanguage()"
          [disabled]="disabled()"
          (sendTemplate)="submitTemplate($event)"
        />
      } @else {
        @if (mention()) {
          <div
            class="picker"
            role="listbox"
            data-testid="mention-picker"
            [attr.aria-label]="'composer.mentionPicker' | t"
          >
            @for (u of mentionOptions(); track u.id; let i = $index) {
              <button
                type="button"
                role="option"
                class="option"
                tabindex="-1"
                data-testid="mention-option"
                [class.option--on]="i === mentionIndex()"
                [attr.aria-selected]="i === mentionIndex()"
                (mousedown)="$event.preventDefault()"
                (mouseenter)="mentionIndex.set(i)"
                (click)="insertMention(u)"
              >
                <span class="option__title">{{ u.name }}</span>
              </button>
            } @empty {
              <div class="picker__note">
                {{ (teammates() === null ? 'composer.mentionLoading' : 'composer.mentionNone') | t }}
              </div>
            }
          </div>
        }
        @if (picker()) {
          <div
            class="picker"
            id="canned-picker"
            role="listbox"
            data-testid="canned-picker"
            [attr.aria-label]="'canned.picker' | t"
          >
            @for (r of options(); track r.id; let i = $index) {
              <button
                type="button"
                role="option"
                class="option"
                tabindex="-1"
                data-testid="canned-option"
                [id]="'canned-option-' + i"
                [class.option--on]="i === pickerIndex()"
                [attr.aria-selected]="i === pickerIndex()"
                (mousedown)="$event.preventDefault()"
                (mouseenter)="pickerIndex.set(i)"
                (click)="insert(r)"
              >
                <span class="option__head">
                  <span class="option__title">{{ r.title }}</span>
                  @if (r.shortcut) {
                    <span class="option__shortcut">/{{ r.shortcut }}</span>
                  }
                  @if (r.shared) {
                    <span class="option__shared">{{ 'canned.shared' | t }}</span>
                  }
                </span>
                <span class="option__text">{{ r.text }}</span>
              </button>
            } @empty {
              <div class="picker__note" data-testid="canned-empty">
                @if (cannedFailed()) {
                  {{ 'canned.loadFailed' | t }}
                } @else if (canned() === null) {
                  {{ 'canned.loading' | t }}
                } @else if (!canned()?.length) {
                  {{ 'canned.none' | t }}
                } @else {
                  {{ 'canned.empty' | t }}
                }
              </div>
            }
          </div>
        }
        <textarea
          #box
          class="composer__input"
          data-testid="composer-input"
          rows="3"
          [value]="text()"
          [placeholder]="(isPrivate() ? 'composer.notePlaceholder' : 'composer.placeholder') | t"
          [disabled]="disabled()"
          [attr.aria-expanded]="picker() ? true : null"
          [attr.aria-controls]="picker() ? 'canned-picker' : null"
          [attr.aria-activedescendant]="picker() && options().length ? 'canned-option-' + pickerIndex() : null"
          (input)="onInput(box.value)"
          (keydown)="onKeydown($event)"
        ></textarea>
        @if (files().length) {
          <ul class="files">
            @for (f of files(); track f.key) {
              <li class="chip" [class.chip--error]="f.state === 'error'" data-testid="composer-attachment">
                <span class="chip__name">{{ f.name }}</span>
                @if (f.state === 'uploading') {
                  <span class="chip__state">{{ 'composer.uploading' | t }}</span>
                }
                @if (f.state === 'error') {
                  <span class="chip__state">{{ 'composer.uploadFailed' | t }}</span>
                }
                <button
                  type="button"
                  class="chip__remove"
                  (click)="removeFile(f.key)"
                  [attr.aria-label]="'composer.removeAttachment' | t: { name: f.name }"
                >
                  ×
                </button>
              </li>
            }
          </ul>
        }
      }
      <div class="bar">
        <label class="toggle" data-testid="composer-private">
          <input
            type="checkbox"
            [checked]="isPrivate()"
            (change)="isPrivate.set(!isPrivate())"
            [disabled]="disabled()"
          />
          <span>{{ 'composer.private' | t }}</span>
        </label>
        @if (!templateMode()) {
          <button
            type="button"
            class="btn btn--ghost btn--sm"
            (click)="picker.click()"
            [disabled]="disabled()"
            data-testid="composer-attach"
          >
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <path
                d="M10.5 4.5 5.7 9.3a1.3 1.3 0 0 0 1.9 1.9l5-5a2.6 2.6 0 0 0-3.7-3.7l-5 5a3.9 3.9 0 0 0 5.5 5.5L13.5 9"
                fill="none"
                stroke="currentColor"
                stroke-width="1.4"
                stroke-linecap="round"
              />
            </svg>
            {{ 'composer.attach' | t }}
          </button>
          <input #picker type="file" multiple hidden (change)="onFiles(picker)" data-testid="composer-file" />
          <button
            type="button"
            class="btn btn--primary btn--sm send"
            data-testid="composer-send"
            [disabled]="!canSend()"
            (click)="submit()"
          >
            {{ (isPrivate() ? 'composer.addNote' : 'composer.send') | t }}
          </button>
        }
      </div>
    </div>
  `,
  styles: `
    .window {
      display: flex;
      align-items: center;
      gap: 6px;
      margin-bottom: 6px;
      font-size: 12px;
      color: var(--text-muted);
    }
    .window--closed {
      padding: 8px 10px;
      border-radius: 8px;
      background: #fef0c7;
      color: #93370d;
    }
    .picker {
      position: absolute;
      left: 0;
      right: 0;
      bottom: calc(100% + 4px);
      z-index: 20;
      max-height: 280px;
      overflow-y: auto;
      padding: 4px;
      border: 1px solid var(--border);
      border-radius: 10px;
      background: var(--surface);
      box-shadow: var(--shadow-lg);
    }
    .picker__note {
      padding: 8px 10px;
      font-size: 12px;
      color: var(--text-muted);
    }
    .option {
      display: flex;
      flex-direction: column;
      gap: 2px;
      width: 100%;
      padding: 6px 10px;
      border: 0;
      border-radius: 6px;
      background: none;
      font: inherit;
      text-align: left;
      color: var(--text);
      cursor: pointer;
    }
    .option--on {
      background: var(--accent-soft);
    }
    .option__head {
      display: flex;
      align-items: baseline;
      gap: 8px;
      font-size: 13px;
    }
    .option__title {
      font-weight: 600;
    }
    .option__shortcut {
      font:
        12px ui-monospace,
        monospace;
      color: var(--accent);
    }
    .option__shared {
      padding: 0 6px;
      border-radius: 8px;
      background: var(--hover);
      font-size: 10px;
      color: var(--text-muted);
    }
    .option__text {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      font-size: 12px;
      color: var(--text-muted);
    }
    .composer {
      position: relative;
      border: 1px solid var(--border-strong);
      border-radius: 10px;
      background: var(--surface);
      padding: 8px 10px;
      transition:
        border-color 0.15s,
        background 0.15s;
    }
    .composer:focus-within {
      border-color: var(--accent);
      box-shadow: 0 0 0 3px var(--accent-soft);
    }
    .composer--note {
      background: var(--note-bg);
      border-color: var(--note-border);
    }
    .composer__input {
      width: 100%;
      border: 0;
      outline: 0;
      resize: none;
      font: inherit;
      background: transparent;
      color: var(--text);
      line-height: 1.45;
      min-height: 44px;
      max-height: 160px;
    }
    .files {
      list-style: none;
      margin: 4px 0;
      padding: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
    }
    .chip {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      padding: 2px 4px 2px 8px;
      border-radius: 12px;
      background: var(--hover);
      font-size: 12px;
    }
    .chip--error {
      background: var(--danger-soft);
      color: var(--danger);
    }
    .chip__name {
      max-width: 180px;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .chip__state {
      color: var(--text-muted);
    }
    .chip__remove {
      border: 0;
      background: none;
      cursor: pointer;
      font-size: 14px;
      color: inherit;
    }
    .bar {
      display: flex;
      align-items: center;
      gap: 8px;
    }
    .toggle {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      font-size: 12px;
      color: var(--text-muted);
      cursor: pointer;
      user-select: none;
    }
    .send {
      margin-left: auto;
    }
  `,
})
export class ComposerComponent {
  private readonly api = inject(ConversationsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly format = inject(FormatService);
  private readonly auth = inject(AuthService);
  private readonly cannedApi = inject(CannedResponsesApi);
  private readonly box = viewChild<ElementRef<HTMLTextAreaElement>>('box');

  /** The conversation written to; the draft is cleared when it changes. */
  readonly conversationId = input<string | null>(null);
  /** Disables typing and sending (e.g. while the conversation loads). */
  readonly disabled = input(false);
  /**
   * The platform's messaging window (WhatsApp: 24 h after the customer's last message). While it
   * is open the time left is shown; once closed, free text gives way to the template form.
   */
  readonly messagingWindow = input<ConversationDetail['messagingWindow']>(null);
  /** The language preselected in the template form (the workspace's locale). */
  readonly templateLanguage = input('en');
  /** The customer's name, for `{{contact.name}}` in canned responses. */
  readonly contactName = input('');
  /** A message or note to send. */
  readonly send = output<OutgoingDraft>();
  /** `true` while the agent types (throttled), `false` after {@link TYPING_IDLE_MS} of quiet or on send. */
  readonly typingChange = output<boolean>();

  protected readonly text = signal('');
  protected readonly isPrivate = signal(false);
  protected readonly files = signal<PendingFile[]>([]);
  /** The canned response the text came from, until sent or the text is cleared. */
  private readonly cannedResponseId = signal<string | null>(null);
  /** The open picker: where its `/` stands and what follows it. */
  protected readonly picker = signal<{ start: number; query: string } | null>(null);
  protected readonly pickerIndex = signal(0);
  /** The caller's canned responses (null until loaded). */
  protected readonly canned = signal<CannedResponseDto[] | null>(null);
  protected readonly cannedFailed = signal(false);
  protected readonly options = computed(() => {
    const picker = this.picker();
    const list = this.canned();
    return picker && list ? filterCanned(list, picker.query).slice(0, CANNED_LIMIT) : [];
  });
  /** In a note, the open @mention picker: where its `@` stands and what follows it. */
  protected readonly mention = signal<{ start: number; query: string } | null>(null);
  protected readonly mentionIndex = signal(0);
  /** The workspace's users but the caller (null until loaded on the first `@`). */
  protected readonly teammates = signal<UserDto[] | null>(null);
  protected readonly mentionOptions = computed(() => {
    const mention = this.mention();
    const users = this.teammates();
    return mention && users ? filterTeammates(users, mention.query).slice(0, CANNED_LIMIT) : [];
  });
  /** The `/` whose picker Escape closed: it stays closed until that `/query` is gone. */
  private dismissedAt: number | null = null;
  private nextKey = 1;
  private typing = false;
  private lastTypingSent = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  /** The window as of now; `FormatService.now` ticks, so the time left and the closing follow the clock. */
  protected readonly window = computed(() => {
    const w = this.messagingWindow();
    if (!w) return null;
    const closesAt = w.closesAt ? Date.parse(w.closesAt) : NaN;
    const left = Number.isNaN(closesAt) ? null : closesAt - this.format.now();
    const open = w.open && (left === null || left > 0);
    return { hours: w.hours, open, left: open ? left : null };
  });
  /** "3 h 12 min": whole minutes rounded up, so an open window never reads "0 min". */
  protected readonly timeLeft = computed(() => {
    const left = this.window()?.left;
    if (left == null) return null;
    const minutes = Math.max(1, Math.ceil(left / 60_000));
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    if (h && m) return this.i18n.t('composer.window.hm', { h, m });
    return h ? this.i18n.t('composer.window.h', { h }) : this.i18n.t('composer.window.m', { m });
  });
  /** Free text is refused by the platform: only templates (or private notes) can go out. */
  protected readonly templateMode = computed(() => this.window()?.open === false && !this.isPrivate());

  protected readonly canSend = computed(() => {
    const files = this.files();
    if (this.disabled() || this.templateMode() || files.some((f) => f.state === 'uploading')) return false;
    return this.text().trim().length > 0 || files.some((f) => f.state === 'done');
  });

  constructor() {
    effect(() => {
      this.conversationId();
      untracked(() => this.reset());
    });
    // The page that owns the conversation announces the final "stopped typing" itself.
    inject(DestroyRef).onDestroy(() => this.idleTimer && clearTimeout(this.idleTimer));
  }

  /** Put the caret in the reply box. */
  focus(): void {
    this.box()?.nativeElement.focus();
  }

  protected onInput(value: string): void {
    this.text.set(value);
    this.updatePicker(value);
    this.updateMention(value);
    if (!value) {
      this.cannedResponseId.set(null);
      this.stopTyping();
      return;
    }
    this.announceTyping();
  }

  private announceTyping(): void {
    const now = Date.now();
    if (!this.typing || now - this.lastTypingSent >= TYPING_THROTTLE_MS) {
      this.typing = true;
      this.lastTypingSent = now;
      this.typingChange.emit(true);
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  protected onKeydown(event: KeyboardEvent): void {
    if (this.mention() && this.onMentionKey(event)) return;
    if (this.picker() && this.onPickerKey(event)) return;
    if (
      event.key === 'Enter' &&
      !event.shiftKey &&
      !event.isComposing &&
      !event.altKey &&
      !event.ctrlKey &&
      !event.metaKey
    ) {
      event.preventDefault();
      this.submit();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      this.box()?.nativeElement.blur();
    }
  }

  submit(): void {
    if (!this.canSend()) return;
    const attachments = this.files()
      .filter((f) => f.state === 'done' && f.attachment)
      .map((f) => f.attachment as AttachmentDto);
    const draft: OutgoingDraft = { text: this.text().trim(), private: this.isPrivate(), attachments };
    const cannedResponseId = this.cannedResponseId();
    if (cannedResponseId && draft.text) draft.cannedResponseId = cannedResponseId;
    this.send.emit(draft);
    this.text.set('');
    this.cannedResponseId.set(null);
    this.closePicker();
    this.mention.set(null);
    // Also clear the element: a fast Enter may come before the typed value was ever rendered.
    const box = this.box()?.nativeElement;
    if (box) box.value = '';
    this.files.set([]);
    this.stopTyping();
  }

  /** Replace the `/query` with the response's text, placeholders filled, and remember its id. */
  protected insert(response: CannedResponseDto): void {
    const picker = this.picker();
    const box = this.box()?.nativeElement;
    if (!picker) return;
    const value = box?.value ?? this.text();
    const end = Math.min(value.length, picker.start + 1 + picker.query.length);
    const filled = fillPlaceholders(response.text, {
      contactName: this.contactName(),
      managerName: this.auth.user()?.name ?? '',
    });
    const next = value.slice(0, picker.start) + filled + value.slice(end);
    const caret = picker.start + filled.length;
    this.text.set(next);
    this.cannedResponseId.set(response.id);
    this.closePicker();
    if (box) {
      box.value = next;
      box.focus();
      box.setSelectionRange(caret, caret);
    }
    this.announceTyping();
  }

  /** Arrows move, Enter / Tab insert, Escape closes; answers whether the key was the picker's. */
  private onPickerKey(event: KeyboardEvent): boolean {
    const count = this.options().length;
    const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && !event.isComposing;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        if (!count) return false;
        event.preventDefault();
        this.pickerIndex.update((i) => (i + (event.key === 'ArrowDown' ? 1 : count - 1)) % count);
        return true;
      case 'Enter':
      case 'Tab': {
        const choice = this.options()[this.pickerIndex()];
        if (!plain || !choice) return false;
        event.preventDefault();
        this.insert(choice);
        return true;
      }
      case 'Escape':
        event.preventDefault();
        this.dismissedAt = this.picker()?.start ?? null;
        this.closePicker();
        return true;
      default:
        return false;
    }
  }

  /** Open, follow or close the picker for the `/query` before the caret. */
  private updatePicker(value: string): void {
    const box = this.box()?.nativeElement;
    const caret = box && box.value === value ? (box.selectionStart ?? value.length) : value.length;
    const match = CANNED_TRIGGER.exec(value.slice(0, caret));
    if (!match) {
      this.dismissedAt = null;
      this.closePicker();
      return;
    }
    const start = match.index + match[1].length;
    if (this.dismissedAt === start) return;
    this.dismissedAt = null;
    const current = this.picker();
    if (!current) this.loadCanned();
    if (!current || current.start !== start || current.query !== match[2]) this.pickerIndex.set(0);
    this.picker.set({ start, query: match[2] });
  }

  private closePicker(): void {
    this.picker.set(null);
    this.pickerIndex.set(0);
  }

  /** Fresh on each opening (settings may have changed them); the last list shows meanwhile. */
  private loadCanned(): void {
    this.cannedFailed.set(false);
    this.cannedApi.list().subscribe({
      next: (list) => this.canned.set(list),
      error: () => {
        if (this.canned() === null) this.cannedFailed.set(true);
      },
    });
  }

  protected submitTemplate(template: TemplateDraft): void {
    if (this.disabled()) return;
    this.send.emit({ text: '', private: false, attachments: [], template });
  }

  protected onFiles(picker: HTMLInputElement): void {
    const picked = Array.from(picker.files ?? []);
    picker.value = '';
    for (const file of picked) {
      const key = this.nextKey++;
      this.files.update((list) => [...list, { key, name: file.name, state: 'uploading' }]);
      this.api.upload(file).subscribe({
        next: (attachment) => this.patchFile(key, { state: 'done', attachment }),
        error: (err: unknown) => {
          this.patchFile(key, { state: 'error' });
          this.toast.error(apiErrorMessage(err, this.i18n.t('composer.uploadFailed'), this.i18n.t('errors.network')));
        },
      });
    }
  }

  protected removeFile(key: number): void {
    this.files.update((list) => list.filter((f) => f.key !== key));
  }

  private patchFile(key: number, patch: Partial<PendingFile>): void {
    this.files.update((list) => list.map((f) => (f.key === key ? { ...f, ...patch } : f)));
  }

  private stopTyping(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.typing) {
      this.typing = false;
      this.typingChange.emit(false);
    }
  }

  private reset(): void {
    this.stopTyping();
    this.text.set('');
    this.files.set([]);
    this.isPrivate.set(false);
    this.cannedResponseId.set(null);
    this.dismissedAt = null;
    this.closePicker();
    this.mention.set(null);
  }

  /** In a note, open, follow or close the teammates picker for the `@query` before the caret. */
  private updateMention(value: string): void {
    const box = this.box()?.nativeElement;
    const caret = box && box.value === value ? (box.selectionStart ?? value.length) : value.length;
    const match = this.isPrivate() ? MENTION_TRIGGER.exec(value.slice(0, caret)) : null;
    const users = this.teammates();
    if (!match || (users && match[2].includes(' ') && !filterTeammates(users, match[2]).length)) {
      this.mention.set(null);
      return;
    }
    if (users === null) this.loadTeammates();
    const start = match.index + match[1].length;
    if (this.mention()?.query !== match[2]) this.mentionIndex.set(0);
    this.mention.set({ start, query: match[2] });
  }

  private loadTeammates(): void {
    this.api.users().subscribe({
      next: (users) => this.teammates.set(users.filter((u) => u.id !== this.auth.user()?.id)),
      error: () => this.teammates.set([]),
    });
  }

  /** Arrows move, Enter / Tab insert, Escape closes; answers whether the key was the picker's. */
  private onMentionKey(event: KeyboardEvent): boolean {
    const count = this.mentionOptions().length;
    if (event.key === 'Escape') {
      event.preventDefault();
      this.mention.set(null);
      return true;
    }
    if (!count) return false;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      this.mentionIndex.update((i) => (i + (event.key === 'ArrowDown' ? 1 : count - 1)) % count);
      return true;
    }
    if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.insertMention(this.mentionOptions()[this.mentionIndex()]);
      return true;
    }
    return false;
  }

  /** Replace the `@query` with `@Full Name ` (the server reads mentions from the note's text). */
  protected insertMention(user: UserDto): void {
    const mention = this.mention();
    const box = this.box()?.nativeElement;
    if (!mention) return;
    const value = box?.value ?? this.text();
    const end = Math.min(value.length, mention.start + 1 + mention.query.length);
    const inserted = `@${user.name} `;
    const next = value.slice(0, mention.start) + inserted + value.slice(end);
    const caret = mention.start + inserted.length;
    this.text.set(next);
    this.mention.set(null);
    if (box) {
      box.value = next;
      box.focus();
      box.setSelectionRange(caret, caret);
    }
  }
}
