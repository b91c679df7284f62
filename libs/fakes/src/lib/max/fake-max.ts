import { createHash, randomBytes, randomInt } from 'node:crypto';
import { type Fault, FakeHttpServer, type FakeReply, type RecordedCall } from '../http/fake-http-server';

/**
 * A fake of the MAX Bot API (https://dev.max.ru/docs-api), built from its OpenAPI schema, the
 * official clients' source (@maxhub/max-bot-api, max-bot-api-client-go and its recorded stubs)
 * and error bodies seen in the wild. Where the platform's behaviour is not documented the choice
 * is marked "(unverified)".
 */
export interface FakeMaxOptions {
  /** The bot's access token: every API call must carry exactly this in `Authorization`. */
  token: string;
  botUserId?: number;
  botName?: string;
  botUsername?: string;
}

/** A MAX `User` object as the API serializes it. */
export interface FakeMaxUser {
  user_id: number;
  first_name: string;
  last_name?: string;
  /** Deprecated by MAX in favour of first/last name, still sent. */
  name: string;
  username?: string | null;
  is_bot: boolean;
  last_activity_time: number;
}

/** A MAX `Message` object as the API serializes it. */
export interface FakeMaxMessage {
  sender?: FakeMaxUser;
  recipient: { chat_id: number; chat_type: 'dialog' | 'chat' | 'channel'; user_id?: number | null };
  timestamp: number;
  link?: unknown;
  body: { mid: string; seq: number; text: string | null; attachments?: unknown[] | null };
}

/** One message the bot sent through `POST /messages`. */
export interface FakeMaxSentMessage {
  mid: string;
  chatId: number;
  /** The customer of the dialog (null for group chats). */
  userId: number | null;
  text: string | null;
  /** The `attachments` of the request body, as the bot sent them. */
  attachments: unknown[];
  /** The full JSON body the fake received. */
  body: Record<string, unknown>;
  message: FakeMaxMessage;
  at: number;
}

/** One webhook POST the fake made, with Onebox's answer. */
export interface FakeMaxDelivery {
  url: string;
  update: Record<string, unknown>;
  rawBody: Buffer;
  headers: Record<string, string>;
  /** Onebox's HTTP status, or 0 when the request got no answer. */
  status: number;
}

export interface FakeMaxSubscription {
  url: string;
  secret?: string;
  update_types: string[];
  time: number;
  version?: string;
}

/** A file kept by the fake: an upload made by the bot, or a customer's media served by URL. */
export interface FakeMaxFile {
  type: 'image' | 'video' | 'audio' | 'file';
  token: string;
  url: string;
  data: Buffer;
  mimeType: string;
  fileName: string;
  photoId?: number;
}

interface Customer {
  userId: number;
  name: string;
  username?: string;
}

interface QueuedUpdate {
  seq: number;
  update: Record<string, unknown>;
}

interface UploadSlot {
  id: string;
  type: FakeMaxFile['type'];
  /** Video and audio get their token with the upload URL; images and files when uploaded. */
  token?: string;
  chunks: Buffer[];
}

const UPDATE_TYPES = new Set([
  'message_created',
  'message_callback',
  'message_edited',
  'message_removed',
  'bot_started',
  'bot_stopped',
  'bot_added',
  'bot_removed',
  'user_added',
  'user_removed',
  'chat_title_changed',
  'message_chat_created',
  'dialog_muted',
  'dialog_unmuted',
  'dialog_cleared',
  'dialog_removed',
]);
const UPLOAD_TYPES = new Set(['image', 'video', 'audio', 'file']);
const SECRET_PATTERN = /^[a-zA-Z0-9_-]{5,256}$/;
const MAX_TEXT_LENGTH = 4000;
const DEFAULT_POLL_TIMEOUT_SEC = 30;

const err = (status: number, code: string, message: string): FakeReply => ({ status, body: { code, message } });
const ok = (body: unknown): FakeReply => ({ status: 200, body });

/**
 * The MAX Bot API and the MAX side of a bot's conversations: it keeps webhook subscriptions made
 * through `POST /subscriptions`, queues updates for `GET /updates` while none exists, and plays
 * customers who write to the bot.
 */
