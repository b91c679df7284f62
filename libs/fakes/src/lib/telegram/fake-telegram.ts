import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type Fault, type FakeReply, type RecordedCall } from '../http/fake-http-server';

/** A Telegram object as it goes over the wire (shapes from https://core.telegram.org/bots/api). */
export type TgObject = Record<string, unknown>;
export interface TgUser extends TgObject {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
}
export interface TgChat extends TgObject {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
}
export interface TgMessage extends TgObject {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  caption?: string;
}
export interface TgUpdate extends TgObject {
  update_id: number;
}

export interface FakeTelegramOptions {
  token?: string;
  botId?: number;
  botUsername?: string;
  botFirstName?: string;
}

export interface Customer {
  chatId: number;
  firstName: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
}

/** One update the fake produced: Onebox's HTTP status when POSTed to the webhook, else null. */
export interface FakeTelegramDelivery {
  update: TgUpdate;
  /** Onebox's answer to the webhook POST; null when queued for getUpdates or not allowed. */
  status: number | null;
  queued: boolean;
}

interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  filePath: string;
  fileName: string;
  mimeType: string;
  bytes: Buffer;
}

interface Webhook {
  url: string;
  secretToken?: string;
  maxConnections: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

interface PollWaiter {
  wake(): void;
  conflict(description: string): void;
}

type Params = Record<string, unknown>;

const DEFAULT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
/** getUpdates' default when allowed_updates is empty: everything but these. */
const OPT_IN_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const WEBHOOK_ACTIVE =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const TERMINATED_BY_WEBHOOK = 'Conflict: terminated by setWebhook request';
const TERMINATED_BY_OTHER =
  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';

class BotApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly parameters?: TgObject,
  ) {
    super(description);
  }
}

const badRequest = (what: string) => new BotApiError(400, `Bad Request: ${what}`);

/**
 * A local Telegram Bot API server: `{root}/bot{TOKEN}/{method}` with query, urlencoded, JSON or
 * multipart parameters, `{ok,result}` / `{ok:false,error_code,description}` envelopes, file
 * downloads from `{root}/file/bot{TOKEN}/{path}`. It plays Telegram's side too: customers write,
 * their updates go to the webhook set with setWebhook (with the secret header) or wait for getUpdates.
 */
export class FakeTelegram {
  readonly token: string;
  readonly botId: number;
  readonly botUsername: string;
  readonly botFirstName: string;
  readonly http = new FakeHttpServer((call) => this.handle(call));

  private webhook: Webhook | null = null;
  private allowedUpdates: string[] = [];
  private pending: TgUpdate[] = [];
  private readonly history = new Map<number, TgUpdate>();
  private nextUpdateId = 815_200_000 + Math.floor(Math.random() * 1000);
  private readonly messageCounters = new Map<string, number>();
  private readonly chats = new Map<number, TgChat>();
  private readonly sent: TgMessage[] = [];
  private readonly files = new Map<string, StoredFile>();
  private readonly blocked = new Set<number>();
  private readonly openCallbacks = new Set<string>();
  private readonly answeredCallbacks: { id: string; text?: string }[] = [];
  private readonly businessConnections = new Map<string, TgObject>();
  private throttled: { times: number; retryAfter: number } | null = null;
  private waiter: PollWaiter | null = null;
  private fileCounter = 0;

  constructor(options: FakeTelegramOptions = {}) {
    this.token = options.token ?? DEFAULT_TOKEN;
    this.botId = options.botId ?? Number(this.token.split(':')[0]);
    this.botUsername = options.botUsername ?? 'onebox_test_bot';
    this.botFirstName = options.botFirstName ?? 'Onebox Test';
  }

  /** Listens on `port` (a free one when absent); answers the base URL to use as the API root. */
  start(port?: number): Promise<string> {
    return this.http.start(port);
  }

  async stop(): Promise<void> {
    this.waiter?.wake();
    await this.http.stop();
  }

