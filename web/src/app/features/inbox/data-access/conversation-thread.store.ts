import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  canAdvanceDeliveryStatus,
  type AttachmentDto,
  type ConversationDetail,
  type ConversationListItem,
  type ConversationStatus,
  type DeliveryErrorCode,
  type MessageDto,
  type SendMessageRequest,
} from '@onebox/contracts';
import { Subscription } from 'rxjs';
import { apiErrorMessage, apiErrorOf } from '../../../core/api/api-error';
import { AuthService } from '../../../core/auth/auth.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import { AgentSocketService } from '../../../core/socket/agent-socket.service';
import { ToastService } from '../../../core/toast/toast.service';
import { TagsApi } from '../../../shared/data-access/tags-api.service';
import { ConversationsApi } from './conversations-api.service';

export const MESSAGE_PAGE_SIZE = 30;

export interface OutgoingDraft {
  text: string;
  private: boolean;
  attachments: AttachmentDto[];
  /** The canned response the text came from, reported with the send. */
  cannedResponseId?: string;
  /** An approved WhatsApp template, sent instead of free text while the messaging window is closed. */
  template?: NonNullable<SendMessageRequest['template']>;
}

type MessagingWindow = NonNullable<ConversationDetail['messagingWindow']>;

/** A client id for idempotent sends; `crypto.randomUUID` exists only in secure contexts. */
export function newClientMessageId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Merge a newer copy of a message into the one shown; delivery status never moves backwards. */
export function mergeMessage(current: MessageDto, next: MessageDto): MessageDto {
  if (current.status === next.status || canAdvanceDeliveryStatus(current.status, next.status)) return next;
  return { ...next, status: current.status, error: current.error };
}

/**
 * One open conversation: its detail, a window of messages (oldest first) paged upwards,
 * optimistic sends and live socket updates.
 */
@Injectable()
export class ConversationThreadStore {
  private readonly api = inject(ConversationsApi);
  private readonly auth = inject(AuthService);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly tagsApi = inject(TagsApi);
  private requests = new Subscription();
  /** Canned response ids of messages not yet accepted by the server, by `clientMessageId` (kept for a resend). */
  private readonly cannedIds = new Map<string, string>();
  /** Bumped by each tag change, so only the latest failure reverts. */
  private tagsVersion = 0;

  readonly conversationId = signal<string | null>(null);
  readonly detail = signal<ConversationDetail | null>(null);
  readonly messages = signal<MessageDto[]>([]);
  readonly hasMore = signal(false);
  readonly loading = signal(false);
  readonly loadingOlder = signal(false);
  readonly notFound = signal(false);
  readonly busyAction = signal(false);

  constructor() {
    const socket = inject(AgentSocketService);
    const destroyRef = inject(DestroyRef);
    socket
      .on('message.created')
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((m) => this.applyMessage(m));
    socket
      .on('message.updated')
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((m) => this.applyMessage(m));
    socket
      .on('conversation.updated')
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((c) => this.applyConversation(c));
    destroyRef.onDestroy(() => this.requests.unsubscribe());
  }

  open(id: string): void {
    this.requests.unsubscribe();
    this.requests = new Subscription();
    this.conversationId.set(id);
    this.detail.set(null);
    this.messages.set([]);
    this.hasMore.set(false);
    this.notFound.set(false);
    this.loadingOlder.set(false);
    this.loading.set(true);
    let pending = 2;
    const done = () => {
      if (--pending === 0) this.loading.set(false);
    };
    this.requests.add(
      this.api.get(id).subscribe({
        next: (detail) => {
          this.detail.set(detail);
          done();
        },
        error: (err: unknown) => {
          this.notFound.set(true);
          this.fail(err);
          done();
        },
      }),
    );
    this.requests.add(
      this.api.messages(id, null, MESSAGE_PAGE_SIZE).subscribe({
        next: (page) => {
          // Live messages may have arrived before the page; keep them.
          this.messages.update((live) => this.mergeLists(page.items, live));
          this.hasMore.set(page.hasMore);
          done();
        },
        error: () => done(),
      }),
    );
  }

  /** Fetch the detail again, keeping the messages: e.g. a contact merge moved identities and conversations. */
  reloadDetail(): void {
    const id = this.conversationId();
    if (!id) return;
    this.requests.add(
      this.api.get(id).subscribe({
        next: (detail) => {
          if (this.conversationId() === id) this.detail.set(detail);
        },
        error: (err: unknown) => this.fail(err),
      }),
    );
  }