export class FakeMax {
  private readonly http: FakeHttpServer;
  private readonly bot: FakeMaxUser;
  private readonly customers = new Map<number, Customer>();
  /** Dialog chat id per customer user id. */
  private readonly dialogs = new Map<number, number>();
  private readonly groupChats = new Set<number>();
  private readonly blocked = new Set<number>();
  private readonly subs: FakeMaxSubscription[] = [];
  private readonly queue: QueuedUpdate[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly messages = new Map<string, FakeMaxMessage>();
  private readonly sent: FakeMaxSentMessage[] = [];
  private readonly uploads = new Map<string, UploadSlot>();
  private readonly files = new Map<string, FakeMaxFile>();
  /** Files by the id in their download URL. */
  private readonly media = new Map<string, FakeMaxFile>();
  private readonly callbacks = new Map<string, { userId: number; mid: string }>();
  private readonly answers: { callbackId: string; body: Record<string, unknown> }[] = [];
  private readonly deliveryLog: FakeMaxDelivery[] = [];
  private nextUpdateSeq = 25_493_970;
  private messageSeq = 1_775_025_603_399_000;
  private notReadyLeft = 0;
  private lastUpdate: Record<string, unknown> | null = null;
  private stopped = false;

  constructor(private readonly options: FakeMaxOptions) {
    const firstName = options.botName ?? 'Onebox Bot';
    this.bot = {
      user_id: options.botUserId ?? 229_229_229,
      first_name: firstName,
      name: firstName,
      username: options.botUsername ?? 'onebox_bot',
      is_bot: true,
      last_activity_time: Date.now(),
    };
    this.http = new FakeHttpServer((call) => this.handle(call));
  }

  get url(): string {
    return this.http.url;
  }

  get calls(): RecordedCall[] {
    return this.http.calls;
  }

  get botUser(): FakeMaxUser {
    return { ...this.bot };
  }

  callsTo(suffix: string): RecordedCall[] {
    return this.http.callsTo(suffix);
  }

  /** Listens on `port` (a free one when absent); answers the base URL to use as the API root. */
  async start(port?: number): Promise<string> {
    this.stopped = false;
    return this.http.start(port);
  }

  /** Ends pending long polls at once, then closes the server. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeWaiters();
    await this.http.stop();
  }

  inject(fault: Fault): void {
    this.http.inject(fault);
  }

  /** The next `times` API calls answer 429 `too.many.requests`, with `Retry-After` when given. */
  throttle(times: number, retryAfterSec?: number): void {
    this.http.inject({
      times,
      reply: {
        status: 429,
        body: { code: 'too.many.requests', message: 'Too many requests' },
        headers: retryAfterSec === undefined ? undefined : { 'retry-after': String(retryAfterSec) },
      },
    });
  }

  /**
   * The next `times` sends that carry attachments answer 400 `attachment.not.ready`, as MAX does
   * while it still processes an upload (https://dev.max.ru/docs-api/methods/POST/uploads).
   */
  failAttachmentNotReady(times: number): void {
    this.notReadyLeft = times;
  }

  /** The customer stopped and blocked the bot: sends to them answer 403 `chat.denied`. */
  blockBot(userId: number): void {
    this.blocked.add(userId);
  }

  /** A customer known to MAX who has an open dialog with the bot but has not written yet. */
  addCustomer(customer: { userId: number; name: string; username?: string }): number {
    this.customers.set(customer.userId, { ...customer });
    return this.dialogOf(customer.userId);
  }

  dialogChatId(userId: number): number | undefined {
    return this.dialogs.get(userId);
  }

  sentMessages(): FakeMaxSentMessage[] {
    return [...this.sent];
  }

  subscriptions(): FakeMaxSubscription[] {
    return this.subs.map((s) => ({ ...s, update_types: [...s.update_types] }));
  }

  deliveries(): FakeMaxDelivery[] {
    return [...this.deliveryLog];
  }

  callbackAnswers(): { callbackId: string; body: Record<string, unknown> }[] {
    return [...this.answers];
  }

  /** Updates waiting for `GET /updates` (not yet committed by a marker). */
  pendingUpdates(): Record<string, unknown>[] {
    return this.queue.map((q) => q.update);
  }

  /** Every file the bot uploaded or a customer sent, by token. */
  file(token: string): FakeMaxFile | undefined {
    return this.files.get(token);
  }

  // ---- customers -------------------------------------------------------------------------

  customerWrites(input: { userId: number; name: string; username?: string; text: string }): Promise<number | null> {
    return this.deliverUpdate(this.messageCreated(input, input.text, null));
  }

  /** The customer pressed Start, possibly through a deep link `https://max.ru/<bot>/start/<payload>`. */
  customerStartsBot(input: {
    userId: number;
    name: string;
    username?: string;
    payload?: string;
  }): Promise<number | null> {
    const user = this.userFor(input);
    const update: Record<string, unknown> = {
      update_type: 'bot_started',
      timestamp: Date.now(),
      chat_id: this.dialogOf(input.userId),
      user,
      user_locale: 'ru',
    };
    if (input.payload !== undefined) update.payload = input.payload;
    return this.deliverUpdate(update);
  }

  /** A photo from the customer; its bytes are served at the attachment's `payload.url`. */
  customerSendsImage(input: {
    userId: number;
    name: string;
    username?: string;
    data?: Buffer;
    mimeType?: string;
    text?: string;
  }): Promise<number | null> {
    const file = this.storeFile(
      'image',
      input.data ?? Buffer.from('fake-jpeg-bytes'),
      input.mimeType ?? 'image/jpeg',
      'photo.jpg',
    );
    const attachment = { type: 'image', payload: { photo_id: file.photoId, token: file.token, url: file.url } };
    return this.deliverUpdate(this.messageCreated(input, input.text ?? null, [attachment]));
  }

  /** A document from the customer; its bytes are served at the attachment's `payload.url`. */
  customerSendsFile(input: {
    userId: number;
    name: string;
    fileName: string;
    data: Buffer;
    mimeType?: string;
    text?: string;
  }): Promise<number | null> {
    const file = this.storeFile('file', input.data, input.mimeType ?? 'application/octet-stream', input.fileName);
    const attachment = {
      type: 'file',
      payload: { url: file.url, token: file.token },
      filename: input.fileName,
      size: input.data.length,
    };
    return this.deliverUpdate(this.messageCreated(input, input.text ?? null, [attachment]));
  }

  /** The customer edits one of their messages (by `mid`). */
  customerEdits(input: { userId: number; mid: string; text: string }): Promise<number | null> {
    const original = this.messages.get(input.mid);
    const customer = this.customers.get(input.userId);
    const message: FakeMaxMessage = original
      ? { ...original, body: { ...original.body, text: input.text } }
      : {
          sender: this.userFor({ userId: input.userId, name: customer?.name ?? 'Customer' }),
          recipient: { chat_id: this.dialogOf(input.userId), chat_type: 'dialog', user_id: this.bot.user_id },
          timestamp: Date.now(),
          body: { mid: input.mid, seq: this.nextMessageSeq(), text: input.text },
        };
    this.messages.set(input.mid, message);
    return this.deliverUpdate({ update_type: 'message_edited', timestamp: Date.now(), message });
  }

  /**
   * The customer pressed a callback button. `mid` names the bot's message with the keyboard;
   * without it the last message the bot sent to this customer is used.
   */
  customerPressesButton(input: {
    userId: number;
    name: string;
    payload: string;
    mid?: string;
  }): Promise<number | null> {
    const user = this.userFor(input);
    const mid = input.mid ?? [...this.sent].reverse().find((s) => s.userId === input.userId)?.mid;
    const message = mid ? this.messages.get(mid) : undefined;
    const callbackId = randomBytes(72).toString('base64url');
    this.callbacks.set(callbackId, { userId: input.userId, mid: mid ?? '' });
    const now = Date.now();
    return this.deliverUpdate({
      update_type: 'message_callback',
      timestamp: now,
      callback: { timestamp: now, callback_id: callbackId, payload: input.payload, user },
      message: message ?? null,
      user_locale: 'ru',
    });
  }

  /** A message in a group chat the bot is a member of (`recipient.chat_type: "chat"`). */
  groupMessage(input: { userId: number; name: string; text: string; chatId?: number }): Promise<number | null> {
    const chatId = input.chatId ?? -randomInt(10_000_000_000, 90_000_000_000);
    this.groupChats.add(chatId);
    const sender = this.userFor(input);
    const mid = newMid();
    const message: FakeMaxMessage = {
      sender,
      recipient: { chat_id: chatId, chat_type: 'chat' },
      timestamp: Date.now(),
      body: { mid, seq: this.nextMessageSeq(), text: input.text },
    };
    this.messages.set(mid, message);
    return this.deliverUpdate({ update_type: 'message_created', timestamp: Date.now(), message });
  }

  /**
   * Delivers one Update: POSTed as JSON to every subscription that wants its type, with
   * `X-Max-Bot-Api-Secret`, resolving with the first subscriber's HTTP status; queued for
   * `GET /updates` while there is no subscription. Resolves null when no webhook received it
   * (queued, or no subscription wants its type).
   */
  async deliverUpdate(update: Record<string, unknown>): Promise<number | null> {
    this.lastUpdate = update;
    if (this.subs.length === 0) {
      this.queue.push({ seq: this.nextUpdateSeq++, update });
      this.wakeWaiters();
      return null;
    }
    const type = String(update.update_type);
    const targets = this.subs.filter((s) => s.update_types.length === 0 || s.update_types.includes(type));
    let first: number | null = null;
    for (const sub of targets) {
      const status = await this.post(sub, update);
      first ??= status;
    }
    return first;
  }

  /** Sends the last update again, as MAX retries a delivery that did not get 200. */
  redeliverLast(): Promise<number | null> {
    if (!this.lastUpdate) throw new Error('nothing delivered yet');
    return this.deliverUpdate(this.lastUpdate);
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private async handle(call: RecordedCall): Promise<FakeReply> {
    const { method, path } = call;
    // The upload server and the media CDN are other hosts in production and take no token.
    if (method === 'POST' && path === '/upload.do') return this.receiveUpload(call);
    if (method === 'GET' && (path === '/i' || path === '/getfile')) return this.serveFile(call);

    if (call.headers.authorization !== this.options.token) {
      return err(401, 'verify.token', 'Invalid access_token');
    }
    const route = `${method} ${path.replace(/\/+$/, '') || '/'}`;
    switch (route) {
      case 'GET /me':
        return ok({ ...this.bot, description: null, avatar_url: null, full_avatar_url: null, commands: null });
      case 'GET /subscriptions':
        return ok({
          subscriptions: this.subs.map((s) => ({
            url: s.url,
            time: s.time,
            update_types: s.update_types,
            version: s.version ?? null,
          })),
        });
      case 'POST /subscriptions':
        return this.subscribe(call.body);
      case 'DELETE /subscriptions':
        return this.unsubscribe(call.query.url);
      case 'GET /updates':
        return this.getUpdates(call.query);
      case 'POST /messages':
        return this.sendMessage(call);
      case 'PUT /messages':
        return this.editMessage(call);
      case 'DELETE /messages':
        return this.deleteMessage(call.query.message_id);
      case 'POST /answers':
        return this.answerCallback(call);
      case 'POST /uploads':
        return this.uploadUrl(call.query.type);
    }
    const single = /^\/messages\/([^/]+)$/.exec(path);
    if (method === 'GET' && single) {
      const message = this.messages.get(single[1]);
      return message ? ok(message) : err(404, 'not.found', `Message ${single[1]} not found`);
    }
    return err(404, 'not.found', `Path ${path} not found`);
  }

  private subscribe(body: Record<string, unknown>): FakeReply {
    const url = body.url;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
      return err(400, 'proto.payload', 'Field `url` must start with http(s)://');
    }
    const secret = body.secret;
    if (secret !== undefined && secret !== null && (typeof secret !== 'string' || !SECRET_PATTERN.test(secret))) {
      return err(400, 'proto.payload', 'Field `secret` must match ^[a-zA-Z0-9_-]{5,256}$');
    }
    const types = Array.isArray(body.update_types) ? body.update_types.map(String) : [];
    const unknown = types.find((t) => !UPDATE_TYPES.has(t));
    if (unknown) return err(400, 'proto.payload', `Unknown update type: ${unknown}`);
    const index = this.subs.findIndex((s) => s.url === url);
    if (index >= 0) this.subs.splice(index, 1);
    this.subs.push({
      url,
      secret: typeof secret === 'string' ? secret : undefined,
      update_types: types,
      time: Date.now(),
      version: typeof body.version === 'string' ? body.version : undefined,
    });
    return ok({ success: true });
  }

  private unsubscribe(url: string | undefined): FakeReply {
    if (!url) return err(400, 'proto.payload', 'Parameter `url` is required');
    const index = this.subs.findIndex((s) => s.url === url);
    if (index >= 0) this.subs.splice(index, 1);
    return ok({ success: true });
  }

  /**
   * Long polling. `marker` commits every update before it; without one, everything not yet
   * committed comes back. While a webhook subscription exists the schema's documented answer is
   * 405 (the error code below is unverified).
   */
  private async getUpdates(query: Record<string, string>): Promise<FakeReply> {
    if (this.subs.length > 0) {
      return err(405, 'method.not.allowed', 'Long polling is not available while the bot has webhook subscriptions');
    }
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    const timeout = query.timeout === undefined ? DEFAULT_POLL_TIMEOUT_SEC : Number(query.timeout);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return err(400, 'proto.payload', 'limit must be in 1..1000');
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > 90)
      return err(400, 'proto.payload', 'timeout must be in 0..90');
    const marker = query.marker ? Number(query.marker) : null;
    if (marker !== null && !Number.isFinite(marker)) return err(400, 'proto.payload', 'marker must be a number');
    const types = query.types ? new Set(query.types.split(',').filter(Boolean)) : null;

    if (marker !== null) {
      while (this.queue.length > 0 && this.queue[0].seq < marker) this.queue.shift();
    }
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      const ready = this.queue.filter((q) => !types || types.has(String(q.update.update_type))).slice(0, limit);
      if (ready.length > 0) {
        return ok({ updates: ready.map((q) => q.update), marker: ready[ready.length - 1].seq + 1 });
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.stopped) return ok({ updates: [], marker: marker ?? this.nextUpdateSeq });
      await this.waitForUpdate(left);
    }
  }

  private sendMessage(call: RecordedCall): FakeReply {
    const target = this.resolveTarget(call.query);
    if ('status' in target) return target;
    const body = call.body;
    const text = typeof body.text === 'string' ? body.text : null;
    if (text !== null && text.length > MAX_TEXT_LENGTH) {
      // (unverified) the exact code/message MAX answers for an over-long text.
      return err(400, 'proto.payload', `text: size must be between 0 and ${MAX_TEXT_LENGTH}`);
    }
    const requested = Array.isArray(body.attachments) ? (body.attachments as Record<string, unknown>[]) : [];
    if (!text && requested.length === 0) return err(400, 'proto.payload', 'Message text or attachments are required');
    const attachments: unknown[] = [];
    for (const attachment of requested) {
      const result = this.materialize(attachment);
      if ('status' in result) return result;
      attachments.push(result.attachment);
    }
    if (requested.length > 0 && this.notReadyLeft > 0) {
      this.notReadyLeft -= 1;
      return err(400, 'attachment.not.ready', 'Key: errors.process.attachment.file.not.processed');
    }
    const mid = newMid();
    const message: FakeMaxMessage = {
      sender: { ...this.bot, last_activity_time: Date.now() },
      recipient: {
        chat_id: target.chatId,
        chat_type: target.userId === null ? 'chat' : 'dialog',
        user_id: target.userId,
      },
      timestamp: Date.now(),
      body: { mid, seq: this.nextMessageSeq(), text, ...(attachments.length ? { attachments } : {}) },
    };
    this.messages.set(mid, message);
    this.sent.push({
      mid,
      chatId: target.chatId,
      userId: target.userId,
      text,
      attachments: requested,
      body,
      message,
      at: Date.now(),
    });
    return ok({ message });
  }

  private resolveTarget(query: Record<string, string>): { chatId: number; userId: number | null } | FakeReply {
    if (query.user_id) {
      const userId = Number(query.user_id);
      if (!Number.isInteger(userId)) return err(400, 'proto.payload', 'user_id must be a number');
      const chatId = this.dialogs.get(userId);
      // (unverified) MAX's exact answer for a user who never opened a dialog with the bot.
      if (chatId === undefined) return err(404, 'chat.not.found', `Chat with user ${userId} not found`);
      if (this.blocked.has(userId)) return err(403, 'chat.denied', 'error.dialog.suspended');
      return { chatId, userId };
    }
    if (query.chat_id) {
      const chatId = Number(query.chat_id);
      const userId = [...this.dialogs].find(([, chat]) => chat === chatId)?.[0];
      if (userId !== undefined) {
        if (this.blocked.has(userId)) return err(403, 'chat.denied', 'error.dialog.suspended');
        return { chatId, userId };
      }
      if (this.groupChats.has(chatId)) return { chatId, userId: null };
      return err(404, 'chat.not.found', `Chat ${chatId} not found`);
    }
    return err(400, 'proto.payload', 'Either user_id or chat_id is required');
  }

  /** Turns an `AttachmentRequest` into the `Attachment` a received message carries. */
  private materialize(request: Record<string, unknown>): { attachment: unknown } | FakeReply {
    const type = request.type;
    const payload = (request.payload ?? {}) as Record<string, unknown>;
    switch (type) {
      case 'image': {
        if (typeof payload.url === 'string') return { attachment: { type, payload: { url: payload.url } } };
        const photos = payload.photos as Record<string, { token?: string }> | undefined;
        const token =
          typeof payload.token === 'string' ? payload.token : photos ? Object.values(photos)[0]?.token : undefined;
        if (!token) return err(400, 'proto.payload', 'No `photos`, `url` or `token` provided. Check payload.');
        const file = this.files.get(token);
        if (!file || file.type !== 'image') return err(400, 'proto.payload', 'Invalid image token');
        return { attachment: { type, payload: { photo_id: file.photoId, token: file.token, url: file.url } } };
      }
      case 'video':
      case 'audio':
      case 'file': {
        const token = payload.token;
        const file = typeof token === 'string' ? this.files.get(token) : undefined;
        if (!file || file.type !== type) return err(400, 'proto.payload', `Invalid ${type} token`);
        const attachment: Record<string, unknown> = { type, payload: { url: file.url, token: file.token } };
        if (type === 'file') Object.assign(attachment, { filename: file.fileName, size: file.data.length });
        return { attachment };
      }
      case 'inline_keyboard': {
        const problem = keyboardProblem(payload);
        return problem ? err(400, 'proto.payload', problem) : { attachment: request };
      }
      case 'sticker':
      case 'location':
      case 'contact':
      case 'share':
        return { attachment: request };
      default:
        return err(400, 'proto.payload', `Unknown attachment type: ${String(type)}`);
    }
  }

  private editMessage(call: RecordedCall): FakeReply {
    const mid = call.query.message_id;
    const message = mid ? this.messages.get(mid) : undefined;
    if (!message) return err(404, 'not.found', `Message ${mid ?? ''} not found`);
    if (typeof call.body.text === 'string') message.body.text = call.body.text;
    return ok({ success: true });
  }

  private deleteMessage(mid: string | undefined): FakeReply {
    if (!mid || !this.messages.delete(mid)) return err(404, 'not.found', `Message ${mid ?? ''} not found`);
    return ok({ success: true });
  }

  /** `POST /answers`: a `CallbackAnswer` needs `message` and/or `notification`. */
  private answerCallback(call: RecordedCall): FakeReply {
    const callbackId = call.query.callback_id;
    if (!callbackId || !callbackId.trim()) return err(400, 'proto.payload', 'callback_id is required');
    const callback = this.callbacks.get(callbackId);
    if (!callback) return err(404, 'not.found', 'Callback not found');
    const { message, notification } = call.body as { message?: { text?: string }; notification?: string };
    if (!message && typeof notification !== 'string') {
      return err(400, 'proto.payload', 'Either `message` or `notification` is required');
    }
    const original = this.messages.get(callback.mid);
    if (message && original && typeof message.text === 'string') original.body.text = message.text;
    this.answers.push({ callbackId, body: call.body });
    return ok({ success: true });
  }

  private uploadUrl(type: string | undefined): FakeReply {
    if (!type || !UPLOAD_TYPES.has(type))
      return err(400, 'proto.payload', 'type must be one of image, video, audio, file');
    const slot: UploadSlot = { id: randomBytes(8).toString('hex'), type: type as UploadSlot['type'], chunks: [] };
    if (type === 'video' || type === 'audio') slot.token = newToken();
    this.uploads.set(slot.id, slot);
    const url = `${this.http.url}/upload.do?id=${slot.id}&sig=${randomBytes(6).toString('hex')}&clientType=3`;
    return ok(slot.token ? { url, token: slot.token } : { url });
  }

  /**
   * The upload server: multipart with the file in field `data`, or resumable chunks with
   * `Content-Range`. Images answer `{"photos":{...}}`, files `{"fileId","token"}`, video and
   * audio `<retval>1</retval>` (their token came with the upload URL).
   */
  private receiveUpload(call: RecordedCall): FakeReply {
    const slot = this.uploads.get(call.query.id ?? '');
    if (!slot) return { status: 404, body: 'Upload not found', headers: { 'content-type': 'text/plain' } };
    const contentType = String(call.headers['content-type'] ?? '');
    let data: Buffer;
    let fileName: string;
    let mimeType: string;
    if (contentType.includes('multipart/form-data')) {
      const part = call.files.find((f) => f.field === 'data');
      if (!part) return { status: 400, body: 'No file in field "data"', headers: { 'content-type': 'text/plain' } };
      data = part.data;
      fileName = part.fileName;
      mimeType = part.mimeType;
    } else {
      slot.chunks.push(call.rawBody);
      const range = /bytes (\d+)-(\d+)\/(\d+)/.exec(String(call.headers['content-range'] ?? ''));
      if (range && Number(range[2]) + 1 < Number(range[3])) {
        return { status: 200, body: `${range[1]}-${range[2]}/${range[3]}`, headers: { 'content-type': 'text/plain' } };
      }
      data = Buffer.concat(slot.chunks);
      fileName = String(call.headers['x-file-name'] ?? 'file');
      mimeType = 'application/octet-stream';
    }
    this.uploads.delete(slot.id);
    const file = this.storeFile(slot.type, data, mimeType, fileName, slot.token);
    if (slot.type === 'image') {
      const key = createHash('sha1').update(file.token).digest('base64');
      return ok({ photos: { [key]: { token: file.token } } });
    }
    if (slot.type === 'file') return ok({ fileId: randomInt(1_000_000, 9_999_999), token: file.token });
    return {
      status: 200,
      body: '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<retval>1</retval>',
      headers: { 'content-type': 'application/xml' },
    };
  }

  private serveFile(call: RecordedCall): FakeReply {
    const file = this.media.get((call.path === '/i' ? call.query.r : call.query.id) ?? '');
    if (!file) return { status: 404, body: 'Not found', headers: { 'content-type': 'text/plain' } };
    return { status: 200, body: file.data, headers: { 'content-type': file.mimeType } };
  }

  // ---- helpers -----------------------------------------------------------------------------

  private storeFile(
    type: FakeMaxFile['type'],
    data: Buffer,
    mimeType: string,
    fileName: string,
    token?: string,
  ): FakeMaxFile {
    const id = randomBytes(12).toString('hex');
    const url =
      type === 'image'
        ? `${this.http.url}/i?r=${id}`
        : `${this.http.url}/getfile?id=${id}&sig=${randomBytes(6).toString('hex')}`;
    const file: FakeMaxFile = { type, token: token ?? newToken(), url, data, mimeType, fileName };
    if (type === 'image') file.photoId = randomInt(1_000_000_000, 9_000_000_000);
    this.files.set(file.token, file);
    this.media.set(id, file);
    return file;
  }

  private messageCreated(
    input: Customer & { text?: string },
    text: string | null,
    attachments: unknown[] | null,
  ): Record<string, unknown> {
    const sender = this.userFor(input);
    const mid = newMid();
    const message: FakeMaxMessage = {
      sender,
      recipient: { chat_id: this.dialogOf(input.userId), chat_type: 'dialog', user_id: this.bot.user_id },
      timestamp: Date.now(),
      body: { mid, seq: this.nextMessageSeq(), text: text ?? '', ...(attachments ? { attachments } : {}) },
    };
    this.messages.set(mid, message);
    return { update_type: 'message_created', timestamp: Date.now(), message, user_locale: 'ru' };
  }

  private userFor(input: { userId: number; name: string; username?: string }): FakeMaxUser {
    const known = this.customers.get(input.userId);
    const customer: Customer = { userId: input.userId, name: input.name, username: input.username ?? known?.username };
    this.customers.set(input.userId, customer);
    const [first, ...rest] = customer.name.split(' ');
    const user: FakeMaxUser = {
      user_id: customer.userId,
      first_name: first,
      name: customer.name,
      is_bot: false,
      last_activity_time: Date.now() - 1000,
    };
    if (rest.length) user.last_name = rest.join(' ');
    if (customer.username) user.username = customer.username;
    return user;
  }

  private dialogOf(userId: number): number {
    let chatId = this.dialogs.get(userId);
    if (chatId === undefined) {
      chatId = randomInt(100_000_000, 999_999_999);
      this.dialogs.set(userId, chatId);
    }
    return chatId;
  }

  private nextMessageSeq(): number {
    this.messageSeq += randomInt(1, 1000);
    return this.messageSeq;
  }

  private async post(sub: FakeMaxSubscription, update: Record<string, unknown>): Promise<number> {
    const rawBody = Buffer.from(JSON.stringify(update), 'utf8');
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (sub.secret) headers['x-max-bot-api-secret'] = sub.secret;
    let status = 0;
    try {
      const response = await fetch(sub.url, { method: 'POST', headers, body: rawBody });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    }
    this.deliveryLog.push({ url: sub.url, update, rawBody, headers, status });
    return status;
  }

  private waitForUpdate(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.waiters.add(done);
    });
  }

  private wakeWaiters(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

function newMid(): string {
  return `mid.${randomBytes(16).toString('hex')}`;
}

function newToken(): string {
  return randomBytes(33).toString('base64url');
}

/**
 * MAX's keyboard limits: up to 30 rows, 7 buttons a row (3 for link buttons), 210 in all; a
 * button has a `type`, a `text` ≤ 128 chars and, for `callback`, a `payload` ≤ 1024 chars
 * (https://dev.max.ru/docs-api/objects/InlineKeyboardAttachmentRequest).
 */
function keyboardProblem(payload: Record<string, unknown>): string | null {
  const rows = payload['buttons'];
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) return 'payload.buttons: must be an array of button rows';
  if (rows.length > 30) return 'payload.buttons: at most 30 rows';
  for (const row of rows as Record<string, unknown>[][]) {
    if (row.length < 1 || row.length > 7) return 'payload.buttons: a row holds 1 to 7 buttons';
    for (const button of row) {
      if (typeof button?.['type'] !== 'string') return 'button.type is required';
      if (typeof button['text'] !== 'string' || !button['text'] || button['text'].length > 128)
        return 'button.text: 1 to 128 characters';
      if (button['type'] === 'callback' && (typeof button['payload'] !== 'string' || button['payload'].length > 1024))
        return 'button.payload: up to 1024 characters';
    }
  }
  return null;
}