  get url(): string {
    return this.http.url;
  }

  get calls(): RecordedCall[] {
    return this.http.calls;
  }

  /** Calls to one API method, e.g. `callsTo('sendMessage')`. */
  callsTo(method: string): RecordedCall[] {
    return this.http.callsTo(`/${method}`);
  }

  inject(fault: Fault): void {
    this.http.inject(fault);
  }

  /** The webhook set through setWebhook, as Telegram keeps it. */
  get webhookUrl(): string | null {
    return this.webhook?.url ?? null;
  }

  /** Updates waiting for getUpdates (not yet confirmed by an offset). */
  get pendingUpdates(): TgUpdate[] {
    return [...this.pending];
  }

  /** Messages the bot sent, as the fake returned them; oldest first. */
  sentMessages(chatId?: number | string): TgMessage[] {
    return this.sent.filter((m) => chatId === undefined || String(m.chat.id) === String(chatId));
  }

  answeredCallbackQueries(): { id: string; text?: string }[] {
    return [...this.answeredCallbacks];
  }

  /** Bytes of a file by file_id: customers' uploads and the bot's sent photos/documents. */
  fileContent(fileId: string): Buffer | undefined {
    return this.files.get(fileId)?.bytes;
  }

  /** The next `times` send* calls answer 429 with `retry_after`. */
  throttle(times: number, retryAfterSec: number): void {
    this.throttled = { times, retryAfter: retryAfterSec };
  }

  /** Later sends to this chat answer 403 "Forbidden: bot was blocked by the user". */
  blockUser(chatId: number): void {
    this.blocked.add(chatId);
  }

  /** Lets the bot write to a chat no customer has opened yet through the simulation helpers. */
  addPrivateChat(customer: Customer): TgChat {
    return this.rememberChat(customer);
  }

  /** Stores a file as Telegram would (customer upload); answers its file_id. */
  addFile(bytes: Buffer, info: { fileName: string; mimeType: string }, folder = folderFor(info.mimeType)): string {
    this.fileCounter += 1;
    const fileId = `BQACAgIAAxkBAAI${randomToken(24)}`;
    const extension = info.fileName.includes('.') ? info.fileName.split('.').pop() : 'dat';
    const file: StoredFile = {
      fileId,
      fileUniqueId: `AgAD${randomToken(8)}`,
      filePath: `${folder}/file_${this.fileCounter}.${extension}`,
      fileName: info.fileName,
      mimeType: info.mimeType,
      bytes,
    };
    this.files.set(fileId, file);
    return fileId;
  }

  // --- customers -------------------------------------------------------------------------------

  customerWrites(input: Customer & { text: string }): Promise<FakeTelegramDelivery> {
    const message = this.customerMessage(input);
    message['text'] = input.text;
    const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(input.text);
    if (command) message['entities'] = [{ offset: 0, length: command[0].length, type: 'bot_command' }];
    return this.deliverUpdate({ message });
  }

  customerSendsPhoto(input: Customer & { bytes: Buffer; caption?: string }): Promise<FakeTelegramDelivery> {
    const message = this.customerMessage(input);
    message['photo'] = this.photoSizes(input.bytes);
    if (input.caption) message['caption'] = input.caption;
    return this.deliverUpdate({ message });
  }

  customerSendsDocument(
    input: Customer & { bytes: Buffer; fileName: string; mimeType: string; caption?: string },
  ): Promise<FakeTelegramDelivery> {
    const message = this.customerMessage(input);
    message['document'] = this.documentOf(input.bytes, input.fileName, input.mimeType);
    if (input.caption) message['caption'] = input.caption;
    return this.deliverUpdate({ message });
  }

