import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import type { ContactDto } from '@onebox/contracts';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ChannelIconComponent } from '../../../shared/ui/channel-icon.component';

/** A contact that could be merged into the open one: name, phone/email, channels and a Merge button. */
@Component({
  selector: 'ob-contact-match',
  imports: [TranslatePipe, ChannelIconComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let c = contact();
    <div class="who">
      <span class="name">{{ c.name }}</span>
      @if (reach()) {
        <span class="reach">{{ reach() }}</span>
      }
      @if (c.identities.length) {
        <span class="channels">
          @for (identity of c.identities; track identity.channelId + identity.externalId) {
            <ob-channel-icon [type]="identity.channelType" [label]="'channel.' + identity.channelType | t" />
          }
        </span>
      }
    </div>
    <button
      type="button"
      class="btn btn--sm"
      data-testid="merge-button"
      [disabled]="disabled()"
      [attr.aria-label]="'contact.merge.mergeNamed' | t: { name: c.name }"
      (click)="merge.emit()"
    >
      {{ 'contact.merge.merge' | t }}
    </button>
  `,
  styles: `
    :host {
      display: flex;
      align-items: center;
      gap: 8px;
      min-width: 0;
    }
    .who {
      flex: 1;
      min-width: 0;
      display: flex;
      flex-direction: column;
      gap: 2px;
    }
    .name,
    .reach {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .reach {
      font-size: 11px;
      color: var(--text-muted);
    }
    .channels {
      display: flex;
      flex-wrap: wrap;
      gap: 3px;
    }
    .btn {
      flex: none;
    }
  `,
})
export class ContactMatchComponent {
  /** The candidate contact. */
  readonly contact = input.required<ContactDto>();
  /** Disables the Merge button, e.g. while a merge is running. */
  readonly disabled = input(false);
  /** The agent asked to merge this contact (the parent confirms). */
  readonly merge = output<void>();

  protected readonly reach = computed(() =>
    [this.contact().phone, this.contact().email].filter((v): v is string => !!v).join(' · '),
  );
}
