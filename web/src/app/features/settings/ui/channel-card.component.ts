import { ChangeDetectionStrategy, Component, inject, input, output } from '@angular/core';
import type { ChannelDto } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ChannelIconComponent } from '../../../shared/ui/channel-icon.component';
import { ChannelProactiveComponent } from './channel-proactive.component';
import { ChannelHoursComponent } from './channel-hours.component';
import { ChannelRoutingComponent } from './channel-routing.component';
import { ChannelBotComponent } from './channel-bot.component';

/**
 * One connected channel: who it is, whether it works, and how its updates reach Onebox
 * (the webhook URL to copy, or long polling); the website chat shows its embed snippet.
 */
@Component({
  selector: 'ob-channel-card',
  imports: [
    TranslatePipe,
    ChannelIconComponent,
    ChannelRoutingComponent,
    ChannelProactiveComponent,
    ChannelHoursComponent,
    ChannelBotComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let c = channel();
    <div class="head">
      <ob-channel-icon [type]="c.type" [label]="'channel.' + c.type | t" />
      <strong class="name">{{ c.name }}</strong>
      @if (c.accountName) {
        <span class="muted" data-testid="channel-account">{{ c.accountName }}</span>
      }
      <span
        class="status-pill"
        [class.status-pill--bad]="c.status === 'error'"
        [class.status-pill--off]="c.status === 'disabled'"
        data-testid="channel-status"
        [attr.data-status]="c.status"
        [attr.title]="c.statusMessage || null"
        >{{ 'settings.channels.status.' + c.status | t }}</span
      >
      <span class="muted small-inline">{{ format.date(c.createdAt) }}</span>
      <button
        type="button"
        class="btn btn--sm btn--danger disconnect"
        (click)="disconnect.emit(c)"
        data-testid="channel-delete"
      >
        {{ 'settings.channels.disconnect' | t }}
      </button>
    </div>
    @if (c.status === 'error' && c.statusMessage) {
      <p class="status-message" data-testid="channel-status-message">{{ c.statusMessage }}</p>
    }
    @if (c.mode === 'polling') {
      <p class="small" data-testid="channel-mode" data-mode="polling">
        <span class="muted">{{ 'settings.channels.updates' | t }}:</span> {{ 'settings.channels.mode.polling' | t }}
      </p>
    } @else if (c.webhookUrl) {
      <div class="small" data-testid="channel-mode" data-mode="webhook">
        <span class="muted">{{ 'settings.channels.updates' | t }}:</span> {{ 'settings.channels.mode.webhook' | t }}
        <div class="copyable">
          <code data-testid="channel-webhook-url">{{ c.webhookUrl }}</code>
          <button type="button" class="btn btn--sm" (click)="copyText.emit(c.webhookUrl)" data-testid="copy-webhook">
            {{ 'settings.channels.copy' | t }}
          </button>
        </div>
        @if (c.type === 'whatsapp') {
          <p class="note" data-testid="whatsapp-note">{{ 'settings.channels.whatsappNote' | t }}</p>
        }
      </div>
    }
    @if (c.embedSnippet) {
      <p class="small muted">{{ 'settings.channels.embed' | t }}</p>
      <div class="copyable">
        <pre data-testid="embed-snippet">{{ c.embedSnippet }}</pre>
        <button type="button" class="btn btn--sm" (click)="copyText.emit(c.embedSnippet)" data-testid="copy-snippet">
          {{ 'settings.channels.copy' | t }}
        </button>
      </div>
    }
    <ob-channel-routing [channel]="c" />
    <ob-channel-hours [channelId]="c.id" />
    <ob-channel-bot [channelId]="c.id" />
    @if (c.type === 'webchat') {
      <ob-channel-proactive [channelId]="c.id" />
    }
  `,
  styles: `
    :host {
      display: block;
    }
    .head {
      display: flex;
      align-items: center;
      gap: 10px;
      flex-wrap: wrap;
    }
    .disconnect {
      margin-left: auto;
    }
    pre {
      flex: 1;
      margin: 0;
      padding: 10px;
      background: #0f172a;
      color: #e2e8f0;
      border-radius: 8px;
      font-size: 12px;
      white-space: pre-wrap;
      word-break: break-all;
    }
    .status-message {
      margin: 8px 0 0;
      font-size: 12px;
      color: var(--danger);
    }
    .note {
      margin: 6px 0 0;
      font-size: 12px;
      color: var(--text-muted);
    }
    .muted {
      color: var(--text-muted);
    }
    .small-inline {
      font-size: 12px;
    }
    .small {
      font-size: 12px;
      margin: 8px 0 4px;
    }
  `,
})
export class ChannelCardComponent {
  protected readonly format = inject(FormatService);
  /** The channel to show. */
  readonly channel = input.required<ChannelDto>();
  /** The admin asked to disconnect the channel (the parent confirms). */
  readonly disconnect = output<ChannelDto>();
  /** Text to copy to the clipboard (webhook URL or embed snippet). */
  readonly copyText = output<string>();
}
