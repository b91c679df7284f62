import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type {
  AccountInfo,
  AdapterContext,
  ChannelAdapter,
  ChannelCapabilities,
  CredentialField,
  FetchedMedia,
  InboundEvent,
  InboundMessageEvent,
  MediaRef,
  OutgoingAttachment,
  OutgoingButton,
  OutgoingMessage,
  PollResult,
  SendResult,
  WebhookRequest,
} from '../channel-adapter';
import { mediaRequestOptions } from '../media-request';
import { buttonRows } from '../buttons';
import { ChannelError } from '../channel-error';
import { safeEqual } from '../constant-time';

type MaxCredentials = { token: string };

export interface MaxAdapterOptions {
  /**
   * Pauses before re-sending a message MAX refused with `attachment.not.ready` while it still
   * processes an upload; once they are used up the send fails as temporary.
   */
  attachmentRetryDelaysMs?: readonly number[];
}

/** The update types Onebox turns into inbox events; webhooks and polling ask for these only. */
export const MAX_UPDATE_TYPES = ['message_created', 'message_edited', 'message_callback', 'bot_started'] as const;

const MAX_TEXT_LENGTH = 4000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY_AFTER_MS = 1000;
const SECRET_PATTERN = /^[a-zA-Z0-9_-]{5,256}$/;

/** Update types that carry nothing for the inbox, with the reason they are dropped. */
const IGNORED_UPDATES: Record<string, string> = {
  message_removed: 'message removed by its author',
  bot_stopped: 'customer stopped the bot',
  bot_added: 'bot added to a group chat',
  bot_removed: 'bot removed from a group chat',
  user_added: 'member added to a group chat',
  user_removed: 'member removed from a group chat',
  chat_title_changed: 'group chat renamed',
  message_chat_created: 'chat created from a button',
  dialog_muted: 'customer muted the dialog',
  dialog_unmuted: 'customer unmuted the dialog',
  dialog_cleared: 'customer cleared the dialog history',
  dialog_removed: 'customer removed the dialog',
  comment_created: 'channel comment',
  comment_edited: 'channel comment',
  comment_removed: 'channel comment',
};

interface MaxUser {
  user_id: number;
  first_name?: string;
  last_name?: string | null;
  name?: string;
  username?: string | null;
  is_bot?: boolean;
}

interface MaxAttachment {
  type: string;
  payload?: Record<string, unknown> | null;
  filename?: string;
  size?: number;
  latitude?: number;
  longitude?: number;
}

interface MaxMessage {
  sender?: MaxUser | null;
  recipient?: { chat_id?: number | null; chat_type?: string; user_id?: number | null };
  timestamp?: number;
  link?: { type?: string; message?: MaxBody | null } | null;
  body?: MaxBody | null;
}

interface MaxBody {
  mid?: string;
  text?: string | null;
  attachments?: MaxAttachment[] | null;
}

interface UploadedAttachment {
  type: 'image' | 'file';
  payload: { token: string };
}

interface KeyboardAttachment {
  type: 'inline_keyboard';
  payload: { buttons: { type: 'callback'; text: string; payload: string }[][] };
}

type MaxAttachmentRequest = UploadedAttachment | KeyboardAttachment;

/** Callback buttons, at most six a row; a press arrives as `message_callback` with the payload. */
function inlineKeyboard(buttons: OutgoingButton[]): KeyboardAttachment {
  return {
    type: 'inline_keyboard',
    payload: {
      buttons: buttonRows(buttons, 6).map((row) =>
        row.map((b) => ({ type: 'callback' as const, text: b.text, payload: b.id })),
      ),
    },
  };
}

/**
 * MAX messenger bots (https://dev.max.ru/docs-api). The token goes bare in `Authorization`;
 * webhooks carry the subscription's secret in `X-Max-Bot-Api-Secret`; timestamps are in ms.
 * Customers are addressed by their MAX `user_id` (`POST /messages?user_id=`).
 */
export class MaxAdapter implements ChannelAdapter<MaxCredentials> {
  readonly type = 'max' as const;

