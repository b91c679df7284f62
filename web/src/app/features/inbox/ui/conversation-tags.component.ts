import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import type { TagDto } from '@onebox/contracts';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { UNKNOWN_TAG_COLOR } from '../../../shared/data-access/tags.store';
import { TagChipComponent } from '../../../shared/ui/tag-chip.component';

/**
 * The conversation's tags as coloured chips (a name the workspace does not know is grey), each
 * removable, and a picker of the workspace's other tags. Emits the full new list.
 */
@Component({
  selector: 'ob-conversation-tags',
  imports: [TranslatePipe, TagChipComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @for (tag of tags(); track tag) {
      <ob-tag-chip
        data-testid="thread-tag"
        removeTestId="thread-tag-remove"
        [name]="tag"
        [color]="colors().get(tag) ?? unknownColor"
        [removable]="true"
        [disabled]="disabled()"
        (remove)="removeTag(tag)"
      />
    }
    @if (available().length) {
      <select
        #picker
        class="add"
        data-testid="thread-tag-add"
        [attr.aria-label]="'tags.addLabel' | t"
        [disabled]="disabled()"
        (change)="addTag(picker.value); picker.value = ''"
      >
        <option value="" selected>+ {{ 'tags.add' | t }}</option>
        @for (tag of available(); track tag.id) {
          <option [value]="tag.name">{{ tag.name }}</option>
        }
      </select>
    }
  `,
  styles: `
    :host {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 4px;
      min-width: 0;
    }
    .add {
      max-width: 130px;
      padding: 1px 4px;
      border: 1px dashed var(--border-strong);
      border-radius: 10px;
      background: transparent;
      font: inherit;
      font-size: 11px;
      color: var(--text-muted);
      cursor: pointer;
    }
    .add:hover:not(:disabled) {
      color: var(--text);
      border-color: var(--accent);
    }
  `,
})
export class ConversationTagsComponent {
  /** The conversation's tag names. */
  readonly tags = input<string[]>([]);
  /** The workspace's tags: colours, and what the picker offers. */
  readonly workspaceTags = input<TagDto[]>([]);
  readonly disabled = input(false);
  /** The complete new list of tag names. */
  readonly tagsChange = output<string[]>();

  protected readonly unknownColor = UNKNOWN_TAG_COLOR;
  protected readonly colors = computed(() => new Map(this.workspaceTags().map((t) => [t.name, t.color])));
  protected readonly available = computed(() => {
    const on = new Set(this.tags());
    return this.workspaceTags().filter((t) => !on.has(t.name));
  });

  protected addTag(name: string): void {
    if (!name || this.tags().includes(name)) return;
    this.tagsChange.emit([...this.tags(), name]);
  }

  protected removeTag(name: string): void {
    this.tagsChange.emit(this.tags().filter((t) => t !== name));
  }
}
