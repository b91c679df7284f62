import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { tagTextColor } from '../data-access/tags.store';

/** A coloured tag; with `removable`, a × button asks to take it off. */
@Component({
  selector: 'ob-tag-chip',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: {
    class: 'tag-chip',
    '[class.tag-chip--small]': 'small()',
    '[style.background]': 'color()',
    '[style.color]': 'textColor()',
    '[attr.data-tag]': 'name()',
    '[attr.title]': 'name()',
  },
  template: `
    <span class="name">{{ name() }}</span>
    @if (removable()) {
      <button
        type="button"
        class="remove"
        [attr.data-testid]="removeTestId()"
        [disabled]="disabled()"
        [attr.aria-label]="'tags.remove' | t: { name: name() }"
        (click)="remove.emit(); $event.stopPropagation()"
      >
        ×
      </button>
    }
  `,
  styles: `
    :host {
      display: inline-flex;
      align-items: center;
      gap: 2px;
      max-width: 160px;
      padding: 1px 8px;
      border-radius: 10px;
      font-size: 11px;
      font-weight: 600;
      line-height: 16px;
    }
    :host(.tag-chip--small) {
      padding: 0 6px;
      font-size: 10px;
      line-height: 14px;
    }
    .name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .remove {
      margin-right: -4px;
      padding: 0 2px;
      border: 0;
      background: none;
      color: inherit;
      font-size: 13px;
      line-height: 1;
      cursor: pointer;
      opacity: 0.8;
    }
    .remove:hover:not(:disabled) {
      opacity: 1;
    }
  `,
})
export class TagChipComponent {
  readonly name = input.required<string>();
  /** `#rrggbb`. */
  readonly color = input.required<string>();
  readonly small = input(false);
  readonly removable = input(false);
  readonly disabled = input(false);
  readonly removeTestId = input<string | null>(null);
  readonly remove = output<void>();
  protected readonly textColor = computed(() => tagTextColor(this.color()));
}