  readonly credentialFields: readonly CredentialField[] = [
    {
      key: 'token',
      label: { en: 'Bot access token', ru: 'Токен бота' },
      secret: true,
      required: true,
      hint: {
        en: 'MAX for partners (business.max.ru) → Chat bots → your bot → Integration → Get token.',
        ru: 'Платформа MAX для партнёров (business.max.ru) → Чат-боты → ваш бот → Интеграция → Получить токен.',
      },
      pattern: '^\\S+$',
    },
  ];

  readonly capabilities: ChannelCapabilities = {
    maxTextLength: MAX_TEXT_LENGTH,
    splitsLongText: true,
    media: ['image', 'document'],
    messagingWindowHours: null,
    templates: false,
    webhook: true,
    polling: true,
  };

  private readonly retryDelaysMs: readonly number[];

  constructor(options: MaxAdapterOptions = {}) {
    this.retryDelaysMs = options.attachmentRetryDelaysMs ?? [500, 1000, 2000];
  }

  async checkCredentials(credentials: MaxCredentials, ctx: AdapterContext): Promise<AccountInfo> {
    const me = await call(() => this.api(credentials, ctx).get<MaxUser>('/me'));
    return { accountId: String(me.user_id), accountName: me.username ? `@${me.username}` : displayName(me) };
  }

  async registerWebhook(
    credentials: MaxCredentials,
    webhook: { url: string; secret: string },
    ctx: AdapterContext,
  ): Promise<void> {
    if (!SECRET_PATTERN.test(webhook.secret)) {
      throw new ChannelError('unsupported_content', 'MAX webhook secrets must match ^[a-zA-Z0-9_-]{5,256}$');
    }
    const body = { url: webhook.url, update_types: [...MAX_UPDATE_TYPES], secret: webhook.secret };
    const result = await call(() => this.api(credentials, ctx).post<ActionResult>('/subscriptions', body));
    assertSuccess(result, 'MAX refused the webhook subscription');
  }

  async unregisterWebhook(credentials: MaxCredentials, webhook: { url: string }, ctx: AdapterContext): Promise<void> {
    const result = await call(() =>
      this.api(credentials, ctx).delete<ActionResult>('/subscriptions', { params: { url: webhook.url } }),
    );
    assertSuccess(result, 'MAX refused to remove the webhook subscription');
  }

  verifyWebhook(request: WebhookRequest, _credentials: MaxCredentials, webhookSecret: string): boolean {
    return safeEqual(header(request.headers, 'x-max-bot-api-secret'), webhookSecret);
  }

  answerHandshake(): string | null {
    return null;
  }

  normalizeInbound(update: unknown): InboundEvent[] {
    const parsed = parseUpdate(update);
    if (!parsed) return [ignored('malformed update')];
    const type = parsed.update_type;
    switch (type) {
      case 'message_created':
        return [normalizeMessage(parsed)];
      case 'message_edited':
        return [normalizeEdit(parsed)];
      case 'message_callback':
        return [normalizeCallback(parsed)];
      case 'bot_started':
        return [normalizeStart(parsed)];
      default:
        return [ignored(IGNORED_UPDATES[type] ?? `unsupported update type ${type}`)];
    }
  }

  /** `GET /updates`: `cursor` is MAX's `marker`; passing it back commits everything before it. */
  async poll(
    credentials: MaxCredentials,
    cursor: string | null,
    ctx: AdapterContext & { timeoutSec: number },
  ): Promise<PollResult> {
    const params: Record<string, string | number> = {
      limit: 100,
      timeout: ctx.timeoutSec,
      types: MAX_UPDATE_TYPES.join(','),
    };
    if (cursor !== null) params.marker = cursor;
    const timeout = Math.max(ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS, (ctx.timeoutSec + 10) * 1000);
    const result = await call(() =>
      this.api(credentials, ctx).get<{ updates?: unknown[]; marker?: number | null }>('/updates', { params, timeout }),
    );
    const marker = result.marker;
    return { updates: result.updates ?? [], cursor: marker === null || marker === undefined ? cursor : String(marker) };
  }

