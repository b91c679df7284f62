import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { type Fault, FakeHttpServer, type FakeReply, type RecordedCall } from '../http/fake-http-server';

export interface FakeWhatsAppOptions {
  phoneNumberId: string;
  accessToken: string;
  /** Signs every webhook POST (`X-Hub-Signature-256`), as the Meta app's secret does. */
  appSecret: string;
  wabaId?: string;
  /** As the Graph API formats it, e.g. `+1 555-078-3881`; webhooks carry its digits only. */
  displayPhoneNumber?: string;
  verifiedName?: string;
  /** The callback URL configured in the Meta app dashboard. */
  webhookUrl?: string;
  verifyToken?: string;
  /** Post `sent`/`delivered`/`failed` status webhooks after each accepted send (default true). */
  autoStatuses?: boolean;
}

/** One message the business sent through `POST /{phone-number-id}/messages`. */
export interface FakeWhatsAppSentMessage {
  id: string;
  to: string;
  type: string;
  /** The JSON body exactly as the fake parsed it. */
  body: Record<string, unknown>;
  at: number;
  /** Free-form message sent outside the 24-hour window: accepted, then failed with 131047. */
  outsideWindow: boolean;
}

/** One webhook POST the fake made, with Onebox's answer. */
export interface FakeWhatsAppDelivery {
  rawBody: Buffer;
  payload: unknown;
  headers: Record<string, string>;
  /** Onebox's HTTP status, or 0 when the request did not get an answer. */
  status: number;
}

export interface FakeWhatsAppMedia {
  id: string;
  data: Buffer;
  mimeType: string;
  fileName?: string;
  sha256: string;
}

interface CustomerBase {
  waId: string;
  /** The customer's WhatsApp profile name (`contacts[].profile.name`). */
  name: string;
  /** Quote one of the business's messages (`context.id`). */
  replyTo?: string;
}

const WINDOW_MS = 24 * 60 * 60 * 1000;
const MEDIA_URL_TTL_MS = 5 * 60 * 1000;
const API_PATH = /^\/v\d+\.\d+\/([^/]+)(?:\/(messages|media))?\/?$/;

/**
 * Titles and details Meta returns for the error codes the fake can be told to answer with
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
 */
const ERROR_TEXTS: Record<number, { title: string; details: string; status: number }> = {
  4: {
    title: 'Application request limit reached',
    details: 'The app has reached its API call rate limit.',
    status: 400,
  },
  80007: {
    title: 'Rate limit issues',
    details: 'The WhatsApp Business Account has reached its rate limit.',
    status: 400,
  },
  130429: {
    title: 'Rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number in a short period of time',
    status: 400,
  },
  131056: {
    title: '(Business Account, Consumer Account) pair rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time',
    status: 400,
  },
  190: {
    title: 'Invalid OAuth access token - Cannot parse access token',
    details: 'Invalid OAuth access token',
    status: 401,
  },
  131047: {
    title: 'Re-engagement message',
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    status: 400,
  },
  131026: { title: 'Message Undeliverable', details: 'Message Undeliverable.', status: 400 },
  131030: {
    title: 'Recipient phone number not in allowed list',
    details: 'Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.',
    status: 400,
  },
  131051: { title: 'Unsupported message type', details: 'Message type is not currently supported.', status: 400 },
  131052: { title: 'Media download error', details: 'Unable to download the media sent by the user.', status: 400 },
  131053: { title: 'Media upload error', details: 'Unable to upload the media used in the message.', status: 400 },
  131000: { title: 'Something went wrong', details: 'Message failed to send due to an unknown error.', status: 500 },
  131016: { title: 'Service unavailable', details: 'A service is temporarily unavailable.', status: 503 },
  100: {
    title: 'Invalid parameter',
    details: 'The request included one or more unsupported or misspelled parameters.',
    status: 400,
  },
};