  /** The customer edits an earlier text message of theirs. */
  customerEdits(input: { chatId: number; messageId: number; text: string }): Promise<FakeTelegramDelivery> {
    const original = this.findCustomerMessage(input.chatId, input.messageId);
    const chat = this.chats.get(input.chatId);
    if (!chat) throw new Error(`FakeTelegram: no chat ${input.chatId}`);
    const edited: TgMessage = {
      message_id: input.messageId,
      from: (original?.from as TgUser | undefined) ?? userOf(chat),
      chat,
      date: original?.date ?? nowSeconds(),
      edit_date: nowSeconds(),
      text: input.text,
    };
    return this.deliverUpdate({ edited_message: edited });
  }

  /** The customer presses an inline button under one of the bot's messages (the last one by default). */
  customerPressesButton(input: { chatId: number; data: string; messageId?: number }): Promise<FakeTelegramDelivery> {
    const chat = this.chats.get(input.chatId);
    if (!chat) throw new Error(`FakeTelegram: no chat ${input.chatId}`);
    const mine = this.sentMessages(input.chatId);
    const message =
      (input.messageId ? mine.find((m) => m.message_id === input.messageId) : mine[mine.length - 1]) ??
      ({
        message_id: this.nextMessageId(String(chat.id)),
        from: this.botUser(),
        chat,
        date: nowSeconds(),
        text: '…',
      } as TgMessage);
    const id = randomBytes(8).readBigUInt64BE().toString();
    this.openCallbacks.add(id);
    return this.deliverUpdate({
      callback_query: {
        id,
        from: userOf(chat),
        message,
        chat_instance: `-${BigInt(input.chatId) * 7919n + 12345n}`,
        data: input.data,
      },
    });
  }

  /** A user connects the bot to their Telegram Business account; answers the connection id. */
  async businessConnect(owner: Customer, connectionId = randomToken(22)): Promise<string> {
    const connection = this.businessConnectionOf(owner, connectionId);
    await this.deliverUpdate({ business_connection: connection });
    return connectionId;
  }

  /**
   * A customer writes to a business account connected to the bot. `fromOwner` makes it the
   * account owner's own outgoing message, which Telegram also reports.
   */
  businessMessage(
    input: Customer & { text: string; connectionId?: string; owner?: Customer; fromOwner?: boolean },
  ): Promise<FakeTelegramDelivery> {
    const owner = input.owner ?? { chatId: 555_000_111, firstName: 'Manager' };
    const connectionId = input.connectionId ?? [...this.businessConnections.keys()][0] ?? randomToken(22);
    this.businessConnectionOf(owner, connectionId);
    const chat = this.rememberChat(input);
    const message: TgMessage = {
      business_connection_id: connectionId,
      message_id: this.nextMessageId(`${connectionId}:${chat.id}`),
      from: input.fromOwner ? userOf({ id: owner.chatId, first_name: owner.firstName, type: 'private' }) : userOf(chat),
      chat,
      date: nowSeconds(),
      text: input.text,
    };
    return this.deliverUpdate({ business_message: message });
  }

  /** A message in a group the bot belongs to (negative chat id; -100… makes it a supergroup). */
  groupMessage(input: { chatId: number; title: string; from: Customer; text: string }): Promise<FakeTelegramDelivery> {
    const chat: TgChat = {
      id: input.chatId,
      title: input.title,
      type: String(input.chatId).startsWith('-100') ? 'supergroup' : 'group',
    };
    const message: TgMessage = {
      message_id: this.nextMessageId(String(chat.id)),
      from: userOf(this.rememberChat(input.from)),
      chat,
      date: nowSeconds(),
      text: input.text,
    };
    return this.deliverUpdate({ message });
  }