  close(): void {
    this.requests.unsubscribe();
    this.conversationId.set(null);
    this.detail.set(null);
    this.messages.set([]);
  }

  loadOlder(): void {
    const id = this.conversationId();
    const oldest = this.messages().find((m) => !m.id.startsWith('local-'));
    if (!id || !oldest || !this.hasMore() || this.loadingOlder() || this.loading()) return;
    this.loadingOlder.set(true);
    this.requests.add(
      this.api.messages(id, oldest.id, MESSAGE_PAGE_SIZE).subscribe({
        next: (page) => {
          if (this.conversationId() !== id) return;
          this.messages.update((current) => this.mergeLists(page.items, current));
          this.hasMore.set(page.hasMore);
          this.loadingOlder.set(false);
        },
        error: (err: unknown) => {
          this.loadingOlder.set(false);
          this.fail(err);
        },
      }),
    );
  }

  /** A message from the socket or an HTTP answer: replace by id or clientMessageId, else append. */
  applyMessage(message: MessageDto): void {
    if (message.conversationId !== this.conversationId()) return;
    const matches = (m: MessageDto) =>
      m.id === message.id || (!!message.clientMessageId && m.clientMessageId === message.clientMessageId);
    const list = this.messages();
    const index = list.findIndex(matches);
    if (index === -1) {
      this.messages.set([...list, message]);
      if (message.direction === 'in' && !message.private) this.reopenWindow(message.createdAt);
      return;
    }
    const next = [...list];
    next[index] = mergeMessage(list[index], message);
    this.messages.set(next);
  }

  applyConversation(item: ConversationListItem): void {
    this.detail.update((detail) =>
      detail && detail.id === item.id
        ? { ...detail, ...item, contact: { ...detail.contact, name: item.contact.name } }
        : detail,
    );
  }

  /** Show the message at once as `queued`, then let the server's copy replace it. */
  send(draft: OutgoingDraft): void {
    const id = this.conversationId();
    const user = this.auth.user();
    if (!id) return;
    const clientMessageId = newClientMessageId();
    const template = draft.template ? { ...draft.template, parameters: draft.template.parameters ?? [] } : null;
    const optimistic: MessageDto = {
      id: `local-${clientMessageId}`,
      conversationId: id,
      direction: 'out',
      author: { type: 'agent', id: user?.id ?? null, name: user?.name ?? '' },
      text: draft.text,
      attachments: draft.attachments,
      status: 'queued',
      error: null,
      private: draft.private,
      clientMessageId,
      editedAt: null,
      template,
      createdAt: new Date().toISOString(),
    };
    if (draft.cannedResponseId) this.cannedIds.set(clientMessageId, draft.cannedResponseId);
    this.messages.update((list) => [...list, optimistic]);
    this.post(id, optimistic);
  }

  /**
   * Send a failed message again. One the server stored goes through `/retry`; one that never
   * reached it is posted again under the same `clientMessageId`, so it cannot arrive twice.
   */
  retry(message: MessageDto): void {
    const id = this.conversationId();
    if (!id || message.conversationId !== id || message.status !== 'failed') return;
    this.patchMessage(message.id, { status: 'queued', error: null });
    if (message.id.startsWith('local-')) {
      this.post(id, message);
      return;
    }
    this.api.retry(id, message.id).subscribe({
      next: (saved) => {
        if (saved?.id) this.applyMessage({ ...saved, conversationId: saved.conversationId ?? id });
      },
      error: (err: unknown) => this.failQueued(message.id, err, message.error?.code ?? 'temporary'),
    });
  }

  private post(id: string, message: MessageDto): void {
    const body: SendMessageRequest = {
      text: message.text,
      clientMessageId: message.clientMessageId ?? undefined,
      private: message.private,
      attachmentIds: message.attachments.map((a) => a.id),
    };
    if (message.template) body.template = message.template;
    const cannedResponseId = message.clientMessageId ? this.cannedIds.get(message.clientMessageId) : undefined;
    if (cannedResponseId) body.cannedResponseId = cannedResponseId;
    this.api.send(id, body).subscribe({
      next: (saved) => {
        if (message.clientMessageId) this.cannedIds.delete(message.clientMessageId);
        if (saved?.id) this.applyMessage({ ...saved, conversationId: saved.conversationId ?? id });
      },
      error: (err: unknown) => {
        const windowClosed = apiErrorOf(err)?.code === 'window_closed';
        // The composer offers the template form as soon as the window reads as closed.
        if (windowClosed) this.closeWindow();
        this.failQueued(message.id, err, windowClosed ? 'window_closed' : 'temporary');
      },
    });
  }