/**
 * A fake of the WhatsApp Business Cloud API (Graph API `v{n}.{m}`) for one business phone
 * number, plus Meta's side of the webhook: it signs every POST with the app secret, performs the
 * `hub.challenge` handshake, simulates customers, the 24-hour window and delivery statuses.
 * Error answers use the Graph envelope `{"error":{message,type,code,error_data,fbtrace_id}}`
 * with HTTP 400 as Meta does for most codes (401 for 190, 5xx for 131000/131016).
 */
export class FakeWhatsApp {
  readonly server = new FakeHttpServer((call) => this.handle(call));
  readonly phoneNumberId: string;
  readonly wabaId: string;
  readonly displayPhoneNumber: string;
  readonly verifiedName: string;
  autoStatuses: boolean;

  private webhookUrl: string | null;
  private verifyToken: string | null;
  private readonly sent: FakeWhatsAppSentMessage[] = [];
  private readonly deliveryLog: FakeWhatsAppDelivery[] = [];
  private readonly media = new Map<string, FakeWhatsAppMedia>();
  private readonly lastInbound = new Map<string, number>();
  private readonly heldStatuses: unknown[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private fixedNow: number | null = null;
  private offsetMs = 0;

  constructor(private readonly options: FakeWhatsAppOptions) {
    this.phoneNumberId = options.phoneNumberId;
    this.wabaId = options.wabaId ?? numericId(15);
    this.displayPhoneNumber = options.displayPhoneNumber ?? '+1 555-078-3881';
    this.verifiedName = options.verifiedName ?? 'Onebox Demo';
    this.webhookUrl = options.webhookUrl ?? null;
    this.verifyToken = options.verifyToken ?? null;
    this.autoStatuses = options.autoStatuses ?? true;
  }

  /** Starts listening; answers the base URL that replaces `https://graph.facebook.com`. */
  start(port?: number): Promise<string> {
    return this.server.start(port);
  }

  async stop(): Promise<void> {
    await this.settled();
    await this.server.stop();
  }

  get url(): string {
    return this.server.url;
  }

  get calls(): RecordedCall[] {
    return this.server.calls;
  }

  callsTo(suffix: string): RecordedCall[] {
    return this.server.callsTo(suffix);
  }

  inject(fault: Fault): void {
    this.server.inject(fault);
  }

  /** The next `times` sends answer Meta's error envelope for `code` (see ERROR_TEXTS for HTTP statuses). */
  throttle(times: number, code = 130429): void {
    this.server.inject({ pathEndsWith: '/messages', times, reply: graphError(code) });
  }

  // ---- clock (the 24-hour window and media URL expiry follow it) ----

  now(): number {
    return this.fixedNow ?? Date.now() + this.offsetMs;
  }

  setNow(ms: number): void {
    this.fixedNow = ms;
  }

  advance(ms: number): void {
    if (this.fixedNow !== null) this.fixedNow += ms;
    else this.offsetMs += ms;
  }

  // ---- webhook configuration (the Meta app dashboard) ----

  setWebhook(url: string, verifyToken: string): void {
    this.webhookUrl = url;
    this.verifyToken = verifyToken;
  }

  /**
   * What the dashboard's "Verify and save" does: `GET url?hub.mode=subscribe&hub.challenge=…
   * &hub.verify_token=…`; true when Onebox answered 200 with the challenge as the body.
   */
  async verifyWebhook(): Promise<boolean> {
    const target = this.requireWebhook();
    const challenge = String(randomInt(100_000_000, 2_000_000_000));
    const url = new URL(target);
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.challenge', challenge);
    url.searchParams.set('hub.verify_token', this.verifyToken ?? '');
    try {
      const res = await fetch(url, {
        headers: { 'User-Agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' },
      });
      return res.status === 200 && (await res.text()) === challenge;
    } catch {
      return false;
    }
  }

  // ---- what the business sent ----

  sentMessages(): FakeWhatsAppSentMessage[] {
    return [...this.sent];
  }

  deliveries(): FakeWhatsAppDelivery[] {
    return [...this.deliveryLog];
  }

  mediaById(id: string): FakeWhatsAppMedia | undefined {
    return this.media.get(id);
  }

  /** Resolves when every queued webhook POST has been answered. */
  async settled(): Promise<void> {
    let current: Promise<unknown>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  /** With `autoStatuses` off, statuses wait here; post them now, in order. */
  async releaseStatuses(): Promise<number[]> {
    const held = this.heldStatuses.splice(0);
    const results: number[] = [];
    for (const status of held) results.push(await this.post(this.statusPayload(status)));
    return results;
  }

  // ---- customer simulation: each POSTs one signed webhook and resolves with Onebox's status ----

  customerWrites(input: CustomerBase & { text: string }): Promise<number> {
    return this.customerMessage(input, { type: 'text', text: { body: input.text } });
  }

  customerSendsImage(input: CustomerBase & { data: Buffer; mimeType?: string; caption?: string }): Promise<number> {
    const media = this.registerMedia(input.data, input.mimeType ?? 'image/jpeg');
    const image: Record<string, unknown> = { mime_type: media.mimeType, sha256: media.sha256, id: media.id };
    if (input.caption) image['caption'] = input.caption;
    return this.customerMessage(input, { type: 'image', image });
  }

  customerSendsDocument(
    input: CustomerBase & { data: Buffer; mimeType: string; fileName: string; caption?: string },
  ): Promise<number> {
    const media = this.registerMedia(input.data, input.mimeType, input.fileName);
    const document: Record<string, unknown> = {
      filename: input.fileName,
      mime_type: media.mimeType,
      sha256: media.sha256,
      id: media.id,
    };
    if (input.caption) document['caption'] = input.caption;
    return this.customerMessage(input, { type: 'document', document });
  }

  /** An interactive reply button press (`button_reply`), or a template quick reply with `template: true`. */
  customerPressesButton(input: CustomerBase & { id: string; title: string; template?: boolean }): Promise<number> {
    const context = input.replyTo ?? this.sent.at(-1)?.id;
    const base = { ...input, replyTo: context };
    if (input.template)
      return this.customerMessage(base, { type: 'button', button: { payload: input.id, text: input.title } });
    return this.customerMessage(base, {
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: input.id, title: input.title } },
    });
  }

