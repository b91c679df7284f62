import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import type { UserDto } from '@onebox/contracts';
import { filter } from 'rxjs';
import { AuthService } from '../../../core/auth/auth.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { AgentSocketService } from '../../../core/socket/agent-socket.service';
import { ConversationsApi } from '../data-access/conversations-api.service';
import { ConversationListStore } from '../data-access/conversation-list.store';
import { ConversationThreadStore, type OutgoingDraft } from '../data-access/conversation-thread.store';
import { InboxShortcuts } from '../data-access/inbox-shortcuts.service';
import { ChannelIconComponent } from '../../../shared/ui/channel-icon.component';
import { ComposerComponent } from '../ui/composer.component';
import { ConversationTagsComponent } from '../ui/conversation-tags.component';
import { TagsStore } from '../../../shared/data-access/tags.store';
import { ContactMergeComponent } from './contact-merge.component';
import { ContactPanelComponent } from '../ui/contact-panel.component';
import { DealPanelComponent } from './deal-panel.component';
import { SurveyRatingsComponent } from './survey-ratings.component';
import { MessageThreadComponent } from '../ui/message-thread.component';
import { SnoozeMenuComponent } from '../ui/snooze-menu.component';
import { TransferComponent } from '../ui/transfer.component';

/** A contact's "typing" is dropped if no update follows within this time. */
const CONTACT_TYPING_TTL_MS = 6000;

