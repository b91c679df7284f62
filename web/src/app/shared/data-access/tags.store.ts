import { Injectable, computed, inject, signal } from '@angular/core';
import type { TagDto } from '@onebox/contracts';
import { TagsApi } from './tags-api.service';

/** The grey of a tag name the workspace does not know (e.g. deleted meanwhile). */
export const UNKNOWN_TAG_COLOR = '#98a2b3';

/** Black or white, whichever reads better on `hex` (`#rrggbb`). */
export function tagTextColor(hex: string): string {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!match) return '#ffffff';
  const [r, g, b] = match.slice(1).map((part) => parseInt(part, 16) / 255);
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.6 ? '#101828' : '#ffffff';
}

/** The workspace's tags, shared by the inbox (chips, filter) and the settings that edit them. */
@Injectable({ providedIn: 'root' })
export class TagsStore {
  private readonly api = inject(TagsApi);
  private readonly tagsSignal = signal<TagDto[]>([]);
  private requested = false;

  readonly tags = this.tagsSignal.asReadonly();
  readonly loaded = signal(false);
  /** Colour by tag name. */
  private readonly colors = computed(() => new Map(this.tagsSignal().map((t) => [t.name, t.color])));

  /** Fetch the tags once (again with `force`); a failure leaves the chips grey. */
  load(force = false): void {
    if (this.requested && !force) return;
    this.requested = true;
    this.api.list().subscribe({
      next: (tags) => {
        this.set(tags);
        this.loaded.set(true);
      },
      error: () => {
        this.requested = false;
      },
    });
  }

  set(tags: TagDto[]): void {
    this.tagsSignal.set([...tags].sort((a, b) => a.name.localeCompare(b.name)));
  }

  upsert(tag: TagDto): void {
    this.set([...this.tagsSignal().filter((t) => t.id !== tag.id), tag]);
  }

  remove(id: string): void {
    this.tagsSignal.update((tags) => tags.filter((t) => t.id !== id));
  }

  colorOf(name: string): string {
    return this.colors().get(name) ?? UNKNOWN_TAG_COLOR;
  }
}