  /** The customer picks a row of an interactive list (`list_reply`). */
  customerPicksListItem(input: CustomerBase & { id: string; title: string; description?: string }): Promise<number> {
    const context = input.replyTo ?? this.sent.at(-1)?.id;
    const reply: Record<string, string> = { id: input.id, title: input.title };
    if (input.description) reply['description'] = input.description;
    return this.customerMessage(
      { ...input, replyTo: context },
      { type: 'interactive', interactive: { type: 'list_reply', list_reply: reply } },
    );
  }

  customerSendsLocation(
    input: CustomerBase & { latitude: number; longitude: number; placeName?: string; address?: string },
  ): Promise<number> {
    const location: Record<string, unknown> = { latitude: input.latitude, longitude: input.longitude };
    if (input.placeName) location['name'] = input.placeName;
    if (input.address) location['address'] = input.address;
    return this.customerMessage(input, { type: 'location', location });
  }

  /** The customer opens the chat: a `read` status for one of the business's messages. */
  customerReads(wamid: string): Promise<number> {
    const message = this.sent.find((m) => m.id === wamid);
    if (!message) throw new Error(`unknown wamid ${wamid}`);
    return this.post(this.statusPayload(this.status(message, 'read')));
  }

  /** POSTs any payload (object, JSON text or bytes) signed like Meta; `signature` overrides the header. */
  deliverRaw(payload: unknown, opts: { signature?: string } = {}): Promise<number> {
    const raw = Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    return this.postRaw(raw, opts.signature);
  }

  /** Meta's at-least-once delivery: the same bytes, the same signature, once more. */
  redeliverLast(): Promise<number> {
    const last = this.deliveryLog.at(-1);
    if (!last) throw new Error('nothing delivered yet');
    return this.enqueue(() => this.send(last.rawBody, last.headers));
  }

  // ---- Graph API ----

