import { Api, GrammyError, HttpError, InputFile } from 'grammy';
import type { CallbackQuery, InlineKeyboardMarkup, Message, Update, User } from 'grammy/types';
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
import { buttonRows } from '../buttons';
import { ChannelError } from '../channel-error';
import { safeEqual } from '../constant-time';

export interface TelegramCredentials extends Record<string, string> {
  botToken: string;
}

/** https://core.telegram.org/bots/api#sendmessage: 1-4096 characters after entity parsing. */
const MAX_TEXT = 4096;
/** https://core.telegram.org/bots/api#sendphoto: captions are 0-1024 characters. */
const MAX_CAPTION = 1024;
/** sendPhoto refuses photos over 10 MB; such images go as documents. */
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** The updates Onebox asks for, on the webhook and in getUpdates alike. */
export const TELEGRAM_ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'callback_query',
  'business_connection',
  'business_message',
  'edited_business_message',
] as const;

/**
 * Telegram Bot API through grammY's `Api` client. A customer is a private chat (`externalUserId`
 * is the chat id); Telegram Business chats carry the manager's `business_connection_id`.
 */
export class TelegramAdapter implements ChannelAdapter<TelegramCredentials> {
  readonly type = 'telegram' as const;

  readonly credentialFields: readonly CredentialField[] = [
    {
      key: 'botToken',
      label: { en: 'Bot token', ru: 'Токен бота' },
      secret: true,
      required: true,
      pattern: '^\\d+:[A-Za-z0-9_-]{30,}$',
      hint: {
        en: 'Open @BotFather in Telegram, send /newbot (or /mybots → your bot → API Token) and paste the token, e.g. 123456789:AAH…',
        ru: 'Откройте @BotFather в Telegram, отправьте /newbot (или /mybots → ваш бот → API Token) и вставьте токен, например 123456789:AAH…',
      },
    },
  ];

  readonly capabilities: ChannelCapabilities = {
    maxTextLength: MAX_TEXT,
    splitsLongText: true,
    media: ['image', 'document'],
    messagingWindowHours: null,
    templates: false,
    webhook: true,
    polling: true,
  };

  /** `now` stamps callback queries, which carry no date of their own. */
  constructor(private readonly now: () => Date = () => new Date()) {}

  async checkCredentials(credentials: TelegramCredentials, ctx: AdapterContext): Promise<AccountInfo> {
    const me = await this.call('getMe', () => this.api(credentials, ctx).getMe());
    return { accountId: String(me.id), accountName: `@${me.username}` };
  }

  async registerWebhook(
    credentials: TelegramCredentials,
    webhook: { url: string; secret: string },
    ctx: AdapterContext,
  ): Promise<void> {
    await this.call('setWebhook', () =>
      this.api(credentials, ctx).setWebhook(webhook.url, {
        secret_token: webhook.secret,
        allowed_updates: [...TELEGRAM_ALLOWED_UPDATES],
        drop_pending_updates: false,
      }),
    );
  }

  async unregisterWebhook(
    credentials: TelegramCredentials,
    _webhook: { url: string },
    ctx: AdapterContext,
  ): Promise<void> {
    await this.call('deleteWebhook', () => this.api(credentials, ctx).deleteWebhook({ drop_pending_updates: false }));
  }

  /** https://core.telegram.org/bots/api#setwebhook: the secret comes back in a header, unsigned body. */
  verifyWebhook(request: WebhookRequest, _credentials: TelegramCredentials, webhookSecret: string): boolean {
    if (!webhookSecret) return false;
    const header = request.headers[SECRET_HEADER];
    const value = Array.isArray(header) ? header[0] : header;
    return safeEqual(value, webhookSecret);
  }

  answerHandshake(): string | null {
    return null;
  }

  /**
   * Long polling via getUpdates. The server deletes the webhook first (unregisterWebhook):
   * Telegram answers 409 while one is set.
   */
  async poll(
    credentials: TelegramCredentials,
    cursor: string | null,
    ctx: AdapterContext & { timeoutSec: number },
  ): Promise<PollResult> {
    const slackSeconds = (ctx.timeoutMs ?? 10_000) / 1000;
    const api = this.api(credentials, ctx, ctx.timeoutSec + slackSeconds);
    const updates = await this.call('getUpdates', () =>
      api.getUpdates({
        offset: cursor === null ? undefined : Number(cursor),
        timeout: ctx.timeoutSec,
        allowed_updates: [...TELEGRAM_ALLOWED_UPDATES],
      }),
    );
    const last = updates[updates.length - 1];
    return { updates, cursor: last ? String(last.update_id + 1) : cursor };
  }