  /**
   * Sends any update (an `update_id` is assigned when missing): POSTed to the webhook with the
   * secret header, or queued for getUpdates when no webhook is set. Types outside the bot's
   * allowed_updates are dropped, as Telegram does.
   */
  async deliverUpdate(body: TgObject): Promise<FakeTelegramDelivery> {
    const update: TgUpdate = { update_id: this.nextUpdateId++, ...body } as TgUpdate;
    this.nextUpdateId = Math.max(this.nextUpdateId, update.update_id + 1);
    this.history.set(update.update_id, update);
    if (!this.allows(update)) return { update, status: null, queued: false };
    if (this.webhook) return { update, status: await this.post(update), queued: false };
    this.pending.push(update);
    this.waiter?.wake();
    return { update, status: null, queued: true };
  }

  /** Sends the same update to the webhook again, as Telegram does after a non-2xx answer. */
  async redeliver(updateId: number): Promise<number> {
    const update = this.history.get(updateId);
    if (!update) throw new Error(`FakeTelegram: no update ${updateId}`);
    if (!this.webhook) throw new Error('FakeTelegram: no webhook set');
    return this.post(update);
  }

  // --- HTTP ------------------------------------------------------------------------------------

  private async handle(call: RecordedCall): Promise<FakeReply> {
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(call.path);
    if (file) return this.download(file[1], file[2]);
    const api = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(call.path);
    if (!api) return failure(new BotApiError(404, 'Not Found'));
    if (api[1] !== this.token) return failure(new BotApiError(401, 'Unauthorized'));
    const params: Params = { ...call.query, ...call.body };
    try {
      const outcome = await this.method(api[2].toLowerCase(), params, call);
      return { status: 200, body: { ok: true, ...outcome } };
    } catch (err) {
      if (err instanceof BotApiError) return failure(err);
      throw err;
    }
  }

  private async method(
    name: string,
    p: Params,
    call: RecordedCall,
  ): Promise<{ result: unknown; description?: string }> {
    switch (name) {
      case 'getme':
        return { result: this.getMe() };
      case 'setwebhook':
        return this.setWebhook(p);
      case 'deletewebhook':
        return this.deleteWebhook(p);
      case 'getwebhookinfo':
        return { result: this.webhookInfo() };
      case 'getupdates':
        return { result: await this.getUpdates(p) };
      case 'sendmessage':
        return { result: this.sendMessage(p) };
      case 'sendphoto':
        return { result: this.sendFile(p, call, 'photo') };
      case 'senddocument':
        return { result: this.sendFile(p, call, 'document') };
      case 'answercallbackquery':
        return { result: this.answerCallbackQuery(p) };
      case 'getfile':
        return { result: this.getFile(p) };
      default:
        throw new BotApiError(404, 'Not Found');
    }
  }

  private getMe(): TgObject {
    return {
      ...this.botUser(),
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: true,
      has_main_web_app: false,
    };
  }

  /** An empty or missing url removes the webhook, as Telegram does. */
  private setWebhook(p: Params): { result: true; description: string } {
    const url = str(p, 'url') ?? '';
    const secret = str(p, 'secret_token');
    if (secret !== undefined && secret.length > 256) throw badRequest('secret token is too long');
    if (secret !== undefined && !SECRET_TOKEN.test(secret))
      throw badRequest('secret token contains unallowed characters');
    const maxConnections = num(p, 'max_connections') ?? 40;
    if (maxConnections < 1 || maxConnections > 100) throw badRequest('max_connections must be between 1 and 100');
    if (url && !isHttpUrl(url)) throw badRequest('invalid webhook URL specified');
    const allowed = list(p, 'allowed_updates');
    if (bool(p, 'drop_pending_updates')) this.pending = [];
    if (!url) return this.removeWebhook();
    const same = this.webhook?.url === url && this.webhook.secretToken === secret;
    this.webhook = { url, secretToken: secret, maxConnections };
    if (allowed) this.allowedUpdates = allowed;
    this.waiter?.conflict(TERMINATED_BY_WEBHOOK);
    this.flushPendingToWebhook();
    return { result: true, description: same ? 'Webhook is already set' : 'Webhook was set' };
  }