  private handle(call: RecordedCall): FakeReply {
    if (call.path.startsWith('/whatsapp_business/attachments')) return this.download(call);
    const match = API_PATH.exec(call.path);
    if (!match) {
      return graphError(2500, {
        status: 400,
        message: `Unknown path components: ${call.path}`,
        type: 'OAuthException',
      });
    }
    if (!this.authorized(call)) return graphError(190);
    const [, objectId, edge] = match;
    if (edge === undefined && call.method === 'GET') {
      if (objectId === this.phoneNumberId) return this.phoneNumber(call);
      const media = this.media.get(objectId);
      if (media) return this.mediaInfo(media);
      return unknownObject(call.method, objectId);
    }
    if (objectId !== this.phoneNumberId || call.method !== 'POST') return unknownObject(call.method, objectId);
    return edge === 'messages' ? this.acceptMessage(call) : this.upload(call);
  }

  private authorized(call: RecordedCall): boolean {
    const header = String(call.headers['authorization'] ?? '');
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : call.query['access_token'];
    return token === this.options.accessToken;
  }

  private phoneNumber(call: RecordedCall): FakeReply {
    const all: Record<string, unknown> = {
      verified_name: this.verifiedName,
      code_verification_status: 'VERIFIED',
      display_phone_number: this.displayPhoneNumber,
      quality_rating: 'GREEN',
      platform_type: 'CLOUD_API',
      throughput: { level: 'STANDARD' },
    };
    const fields = call.query['fields']
      ?.split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(all)) if (!fields || fields.includes(key)) body[key] = value;
    body['id'] = this.phoneNumberId;
    return { status: 200, body };
  }

  private mediaInfo(media: FakeWhatsAppMedia): FakeReply {
    const ext = this.now() + MEDIA_URL_TTL_MS;
    const url = `${this.url}/whatsapp_business/attachments/?mid=${media.id}&ext=${Math.floor(ext / 1000)}&hash=${this.urlHash(media.id, ext)}`;
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        url,
        mime_type: media.mimeType,
        sha256: media.sha256,
        file_size: String(media.data.length),
        id: media.id,
      },
    };
  }

  /** The lookaside URL: needs the same bearer token and lives five minutes. */
  private download(call: RecordedCall): FakeReply {
    if (!this.authorized(call)) return graphError(190);
    const { mid = '', ext = '0', hash = '' } = call.query;
    const media = this.media.get(mid);
    const expiresAt = Number(ext) * 1000;
    if (!media || hash !== this.urlHash(mid, expiresAt) || this.now() > expiresAt) {
      return { status: 404, body: 'Not Found', headers: { 'content-type': 'text/plain' } };
    }
    return {
      status: 200,
      body: media.data,
      headers: { 'content-type': media.mimeType, 'content-length': String(media.data.length) },
    };
  }

  private upload(call: RecordedCall): FakeReply {
    const file = call.files.find((f) => f.field === 'file');
    if (call.body['messaging_product'] !== 'whatsapp')
      return invalidParameter('The parameter messaging_product is required.');
    if (!file) return invalidParameter('The parameter file is required.');
    const mimeType = String(call.body['type'] ?? file.mimeType);
    return { status: 200, body: { id: this.registerMedia(file.data, mimeType, file.fileName).id } };
  }

  private acceptMessage(call: RecordedCall): FakeReply {
    const body = call.body;
    if (body['messaging_product'] !== 'whatsapp')
      return invalidParameter('The parameter messaging_product is required.');
    const to = typeof body['to'] === 'string' ? body['to'].replace(/^\+/, '') : '';
    if (!/^\d{5,15}$/.test(to)) return invalidParameter('The parameter to is required.');
    // `type` defaults to text, as on the real endpoint.
    const type = typeof body['type'] === 'string' ? body['type'] : 'text';
    const problem = validateContent(type, body[type], (id) => this.media.has(id));
    if (problem) return invalidParameter(problem);

    const message: FakeWhatsAppSentMessage = {
      id: wamid(to),
      to,
      type,
      body,
      at: this.now(),
      outsideWindow: type !== 'template' && !this.insideWindow(to),
    };
    this.sent.push(message);
    this.scheduleStatuses(message);
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: String(body['to']), wa_id: to }],
        messages: [{ id: message.id }],
      },
    };
  }

  private insideWindow(waId: string): boolean {
    const last = this.lastInbound.get(waId);
    return last !== undefined && this.now() - last < WINDOW_MS;
  }

  private scheduleStatuses(message: FakeWhatsAppSentMessage): void {
    const statuses = message.outsideWindow
      ? [this.failedStatus(message)]
      : [this.status(message, 'sent'), this.status(message, 'delivered')];
    if (!this.autoStatuses) {
      this.heldStatuses.push(...statuses);
      return;
    }
    // Meta drops events when no callback URL is configured.
    if (!this.webhookUrl) return;
    for (const status of statuses)
      void this.post(this.statusPayload(status), { afterAnswer: true }).catch(() => undefined);
  }

  private status(message: FakeWhatsAppSentMessage, status: 'sent' | 'delivered' | 'read'): Record<string, unknown> {
    const result: Record<string, unknown> = {
      id: message.id,
      status,
      timestamp: seconds(this.now()),
      recipient_id: message.to,
    };
    if (status !== 'read') {
      const template = message.type === 'template';
      result['conversation'] = {
        id: createHash('md5').update(`${this.phoneNumberId}:${message.to}`).digest('hex'),
        ...(status === 'sent' ? { expiration_timestamp: seconds(message.at + WINDOW_MS) } : {}),
        origin: { type: template ? 'utility' : 'service' },
      };
      result['pricing'] = template
        ? { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' }
        : { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' };
    }
    return result;
  }

  private failedStatus(message: FakeWhatsAppSentMessage): Record<string, unknown> {
    const text = ERROR_TEXTS[131047];
    return {
      id: message.id,
      status: 'failed',
      timestamp: seconds(this.now()),
      recipient_id: message.to,
      errors: [{ code: 131047, title: text.title, message: text.title, error_data: { details: text.details } }],
    };
  }

  private statusPayload(status: unknown): Record<string, unknown> {
    return this.envelope({ messaging_product: 'whatsapp', metadata: this.metadata(), statuses: [status] });
  }

  // ---- webhooks ----

  private customerMessage(input: CustomerBase, content: Record<string, unknown>): Promise<number> {
    const at = this.now();
    this.lastInbound.set(input.waId, at);
    const message: Record<string, unknown> = { from: input.waId, id: wamid(input.waId), timestamp: seconds(at) };
    if (input.replyTo) message['context'] = { from: this.displayDigits(), id: input.replyTo };
    Object.assign(message, content);
    return this.post(
      this.envelope({
        messaging_product: 'whatsapp',
        metadata: this.metadata(),
        contacts: [{ profile: { name: input.name }, wa_id: input.waId }],
        messages: [message],
      }),
    );
  }

  private envelope(value: Record<string, unknown>): Record<string, unknown> {
    return {
      object: 'whatsapp_business_account',
      entry: [{ id: this.wabaId, changes: [{ value, field: 'messages' }] }],
    };
  }

  private metadata(): Record<string, string> {
    return { display_phone_number: this.displayDigits(), phone_number_id: this.phoneNumberId };
  }

  private displayDigits(): string {
    return this.displayPhoneNumber.replace(/\D/g, '');
  }

  private post(payload: unknown, opts: { afterAnswer?: boolean } = {}): Promise<number> {
    // Serialized once: the signature covers exactly these bytes.
    return this.postRaw(Buffer.from(JSON.stringify(payload), 'utf8'), undefined, opts.afterAnswer);
  }

  /** `afterAnswer`: wait until the API call that caused it has been answered, as Meta's webhooks are asynchronous. */
  private postRaw(raw: Buffer, signature?: string, afterAnswer = false): Promise<number> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'facebookexternalua',
      'X-Hub-Signature': `sha1=${createHmac('sha1', this.options.appSecret).update(raw).digest('hex')}`,
      'X-Hub-Signature-256':
        signature ?? `sha256=${createHmac('sha256', this.options.appSecret).update(raw).digest('hex')}`,
    };
    return this.enqueue(async () => {
      if (afterAnswer) await new Promise((resolve) => setTimeout(resolve, 5));
      return this.send(raw, headers);
    });
  }

  /** Deliveries go out one at a time, in order, like a single Meta delivery pipe per number. */
  private enqueue(task: () => Promise<number>): Promise<number> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(raw: Buffer, headers: Record<string, string>): Promise<number> {
    const target = this.requireWebhook();
    const delivery: FakeWhatsAppDelivery = {
      rawBody: raw,
      payload: JSON.parse(raw.toString('utf8')) as unknown,
      headers,
      status: 0,
    };
    this.deliveryLog.push(delivery);
    try {
      const res = await fetch(target, { method: 'POST', headers, body: raw });
      await res.arrayBuffer();
      delivery.status = res.status;
    } catch {
      delivery.status = 0;
    }
    return delivery.status;
  }

  private requireWebhook(): string {
    if (!this.webhookUrl) throw new Error('FakeWhatsApp: no webhook configured (setWebhook)');
    return this.webhookUrl;
  }

  private registerMedia(data: Buffer, mimeType: string, fileName?: string): FakeWhatsAppMedia {
    const media: FakeWhatsAppMedia = {
      id: numericId(16),
      data,
      mimeType,
      fileName,
      sha256: createHash('sha256').update(data).digest('hex'),
    };
    this.media.set(media.id, media);
    return media;
  }

  private urlHash(id: string, expiresAtMs: number): string {
    return createHmac('sha256', this.options.appSecret)
      .update(`${id}:${Math.floor(expiresAtMs / 1000)}`)
      .digest('base64url');
  }
}

