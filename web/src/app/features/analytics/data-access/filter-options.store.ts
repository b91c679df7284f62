import { Injectable, computed, inject, signal } from '@angular/core';
import type { ChannelDto, UserDto } from '@onebox/contracts';
import { TagsStore } from '../../../shared/data-access/tags.store';
import type { FilterOption } from '../ui/analytics-filters.component';
import { AnalyticsApi } from './analytics-api.service';

/** Channels, managers and tags to filter by; a failed list just leaves its filter with "all". */
@Injectable()
export class FilterOptionsStore {
  private readonly api = inject(AnalyticsApi);
  private readonly tagsStore = inject(TagsStore);
  private readonly channelList = signal<ChannelDto[]>([]);
  private readonly userList = signal<UserDto[]>([]);

  readonly channels = computed<FilterOption[]>(() =>
    this.channelList()
      .map((c) => ({ value: c.id, label: c.name }))
      .sort((a, b) => a.label.localeCompare(b.label)),
  );
  readonly managers = computed<FilterOption[]>(() =>
    this.userList()
      .map((u) => ({ value: u.id, label: u.name }))
      .sort((a, b) => a.label.localeCompare(b.label)),
  );
  readonly tags = computed<FilterOption[]>(() => this.tagsStore.tags().map((t) => ({ value: t.name, label: t.name })));

  load(): void {
    this.api.channels().subscribe({ next: (list) => this.channelList.set(list), error: () => undefined });
    this.api.users().subscribe({ next: (list) => this.userList.set(list), error: () => undefined });
    this.tagsStore.load();
  }
}