  async send(credentials: MaxCredentials, message: OutgoingMessage, ctx: AdapterContext): Promise<SendResult> {
    const api = this.api(credentials, ctx);
    const uploaded: UploadedAttachment[] = [];
    for (const attachment of message.attachments) uploaded.push(await this.upload(credentials, api, attachment, ctx));

    // A file must be the only attachment of its message; images may share one.
    const groups: UploadedAttachment[][] = [];
    const images = uploaded.filter((a) => a.type === 'image');
    if (images.length > 0) groups.push(images);
    for (const file of uploaded.filter((a) => a.type === 'file')) groups.push([file]);

    const chunks = splitText(message.text, MAX_TEXT_LENGTH);
    const bodies: { text?: string; attachments?: MaxAttachmentRequest[] }[] = chunks
      .slice(0, -1)
      .map((text) => ({ text }));
    const last = chunks[chunks.length - 1];
    groups.forEach((attachments, i) => bodies.push({ ...(i === 0 && last ? { text: last } : {}), attachments }));
    if (groups.length === 0 && last) bodies.push({ text: last });
    if (bodies.length === 0)
      throw new ChannelError('unsupported_content', 'Nothing to send: no text and no attachments');
    // Buttons ride on the last message (https://dev.max.ru/docs-api/objects/InlineKeyboardAttachmentRequest).
    if (message.buttons?.length) {
      const lastBody = bodies[bodies.length - 1];
      lastBody.attachments = [...(lastBody.attachments ?? []), inlineKeyboard(message.buttons)];
    }

    const externalIds: string[] = [];
    for (const body of bodies) {
      const sent = await this.postMessage(api, message.recipient, body);
      externalIds.push(sent);
    }
    return { externalIds };
  }

  async fetchMedia(credentials: MaxCredentials, media: MediaRef, ctx: AdapterContext): Promise<FetchedMedia> {
    if (!/^https?:\/\//i.test(media.ref)) {
      throw new ChannelError('unsupported_content', 'This MAX attachment has no download URL');
    }
    // The token goes only to the API host; media URLs point at MAX's CDN, which needs none.
    const headers = sameHost(media.ref, ctx.apiRoot) ? { Authorization: credentials.token } : {};
    try {
      const response = await axios.get<ArrayBuffer>(media.ref, {
        responseType: 'arraybuffer',
        headers,
        timeout: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...mediaRequestOptions(ctx),
      });
      const data = Buffer.from(response.data);
      const mimeType =
        String(response.headers['content-type'] ?? '')
          .split(';')[0]
          .trim() ||
        media.mimeType ||
        guessMime(media);
      return { data, mimeType, fileName: media.fileName ?? defaultFileName(media, mimeType) };
    } catch (error) {
      const mapped = toChannelError(error);
      if (mapped.code === 'recipient_unreachable') {
        throw new ChannelError(
          'unsupported_content',
          'The MAX media file is no longer available',
          undefined,
          mapped.providerCode,
        );
      }
      throw mapped;
    }
  }

  /**
   * Answers a button press (`POST /answers`) so the customer's app stops waiting; an empty
   * notification shows nothing. The inbox sees the press itself as a message (`callbackData`).
   */
  async answerCallback(credentials: MaxCredentials, callbackId: string, ctx: AdapterContext): Promise<void> {
    const result = await call(() =>
      this.api(credentials, ctx).post<ActionResult>(
        '/answers',
        { notification: '' },
        { params: { callback_id: callbackId } },
      ),
    );
    assertSuccess(result, 'MAX refused the callback answer');
  }

