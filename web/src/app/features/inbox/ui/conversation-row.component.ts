import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { ConversationListItem } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ChannelIconComponent } from '../../../shared/ui/channel-icon.component';
import { TagsStore } from '../../../shared/data-access/tags.store';
import { TagChipComponent } from '../../../shared/ui/tag-chip.component';

/** One row of the conversation list. */
@Component({
  selector: 'ob-conversation-row',
  imports: [RouterLink, TranslatePipe, ChannelIconComponent, TagChipComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let c = conversation();
    <a
      class="row"
      [class.row--active]="active()"
      [class.row--cursor]="highlighted()"
      [class.row--unread]="c.unreadCount > 0"
      [routerLink]="['/inbox', c.id]"
      data-testid="conversation-item"
      [attr.data-conversation-id]="c.id"
      [attr.aria-current]="active() ? 'page' : null"
    >
      <span class="avatar" aria-hidden="true">{{ c.contact.name.charAt(0) || '?' }}</span>
      <span class="main">
        <span class="line">
          <span class="name">{{ c.contact.name }}</span>
          @if (c.lastMessage) {
            <time
              class="time"
              [attr.datetime]="c.lastMessage.createdAt"
              [attr.title]="format.dateTime(c.lastMessage.createdAt)"
              >{{ format.relative(c.lastMessage.createdAt) }}</time
            >
          }
        </span>
        <span class="line">
          <span class="preview" data-testid="conversation-preview">{{ preview() }}</span>
          @if (c.unreadCount > 0) {
            <span
              class="badge"
              data-testid="unread-badge"
              [attr.aria-label]="'list.unread' | t: { n: c.unreadCount }"
              >{{ format.number(c.unreadCount) }}</span
            >
          }
        </span>
        @if (c.deal) {
          <span class="line">
            <span
              class="deal"
              [class]="'deal deal--' + c.deal.semantic"
              data-testid="list-deal"
              [attr.data-semantic]="c.deal.semantic"
              [attr.title]="'list.deal' | t: { title: c.deal.title }"
              >{{ c.deal.stage || ('deal.semantic.' + c.deal.semantic | t) }}
              @if (c.deal.amount !== null) {
                <span class="deal__amount">· {{ format.money(c.deal.amount, c.deal.currency) }}</span>
              }
            </span>
          </span>
        }
        @if (c.tags.length) {
          <span class="tags">
            @for (tag of c.tags; track tag) {
              <ob-tag-chip data-testid="list-tag" [name]="tag" [color]="tags.colorOf(tag)" [small]="true" />
            }
          </span>
        }
        <span class="line line--meta">
          <span class="channel">
            <ob-channel-icon [type]="c.channel.type" [label]="'channel.' + c.channel.type | t" />
            <span class="channel__name" data-testid="conversation-channel"
              >{{ c.channel.name }}
              @if (account()) {
                <span class="channel__account"> · {{ account() }}</span>
              }
            </span>
          </span>
          <span class="assignee" data-testid="conversation-assignee">{{
            c.assignee?.name ?? ('list.unassigned' | t)
          }}</span>
        </span>
      </span>
    </a>
  `,
  styles: `
    .tags {
      display: flex;
      flex-wrap: wrap;
      gap: 3px;
      min-width: 0;
    }
    .row {
      display: flex;
      gap: 10px;
      padding: 10px 12px;
      border-radius: 8px;
      text-decoration: none;
      color: var(--text);
      border: 1px solid transparent;
    }
    .row:hover {
      background: var(--hover);
    }
    .row--cursor {
      border-color: var(--accent);
    }
    .row--active {
      background: var(--accent-soft);
    }
    .main {
      flex: 1;
      min-width: 0;
      display: flex;
      flex-direction: column;
      gap: 2px;
    }
    .line {
      display: flex;
      align-items: center;
      gap: 8px;
      min-width: 0;
    }
    .name {
      flex: 1;
      font-weight: 500;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .row--unread .name {
      font-weight: 700;
    }
    .time {
      font-size: 11px;
      color: var(--text-faint);
      white-space: nowrap;
    }
    .preview {
      flex: 1;
      font-size: 13px;
      color: var(--text-muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .row--unread .preview {
      color: var(--text);
    }
    .badge {
      min-width: 18px;
      height: 18px;
      padding: 0 5px;
      border-radius: 9px;
      background: var(--accent);
      color: #fff;
      font-size: 11px;
      font-weight: 600;
      display: inline-grid;
      place-items: center;
    }
    .line--meta {
      font-size: 11px;
      color: var(--text-faint);
    }
    .channel {
      flex: 1;
      display: inline-flex;
      align-items: center;
      gap: 4px;
      min-width: 0;
    }
    .channel__name,
    .assignee {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .assignee {
      max-width: 45%;
    }
    .deal {
      max-width: 100%;
      padding: 0 7px;
      border-radius: 9px;
      font-size: 11px;
      font-weight: 600;
      line-height: 17px;
      background: var(--hover);
      color: var(--text-muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .deal--won {
      background: #dcfae6;
      color: #067647;
    }
    .deal--lost {
      background: var(--danger-soft);
      color: var(--danger);
    }
    .deal__amount {
      font-weight: 500;
    }
  `,
})
export class ConversationRowComponent {
  protected readonly format = inject(FormatService);
  protected readonly tags = inject(TagsStore);
  private readonly i18n = inject(I18nService);
  /** The conversation to show. */
  readonly conversation = input.required<ConversationListItem>();
  /** Whether it is the conversation open in the thread. */
  readonly active = input(false);
  /** The platform account behind the channel (bot username, phone number), when known. */
  readonly account = input<string | null>(null);
  /** Whether the keyboard cursor is on it. */
  readonly highlighted = input(false);

  /** The signed-in agent's id: their own last message reads "You:", a colleague's shows the name. */
  readonly meId = input<string | null>(null);

  /** Last message, prefixed "You:" or the colleague's name when an agent sent it. */
  protected readonly preview = computed(() => {
    const last = this.conversation().lastMessage;
    if (!last) return this.i18n.t('list.noMessages');
    const text = (last.text || this.i18n.t('list.attachment')).replace(/\s+/g, ' ').trim();
    if (last.direction !== 'out') return text;
    if (last.author && last.author.id !== this.meId()) return `${last.author.name}: ${text}`;
    return this.i18n.t('list.you', { text });
  });
}