  private deleteWebhook(p: Params): { result: true; description: string } {
    if (bool(p, 'drop_pending_updates')) this.pending = [];
    return this.removeWebhook();
  }

  private removeWebhook(): { result: true; description: string } {
    const had = this.webhook !== null;
    this.webhook = null;
    return { result: true, description: had ? 'Webhook was deleted' : 'Webhook is already deleted' };
  }

  private webhookInfo(): TgObject {
    const info: TgObject = {
      url: this.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.pending.length,
    };
    if (!this.webhook) return info;
    info['max_connections'] = this.webhook.maxConnections;
    info['ip_address'] = '127.0.0.1';
    if (this.allowedUpdates.length > 0) info['allowed_updates'] = this.allowedUpdates;
    if (this.webhook.lastErrorDate) {
      info['last_error_date'] = this.webhook.lastErrorDate;
      info['last_error_message'] = this.webhook.lastErrorMessage;
    }
    return info;
  }

  /** https://core.telegram.org/bots/api#getupdates: offset confirms, timeout long-polls. */
  private async getUpdates(p: Params): Promise<TgUpdate[]> {
    if (this.webhook) throw new BotApiError(409, WEBHOOK_ACTIVE);
    this.waiter?.conflict(TERMINATED_BY_OTHER);
    const allowed = list(p, 'allowed_updates');
    if (allowed) this.allowedUpdates = allowed;
    const offset = num(p, 'offset');
    if (offset !== undefined && offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    if (offset !== undefined && offset < 0) this.pending = this.pending.slice(offset);
    const limit = Math.min(Math.max(num(p, 'limit') ?? 100, 1), 100);
    const timeout = Math.max(num(p, 'timeout') ?? 0, 0);
    if (this.pending.length === 0 && timeout > 0) await this.waitForUpdate(timeout * 1000);
    return this.pending.filter((u) => this.allows(u)).slice(0, limit);
  }

  private waitForUpdate(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        if (this.waiter === waiter) this.waiter = null;
      };
      const waiter: PollWaiter = {
        wake: () => (settle(), resolve()),
        conflict: (description) => (settle(), reject(new BotApiError(409, description))),
      };
      const timer = setTimeout(waiter.wake, ms);
      this.waiter = waiter;
    });
  }

  private sendMessage(p: Params): TgMessage {
    const { chat, businessConnectionId } = this.sendTarget(p);
    const text = str(p, 'text') ?? '';
    if (text.trim() === '') throw badRequest('message text is empty');
    if (text.length > 4096) throw badRequest('message is too long');
    const message = this.botMessage(chat, businessConnectionId, p);
    message.text = text;
    return this.record(message);
  }

  private sendFile(p: Params, call: RecordedCall, kind: 'photo' | 'document'): TgMessage {
    const { chat, businessConnectionId } = this.sendTarget(p);
    const caption = str(p, 'caption');
    if (caption !== undefined && caption.length > 1024) throw badRequest('message caption is too long');
    const upload = this.uploaded(p, call, kind);
    const message = this.botMessage(chat, businessConnectionId, p);
    if (kind === 'photo') {
      message['photo'] = upload.stored ? this.photoSizes(upload.stored.bytes) : this.photoSizesFor(upload.fileId);
    } else {
      message['document'] = upload.stored
        ? this.documentOf(upload.stored.bytes, upload.stored.fileName, upload.stored.mimeType)
        : this.documentFor(upload.fileId);
    }
    if (caption) message.caption = caption;
    return this.record(message);
  }

  /** A file field: an uploaded part (directly, or via `attach://name`), or a known file_id. */
  private uploaded(
    p: Params,
    call: RecordedCall,
    kind: 'photo' | 'document',
  ): { stored?: { bytes: Buffer; fileName: string; mimeType: string }; fileId: string } {
    const value = p[kind];
    const attach = typeof value === 'string' && value.startsWith('attach://') ? value.slice('attach://'.length) : null;
    const field = attach ?? kind;
    const part = call.files.find((f) => f.field === field) ?? rawFileParts(call).find((f) => f.field === field);
    if (part) {
      if (part.data.length === 0) throw badRequest('file must be non-empty');
      const fileName = part.fileName || `${kind}.${kind === 'photo' ? 'jpg' : 'dat'}`;
      const mimeType = kind === 'photo' ? 'image/jpeg' : mimeFromName(fileName);
      return { stored: { bytes: part.data, fileName, mimeType }, fileId: '' };
    }
    if (typeof value === 'string' && value !== '' && !attach) {
      if (!this.files.has(value)) throw badRequest('wrong file identifier/HTTP URL specified');
      return { fileId: value };
    }
    throw badRequest(`there is no ${kind} in the request`);
  }

  private answerCallbackQuery(p: Params): true {
    const id = str(p, 'callback_query_id') ?? '';
    if (!this.openCallbacks.delete(id)) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    this.answeredCallbacks.push({ id, text: str(p, 'text') });
    return true;
  }

  private getFile(p: Params): TgObject {
    const file = this.files.get(str(p, 'file_id') ?? '');
    if (!file) throw badRequest('invalid file_id');
    return {
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      file_size: file.bytes.length,
      file_path: file.filePath,
    };
  }

  private download(token: string, path: string): FakeReply {
    if (token !== this.token) return failure(new BotApiError(401, 'Unauthorized'));
    const file = [...this.files.values()].find((f) => f.filePath === path);
    if (!file) return failure(new BotApiError(404, 'Not Found'));
    return { status: 200, body: file.bytes, headers: { 'content-type': 'application/octet-stream' } };
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** Checks every send* shares: rate limit, chat known, not blocked, business connection. */
  private sendTarget(p: Params): { chat: TgChat; businessConnectionId?: string } {
    if (this.throttled && this.throttled.times > 0) {
      const retryAfter = this.throttled.retryAfter;
      this.throttled.times -= 1;
      throw new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    const rawChat = p['chat_id'];
    if (rawChat === undefined || rawChat === '') throw badRequest('chat_id is empty');
    const chat = this.chats.get(Number(rawChat));
    if (!chat) throw badRequest('chat not found');
    if (this.blocked.has(chat.id)) throw new BotApiError(403, 'Forbidden: bot was blocked by the user');
    const businessConnectionId = str(p, 'business_connection_id');
    if (businessConnectionId && !this.businessConnections.has(businessConnectionId)) {
      throw badRequest('BUSINESS_CONNECTION_INVALID');
    }
    return { chat, businessConnectionId };
  }

  private botMessage(chat: TgChat, businessConnectionId: string | undefined, p: Params): TgMessage {
    const counter = businessConnectionId ? `${businessConnectionId}:${chat.id}` : String(chat.id);
    const message: TgMessage = {
      message_id: this.nextMessageId(counter),
      from: this.botUser(),
      chat,
      date: nowSeconds(),
    };
    if (businessConnectionId) {
      message['business_connection_id'] = businessConnectionId;
      message.from = userOf({ id: this.businessOwnerId(businessConnectionId), first_name: 'Manager', type: 'private' });
      message['sender_business_bot'] = this.botUser();
    }
    const markup = json(p, 'reply_markup');
    if (markup) {
      validateMarkup(markup);
      message['reply_markup'] = markup;
    }
    return message;
  }

  private record(message: TgMessage): TgMessage {
    this.sent.push(message);
    return message;
  }

  private customerMessage(customer: Customer): TgMessage {
    const chat = this.rememberChat(customer);
    return {
      message_id: this.nextMessageId(String(chat.id)),
      from: userOf(chat, customer.languageCode),
      chat,
      date: nowSeconds(),
    };
  }

  private findCustomerMessage(chatId: number, messageId: number): TgMessage | undefined {
    for (const update of this.history.values()) {
      const message = (update['message'] ?? update['business_message']) as TgMessage | undefined;
      if (message && message.chat.id === chatId && message.message_id === messageId) return message;
    }
    return undefined;
  }

  private rememberChat(customer: Customer): TgChat {
    const chat: TgChat = { id: customer.chatId, first_name: customer.firstName, type: 'private' };
    if (customer.lastName) chat['last_name'] = customer.lastName;
    if (customer.username) chat['username'] = customer.username;
    this.chats.set(chat.id, chat);
    return chat;
  }

  private businessConnectionOf(owner: Customer, id: string): TgObject {
    const existing = this.businessConnections.get(id);
    if (existing) return existing;
    const connection: TgObject = {
      id,
      user: userOf(this.rememberChat(owner)),
      user_chat_id: owner.chatId,
      date: nowSeconds(),
      rights: { can_reply: true },
      is_enabled: true,
    };
    this.businessConnections.set(id, connection);
    return connection;
  }

  private businessOwnerId(connectionId: string): number {
    return (this.businessConnections.get(connectionId)?.['user'] as TgUser).id;
  }

  private nextMessageId(counter: string): number {
    const next = (this.messageCounters.get(counter) ?? 0) + 1;
    this.messageCounters.set(counter, next);
    return next;
  }

  private botUser(): TgUser {
    return { id: this.botId, is_bot: true, first_name: this.botFirstName, username: this.botUsername };
  }

  /** Telegram keeps the original and a 90px thumbnail; the largest size is the original bytes. */
  private photoSizes(bytes: Buffer): TgObject[] {
    const large = this.addFile(bytes, { fileName: 'photo.jpg', mimeType: 'image/jpeg' }, 'photos');
    const small = this.addFile(
      bytes.subarray(0, Math.min(bytes.length, 1024)),
      { fileName: 'photo.jpg', mimeType: 'image/jpeg' },
      'photos',
    );
    return [this.photoSize(small, 90, 90), this.photoSize(large, 1280, 960)];
  }

  private photoSizesFor(fileId: string): TgObject[] {
    return [this.photoSize(fileId, 1280, 960)];
  }

  private photoSize(fileId: string, width: number, height: number): TgObject {
    const file = this.files.get(fileId)!;
    return { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.bytes.length, width, height };
  }

  private documentOf(bytes: Buffer, fileName: string, mimeType: string): TgObject {
    return this.documentFor(this.addFile(bytes, { fileName, mimeType }, 'documents'));
  }

  private documentFor(fileId: string): TgObject {
    const file = this.files.get(fileId)!;
    return {
      file_name: file.fileName,
      mime_type: file.mimeType,
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      file_size: file.bytes.length,
    };
  }

  private allows(update: TgUpdate): boolean {
    const type = Object.keys(update).find((key) => key !== 'update_id') ?? '';
    return this.allowedUpdates.length > 0 ? this.allowedUpdates.includes(type) : !OPT_IN_UPDATES.has(type);
  }

  /** Updates queued before setWebhook go to the new webhook, in order. */
  private flushPendingToWebhook(): void {
    const queued = this.pending;
    this.pending = [];
    void (async () => {
      for (const update of queued) await this.post(update).catch(() => undefined);
    })();
  }

  private async post(update: TgUpdate): Promise<number> {
    const webhook = this.webhook!;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (webhook.secretToken) headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secretToken;
    try {
      const response = await fetch(webhook.url, { method: 'POST', headers, body: JSON.stringify(update) });
      await response.arrayBuffer();
      if (response.status < 200 || response.status > 299) {
        webhook.lastErrorDate = nowSeconds();
        webhook.lastErrorMessage = `Wrong response from the webhook: ${response.status} ${response.statusText}`;
      }
      return response.status;
    } catch (err) {
      webhook.lastErrorDate = nowSeconds();
      webhook.lastErrorMessage = 'Connection refused';
      throw err;
    }
  }
}

function failure(err: BotApiError): FakeReply {
  const body: TgObject = { ok: false, error_code: err.status, description: err.description };
  if (err.parameters) body['parameters'] = err.parameters;
  return { status: err.status, body };
}

/**
 * Telegram reads `filename=` values unquoted up to the line end (grammY sends them so); busboy
 * drops such parts when the name has spaces or non-ASCII letters, so the fake re-reads the bytes.
 */
function rawFileParts(call: RecordedCall): { field: string; fileName: string; data: Buffer }[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(String(call.headers['content-type'] ?? ''));
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: { field: string; fileName: string; data: Buffer }[] = [];
  let start = call.rawBody.indexOf(delimiter);
  while (start >= 0) {
    const next = call.rawBody.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = call.rawBody.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = headerEnd >= 0 ? part.subarray(0, headerEnd).toString('utf8') : '';
    const field = /;\s*name="([^"]*)"/i.exec(headers)?.[1];
    const fileName = /;\s*filename=(?:"([^"]*)"|([^\r\n]*))/i.exec(headers);
    if (field && fileName) {
      parts.push({ field, fileName: (fileName[1] ?? fileName[2]).trim(), data: part.subarray(headerEnd + 4) });
    }
    start = next;
  }
  return parts;
}