function validateContent(type: string, content: unknown, knownMedia: (id: string) => boolean): string | null {
  if (typeof content !== 'object' || content === null) return `The parameter ${type} is required.`;
  const c = content as Record<string, unknown>;
  switch (type) {
    case 'text':
      if (typeof c['body'] !== 'string' || c['body'].length === 0) return "The parameter text['body'] is required.";
      if (c['body'].length > 4096) return "Param text['body'] must be at most 4096 characters long.";
      return null;
    case 'template': {
      const language = c['language'] as Record<string, unknown> | undefined;
      if (typeof c['name'] !== 'string' || !c['name']) return "The parameter template['name'] is required.";
      if (typeof language?.['code'] !== 'string') return "The parameter template['language']['code'] is required.";
      return null;
    }
    case 'image':
    case 'document':
    case 'audio':
    case 'video':
    case 'sticker': {
      if (typeof c['id'] !== 'string' && typeof c['link'] !== 'string')
        return `The parameter ${type}['id'] or ${type}['link'] is required.`;
      if (typeof c['id'] === 'string' && !knownMedia(c['id'])) return `Invalid ${type}['id']: media not found.`;
      if (typeof c['caption'] === 'string' && c['caption'].length > 1024)
        return `Param ${type}['caption'] must be at most 1024 characters long.`;
      return null;
    }
    case 'interactive':
      return validateInteractive(c);
    case 'location':
    case 'contacts':
    case 'reaction':
      return null;
    default:
      return `Param type must be one of {AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO} - got "${type}".`;
  }
}

