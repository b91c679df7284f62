import { ChangeDetectionStrategy, Component, computed, inject, input, linkedSignal, output } from '@angular/core';
import type { AttachmentDto, MessageDto } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { MessageStatusComponent } from './message-status.component';

interface ImageState {
  /** Requests made after the first; appended as `?v=` so the browser asks the server again. */
  version: number;
  status: 'loading' | 'loaded' | 'failed';
}

/** One message. Text is interpolated (never HTML); line breaks are kept by CSS. */
@Component({
  selector: 'ob-message-bubble',
  imports: [MessageStatusComponent, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let m = message();
    <div class="row" [class.row--out]="m.direction === 'out'" [class.row--system]="m.author.type === 'system'">
      <div
        class="bubble"
        [class.bubble--out]="m.direction === 'out'"
        [class.bubble--note]="m.private"
        [class.bubble--failed]="m.status === 'failed'"
        data-testid="thread-message"
        [attr.data-direction]="m.direction"
        [attr.data-private]="m.private"
        [attr.data-message-id]="m.id"
      >
        @if (m.private || m.direction === 'out') {
          <div class="meta-top">
            @if (m.private) {
              <span class="note-tag" data-testid="note-tag">{{ 'thread.note' | t }}</span>
            }
            <span class="author">{{ m.author.name }}</span>
            @if (m.template) {
              <span class="template-tag" data-testid="template-tag">{{
                'thread.template' | t: { name: m.template.name }
              }}</span>
            }
          </div>
        }
        @if (m.text) {
          <div class="text">{{ m.text }}</div>
        } @else if (m.template?.parameters?.length) {
          <div class="text text--params">{{ m.template!.parameters.join(' · ') }}</div>
        }
        @if (images().length || files().length) {
          <div class="attachments">
            @for (a of images(); track a.id) {
              @if (imageState()[a.id]?.status === 'failed') {
                <a
                  class="thumb thumb--missing"
                  [href]="a.url"
                  target="_blank"
                  rel="noopener noreferrer"
                  [attr.title]="a.name"
                  data-testid="image-placeholder"
                >
                  <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                    <rect
                      x="3"
                      y="4"
                      width="18"
                      height="16"
                      rx="2"
                      fill="none"
                      stroke="currentColor"
                      stroke-width="1.5"
                    />
                    <circle cx="9" cy="10" r="1.8" fill="currentColor" />
                    <path d="m4 18 5-5 4 4 3-3 4 4" fill="none" stroke="currentColor" stroke-width="1.5" />
                  </svg>
                  <span>{{ 'thread.imageUnavailable' | t }}</span>
                </a>
              } @else {
                <a class="thumb" [href]="a.url" target="_blank" rel="noopener noreferrer" [attr.title]="a.name">
                  <img
                    [src]="imageSrc(a)"
                    [alt]="a.name"
                    loading="lazy"
                    (load)="imageLoaded(a.id)"
                    (error)="imageFailed(a.id)"
                  />
                </a>
              }
            }
            @for (a of files(); track a.id) {
              <a
                class="file"
                [href]="a.url"
                target="_blank"
                rel="noopener noreferrer"
                download
                [attr.aria-label]="'thread.download' | t: { name: a.name }"
              >
                <span class="file__icon" aria-hidden="true">⬇</span>
                <span class="file__name">{{ a.name }}</span>
                <span class="file__size">{{ format.fileSize(a.size) }}</span>
              </a>
            }
          </div>
        }
        <div class="meta">
          <time [attr.datetime]="m.createdAt" [attr.title]="format.dateTime(m.createdAt)">{{
            format.time(m.createdAt)
          }}</time>
          @if (m.editedAt) {
            <span
              class="edited"
              data-testid="message-edited"
              [attr.title]="'thread.editedAt' | t: { time: format.dateTime(m.editedAt) }"
              >{{ 'thread.edited' | t }}</span
            >
          }
          @if (m.direction === 'out' && !m.private) {
            <ob-message-status [status]="m.status" [errorText]="m.error?.message ?? null" />
            @if (m.status === 'failed') {
              <button type="button" class="retry" data-testid="message-retry" (click)="retry.emit(m)">
                {{ 'thread.retry' | t }}
              </button>
            }
          }
        </div>
      </div>
    </div>
  `,
  styles: `
    .row {
      display: flex;
      padding: 2px 0;
    }
    .row--out {
      justify-content: flex-end;
    }
    .bubble {
      max-width: min(72%, 560px);
      padding: 8px 12px 6px;
      border-radius: 14px 14px 14px 4px;
      background: var(--surface);
      border: 1px solid var(--border);
      box-shadow: 0 1px 1px rgba(16, 24, 40, 0.04);
    }
    .bubble--out {
      border-radius: 14px 14px 4px 14px;
      background: var(--accent-bubble);
      border-color: var(--accent-bubble-border);
    }
    .bubble--note {
      background: var(--note-bg);
      border: 1px dashed var(--note-border);
    }
    .bubble--failed {
      border-color: var(--danger);
    }
    .meta-top {
      display: flex;
      align-items: center;
      gap: 6px;
      margin-bottom: 2px;
      font-size: 11px;
      color: var(--text-muted);
      font-weight: 600;
    }
    .note-tag {
      padding: 0 6px;
      border-radius: 4px;
      background: var(--note-border);
      color: #713f12;
      font-size: 10px;
      text-transform: uppercase;
      letter-spacing: 0.04em;
    }
    .text {
      white-space: pre-wrap;
      overflow-wrap: anywhere;
      word-break: break-word;
      line-height: 1.45;
    }
    .attachments {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
      margin-top: 6px;
    }
    .thumb img {
      display: block;
      max-width: 220px;
      max-height: 180px;
      border-radius: 8px;
      object-fit: cover;
      border: 1px solid var(--border);
    }
    .thumb--missing {
      display: inline-flex;
      flex-direction: column;
      align-items: center;
      justify-content: center;
      gap: 4px;
      width: 160px;
      height: 110px;
      border-radius: 8px;
      border: 1px dashed var(--border-strong);
      background: var(--hover);
      color: var(--text-muted);
      font-size: 11px;
      text-align: center;
      text-decoration: none;
      padding: 6px;
    }
    .template-tag {
      padding: 0 6px;
      border-radius: 4px;
      background: #dcfae6;
      color: #067647;
      font-size: 10px;
      font-weight: 600;
    }
    .text--params {
      color: var(--text-muted);
      font-size: 12px;
    }
    .edited {
      font-style: italic;
      cursor: default;
    }
    .retry {
      border: 1px solid var(--danger);
      border-radius: 6px;
      background: var(--surface);
      color: var(--danger);
      font: inherit;
      font-size: 11px;
      font-weight: 600;
      padding: 1px 8px;
      cursor: pointer;
    }
    .retry:hover {
      background: var(--danger-soft);
    }
    .file {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      padding: 6px 10px;
      border-radius: 8px;
      background: rgba(255, 255, 255, 0.7);
      border: 1px solid var(--border);
      color: var(--text);
      text-decoration: none;
      font-size: 12px;
      max-width: 100%;
    }
    .file__name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      max-width: 220px;
      font-weight: 500;
    }
    .file__size {
      color: var(--text-muted);
    }
    .meta {
      display: flex;
      justify-content: flex-end;
      align-items: center;
      gap: 6px;
      margin-top: 2px;
      font-size: 11px;
      color: var(--text-faint);
    }
  `,
})
export class MessageBubbleComponent {
  protected readonly format = inject(FormatService);
  /** The message to render. */
  readonly message = input.required<MessageDto>();
  /** The agent asked to send this failed message again. */
  readonly retry = output<MessageDto>();
  protected readonly images = computed(() => this.message().attachments.filter(isImage));
  protected readonly files = computed(() => this.message().attachments.filter((a) => !isImage(a)));

  /**
   * A messenger attachment may still be downloading when its message first arrives, so its URL
   * can 404 for a moment; the `message.updated` that follows re-requests every image not yet shown.
   */
  protected readonly imageState = linkedSignal<MessageDto, Record<string, ImageState>>({
    source: this.message,
    computation: (message, previous) => {
      const state: Record<string, ImageState> = {};
      for (const a of message.attachments) {
        const before = previous?.value[a.id];
        if (!before) state[a.id] = { version: 0, status: 'loading' };
        else if (before.status === 'loaded') state[a.id] = before;
        else state[a.id] = { version: before.version + 1, status: 'loading' };
      }
      return state;
    },
  });

  protected imageSrc(a: AttachmentDto): string {
    const version = this.imageState()[a.id]?.version ?? 0;
    if (!version) return a.url;
    return `${a.url}${a.url.includes('?') ? '&' : '?'}v=${version}`;
  }

  protected imageLoaded(id: string): void {
    this.setImageStatus(id, 'loaded');
  }

  protected imageFailed(id: string): void {
    this.setImageStatus(id, 'failed');
  }

  private setImageStatus(id: string, status: ImageState['status']): void {
    this.imageState.update((state) => ({ ...state, [id]: { version: state[id]?.version ?? 0, status } }));
  }
}

function isImage(a: AttachmentDto): boolean {
  return a.mimeType?.startsWith('image/') ?? false;
}