  normalizeInbound(update: unknown): InboundEvent[] {
    if (!isUpdate(update)) return [{ kind: 'ignored', reason: 'malformed update: no update_id' }];
    if (update.message) return [this.normalizeMessage(update.message)];
    if (update.business_message) return [this.normalizeMessage(update.business_message)];
    if (update.edited_message) return [this.normalizeEdit(update.edited_message)];
    if (update.edited_business_message) return [this.normalizeEdit(update.edited_business_message)];
    if (update.callback_query) return [this.normalizeCallback(update.callback_query)];
    if (update.business_connection) {
      const connection = update.business_connection;
      return [
        {
          kind: 'ignored',
          reason: `business connection ${connection.id} ${connection.is_enabled ? 'enabled' : 'disabled'}`,
        },
      ];
    }
    const type = Object.keys(update).find((key) => key !== 'update_id') ?? 'empty';
    return [{ kind: 'ignored', reason: `unsupported update type: ${type}` }];
  }

  async send(credentials: TelegramCredentials, message: OutgoingMessage, ctx: AdapterContext): Promise<SendResult> {
    const api = this.api(credentials, ctx);
    const chatId = toChatId(message.recipient);
    const business = message.businessConnectionId ? { business_connection_id: message.businessConnectionId } : {};
    const text = message.text.trim() === '' ? '' : message.text;
    if (!text && message.attachments.length === 0) {
      throw new ChannelError('unsupported_content', 'Telegram cannot send an empty message');
    }
    const sent: Message[] = [];
    const caption = message.attachments.length > 0 && text.length <= MAX_CAPTION ? text : '';
    // The keyboard goes under the text (its last part), or under the captioned file.
    const keyboard = message.buttons?.length ? { reply_markup: inlineKeyboard(message.buttons) } : {};
    if (text && !caption) {
      const parts = splitText(text, MAX_TEXT);
      for (const [index, part] of parts.entries()) {
        const extra = { ...business, ...(index === parts.length - 1 ? keyboard : {}) };
        sent.push(await this.call('sendMessage', () => api.sendMessage(chatId, part, extra)));
      }
    }
    for (const [index, attachment] of message.attachments.entries()) {
      const extra = { ...business, ...(index === 0 && caption ? { caption, ...keyboard } : {}) };
      const file = new InputFile(attachment.data, attachment.fileName);
      sent.push(
        sendsAsPhoto(attachment)
          ? await this.call('sendPhoto', () => api.sendPhoto(chatId, file, extra))
          : await this.call('sendDocument', () => api.sendDocument(chatId, file, extra)),
      );
    }
    return { externalIds: sent.map((m) => messageId(m, message.businessConnectionId)) };
  }

  /** Answers a button press (stops the client's spinner); the server calls it after ingesting it. */
  async answerCallback(credentials: TelegramCredentials, callbackQueryId: string, ctx: AdapterContext): Promise<void> {
    await this.call('answerCallbackQuery', () => this.api(credentials, ctx).answerCallbackQuery(callbackQueryId));
  }