  private api(credentials: MaxCredentials, ctx: AdapterContext): AxiosInstance {
    return axios.create({
      baseURL: ctx.apiRoot,
      headers: { Authorization: credentials.token },
      timeout: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }

  /**
   * `POST /uploads?type=` then the file as multipart field `data` to the returned URL. Images
   * answer `{"photos":{"<id>":{"token"}}}`, files `{"fileId","token"}`
   * (https://dev.max.ru/docs-api/methods/POST/uploads).
   */
  private async upload(
    credentials: MaxCredentials,
    api: AxiosInstance,
    attachment: OutgoingAttachment,
    ctx: AdapterContext,
  ): Promise<UploadedAttachment> {
    const type = attachment.mimeType.startsWith('image/') ? 'image' : 'file';
    const slot = await call(() => api.post<{ url?: string; token?: string }>('/uploads', null, { params: { type } }));
    if (!slot.url) throw new ChannelError('temporary', 'MAX gave no upload URL', undefined, 'upload.url.missing');

    const form = new FormData();
    form.append(
      'data',
      new Blob([new Uint8Array(attachment.data)], { type: attachment.mimeType }),
      attachment.fileName,
    );
    // Like fetchMedia: the token goes to the API host only, never to the upload server.
    const headers = sameHost(slot.url, ctx.apiRoot) ? { Authorization: credentials.token } : {};
    const result = await call(() =>
      axios.post<UploadResult | string>(slot.url!, form, {
        headers,
        timeout: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...mediaRequestOptions(ctx),
      }),
    );
    const token = uploadToken(result) ?? slot.token;
    if (!token) throw new ChannelError('temporary', 'MAX upload returned no token', undefined, 'upload.token.missing');
    return { type, payload: { token } };
  }

  /** Sends one message, waiting out `attachment.not.ready` while MAX processes uploads. */
  private async postMessage(
    api: AxiosInstance,
    recipient: string,
    body: { text?: string; attachments?: MaxAttachmentRequest[] },
  ): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await api.post<{ message?: { body?: { mid?: string } } }>('/messages', body, {
          params: { user_id: recipient },
        });
        const mid = response.data.message?.body?.mid;
        if (!mid)
          throw new ChannelError('temporary', 'MAX answered without a message id', undefined, 'message.mid.missing');
        return mid;
      } catch (error) {
        if (error instanceof ChannelError) throw error;
        const notReady = isAxiosError(error) && providerError(error.response?.data).code === 'attachment.not.ready';
        if (!notReady || attempt >= this.retryDelaysMs.length) throw toChannelError(error);
        await sleep(this.retryDelaysMs[attempt]);
      }
    }
  }
}

type ActionResult = { success?: boolean; message?: string };
type UploadResult = { token?: string; fileId?: number; photos?: Record<string, { token?: string }> };

async function call<T>(request: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await request()).data;
  } catch (error) {
    throw toChannelError(error);
  }
}

function assertSuccess(result: ActionResult, fallback: string): void {
  if (result?.success === true) return;
  throw new ChannelError('unsupported_content', result?.message || fallback, undefined, 'success.false');
}

/** MAX's `{"code","message"}` errors and transport failures, mapped onto the shared vocabulary. */
function toChannelError(error: unknown): ChannelError {
  if (error instanceof ChannelError) return error;
  if (!isAxiosError(error)) return new ChannelError('temporary', (error as Error)?.message ?? 'MAX request failed');
  const response = error.response;
  if (!response) {
    return new ChannelError('temporary', `MAX unreachable: ${error.code ?? error.message}`, undefined, error.code);
  }
  const status = response.status;
  const { code, message } = providerError(response.data);
  const providerCode = code ?? status;
  const text = message ? `MAX ${status} ${code ?? ''}: ${message}`.replace(/\s+:/, ':') : `MAX answered HTTP ${status}`;
  if (status === 401 || code === 'verify.token')
    return new ChannelError('invalid_credentials', text, undefined, providerCode);
  if (status === 429 || code === 'too.many.requests') {
    return new ChannelError('rate_limited', text, retryAfterMs(response.headers['retry-after']), providerCode);
  }
  if (code === 'attachment.not.ready') return new ChannelError('temporary', text, undefined, providerCode);
  if (status === 403 || status === 404) return new ChannelError('recipient_unreachable', text, undefined, providerCode);
  if (status >= 500 || status === 405 || status === 408)
    return new ChannelError('temporary', text, undefined, providerCode);
  return new ChannelError('unsupported_content', text, undefined, providerCode);
}

function providerError(data: unknown): { code?: string; message?: string } {
  let value = data;
  if (typeof data === 'string') {
    try {
      value = JSON.parse(data);
    } catch {
      return { message: data.slice(0, 200) || undefined };
    }
  }
  if (value && typeof value === 'object') {
    const { code, message } = value as { code?: unknown; message?: unknown };
    return {
      code: typeof code === 'string' ? code : undefined,
      message: typeof message === 'string' ? message : undefined,
    };
  }
  return {};
}