function userOf(chat: TgObject & { id: number }, languageCode?: string): TgUser {
  const user: TgUser = { id: chat.id, is_bot: false, first_name: String(chat['first_name']) };
  if (chat['last_name']) user.last_name = String(chat['last_name']);
  if (chat['username']) user.username = String(chat['username']);
  if (languageCode) user['language_code'] = languageCode;
  return user;
}

function str(p: Params, key: string): string | undefined {
  const value = p[key];
  if (value === undefined || value === null) return undefined;
  return String(value);
}

function num(p: Params, key: string): number | undefined {
  const value = p[key];
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw badRequest(`invalid ${key} specified`);
  return n;
}

function bool(p: Params, key: string): boolean {
  const value = p[key];
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** Arrays and objects come as JSON values, or JSON-serialized strings in forms. */
function json(p: Params, key: string): unknown {
  const value = p[key];
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(`can't parse ${key} JSON object`);
  }
}

function list(p: Params, key: string): string[] | undefined {
  const value = json(p, key);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badRequest(`can't parse ${key} JSON array`);
  return value.map(String);
}

function isHttpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function randomToken(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

function folderFor(mimeType: string): string {
  if (mimeType.startsWith('image/')) return 'photos';
  if (mimeType === 'audio/ogg') return 'voice';
  if (mimeType.startsWith('audio/')) return 'music';
  if (mimeType.startsWith('video/')) return 'videos';
  return 'documents';
}

const MIME_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  zip: 'application/zip',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Telegram guesses a document's MIME type from its name. */
function mimeFromName(fileName: string): string {
  const extension = fileName.split('.').pop()?.toLowerCase() ?? '';
  return MIME_BY_EXTENSION[extension] ?? 'application/octet-stream';
}

/**
 * What the Bot API checks in an inline keyboard: an array of button rows, each button with a
 * text and one action; `callback_data` is 1–64 bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton).
 */
function validateMarkup(markup: unknown): void {
  if (typeof markup !== 'object' || markup === null) throw badRequest("can't parse reply keyboard markup JSON object");
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return;
  if (!Array.isArray(rows) || !rows.every(Array.isArray))
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  for (const button of rows.flat() as Record<string, unknown>[]) {
    if (typeof button?.['text'] !== 'string') throw badRequest('can\'t find field "text"');
    const data = button['callback_data'];
    if (data !== undefined && (typeof data !== 'string' || data.length === 0 || Buffer.byteLength(data) > 64))
      throw badRequest('BUTTON_DATA_INVALID');
    if (data === undefined && button['url'] === undefined) throw badRequest('BUTTON_TYPE_INVALID');
  }
}
