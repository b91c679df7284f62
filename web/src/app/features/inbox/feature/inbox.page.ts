import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { Router, RouterOutlet } from '@angular/router';
import type { ChannelDto } from '@onebox/contracts';
import { TagsStore } from '../../../shared/data-access/tags.store';
import { ConversationsApi } from '../data-access/conversations-api.service';
import { ConversationListStore } from '../data-access/conversation-list.store';
import { InboxShortcuts } from '../data-access/inbox-shortcuts.service';
import { ShortcutsOverlayComponent } from '../ui/shortcuts-overlay.component';
import { ConversationListComponent } from './conversation-list.component';

/** True when a key press belongs to a text field rather than to the inbox shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** The single window: list on the left, the routed conversation (thread + contact) on the right. */
@Component({
  selector: 'ob-inbox-page',
  imports: [RouterOutlet, ConversationListComponent, ShortcutsOverlayComponent],
  providers: [ConversationListStore, InboxShortcuts],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(document:keydown)': 'onKeydown($event)' },
  template: `
    <aside class="list"><ob-conversation-list [channels]="channels()" /></aside>
    <section class="content"><router-outlet /></section>
    @if (helpOpen()) {
      <ob-shortcuts-overlay (closed)="helpOpen.set(false)" />
    }
  `,
  styles: `
    :host {
      display: grid;
      grid-template-columns: clamp(280px, 26vw, 360px) minmax(0, 1fr);
      height: 100%;
      min-height: 0;
    }
    .list {
      min-height: 0;
      background: var(--surface);
      border-right: 1px solid var(--border);
    }
    .content {
      min-height: 0;
      min-width: 0;
    }
  `,
})
export class InboxPage implements OnInit {
  private readonly api = inject(ConversationsApi);
  private readonly router = inject(Router);
  private readonly store = inject(ConversationListStore);
  private readonly shortcuts = inject(InboxShortcuts);
  private readonly tags = inject(TagsStore);

  protected readonly channels = signal<ChannelDto[]>([]);
  protected readonly helpOpen = signal(false);

  ngOnInit(): void {
    this.store.reload();
    // Fresh on every visit: settings may have renamed or recoloured tags meanwhile.
    this.tags.load(true);
    this.api.channels().subscribe({ next: (channels) => this.channels.set(channels), error: () => undefined });
  }

  onKeydown(event: KeyboardEvent): void {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Escape' && this.helpOpen()) {
      this.helpOpen.set(false);
      return;
    }
    if (isTypingTarget(event.target)) return;
    switch (event.key) {
      case '?':
        this.helpOpen.update((open) => !open);
        break;
      case 'j':
      case 'ArrowDown':
        this.store.moveCursor(1);
        break;
      case 'k':
      case 'ArrowUp':
        this.store.moveCursor(-1);
        break;
      case 'Enter': {
        const item = this.store.items()[this.store.cursorIndex()];
        if (!item) return;
        void this.router.navigate(['/inbox', item.id]);
        break;
      }
      case 'r':
        this.shortcuts.focusComposer.next();
        break;
      case 'e':
        this.shortcuts.resolve.next();
        break;
      case 'a':
        this.shortcuts.assignToMe.next();
        break;
      case 's':
        this.shortcuts.snooze.next();
        break;
      default:
        return;
    }
    event.preventDefault();
  }
}
