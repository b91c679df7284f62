import type {
  AttachmentDto,
  ProactiveTrigger,
  SurveyRequest,
  WebchatClientEvents,
  WebchatMessage,
  WebchatServerEvents,
  WebchatSession,
} from '@onebox/contracts';
import { io } from 'socket.io-client';
import type { WidgetConfig } from './config';
import { h } from './dom';
import { MESSAGES, type Messages } from './i18n';
import { renderMessage, type Entry, type MessageViewContext } from './message-view';
import { armTriggers } from './proactive';
import { renderSurvey } from './survey-view';
import { STYLES } from './styles';
import { UploadError, uploadFile, type FetchLike } from './upload';
import { ACCEPT, checkFile, parseContact } from './validation';

type Ack<E extends 'message.send' | 'profile.update' | 'survey.answer'> = Parameters<
  NonNullable<Parameters<WebchatClientEvents[E]>[1]>
>[0];

/** The part of a socket.io client socket the widget uses; tests pass a fake through `WidgetDeps.socketFactory`. */
export interface WidgetSocket {
  on<E extends keyof WebchatServerEvents>(event: E, handler: WebchatServerEvents[E]): unknown;
  on(event: 'connect', handler: () => void): unknown;
  on(event: 'disconnect', handler: (reason: string) => void): unknown;
  on(
    event: 'connect_error',
    handler: (err: Error & { data?: { code?: string; retryAfter?: number } }) => void,
  ): unknown;
  /** False once socket.io gave up reconnecting by itself (refused handshake, server-side disconnect). */
  readonly active: boolean;
  connect(): unknown;
  emit<E extends keyof WebchatClientEvents>(event: E, ...args: Parameters<WebchatClientEvents[E]>): unknown;
  disconnect(): unknown;
}

export interface WidgetAuth {
  widgetKey: string;
  visitorToken?: string;
}

/** `auth` is a callback so that a reconnect presents the visitor token received in the latest `session`. */
export type SocketFactory = (url: string, options: { auth: (cb: (auth: WidgetAuth) => void) => void }) => WidgetSocket;

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

export interface WidgetDeps {
  socketFactory?: SocketFactory;
  fetch?: FetchLike;
  /** Where the visitor token survives reloads; `null` keeps it in memory only. */
  storage?: KeyValueStore | null;
  /** How long a sent message may wait for the server's ack before it is shown as failed. */
  ackTimeoutMs?: number;
}

interface Draft {
  file: File;
  state: 'uploading' | 'ready' | 'error';
  attachment?: AttachmentDto;
  error?: string;
}

const TYPING_THROTTLE_MS = 2000;
const TYPING_IDLE_MS = 3000;
const REMOTE_TYPING_TTL_MS = 8000;
const RECONNECT_MS = 5000;

const defaultSocketFactory: SocketFactory = (url, options) => io(url, options);

function defaultStorage(): KeyValueStore | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked (privacy settings, sandboxed iframe)
  }
}

function newId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ICON_CHAT =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
const ICON_CLOSE =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z"/></svg>';
const ICON_CLIP =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5z"/></svg>';
const ICON_SEND = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M2 21 23 12 2 3v7l15 2-15 2z"/></svg>';

/** Sets one of the constant icons above; the only markup the widget ever parses, and none of it comes from outside. */
function icon(el: HTMLElement, svg: string): HTMLElement {
  el.innerHTML = svg;
  return el;
}

/**
 * Styles the shadow root with a constructed stylesheet, which the host page's Content Security
 * Policy does not govern: a `<style>` element would need the site's style-src to allow
 * 'unsafe-inline'. Browsers without constructed stylesheets get the `<style>` element.
 */
function adoptStyles(root: ShadowRoot): void {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(h('style', {}, STYLES));
  }
}

/**
 * The chat widget: a launcher and a panel in an open shadow root, talking to the `/webchat`
 * socket.io namespace. `mount()` builds the DOM and connects; everything else reacts to the
 * visitor and to server events.
 */
export class Widget {
  readonly host: HTMLElement;
  private readonly root: ShadowRoot;
  private readonly t: Messages;
  private readonly storageKey: string;
  private readonly socketFactory: SocketFactory;
  private readonly fetchImpl: FetchLike;
  private readonly storage: KeyValueStore | null;
  private readonly ackTimeoutMs: number;

