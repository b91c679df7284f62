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
import type { AttachmentDto, ConversationDetail } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { apiErrorMessage } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { ConversationsApi } from '../data-access/conversations-api.service';
import type { OutgoingDraft } from '../data-access/conversation-thread.store';
import { TemplateFormComponent, type TemplateDraft } from './template-form.component';

/** Re-announce "typing" at most this often while the agent keeps typing. */
export const TYPING_THROTTLE_MS = 2000;
/** Announce "stopped typing" after this much quiet. */
export const TYPING_IDLE_MS = 3000;

interface PendingFile {
  key: number;
  name: string;
  state: 'uploading' | 'done' | 'error';
  attachment?: AttachmentDto;
}

/** The reply box: Enter sends, Shift+Enter breaks the line, files upload as soon as picked. */
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
        <textarea
          #box
          class="composer__input"
          data-testid="composer-input"
          rows="3"
          [value]="text()"
          [placeholder]="(isPrivate() ? 'composer.notePlaceholder' : 'composer.placeholder') | t"
          [disabled]="disabled()"
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
    .composer {
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
  /** A message or note to send. */
  readonly send = output<OutgoingDraft>();
  /** `true` while the agent types (throttled), `false` after {@link TYPING_IDLE_MS} of quiet or on send. */
  readonly typingChange = output<boolean>();

  protected readonly text = signal('');
  protected readonly isPrivate = signal(false);
  protected readonly files = signal<PendingFile[]>([]);
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
    if (!value) {
      this.stopTyping();
      return;
    }
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
    this.send.emit({ text: this.text().trim(), private: this.isPrivate(), attachments });
    this.text.set('');
    // Also clear the element: a fast Enter may come before the typed value was ever rendered.
    const box = this.box()?.nativeElement;
    if (box) box.value = '';
    this.files.set([]);
    this.stopTyping();
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
  }
}