function retryAfterMs(value: unknown): number {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw === 'string' || typeof raw === 'number') {
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(String(raw));
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return DEFAULT_RETRY_AFTER_MS;
}

function uploadToken(result: UploadResult | string): string | undefined {
  if (!result || typeof result !== 'object') return undefined;
  if (typeof result.token === 'string') return result.token;
  const photo = result.photos ? Object.values(result.photos)[0] : undefined;
  return typeof photo?.token === 'string' ? photo.token : undefined;
}

// ---- inbound ---------------------------------------------------------------------------------

type Update = Record<string, unknown> & { update_type: string; timestamp?: number };

function parseUpdate(update: unknown): Update | null {
  let value = update;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const type = (value as { update_type?: unknown }).update_type;
  return typeof type === 'string' ? (value as Update) : null;
}

function normalizeMessage(update: Update): InboundEvent {
  const message = update.message as MaxMessage | undefined;
  const body = message?.body;
  if (!message || !body?.mid) return ignored('malformed message_created update');
  if (message.recipient?.chat_type !== 'dialog')
    return ignored(`message in a ${message.recipient?.chat_type ?? 'unknown'} chat`);
  const sender = message.sender;
  if (!sender || typeof sender.user_id !== 'number') return ignored('message without a sender');
  if (sender.is_bot) return ignored('message from a bot');

  // A forwarded message carries its content in `link.message`.
  const forwarded = message.link?.type === 'forward' ? message.link.message : null;
  const texts = [body.text, forwarded?.text].filter((t): t is string => typeof t === 'string' && t.length > 0);
  const attachments = [...(body.attachments ?? []), ...(forwarded?.attachments ?? [])];
  const media: MediaRef[] = [];
  const meta: Record<string, unknown> = {};
  if (forwarded) meta.forwarded = true;
  for (const attachment of attachments) {
    const ref = mediaRef(attachment);
    if (ref) {
      media.push(ref);
    } else if (attachment.type === 'contact') {
      const contact = contactCard(attachment);
      meta.contact = contact;
      texts.push(['👤', contact.name, contact.phone].filter(Boolean).join(' '));
    } else if (attachment.type === 'location' && typeof attachment.latitude === 'number') {
      meta.location = { latitude: attachment.latitude, longitude: attachment.longitude };
      texts.push(`📍 ${attachment.latitude}, ${attachment.longitude}`);
    }
  }
  const text = texts.join('\n');
  if (!text && media.length === 0) {
    const kinds = attachments.map((a) => a.type).join(', ');
    return ignored(kinds ? `message with nothing to show (${kinds})` : 'empty message');
  }
  const event: InboundMessageEvent = {
    kind: 'message',
    externalUserId: String(sender.user_id),
    externalMessageId: body.mid,
    contactName: displayName(sender),
    text,
    media,
    sentAt: new Date(message.timestamp ?? update.timestamp ?? Date.now()),
  };
  if (sender.username) event.username = sender.username;
  if (Object.keys(meta).length > 0) event.meta = meta;
  return event;
}

function normalizeEdit(update: Update): InboundEvent {
  const message = update.message as MaxMessage | undefined;
  const mid = message?.body?.mid;
  const sender = message?.sender;
  if (!message || !mid || !sender) return ignored('malformed message_edited update');
  if (message.recipient?.chat_type !== 'dialog')
    return ignored(`edit in a ${message.recipient?.chat_type ?? 'unknown'} chat`);
  if (sender.is_bot) return ignored('edit by a bot');
  return {
    kind: 'edit',
    externalUserId: String(sender.user_id),
    externalMessageId: mid,
    text: message.body?.text ?? '',
    editedAt: new Date(update.timestamp ?? Date.now()),
  };
}