/** The open conversation: header actions, thread, composer and contact panel. */
@Component({
  selector: 'ob-conversation-page',
  imports: [
    TranslatePipe,
    ChannelIconComponent,
    ComposerComponent,
    ContactMergeComponent,
    ConversationTagsComponent,
    ContactPanelComponent,
    DealPanelComponent,
    SurveyRatingsComponent,
    MessageThreadComponent,
    TransferComponent,
    SnoozeMenuComponent,
  ],
  providers: [ConversationThreadStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="thread">
      <header class="header">
        @if (store.detail(); as d) {
          <div class="title">
            <h1 class="title__name" data-testid="conversation-title">{{ d.contact.name }}</h1>
            <div class="title__meta">
              <ob-channel-icon [type]="d.channel.type" [label]="'channel.' + d.channel.type | t" />
              <span>{{ d.channel.name }}</span>
              <span class="pill" [class]="'pill pill--' + d.status" data-testid="conversation-status">{{
                'status.' + d.status | t
              }}</span>
              @if (d.status === 'snoozed' && d.snoozedUntil) {
                <span class="snoozed-until" data-testid="snoozed-until">{{
                  'snooze.until' | t: { time: formatSnooze(d.snoozedUntil) }
                }}</span>
              }
            </div>
            <ob-conversation-tags
              class="title__tags"
              [tags]="d.tags"
              [workspaceTags]="tags.tags()"
              (tagsChange)="setTags($event)"
            />
          </div>
          <div class="actions">
            @if (auth.canReassign()) {
              <select
                class="input input--sm assign"
                data-testid="assign-select"
                [attr.aria-label]="'header.assignTo' | t"
                [disabled]="store.busyAction()"
                (change)="assignTo($any($event.target).value)"
              >
                <option value="" [selected]="!d.assignee">{{ 'header.unassigned' | t }}</option>
                @for (u of users(); track u.id) {
                  <option [value]="u.id" [selected]="d.assignee?.id === u.id">{{ u.name }}</option>
                }
                @if (d.assignee && !hasUser(d.assignee.id)) {
                  <option [value]="d.assignee.id" selected>{{ d.assignee.name }}</option>
                }
              </select>
            } @else if (d.assignee && d.assignee.id !== auth.user()?.id) {
              <span class="assignee">{{ 'header.assignedTo' | t: { name: d.assignee.name } }}</span>
            }
            @if (d.assignee?.id !== auth.user()?.id) {
              <button
                type="button"
                class="btn btn--sm"
                data-testid="assign-me"
                [disabled]="store.busyAction()"
                (click)="assignToMe()"
              >
                {{ 'header.assignMe' | t }}
              </button>
            }
            <ob-transfer
              [conversationId]="d.id"
              [assigneeId]="d.assignee?.id ?? null"
              [disabled]="store.busyAction()"
              (transferred)="afterTransfer($event)"
            />
            @if (d.status === 'resolved') {
              <button
                type="button"
                class="btn btn--sm"
                data-testid="reopen"
                [disabled]="store.busyAction()"
                (click)="store.setStatus('open')"
              >
                {{ 'header.reopen' | t }}
              </button>
            } @else {
              <ob-snooze-menu [disabled]="store.busyAction()" (snooze)="store.setStatus('snoozed', $event)" />
              <button
                type="button"
                class="btn btn--sm btn--success"
                data-testid="resolve"
                [disabled]="store.busyAction()"
                (click)="store.setStatus('resolved')"
              >
                ✓ {{ 'header.resolve' | t }}
              </button>
            }
          </div>
        } @else if (store.loading()) {
          <div class="skeleton skeleton--title"></div>
        } @else if (store.notFound()) {
          <div class="title">
            <h1 class="title__name">{{ 'thread.notFound' | t }}</h1>
          </div>
        }
      </header>
      <ob-message-thread
        class="messages"
        [messages]="store.messages()"
        [hasMore]="store.hasMore()"
        [loading]="store.loading()"
        [loadingOlder]="store.loadingOlder()"
        [typingName]="contactTyping()"
        [highlightId]="message() ?? null"
        (loadOlder)="store.loadOlder()"
        (retry)="store.retry($event)"
      />
      <div class="composer-wrap">
        <ob-composer
          [conversationId]="conversationId()"
          [disabled]="!store.detail()"
          [messagingWindow]="store.detail()?.messagingWindow ?? null"
          [templateLanguage]="templateLanguage()"
          [contactName]="store.detail()?.contact?.name ?? ''"
          (send)="send($event)"
          (typingChange)="onTyping($event)"
        />
      </div>
    </section>
    <aside class="contact">
      @if (store.detail(); as d) {
        <ob-contact-panel [conversation]="d">
          <ob-deal-panel [conversationId]="d.id" />
          <ob-survey-ratings [conversationId]="d.id" />
          <ob-contact-merge [contact]="d.contact" (merged)="store.reloadDetail()" />
        </ob-contact-panel>
      } @else if (store.loading()) {
        <div class="contact-skeleton">
          <span class="skeleton skeleton--circle"></span><span class="skeleton skeleton--line"></span
          ><span class="skeleton skeleton--line"></span>
        </div>
      }
    </aside>
  `,
  styles: `
    :host {
      display: grid;
      grid-template-columns: minmax(0, 1fr) clamp(220px, 22vw, 300px);
      height: 100%;
      min-height: 0;
    }
    .thread {
      display: grid;
      grid-template-rows: auto minmax(0, 1fr) auto;
      min-height: 0;
      min-width: 0;
      background: var(--bg);
    }
    .header {
      display: flex;
      align-items: center;
      gap: 12px;
      min-height: 60px;
      padding: 10px 20px;
      background: var(--surface);
      border-bottom: 1px solid var(--border);
    }
    .title {
      flex: 1;
      min-width: 0;
    }
    .title__name {
      margin: 0;
      font-size: 15px;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .title__meta {
      display: flex;
      align-items: center;
      gap: 6px;
      font-size: 12px;
      color: var(--text-muted);
    }
    .title__tags {
      margin-top: 4px;
    }
    .actions {
      flex: none;
      display: flex;
      align-items: center;
      gap: 8px;
    }
    .assign {
      width: auto;
      max-width: 160px;
    }
    .assignee {
      font-size: 12px;
      color: var(--text-muted);
    }
    .pill {
      padding: 1px 8px;
      border-radius: 10px;
      font-size: 11px;
      font-weight: 600;
      background: var(--hover);
      color: var(--text-muted);
    }
    .pill--open {
      background: #dcfae6;
      color: #067647;
    }
    .pill--pending {
      background: #fef0c7;
      color: #93370d;
    }
    .pill--snoozed {
      background: #e0eaff;
      color: #3538cd;
    }
    .composer-wrap {
      padding: 8px 20px 16px;
    }
    .contact {
      border-left: 1px solid var(--border);
      background: var(--surface);
      overflow-y: auto;
      min-height: 0;
    }
    .skeleton--title {
      width: 220px;
      height: 28px;
      border-radius: 6px;
    }
    .contact-skeleton {
      display: flex;
      flex-direction: column;
      align-items: center;
      gap: 10px;
      padding: 24px 16px;
    }
    .skeleton--circle {
      width: 48px;
      height: 48px;
      border-radius: 50%;
    }
    .skeleton--line {
      width: 80%;
      height: 14px;
      border-radius: 4px;
    }
  `,
})
export class ConversationPage {
  protected readonly store = inject(ConversationThreadStore);
  protected readonly auth = inject(AuthService);
  protected readonly tags = inject(TagsStore);
  private readonly list = inject(ConversationListStore);
  private readonly socket = inject(AgentSocketService);
  private readonly api = inject(ConversationsApi);
  private readonly router = inject(Router);
  private readonly i18n = inject(I18nService);
  private readonly composer = viewChild.required(ComposerComponent);
  private readonly snoozeMenu = viewChild(SnoozeMenuComponent);

  /** Route parameter `:conversationId`. */
  readonly conversationId = input.required<string>();
  /** `?message=` (from search or a mention): the message to scroll to and highlight. */
  readonly message = input<string | undefined>(undefined);

  protected readonly users = signal<UserDto[]>([]);
  /** Templates default to the workspace's language, the UI's until `/api/me` has answered. */
  protected readonly templateLanguage = computed(() => this.auth.me()?.workspace?.locale ?? this.i18n.lang());
  private readonly typingContact = signal<{ conversationId: string; name: string } | null>(null);
  protected readonly contactTyping = computed(() => {
    const typing = this.typingContact();
    return typing && typing.conversationId === this.conversationId() ? typing.name : null;
  });
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private typingFor: string | null = null;
  private joined: string | null = null;
  private readTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    const destroyRef = inject(DestroyRef);

    effect(() => {
      const id = this.conversationId();
      untracked(() => this.openConversation(id));
    });

    effect(() => {
      if (!this.auth.canReassign()) return;
      untracked(() => this.api.users().subscribe({ next: (users) => this.users.set(users), error: () => undefined }));
    });

    this.socket
      .on('typing')
      .pipe(
        filter((e) => e.author === 'contact'),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe((e) => {
        if (this.typingTimer) clearTimeout(this.typingTimer);
        if (!e.typing) {
          this.typingContact.set(null);
          return;
        }
        this.typingContact.set({ conversationId: e.conversationId, name: e.name });
        this.typingTimer = setTimeout(() => this.typingContact.set(null), CONTACT_TYPING_TTL_MS);
      });

    // A customer message arriving while the conversation is open is read at once.
    this.socket
      .on('message.created')
      .pipe(
        filter((m) => m.conversationId === this.conversationId() && m.direction === 'in'),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe(() => {
        this.typingContact.set(null);
        this.scheduleRead();
      });

    const shortcuts = inject(InboxShortcuts);
    shortcuts.focusComposer.pipe(takeUntilDestroyed(destroyRef)).subscribe(() => this.composer().focus());
    // e / a / s act on the open conversation, like its header buttons.
    shortcuts.resolve.pipe(takeUntilDestroyed(destroyRef)).subscribe(() => {
      const d = this.store.detail();
      if (d && d.status !== 'resolved' && !this.store.busyAction()) this.store.setStatus('resolved');
    });
    shortcuts.assignToMe.pipe(takeUntilDestroyed(destroyRef)).subscribe(() => {
      const d = this.store.detail();
      if (d && d.assignee?.id !== this.auth.user()?.id && !this.store.busyAction()) this.assignToMe();
    });
    shortcuts.snooze.pipe(takeUntilDestroyed(destroyRef)).subscribe(() => this.snoozeMenu()?.show());

    destroyRef.onDestroy(() => {
      this.stopTyping();
      if (this.joined) this.socket.leave(this.joined);
      if (this.typingTimer) clearTimeout(this.typingTimer);
      if (this.readTimer) clearTimeout(this.readTimer);
      this.list.activeId.set(null);
    });
  }

  protected formatSnooze(iso: string): string {
    return new Date(iso).toLocaleString(this.i18n.lang(), {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
  }

  protected send(draft: OutgoingDraft): void {
    this.store.send(draft);
  }

  /** PUT the full new list; the list row follows (and is put back if the server refuses). */
  protected setTags(tags: string[]): void {
    this.store.setTags(tags, (id, shown) => this.list.setTags(id, shown));
  }

  protected onTyping(typing: boolean): void {
    if (typing) {
      this.typingFor = this.conversationId();
      this.socket.typing(this.typingFor, true);
    } else {
      this.stopTyping();
    }
  }

  protected assignToMe(): void {
    const me = this.auth.user();
    if (me) this.store.assign({ id: me.id, name: me.name });
  }

  protected assignTo(userId: string): void {
    const user = this.users().find((u) => u.id === userId);
    this.store.assign(user ? { id: user.id, name: user.name } : null);
  }

  /** A manager who handed the conversation to a colleague no longer sees it. */
  protected afterTransfer(assigneeId: string | null): void {
    if (assigneeId && !this.auth.canReassign() && assigneeId !== this.auth.user()?.id)
      void this.router.navigate(['/inbox']);
  }

  protected hasUser(id: string): boolean {
    return this.users().some((u) => u.id === id);
  }

  private openConversation(id: string): void {
    this.stopTyping();
    if (this.joined && this.joined !== id) this.socket.leave(this.joined);
    this.joined = id;
    this.socket.join(id);
    this.typingContact.set(null);
    this.list.activeId.set(id);
    this.list.markRead(id);
    this.store.open(id);
    this.markRead(id);
  }

  private scheduleRead(): void {
    if (this.readTimer) clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => this.markRead(this.conversationId()), 800);
  }

  private markRead(id: string): void {
    this.list.markRead(id);
    this.api.markRead(id).subscribe({ error: () => undefined });
  }

  private stopTyping(): void {
    if (this.typingFor) this.socket.typing(this.typingFor, false);
    this.typingFor = null;
  }
}
