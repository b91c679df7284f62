import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { ConversationDetail } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ChannelIconComponent } from '../../../shared/ui/channel-icon.component';

/** Who the customer is: contact details, identities per channel, earlier conversations; projected content (the deal, merging) goes under the details. */
@Component({
  selector: 'ob-contact-panel',
  imports: [RouterLink, TranslatePipe, ChannelIconComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let c = conversation();
    <section class="panel" data-testid="contact-panel">
      <div class="head">
        <span class="avatar avatar--lg" aria-hidden="true">{{ c.contact.name.charAt(0) || '?' }}</span>
        <h2 class="name" data-testid="contact-name">{{ c.contact.name }}</h2>
      </div>
      <dl class="props">
        <dt>{{ 'contact.email' | t }}</dt>
        <dd>
          @if (c.contact.email) {
            <a [href]="'mailto:' + c.contact.email">{{ c.contact.email }}</a>
          } @else {
            {{ 'contact.none' | t }}
          }
        </dd>
        <dt>{{ 'contact.phone' | t }}</dt>
        <dd>
          @if (c.contact.phone) {
            <a [href]="'tel:' + c.contact.phone">{{ c.contact.phone }}</a>
          } @else {
            {{ 'contact.none' | t }}
          }
        </dd>
      </dl>
      <!-- The deal and actions on the contact (e.g. merging duplicates), supplied by the page. -->
      <ng-content />
      <h3 class="section">{{ 'contact.identities' | t }}</h3>
      <ul class="list">
        @for (identity of identities(); track identity.channelId + identity.externalId) {
          <li class="identity">
            <ob-channel-icon [type]="identity.channelType" [label]="'channel.' + identity.channelType | t" />
            <span class="identity__type">{{ 'channel.' + identity.channelType | t }}</span>
            <code class="identity__id">{{ identity.externalId }}</code>
          </li>
        } @empty {
          <li class="muted">{{ 'contact.none' | t }}</li>
        }
      </ul>
      <h3 class="section">{{ 'contact.past' | t }}</h3>
      <ul class="list">
        @for (p of past(); track p.id) {
          <li>
            <a class="past" [routerLink]="['/inbox', p.id]" data-testid="past-conversation">
              <ob-channel-icon [type]="p.channel.type" [label]="p.channel.name" />
              <span class="past__name">{{ p.channel.name }}</span>
              <span class="past__meta">{{ 'status.' + p.status | t }} · {{ format.date(p.lastMessageAt) }}</span>
            </a>
          </li>
        } @empty {
          <li class="muted">{{ 'contact.noPast' | t }}</li>
        }
      </ul>
    </section>
  `,
  styles: `
    .panel {
      padding: 20px 16px;
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    .head {
      display: flex;
      flex-direction: column;
      align-items: center;
      gap: 8px;
      padding-bottom: 8px;
      text-align: center;
    }
    .name {
      margin: 0;
      font-size: 16px;
      overflow-wrap: anywhere;
    }
    .props {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 6px 12px;
      margin: 0;
      font-size: 13px;
    }
    .props dt {
      color: var(--text-muted);
    }
    .props dd {
      margin: 0;
      overflow-wrap: anywhere;
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
      gap: 4px;
      font-size: 13px;
    }
    .identity {
      display: flex;
      align-items: center;
      gap: 6px;
      min-width: 0;
    }
    .identity__id {
      margin-left: auto;
      font-size: 11px;
      color: var(--text-muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      max-width: 50%;
    }
    .past {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 2px 8px;
      padding: 6px 8px;
      border-radius: 6px;
      text-decoration: none;
      color: var(--text);
    }
    .past:hover {
      background: var(--hover);
    }
    .past__meta {
      grid-column: 2;
      font-size: 11px;
      color: var(--text-muted);
    }
    .muted {
      color: var(--text-muted);
    }
  `,
})
export class ContactPanelComponent {
  protected readonly format = inject(FormatService);
  /** The open conversation, whose contact is shown. */
  readonly conversation = input.required<ConversationDetail>();
  protected readonly identities = computed(() => this.conversation().contact.identities ?? []);
  protected readonly past = computed(() =>
    (this.conversation().pastConversations ?? []).filter((p) => p.id !== this.conversation().id),
  );
}
