import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import type { AttachmentDto, MessageDto } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { MessageStatusComponent } from './message-status.component';

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
          </div>
        }
        @if (m.text) {
          <div class="text">{{ m.text }}</div>
        }
        @if (images().length || files().length) {
          <div class="attachments">
            @for (a of images(); track a.id) {
              <a class="thumb" [href]="a.url" target="_blank" rel="noopener noreferrer" [attr.title]="a.name">
                <img [src]="a.url" [alt]="a.name" loading="lazy" />
              </a>
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
          @if (m.direction === 'out' && !m.private) {
            <ob-message-status [status]="m.status" [errorText]="m.error?.message ?? null" />
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
  protected readonly images = computed(() => this.message().attachments.filter(isImage));
  protected readonly files = computed(() => this.message().attachments.filter((a) => !isImage(a)));
}

function isImage(a: AttachmentDto): boolean {
  return a.mimeType?.startsWith('image/') ?? false;
}