/**
 * Reply buttons: 1–3, unique ids ≤ 256 chars, titles ≤ 20; lists: a menu button ≤ 20 chars and
 * 1–10 rows in all (ids ≤ 200, titles ≤ 24); body text 1–1024 chars
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#interactive-object).
 */
function validateInteractive(c: Record<string, unknown>): string | null {
  const body = c['body'] as Record<string, unknown> | undefined;
  const action = c['action'] as Record<string, unknown> | undefined;
  if (typeof body?.['text'] !== 'string' || !body['text'])
    return "The parameter interactive['body']['text'] is required.";
  if (body['text'].length > 1024) return "Param interactive['body']['text'] must be at most 1024 characters long.";
  if (!action) return "The parameter interactive['action'] is required.";
  if (c['type'] === 'button') {
    const buttons = action['buttons'];
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3)
      return "Param interactive['action']['buttons'] must contain 1 to 3 buttons.";
    const ids = new Set<string>();
    for (const [i, b] of (buttons as Record<string, unknown>[]).entries()) {
      const reply = b?.['reply'] as Record<string, unknown> | undefined;
      if (b?.['type'] !== 'reply' || typeof reply?.['id'] !== 'string' || typeof reply['title'] !== 'string')
        return `The parameter interactive['action']['buttons'][${i}]['reply'] is required.`;
      if (reply['id'].length > 256) return `Param interactive['action']['buttons'][${i}]['reply']['id'] is too long.`;
      if (reply['title'].length > 20)
        return `Param interactive['action']['buttons'][${i}]['reply']['title'] must be at most 20 characters long.`;
      if (ids.has(reply['id'])) return 'Button IDs must be unique.';
      ids.add(reply['id']);
    }
    return null;
  }
  if (c['type'] === 'list') {
    if (typeof action['button'] !== 'string' || !action['button'] || action['button'].length > 20)
      return "Param interactive['action']['button'] must be 1 to 20 characters long.";
    const sections = action['sections'];
    if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10)
      return "Param interactive['action']['sections'] must contain 1 to 10 sections.";
    const rows = (sections as Record<string, unknown>[]).flatMap((section) =>
      Array.isArray(section?.['rows']) ? (section['rows'] as Record<string, unknown>[]) : [],
    );
    if (rows.length < 1 || rows.length > 10) return 'Total row count exceed max allowed count: 10';
    for (const row of rows) {
      if (typeof row?.['id'] !== 'string' || row['id'].length > 200)
        return "Param row['id'] must be at most 200 characters long.";
      if (typeof row['title'] !== 'string' || row['title'].length > 24)
        return "Param row['title'] must be at most 24 characters long.";
    }
    return null;
  }
  return `Param interactive['type'] must be one of {BUTTON, LIST, CTA_URL, PRODUCT, PRODUCT_LIST, FLOW} - got "${String(c['type'])}".`;
}

