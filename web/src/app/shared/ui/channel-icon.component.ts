import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { ChannelType } from '@onebox/contracts';

const MARKS: Record<ChannelType, string> = { telegram: 'TG', whatsapp: 'WA', max: 'MAX', webchat: 'WEB' };

/** A small coloured mark for a channel type; the label is given to assistive tech. */
@Component({
  selector: 'ob-channel-icon',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span
    class="mark"
    [class]="'mark mark--' + type()"
    [attr.title]="label()"
    role="img"
    [attr.aria-label]="label()"
    >{{ mark() }}</span
  >`,
  styles: `
    :host {
      display: inline-flex;
    }
    .mark {
      display: inline-grid;
      place-items: center;
      min-width: 22px;
      height: 16px;
      padding: 0 3px;
      border-radius: 4px;
      font-size: 9px;
      font-weight: 700;
      letter-spacing: 0.02em;
      color: #fff;
    }
    .mark--telegram {
      background: #229ed9;
    }
    .mark--whatsapp {
      background: #25a35a;
    }
    .mark--max {
      background: #7b4dff;
    }
    .mark--webchat {
      background: #64748b;
    }
  `,
})
export class ChannelIconComponent {
  /** The channel type to show. */
  readonly type = input.required<ChannelType>();
  /** Accessible label (the translated channel type or the channel's name). */
  readonly label = input<string>('');
  protected readonly mark = computed(() => MARKS[this.type()] ?? '?');
}