  private socket: WidgetSocket | null = null;
  private visitorToken: string | null;
  private session: WebchatSession | null = null;
  private connected = false;
  private isOpen = false;
  private unread = 0;
  private entries: { entry: Entry; el: HTMLElement }[] = [];
  private drafts: Draft[] = [];
  private profileSaved = false;
  private typingSent = false;
  private typingSentAt = 0;
  private typingIdleTimer: ReturnType<typeof setTimeout> | undefined;
  private remoteTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private surveyId: string | null = null;
  /** Disarms the proactive triggers; set once the first session armed them. */
  private disarm: (() => void) | null = null;

  private readonly ui: {
    box: HTMLElement;
    launcher: HTMLButtonElement;
    badge: HTMLElement;
    panel: HTMLElement;
    name: HTMLElement;
    status: HTMLElement;
    statusText: HTMLElement;
    reply: HTMLElement;
    offline: HTMLElement;
    invite: HTMLElement;
    survey: HTMLElement;
    list: HTMLElement;
    empty: HTMLElement;
    typing: HTMLElement;
    chips: HTMLElement;
    alert: HTMLElement;
    composer: HTMLElement;
    input: HTMLTextAreaElement;
    send: HTMLButtonElement;
    file: HTMLInputElement;
    prechat: HTMLFormElement;
    prechatName: HTMLInputElement;
    prechatContact: HTMLInputElement;
    prechatError: HTMLElement;
    prechatSubmit: HTMLButtonElement;
  };

  constructor(
    private readonly config: WidgetConfig,
    deps: WidgetDeps = {},
  ) {
    this.t = MESSAGES[config.lang];
    this.socketFactory = deps.socketFactory ?? defaultSocketFactory;
    this.fetchImpl = deps.fetch ?? ((url, init) => window.fetch(url, init));
    this.storage = deps.storage === undefined ? defaultStorage() : deps.storage;
    this.ackTimeoutMs = deps.ackTimeoutMs ?? 15000;
    this.storageKey = `onebox:visitor:${config.widgetKey}`;
    this.visitorToken = this.read();

    this.host = h('div', { 'data-onebox-widget': '' });
    this.root = this.host.attachShadow({ mode: 'open' });
    this.ui = this.build();
    this.renderOpen();
  }

  /** Adds the widget to the page and connects. */
  mount(parent: HTMLElement): void {
    parent.appendChild(this.host);
    const socket = this.socketFactory(`${this.config.origin}/webchat`, {
      auth: (cb) =>
        cb(
          this.visitorToken
            ? { widgetKey: this.config.widgetKey, visitorToken: this.visitorToken }
            : { widgetKey: this.config.widgetKey },
        ),
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.connected = true;
    });
    socket.on('disconnect', () => {
      this.connected = false;
      this.renderStatus();
      this.reconnectLater();
    });
    socket.on('connect_error', (err) => {
      this.connected = false;
      if (err?.data?.code === 'unknown_widget') {
        // A deleted or mistyped channel: show nothing rather than a chat that never answers.
        console.warn(`Onebox: unknown widget key "${this.config.widgetKey}"`);
        this.host.style.display = 'none';
        return;
      }
      this.renderStatus();
      // Too many new chats from this address: the server says when to try again.
      const retryAfter = err?.data?.code === 'rate_limited' ? err.data.retryAfter : undefined;
      this.reconnectLater(typeof retryAfter === 'number' && retryAfter > 0 ? retryAfter * 1000 : RECONNECT_MS);
    });
    socket.on('session', (session) => this.onSession(session));
    socket.on('message.created', (message) => this.onMessage(message));
    socket.on('typing', (event) => this.onRemoteTyping(event));
    socket.on('survey.request', (request) => this.showSurvey(request));
  }