function graphError(code: number, override?: { status: number; message: string; type: string }): FakeReply {
  const text = ERROR_TEXTS[code];
  const message = override?.message ?? `(#${code}) ${text?.title ?? 'Error'}`;
  const error: Record<string, unknown> = {
    message,
    type: override?.type ?? 'OAuthException',
    code,
  };
  if (code !== 190 && text) error['error_data'] = { messaging_product: 'whatsapp', details: text.details };
  error['fbtrace_id'] = fbtraceId();
  return { status: override?.status ?? text?.status ?? 400, body: { error } };
}

function invalidParameter(details: string): FakeReply {
  return {
    status: 400,
    body: {
      error: {
        message: '(#100) Invalid parameter',
        type: 'OAuthException',
        code: 100,
        error_data: { messaging_product: 'whatsapp', details },
        fbtrace_id: fbtraceId(),
      },
    },
  };
}

function unknownObject(method: string, id: string): FakeReply {
  return {
    status: 400,
    body: {
      error: {
        message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
        fbtrace_id: fbtraceId(),
      },
    },
  };
}

function fbtraceId(): string {
  return randomBytes(17).toString('base64url').slice(0, 23);
}

/** Looks like Meta's: `wamid.` + base64 of a small binary record carrying the phone number. */
function wamid(waId: string): string {
  const record = Buffer.concat([
    Buffer.from([0x1c, 0x18, waId.length]),
    Buffer.from(waId, 'ascii'),
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, 0x12]),
    Buffer.from(randomBytes(9).toString('hex').toUpperCase(), 'ascii'),
    Buffer.from([0x00]),
  ]);
  return `wamid.${record.toString('base64')}`;
}

/** Graph object ids: long decimal strings. */
function numericId(digits: number): string {
  let id = String(randomInt(1, 10));
  while (id.length < digits) id += String(randomInt(0, 10));
  return id;
}

function seconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}