  /** https://core.telegram.org/bots/api#getfile: bots download files up to 20 MB. */
  async fetchMedia(credentials: TelegramCredentials, media: MediaRef, ctx: AdapterContext): Promise<FetchedMedia> {
    const file = await this.call('getFile', () => this.api(credentials, ctx).getFile(media.ref));
    if (!file.file_path) {
      throw new ChannelError('unsupported_content', 'Telegram gives no download link for this file (over 20 MB?)');
    }
    const url = `${apiRoot(ctx)}/file/bot${credentials.botToken}/${file.file_path}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
    } catch (err) {
      throw new ChannelError('temporary', `Telegram file download failed: ${(err as Error).message}`);
    }
    if (!response.ok) {
      const code = response.status === 401 ? 'invalid_credentials' : 'temporary';
      throw new ChannelError(code, `Telegram file download answered ${response.status}`, undefined, response.status);
    }
    const data = Buffer.from(await response.arrayBuffer());
    const fileName = media.fileName ?? file.file_path.split('/').pop() ?? file.file_id;
    return { data, fileName, mimeType: media.mimeType ?? mimeFromPath(file.file_path) ?? mimeFromKind(media.kind) };
  }

  private api(credentials: TelegramCredentials, ctx: AdapterContext, timeoutSeconds?: number): Api {
    return new Api(credentials.botToken, {
      apiRoot: apiRoot(ctx),
      timeoutSeconds: timeoutSeconds ?? (ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000,
    });
  }

  private async call<T>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toChannelError(method, err);
    }
  }

  private normalizeMessage(message: Message): InboundEvent {
    const skip = skipReason(message);
    if (skip) return { kind: 'ignored', reason: skip };
    const person = message.from ?? (message.chat as unknown as User);
    const text = message.text ?? message.caption ?? '';
    const media = mediaOf(message);
    const meta = metaOf(message);
    if (!text && media.length === 0 && !meta) {
      return { kind: 'ignored', reason: 'message without text, media, location or contact' };
    }
    const event: InboundMessageEvent = {
      kind: 'message',
      externalUserId: String(message.chat.id),
      externalMessageId: messageId(message, message.business_connection_id),
      contactName: fullName(person),
      text,
      media,
      sentAt: new Date(message.date * 1000),
    };
    if (person.username) event.username = person.username;
    if (message.business_connection_id) event.businessConnectionId = message.business_connection_id;
    const start = /^\/start(?:@\w+)?\s+(\S+)/.exec(message.text ?? '');
    if (start) event.source = start[1];
    if (message.contact && message.contact.user_id === person.id) event.phone = message.contact.phone_number;
    if (meta) event.meta = meta;
    return event;
  }

  private normalizeEdit(message: Message): InboundEvent {
    const skip = skipReason(message);
    if (skip) return { kind: 'ignored', reason: skip };
    return {
      kind: 'edit',
      externalUserId: String(message.chat.id),
      externalMessageId: messageId(message, message.business_connection_id),
      text: message.text ?? message.caption ?? '',
      editedAt: new Date((message.edit_date ?? message.date) * 1000),
    };
  }

  private normalizeCallback(query: CallbackQuery): InboundEvent {
    const chat = query.message?.chat;
    if (!chat) return { kind: 'ignored', reason: 'callback query from an inline message' };
    if (chat.type !== 'private') return { kind: 'ignored', reason: `callback query in a ${chat.type} chat` };
    if (query.data === undefined) return { kind: 'ignored', reason: 'callback query without data (game)' };
    const event: InboundMessageEvent = {
      kind: 'message',
      externalUserId: String(chat.id),
      externalMessageId: `cb:${query.id}`,
      contactName: fullName(query.from),
      text: query.data,
      callbackData: query.data,
      media: [],
      sentAt: this.now(),
      meta: {
        callbackQueryId: query.id,
        buttonMessageId: query.message ? String(query.message.message_id) : undefined,
      },
    };
    if (query.from.username) event.username = query.from.username;
    const business = (query.message as Message | undefined)?.business_connection_id;
    if (business) event.businessConnectionId = business;
    return event;
  }
}

/**
 * Splits at the last newline (or else whitespace) before the limit; cuts a word only when a
 * single word is longer than the limit, and never inside a surrogate pair.
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    const newline = window.lastIndexOf('\n');
    const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'), newline);
    let cut = newline > max / 2 ? newline : space;
    let skip = 1;
    if (cut <= 0) {
      cut = isHighSurrogate(rest.charCodeAt(max - 1)) ? max - 1 : max;
      skip = 0;
    }
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut + skip);
  }
  if (rest.length > 0) parts.push(rest);
  return parts.filter((part) => part.trim() !== '');
}

/** Rows of at most six buttons, balanced (11 NPS scores: 6 + 5). https://core.telegram.org/bots/api#inlinekeyboardmarkup */
function inlineKeyboard(buttons: OutgoingButton[]): InlineKeyboardMarkup {
  return {
    inline_keyboard: buttonRows(buttons, 6).map((row) => row.map((b) => ({ text: b.text, callback_data: b.id }))),
  };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function apiRoot(ctx: AdapterContext): string {
  return ctx.apiRoot.replace(/\/+$/, '');
}

function toChatId(recipient: string): number | string {
  return /^-?\d+$/.test(recipient) ? Number(recipient) : recipient;
}

function isUpdate(value: unknown): value is Update {
  return (
    typeof value === 'object' && value !== null && typeof (value as { update_id?: unknown }).update_id === 'number'
  );
}

/** Message ids count per chat; a business account's chats count separately from the bot's. */
function messageId(message: Message, businessConnectionId?: string): string {
  const base = `${message.chat.id}:${message.message_id}`;
  return businessConnectionId ? `${businessConnectionId}:${base}` : base;
}

function skipReason(message: Message): string | null {
  if (message.chat.type !== 'private') return `${message.chat.type} chat`;
  if (message.from?.is_bot) return 'sent by a bot';
  // In a business chat the account owner's own messages arrive too: they are not the customer's.
  if (message.business_connection_id && message.from && message.from.id !== message.chat.id) {
    return 'sent by the business account owner';
  }
  return null;
}

function fullName(user: Pick<User, 'first_name' | 'last_name' | 'username'>): string {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return name || (user.username ? `@${user.username}` : 'Telegram user');
}

function mediaOf(message: Message): MediaRef[] {
  const refs: MediaRef[] = [];
  if (message.photo?.length) {
    const largest = message.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    refs.push({ ref: largest.file_id, kind: 'image', mimeType: 'image/jpeg', size: largest.file_size });
  }
  if (message.animation) {
    const a = message.animation;
    refs.push(
      clean({ ref: a.file_id, kind: 'video', fileName: a.file_name, mimeType: a.mime_type, size: a.file_size }),
    );
  } else if (message.document) {
    const d = message.document;
    refs.push(
      clean({ ref: d.file_id, kind: 'document', fileName: d.file_name, mimeType: d.mime_type, size: d.file_size }),
    );
  }
  if (message.voice) {
    const v = message.voice;
    refs.push(clean({ ref: v.file_id, kind: 'voice', mimeType: v.mime_type ?? 'audio/ogg', size: v.file_size }));
  }
  if (message.audio) {
    const a = message.audio;
    refs.push(
      clean({ ref: a.file_id, kind: 'audio', fileName: a.file_name, mimeType: a.mime_type, size: a.file_size }),
    );
  }
  if (message.video) {
    const v = message.video;
    refs.push(
      clean({ ref: v.file_id, kind: 'video', fileName: v.file_name, mimeType: v.mime_type, size: v.file_size }),
    );
  }
  if (message.video_note) {
    const v = message.video_note;
    refs.push(clean({ ref: v.file_id, kind: 'video', mimeType: 'video/mp4', size: v.file_size }));
  }
  if (message.sticker) {
    const s = message.sticker;
    const mimeType = s.is_animated ? 'application/x-tgsticker' : s.is_video ? 'video/webm' : 'image/webp';
    refs.push(clean({ ref: s.file_id, kind: 'sticker', mimeType, size: s.file_size }));
  }
  return refs;
}

function metaOf(message: Message): Record<string, unknown> | undefined {
  const meta: Record<string, unknown> = {};
  if (message.location)
    meta['location'] = { latitude: message.location.latitude, longitude: message.location.longitude };
  if (message.venue) meta['venue'] = { title: message.venue.title, address: message.venue.address };
  if (message.contact) {
    const c = message.contact;
    meta['contact'] = clean({
      phoneNumber: c.phone_number,
      firstName: c.first_name,
      lastName: c.last_name,
      userId: c.user_id,
    });
  }
  if (message.sticker?.emoji) meta['emoji'] = message.sticker.emoji;
  if (message.reply_to_message) meta['replyToMessageId'] = String(message.reply_to_message.message_id);
  return Object.keys(meta).length > 0 ? meta : undefined;
}

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Photos Telegram can re-encode; anything else (SVG, huge images) keeps its bytes as a document. */
function sendsAsPhoto(attachment: OutgoingAttachment): boolean {
  return /^image\/(jpeg|png|webp|gif|bmp)$/.test(attachment.mimeType) && attachment.data.length <= MAX_PHOTO_BYTES;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  oga: 'audio/ogg',
  ogg: 'audio/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  tgs: 'application/x-tgsticker',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

function mimeFromPath(path: string): string | undefined {
  const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return extension ? MIME_BY_EXTENSION[extension] : undefined;
}

function mimeFromKind(kind: MediaRef['kind']): string {
  switch (kind) {
    case 'image':
      return 'image/jpeg';
    case 'voice':
      return 'audio/ogg';
    case 'audio':
      return 'audio/mpeg';
    case 'video':
      return 'video/mp4';
    case 'sticker':
      return 'image/webp';
    case 'document':
      return 'application/octet-stream';
  }
}

/**
 * Telegram's errors by `error_code` and description
 * (https://core.telegram.org/bots/api#making-requests; descriptions as the Bot API server words them).
 */
export function toChannelError(method: string, err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  if (err instanceof GrammyError) {
    const description = err.description;
    const message = `Telegram ${method}: ${description}`;
    const code = err.error_code;
    // Telegram says how long to wait in `retry_after` (a 429 always, a server error sometimes): that wait is kept.
    const retryAfterMs = err.parameters.retry_after === undefined ? undefined : err.parameters.retry_after * 1000;
    if (code === 429) return new ChannelError('rate_limited', message, retryAfterMs, description);
    // 401: revoked or wrong token; 404: the token is not even shaped like one.
    if (code === 401 || code === 404) return new ChannelError('invalid_credentials', message, undefined, description);
    // 403: blocked by the user, user deactivated, bot kicked, can't initiate conversation.
    if (code === 403) return new ChannelError('recipient_unreachable', message, undefined, description);
    if (code === 400 && /chat not found|user not found|PEER_ID_INVALID|chat_id is empty/i.test(description)) {
      return new ChannelError('recipient_unreachable', message, undefined, description);
    }
    if (code === 400 || code === 413) return new ChannelError('unsupported_content', message, undefined, description);
    return new ChannelError('temporary', message, retryAfterMs, description);
  }
  if (err instanceof HttpError) {
    return new ChannelError('temporary', `Telegram ${method}: ${err.message}`, undefined, 'network');
  }
  return new ChannelError('temporary', `Telegram ${method}: ${(err as Error)?.message ?? String(err)}`);
}