  destroy(): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.typingIdleTimer);
    clearTimeout(this.remoteTypingTimer);
    this.disarm?.();
    this.socket?.disconnect();
    this.socket = null;
    this.host.remove();
  }

  open(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    this.unread = 0;
    this.ui.invite.hidden = true;
    this.renderOpen();
    this.scrollToEnd();
    (this.prechatNeeded() ? this.ui.prechatName : this.ui.input).focus();
  }

  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.stopTyping();
    this.renderOpen();
  }

  toggle(): void {
    if (this.isOpen) this.close();
    else this.open();
  }

  /** socket.io retries network failures itself, but not a refused handshake or a server-side disconnect. */
  private reconnectLater(delayMs = RECONNECT_MS): void {
    const socket = this.socket;
    if (!socket || socket.active) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (this.socket === socket && !socket.active) socket.connect();
    }, delayMs);
  }

  // ---- server events -------------------------------------------------------------------------

  private onSession(session: WebchatSession): void {
    this.session = session;
    this.connected = true;
    if (session.visitorToken && session.visitorToken !== this.visitorToken) {
      this.visitorToken = session.visitorToken;
      this.write(session.visitorToken);
    }
    // History replaces the list; the visitor's messages still on their way (or failed) stay after it.
    const seen = new Set<string>();
    const next: Entry[] = [];
    for (const m of session.history) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      if (m.clientMessageId) seen.add('c:' + m.clientMessageId);
      next.push({ ...m, state: 'sent' });
    }
    for (const { entry } of this.entries) {
      if (
        entry.state !== 'sent' &&
        entry.clientMessageId &&
        !seen.has('c:' + entry.clientMessageId) &&
        !(entry.id && seen.has(entry.id))
      ) {
        next.push(entry);
      }
    }
    for (const { el } of this.entries) el.remove();
    this.entries = next.map((entry) => ({ entry, el: this.renderEntry(entry) }));
    this.ui.list.append(...this.entries.map((e) => e.el));
    this.renderStatus();
    this.renderList();
    this.renderComposer();
    this.scrollToEnd();
    this.showSurvey(session.survey ?? null);
    // Once per page: the view is recorded and the proactive triggers armed.
    if (!this.disarm) {
      const url = location.href;
      this.socket?.emit('page.view', { url });
      this.disarm = armTriggers(session.proactive, url, (trigger) => this.invite(trigger));
    }
  }

  // ---- surveys and proactive invitations ------------------------------------------------------

  private showSurvey(request: SurveyRequest | null): void {
    const { survey } = this.ui;
    if (!request) {
      if (this.surveyId) survey.replaceChildren();
      this.surveyId = null;
      survey.hidden = !survey.firstChild;
      return;
    }
    if (request.surveyId === this.surveyId) return;
    this.surveyId = request.surveyId;
    survey.replaceChildren(
      renderSurvey(request, {
        t: this.t,
        answer: (score, comment, done) => {
          if (!this.socket) return done(this.t.notConnected);
          const payload = comment
            ? { surveyId: request.surveyId, score, comment }
            : { surveyId: request.surveyId, score };
          this.socket.emit('survey.answer', payload, (result: Ack<'survey.answer'>) =>
            done('error' in result ? result.error.message || this.t.notConnected : null),
          );
        },
      }),
    );
    survey.hidden = false;
    if (!this.isOpen) {
      this.unread++;
      this.renderOpen();
    }
  }

  /** Shows a trigger's invitation beside the launcher (not over an open chat) and reports it. */
  private invite(trigger: ProactiveTrigger): void {
    if (this.isOpen) return;
    const { invite } = this.ui;
    (invite.firstChild as HTMLElement).textContent = trigger.message;
    invite.hidden = false;
    this.socket?.emit('invitation.shown', { triggerId: trigger.id }, () => undefined);
  }

  private onMessage(message: WebchatMessage): void {
    const known = this.find(message.id, message.clientMessageId);
    if (known) {
      this.update(known, { ...known.entry, ...message, state: 'sent', error: undefined });
      return;
    }
    this.append({ ...message, state: 'sent' });
    if (message.direction === 'out') {
      this.showRemoteTyping(null);
      if (!this.isOpen) {
        this.unread++;
        this.renderOpen();
      }
    }
  }

  private onRemoteTyping(event: { typing: boolean; name: string }): void {
    this.showRemoteTyping(event.typing ? event.name || this.session?.channelName || '' : null);
  }

  private showRemoteTyping(name: string | null): void {
    clearTimeout(this.remoteTypingTimer);
    this.ui.typing.hidden = name === null;
    this.ui.typing.textContent = name === null ? '' : this.t.typing.replace('{name}', name);
    // A lost "typing: false" must not leave the indicator on forever.
    if (name !== null) this.remoteTypingTimer = setTimeout(() => this.showRemoteTyping(null), REMOTE_TYPING_TTL_MS);
  }

  // ---- sending -------------------------------------------------------------------------------

  private submit(): void {
    const text = this.ui.input.value.trim();
    if (this.drafts.some((d) => d.state === 'uploading')) return;
    const ready = this.drafts.filter((d) => d.state === 'ready').map((d) => d.attachment as AttachmentDto);
    if (!text && !ready.length) return;
    this.stopTyping();
    const clientMessageId = newId();
    const entry: Entry = {
      id: '',
      clientMessageId,
      direction: 'in',
      authorName: this.t.you,
      text,
      attachments: ready,
      attachmentIds: ready.map((a) => a.id),
      createdAt: new Date().toISOString(),
      state: 'pending',
    };
    this.ui.input.value = '';
    this.autosize();
    this.drafts = [];
    this.setAlert(null);
    this.renderDrafts();
    this.append(entry);
    this.deliver(entry);
    this.ui.input.focus();
  }

  private deliver(entry: Entry): void {
    const socket = this.socket;
    if (!socket) return;
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      this.settle(entry.clientMessageId, { state: 'failed', error: undefined });
    }, this.ackTimeoutMs);
    const payload: Parameters<WebchatClientEvents['message.send']>[0] = {
      clientMessageId: entry.clientMessageId as string,
      text: entry.text,
    };
    if (entry.attachmentIds?.length) payload.attachmentIds = entry.attachmentIds;
    socket.emit('message.send', payload, (result: Ack<'message.send'>) => {
      clearTimeout(timer);
      if ('id' in result) this.settle(entry.clientMessageId, { id: result.id, state: 'sent', error: undefined });
      // A late error after the timeout changes nothing the visitor sees.
      else if (!settled) this.settle(entry.clientMessageId, { state: 'failed', error: result.error?.message });
      settled = true;
    });
  }

  private settle(clientMessageId: string | null, change: Partial<Entry>): void {
    const item = this.find(null, clientMessageId);
    if (!item || item.entry.state === 'sent') {
      // message.created may have arrived first; only the id is still worth keeping.
      if (item && change.id && !item.entry.id) item.entry.id = change.id;
      return;
    }
    this.update(item, { ...item.entry, ...change, id: change.id || item.entry.id });
  }

  private retry(entry: Entry): void {
    const item = this.find(null, entry.clientMessageId);
    if (!item) return;
    this.update(item, { ...item.entry, state: 'pending', error: undefined });
    this.deliver(item.entry);
  }

  // ---- the visitor typing --------------------------------------------------------------------

  private onInput(): void {
    this.autosize();
    this.renderComposer();
    if (!this.ui.input.value.trim()) {
      this.stopTyping();
      return;
    }
    const now = Date.now();
    if (!this.typingSent || now - this.typingSentAt >= TYPING_THROTTLE_MS) {
      this.socket?.emit('typing', { typing: true });
      this.typingSent = true;
      this.typingSentAt = now;
    }
    clearTimeout(this.typingIdleTimer);
    this.typingIdleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.typingIdleTimer);
    if (!this.typingSent) return;
    this.typingSent = false;
    this.socket?.emit('typing', { typing: false });
  }

  // ---- attachments ---------------------------------------------------------------------------

  private addFiles(files: File[]): void {
    for (const file of files) {
      const problem = checkFile(file);
      if (problem) {
        this.setAlert(`${file.name}: ${this.t[problem]}`);
        continue;
      }
      if (!this.visitorToken) {
        this.setAlert(this.t.notConnected);
        continue;
      }
      this.setAlert(null);
      const draft: Draft = { file, state: 'uploading' };
      this.drafts.push(draft);
      uploadFile(this.fetchImpl, this.config.origin, this.config.widgetKey, this.visitorToken, file).then(
        (attachment) => {
          draft.state = 'ready';
          draft.attachment = attachment;
          this.renderDrafts();
        },
        (err: unknown) => {
          draft.state = 'error';
          const status = err instanceof UploadError ? err.status : 0;
          draft.error = status === 413 ? this.t.fileTooLarge : status === 415 ? this.t.fileType : this.t.uploadFailed;
          this.renderDrafts();
        },
      );
    }
    this.renderDrafts();
  }

  // ---- pre-chat form -------------------------------------------------------------------------

  private prechatNeeded(): boolean {
    return this.config.prechat && !!this.session && !this.session.profileComplete && !this.profileSaved;
  }

  private submitProfile(): void {
    const { prechatName, prechatContact, prechatSubmit } = this.ui;
    const name = prechatName.value.trim();
    const contact = parseContact(prechatContact.value);
    prechatName.setAttribute('aria-invalid', String(!name));
    prechatContact.setAttribute('aria-invalid', String(typeof contact === 'string'));
    if (!name) return this.prechatFail(this.t.nameRequired, prechatName);
    if (typeof contact === 'string') return this.prechatFail(this.t[contact], prechatContact);
    if (!this.socket) return this.prechatFail(this.t.notConnected, prechatSubmit);
    this.prechatFail(null);
    prechatSubmit.disabled = true;
    let settled = false;
    const done = (result: Ack<'profile.update'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      prechatSubmit.disabled = false;
      if ('error' in result) return this.prechatFail(result.error.message || this.t.notConnected, prechatSubmit);
      this.profileSaved = true;
      this.renderComposer();
      this.ui.input.focus();
    };
    const timer = setTimeout(
      () => done({ error: { code: 'timeout', message: this.t.notConnected } }),
      this.ackTimeoutMs,
    );
    this.socket.emit('profile.update', { name, ...contact }, done);
  }

  private prechatFail(message: string | null, focus?: HTMLElement): void {
    this.ui.prechatError.textContent = message ?? '';
    this.ui.prechatError.hidden = !message;
    focus?.focus();
  }

  // ---- list bookkeeping ----------------------------------------------------------------------

  private find(id: string | null, clientMessageId: string | null): { entry: Entry; el: HTMLElement } | undefined {
    return this.entries.find(
      ({ entry }) => (!!id && entry.id === id) || (!!clientMessageId && entry.clientMessageId === clientMessageId),
    );
  }

  private append(entry: Entry): void {
    const item = { entry, el: this.renderEntry(entry) };
    const nearEnd = this.isNearEnd();
    this.entries.push(item);
    this.ui.list.appendChild(item.el);
    this.renderList();
    if (nearEnd || entry.direction === 'in') this.scrollToEnd();
  }

  private update(item: { entry: Entry; el: HTMLElement }, entry: Entry): void {
    const el = this.renderEntry(entry);
    item.el.replaceWith(el);
    item.entry = entry;
    item.el = el;
  }

  private renderEntry(entry: Entry): HTMLElement {
    const ctx: MessageViewContext = {
      t: this.t,
      lang: this.config.lang,
      origin: this.config.origin,
      onRetry: (e) => this.retry(e),
    };
    return renderMessage(entry, ctx);
  }

  private isNearEnd(): boolean {
    const { list } = this.ui;
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  private scrollToEnd(): void {
    this.ui.list.scrollTop = this.ui.list.scrollHeight;
  }

  // ---- rendering -----------------------------------------------------------------------------

  private renderOpen(): void {
    const { launcher, panel, badge, box } = this.ui;
    panel.hidden = !this.isOpen;
    box.classList.toggle('open', this.isOpen);
    launcher.setAttribute('aria-expanded', String(this.isOpen));
    launcher.setAttribute(
      'aria-label',
      this.isOpen
        ? this.t.launcherClose
        : this.unread
          ? `${this.t.launcherOpen} (${this.unread})`
          : this.t.launcherOpen,
    );
    icon(launcher, this.isOpen ? ICON_CLOSE : ICON_CHAT).appendChild(badge);
    badge.hidden = this.unread === 0;
    badge.textContent = this.unread > 99 ? '99+' : String(this.unread);
  }

  private renderStatus(): void {
    const { name, status, statusText, reply, offline } = this.ui;
    const s = this.session;
    name.textContent = s?.channelName ?? '';
    const online = !!s && s.online;
    status.classList.toggle('on', online && this.connected);
    statusText.textContent = !s || !this.connected ? this.t.connecting : online ? this.t.online : this.t.offline;
    reply.textContent = online && s?.replyTimeText ? s.replyTimeText : '';
    reply.hidden = !reply.textContent;
    offline.hidden = !s || s.online;
  }

  private renderList(): void {
    this.ui.empty.hidden = this.entries.length > 0;
  }

  private renderComposer(): void {
    const prechat = this.prechatNeeded();
    this.ui.prechat.hidden = !prechat;
    this.ui.composer.hidden = prechat;
    this.ui.chips.hidden = prechat || this.drafts.length === 0;
    const uploading = this.drafts.some((d) => d.state === 'uploading');
    const hasContent = !!this.ui.input.value.trim() || this.drafts.some((d) => d.state === 'ready');
    this.ui.send.disabled = uploading || !hasContent;
  }

  private renderDrafts(): void {
    const { chips } = this.ui;
    chips.replaceChildren(
      ...this.drafts.map((draft) => {
        const remove = h(
          'button',
          { type: 'button', 'aria-label': `${this.t.removeAttachment} ${draft.file.name}` },
          '×',
        );
        remove.addEventListener('click', () => {
          this.drafts = this.drafts.filter((d) => d !== draft);
          this.renderDrafts();
        });
        const label = draft.state === 'uploading' ? `${this.t.uploading} ${draft.file.name}` : draft.file.name;
        return h(
          'div',
          {
            class: `chip ${draft.state === 'error' ? 'bad' : ''}`,
            'data-testid': 'widget-attachment',
            'data-state': draft.state,
          },
          h('span', { title: draft.error ?? draft.file.name }, label),
          draft.error ? h('span', {}, draft.error) : null,
          draft.state === 'uploading' ? null : remove,
        );
      }),
    );
    this.renderComposer();
  }

  private setAlert(message: string | null): void {
    this.ui.alert.textContent = message ?? '';
    this.ui.alert.hidden = !message;
  }

  private autosize(): void {
    const { input } = this.ui;
    input.style.height = 'auto';
    if (input.scrollHeight) input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  }

  private build(): Widget['ui'] {
    const t = this.t;

    const badge = h(
      'span',
      { class: 'badge', 'data-testid': 'widget-unread', 'aria-hidden': 'true', hidden: true },
      '0',
    );
    const launcher = h('button', {
      type: 'button',
      class: 'launcher',
      'data-testid': 'widget-launcher',
      'aria-haspopup': 'dialog',
    });
    launcher.addEventListener('click', () => this.toggle());

    const name = h('div', { class: 'name', id: 'ob-title' });
    const statusText = h('span', {}, t.connecting);
    const status = h('div', { class: 'status' }, h('span', { class: 'dot' }), statusText);
    const reply = h('div', { class: 'reply', hidden: true });
    const closeBtn = icon(h('button', { type: 'button', class: 'icon', 'aria-label': t.close }), ICON_CLOSE);
    closeBtn.addEventListener('click', () => {
      this.close();
      launcher.focus();
    });
    const header = h('div', { class: 'head' }, h('div', { class: 'title' }, name, status, reply), closeBtn);

    const offline = h(
      'div',
      { class: 'notice', 'data-testid': 'widget-offline', role: 'status', hidden: true },
      t.offlineNotice,
    );
    const survey = h('div', { class: 'sv', hidden: true });
    const inviteText = h('button', { type: 'button', class: 'it' });
    inviteText.addEventListener('click', () => this.open());
    const inviteClose = h('button', { type: 'button', class: 'ix', 'aria-label': t.invitationClose }, '×');
    const invite = h(
      'div',
      { class: 'invite', role: 'status', 'data-testid': 'widget-invitation', hidden: true },
      inviteText,
      inviteClose,
    );
    inviteClose.addEventListener('click', () => (invite.hidden = true));
    const empty = h('div', { class: 'empty' }, t.emptyState);
    const list = h('div', { class: 'list', role: 'log', 'aria-live': 'polite' }, empty);
    const typing = h('div', { class: 'typing', 'data-testid': 'widget-typing', 'aria-live': 'polite', hidden: true });

    const chips = h('div', { class: 'chips', hidden: true });
    const alert = h('div', { class: 'alert', role: 'alert', 'data-testid': 'widget-error', hidden: true });
    const file = h('input', { type: 'file', accept: ACCEPT, multiple: true, hidden: true, tabindex: '-1' });
    file.addEventListener('change', () => {
      this.addFiles(Array.from(file.files ?? []));
      file.value = '';
    });
    const attach = icon(
      h('button', {
        type: 'button',
        class: 'icon',
        'aria-label': t.attach,
        title: t.attach,
        'data-testid': 'widget-attach',
      }),
      ICON_CLIP,
    );
    attach.addEventListener('click', () => file.click());
    const input = h('textarea', {
      rows: '1',
      maxlength: '10000',
      placeholder: t.inputPlaceholder,
      'aria-label': t.inputLabel,
      'data-testid': 'widget-input',
    });
    input.addEventListener('input', () => this.onInput());
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    input.addEventListener('paste', (e) => {
      const pasted = Array.from(e.clipboardData?.files ?? []);
      if (pasted.length) {
        e.preventDefault();
        this.addFiles(pasted);
      }
    });
    const send = icon(
      h('button', {
        type: 'button',
        class: 'icon send',
        'aria-label': t.send,
        title: t.send,
        'data-testid': 'widget-send',
        disabled: true,
      }),
      ICON_SEND,
    ) as HTMLButtonElement;
    send.addEventListener('click', () => this.submit());
    const composer = h('div', { class: 'composer' }, attach, input, send, file);

    const prechatName = h('input', {
      type: 'text',
      autocomplete: 'name',
      maxlength: '100',
      'data-testid': 'widget-prechat-name',
      'aria-describedby': 'ob-pre-err',
    });
    const prechatContact = h('input', {
      type: 'text',
      autocomplete: 'email',
      maxlength: '200',
      'data-testid': 'widget-prechat-email',
      'aria-describedby': 'ob-pre-err',
    });
    const prechatError = h('div', { class: 'alert', id: 'ob-pre-err', role: 'alert', hidden: true });
    const prechatSubmit = h(
      'button',
      { type: 'submit', class: 'primary', 'data-testid': 'widget-prechat-submit' },
      t.prechatSubmit,
    );
    const prechat = h(
      'form',
      { class: 'pre', 'data-testid': 'widget-prechat', novalidate: true, hidden: true },
      h('p', {}, t.prechatIntro),
      h('label', {}, t.prechatName, prechatName),
      h('label', {}, t.prechatContact, prechatContact),
      prechatError,
      prechatSubmit,
    );
    prechat.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitProfile();
    });

    const panel = h(
      'div',
      { class: 'panel', role: 'dialog', 'aria-labelledby': 'ob-title', 'data-testid': 'widget-panel', hidden: true },
      header,
      offline,
      list,
      survey,
      typing,
      chips,
      alert,
      composer,
      prechat,
    );
    const box = h('div', { class: `ob ${this.config.position}`, lang: this.config.lang }, panel, invite, launcher);
    box.style.setProperty('--a', this.config.color);
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.isOpen) {
        this.close();
        launcher.focus();
      }
    });
    adoptStyles(this.root);
    this.root.append(box);

    const ui = {
      box,
      launcher,
      badge,
      panel,
      name,
      status,
      statusText,
      reply,
      offline,
      invite,
      survey,
      list,
      empty,
      typing,
      chips,
      alert,
      composer,
      input,
      send,
      file,
      prechat,
      prechatName,
      prechatContact,
      prechatError,
      prechatSubmit,
    };
    return ui;
  }

  private read(): string | null {
    try {
      return this.storage?.getItem(this.storageKey) ?? null;
    } catch {
      return null;
    }
  }

  private write(token: string): void {
    try {
      this.storage?.setItem(this.storageKey, token);
    } catch {
      // quota or privacy mode: the visitor keeps the conversation for this page view only
    }
  }
}