function normalizeCallback(update: Update): InboundEvent {
  const callback = update.callback as
    { callback_id?: string; payload?: string | null; timestamp?: number; user?: MaxUser } | undefined;
  const user = callback?.user;
  if (!callback?.callback_id || !user || typeof user.user_id !== 'number')
    return ignored('malformed message_callback update');
  const chatType = (update.message as MaxMessage | null | undefined)?.recipient?.chat_type;
  if (chatType && chatType !== 'dialog') return ignored(`button pressed in a ${chatType} chat`);
  if (user.is_bot) return ignored('button pressed by a bot');
  const payload = callback.payload ?? '';
  const event: InboundMessageEvent = {
    kind: 'message',
    externalUserId: String(user.user_id),
    externalMessageId: `cb:${callback.callback_id}`,
    contactName: displayName(user),
    text: payload,
    media: [],
    sentAt: new Date(callback.timestamp ?? update.timestamp ?? Date.now()),
    callbackData: payload,
  };
  if (user.username) event.username = user.username;
  return event;
}

/** The customer pressed Start (maybe through a deep link): it opens the conversation. */
function normalizeStart(update: Update): InboundEvent {
  const user = update.user as MaxUser | undefined;
  if (!user || typeof user.user_id !== 'number' || typeof update.timestamp !== 'number') {
    return ignored('malformed bot_started update');
  }
  const event: InboundMessageEvent = {
    kind: 'message',
    externalUserId: String(user.user_id),
    externalMessageId: `bot_started:${user.user_id}:${update.timestamp}`,
    contactName: displayName(user),
    text: '/start',
    media: [],
    sentAt: new Date(update.timestamp),
  };
  if (user.username) event.username = user.username;
  if (typeof update.payload === 'string' && update.payload) event.source = update.payload;
  return event;
}

function mediaRef(attachment: MaxAttachment): MediaRef | null {
  const kinds: Record<string, MediaRef['kind']> = { image: 'image', file: 'document', video: 'video', audio: 'audio' };
  const kind = kinds[attachment.type];
  const payload = attachment.payload ?? {};
  const ref = typeof payload.url === 'string' ? payload.url : typeof payload.token === 'string' ? payload.token : null;
  if (!kind || !ref) return null;
  const media: MediaRef = { ref, kind };
  if (attachment.type === 'file') {
    if (attachment.filename) media.fileName = attachment.filename;
    if (typeof attachment.size === 'number') media.size = attachment.size;
  }
  return media;
}

function contactCard(attachment: MaxAttachment): { name?: string; phone?: string; userId?: number; vcf?: string } {
  const payload = attachment.payload ?? {};
  const vcf = typeof payload.vcf_info === 'string' ? payload.vcf_info : undefined;
  const user = payload.max_info as MaxUser | null | undefined;
  const vcfName = vcf ? /^FN[^:]*:(.*)$/m.exec(vcf)?.[1]?.trim() : undefined;
  const phone = vcf ? /^TEL[^:]*:(.*)$/m.exec(vcf)?.[1]?.trim() : undefined;
  const card: { name?: string; phone?: string; userId?: number; vcf?: string } = {};
  const name = (user ? displayName(user) : '') || vcfName;
  if (name) card.name = name;
  if (phone) card.phone = phone;
  if (user?.user_id) card.userId = user.user_id;
  if (vcf) card.vcf = vcf;
  return card;
}

function displayName(user: MaxUser): string {
  return user.name || [user.first_name, user.last_name].filter(Boolean).join(' ') || String(user.user_id);
}

function ignored(reason: string): InboundEvent {
  return { kind: 'ignored', reason };
}

// ---- helpers ---------------------------------------------------------------------------------

/** Splits at the last newline or space before the limit when there is one. */
function splitText(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const at = cut > limit / 2 ? cut : limit;
    chunks.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^[\n ]/, '');
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

function sameHost(url: string, apiRoot: string): boolean {
  try {
    return new URL(url).host === new URL(apiRoot).host;
  } catch {
    return false;
  }
}

function guessMime(media: MediaRef): string {
  return (
    { image: 'image/jpeg', video: 'video/mp4', audio: 'audio/mpeg' }[media.kind as string] ?? 'application/octet-stream'
  );
}

function defaultFileName(media: MediaRef, mimeType: string): string {
  const extension =
    mimeType
      .split('/')[1]
      ?.replace('jpeg', 'jpg')
      .replace(/[^a-z0-9]/gi, '') || 'bin';
  return `${media.kind}.${extension}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