  /** A send or retry the server refused: the message shows the reason (if still waiting) and a toast says it. */
  private failQueued(messageId: string, err: unknown, code: DeliveryErrorCode): void {
    const text = apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'));
    this.messages.update((list) =>
      list.map((m) =>
        m.id === messageId && m.status === 'queued' ? { ...m, status: 'failed', error: { code, message: text } } : m,
      ),
    );
    this.toast.error(text);
  }

  private patchMessage(messageId: string, patch: Partial<MessageDto>): void {
    this.messages.update((list) => list.map((m) => (m.id === messageId ? { ...m, ...patch } : m)));
  }

  private closeWindow(): void {
    this.detail.update((d) => {
      if (!d) return d;
      const window: MessagingWindow = d.messagingWindow ?? { hours: 24, closesAt: null, open: false };
      return { ...d, messagingWindow: { ...window, open: false } };
    });
  }

  /** A customer message restarts the platform's window: it closes `hours` after that message. */
  private reopenWindow(at: string): void {
    this.detail.update((d) => {
      const window = d?.messagingWindow;
      const sent = Date.parse(at);
      if (!d || !window || Number.isNaN(sent)) return d;
      const closesAt = new Date(sent + window.hours * 3_600_000).toISOString();
      if (window.closesAt && Date.parse(window.closesAt) >= Date.parse(closesAt)) return d;
      return { ...d, messagingWindow: { ...window, open: true, closesAt } };
    });
  }

  /**
   * Replace the conversation's tags (names): shown at once, reverted with a toast if the server
   * refuses. `onChange` hears each shown list (the optimistic one and, on failure, the old one).
   */
  setTags(tags: string[], onChange?: (id: string, tags: string[]) => void): void {
    const id = this.conversationId();
    const detail = this.detail();
    if (!id || !detail || detail.id !== id) return;
    const previous = detail.tags ?? [];
    const version = ++this.tagsVersion;
    this.detail.set({ ...detail, tags });
    onChange?.(id, tags);
    this.tagsApi.setConversationTags(id, tags).subscribe({
      error: (err: unknown) => {
        if (version === this.tagsVersion && this.conversationId() === id) {
          this.detail.update((d) => (d && d.id === id ? { ...d, tags: previous } : d));
          onChange?.(id, previous);
        }
        const error = apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'));
        this.toast.error(this.i18n.t('tags.saveFailed', { error }));
      },
    });
  }

  /** Assign to `assignee` (null: unassign). The server answers 204; the socket echo follows. */
  assign(assignee: { id: string; name: string } | null): void {
    const id = this.conversationId();
    if (!id) return;
    this.busyAction.set(true);
    this.api.assign(id, assignee?.id ?? null).subscribe({
      next: (item) => {
        this.busyAction.set(false);
        if (item?.id) this.applyConversation(item);
        else this.detail.update((d) => (d && d.id === id ? { ...d, assignee } : d));
      },
      error: (err: unknown) => {
        this.busyAction.set(false);
        this.fail(err);
      },
    });
  }

  /** `snoozedUntil` goes with `snoozed`: the conversation comes back on its own then. */
  setStatus(status: ConversationStatus, snoozedUntil?: Date): void {
    const id = this.conversationId();
    if (!id) return;
    this.busyAction.set(true);
    const until = status === 'snoozed' && snoozedUntil ? snoozedUntil.toISOString() : undefined;
    this.api.setStatus(id, status, until).subscribe({
      next: (item) => {
        this.busyAction.set(false);
        if (item?.id) this.applyConversation(item);
        else this.detail.update((d) => (d && d.id === id ? { ...d, status, snoozedUntil: until ?? null } : d));
      },
      error: (err: unknown) => {
        this.busyAction.set(false);
        this.fail(err);
      },
    });
  }

  private mergeLists(page: MessageDto[], current: MessageDto[]): MessageDto[] {
    const ids = new Set(page.map((m) => m.id));
    const clientIds = new Set(page.map((m) => m.clientMessageId).filter(Boolean));
    const rest = current.filter((m) => !ids.has(m.id) && !(m.clientMessageId && clientIds.has(m.clientMessageId)));
    return [...page, ...rest];
  }

  private fail(err: unknown): void {
    this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
  }
}
