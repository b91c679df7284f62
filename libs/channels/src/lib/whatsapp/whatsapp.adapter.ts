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
  SendResult,
  StatusEvent,
  WebhookRequest,
} from '../channel-adapter';
import { mediaRequestOptions } from '../media-request';
import { ChannelError } from '../channel-error';
import { hmacSha256Hex, safeEqual } from '../constant-time';

/** The Graph API version every call goes to (`{apiRoot}/v21.0/...`). */
export const WHATSAPP_GRAPH_VERSION = 'v21.0';

export type WhatsAppCredentials = {
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
};

const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
/** Interactive messages: body text 1–1024 characters. */
const MAX_INTERACTIVE_BODY = 1024;
const DEFAULT_TIMEOUT_MS = 15_000;
/** WhatsApp shows only JPEG and PNG as images; anything else goes as a document. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png']);

/**
 * WhatsApp Business Cloud API (Meta Graph API). The webhook is configured in the Meta app
 * dashboard (callback URL + verify token), so register/unregister do nothing; Meta signs each
 * POST with the app secret (`X-Hub-Signature-256`). Errors follow the Graph envelope
 * https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 */
export class WhatsAppAdapter implements ChannelAdapter<WhatsAppCredentials> {
  readonly type = 'whatsapp' as const;

  readonly credentialFields: readonly CredentialField[] = [
    {
      key: 'phoneNumberId',
      label: { en: 'Phone number ID', ru: 'ID номера телефона' },
      secret: false,
      required: true,
      pattern: '^\\d+$',
      hint: {
        en: 'Meta app dashboard → WhatsApp → API Setup: "Phone number ID" (not the phone number itself).',
        ru: 'Панель приложения Meta → WhatsApp → API Setup: «Phone number ID» (не сам номер телефона).',
      },
    },
    {
      key: 'accessToken',
      label: { en: 'Access token', ru: 'Токен доступа' },
      secret: true,
      required: true,
      hint: {
        en: 'A permanent System User token with whatsapp_business_messaging (Business settings → Users → System users).',
        ru: 'Постоянный токен системного пользователя с правом whatsapp_business_messaging (Настройки компании → Пользователи → Системные пользователи).',
      },
    },
    {
      key: 'appSecret',
      label: { en: 'App secret', ru: 'Секрет приложения' },
      secret: true,
      required: true,
      hint: {
        en: 'Meta app dashboard → App settings → Basic → App secret. Used to check webhook signatures.',
        ru: 'Панель приложения Meta → Настройки → Основное → Секрет приложения. Нужен для проверки подписи вебхуков.',
      },
    },
    {
      key: 'verifyToken',
      label: { en: 'Webhook verify token', ru: 'Проверочный токен вебхука' },
      secret: true,
      required: true,
      hint: {
        en: 'Any random string; enter the same value with the callback URL in WhatsApp → Configuration → Webhook.',
        ru: 'Любая случайная строка; укажите то же значение вместе с Callback URL в WhatsApp → Configuration → Webhook.',
      },
    },
  ];

  readonly capabilities: ChannelCapabilities = {
    maxTextLength: MAX_TEXT,
    splitsLongText: true,
    media: ['image', 'document'],
    messagingWindowHours: 24,
    templates: true,
    webhook: true,
    polling: false,
  };

  async checkCredentials(credentials: WhatsAppCredentials, ctx: AdapterContext): Promise<AccountInfo> {
    const { data } = await call(
      () =>
        client(credentials, ctx).get<{ id: string; display_phone_number?: string; verified_name?: string }>(
          `/${encodeURIComponent(credentials.phoneNumberId)}`,
          { params: { fields: 'display_phone_number,verified_name' } },
        ),
      // An unknown phone number id answers (#100) like any bad parameter: here it means bad credentials.
      { 100: 'invalid_credentials' },
    );
    const name = [data.verified_name, data.display_phone_number].filter(Boolean).join(' ');
    return { accountId: data.id, accountName: name || data.id };
  }

  /** Meta's webhook lives in the app dashboard (callback URL + verify token): nothing to call. */
  async registerWebhook(
    _credentials: WhatsAppCredentials,
    _webhook: { url: string; secret: string },
    _ctx: AdapterContext,
  ): Promise<void> {}

  async unregisterWebhook(
    _credentials: WhatsAppCredentials,
    _webhook: { url: string },
    _ctx: AdapterContext,
  ): Promise<void> {}

  /** Meta signs with the app secret; the per-channel webhook secret plays no part. */
  verifyWebhook(request: WebhookRequest, credentials: WhatsAppCredentials, _webhookSecret: string): boolean {
    const header = headerValue(request.headers, 'x-hub-signature-256');
    if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header) || !credentials.appSecret) return false;
    return safeEqual(header.toLowerCase(), `sha256=${hmacSha256Hex(credentials.appSecret, request.rawBody)}`);
  }

  answerHandshake(query: Record<string, string | undefined>, credentials: WhatsAppCredentials): string | null {
    const challenge = query['hub.challenge'];
    if (query['hub.mode'] !== 'subscribe' || !challenge || !credentials.verifyToken) return null;
    return safeEqual(query['hub.verify_token'], credentials.verifyToken) ? challenge : null;
  }

  normalizeInbound(update: unknown): InboundEvent[] {
    const body = asRecord(update);
    if (!body || body['object'] !== 'whatsapp_business_account' || !Array.isArray(body['entry'])) {
      return [{ kind: 'ignored', reason: 'not a whatsapp_business_account webhook' }];
    }
    const events: InboundEvent[] = [];
    for (const entry of body['entry'] as unknown[]) {
      const changes = asRecord(entry)?.['changes'];
      for (const change of Array.isArray(changes) ? changes : []) {
        const c = asRecord(change);
        if (c?.['field'] !== 'messages') {
          events.push({ kind: 'ignored', reason: `webhook field ${String(c?.['field'])}` });
          continue;
        }
        events.push(...normalizeValue(asRecord(c['value']) ?? {}));
      }
    }
    return events.length ? events : [{ kind: 'ignored', reason: 'empty webhook' }];
  }

  async send(credentials: WhatsAppCredentials, message: OutgoingMessage, ctx: AdapterContext): Promise<SendResult> {
    const api = client(credentials, ctx);
    const path = `/${encodeURIComponent(credentials.phoneNumberId)}/messages`;
    const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.recipient };
    const ids: string[] = [];
    const post = async (content: Record<string, unknown>) => {
      const { data } = await call(() => api.post<{ messages: { id: string }[] }>(path, { ...base, ...content }));
      ids.push(...data.messages.map((m) => m.id));
    };

    if (message.template) {
      const { name, language, parameters } = message.template;
      const template: Record<string, unknown> = { name, language: { code: language } };
      if (parameters.length) {
        template['components'] = [{ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) }];
      }
      await post({ type: 'template', template });
      return { externalIds: ids };
    }

    const text = message.text.trim() ? message.text : '';
    if (message.buttons?.length) {
      for (const interactive of interactiveMessages(text, message.buttons, message.buttonsLabel))
        await post({ type: 'interactive', interactive });
      return { externalIds: ids };
    }
    if (!text && !message.attachments.length) throw new ChannelError('unsupported_content', 'nothing to send');
    const caption = message.attachments.length && text.length <= MAX_CAPTION ? text : '';
    if (text && !caption)
      for (const part of splitText(text, MAX_TEXT))
        await post({ type: 'text', text: { body: part, preview_url: false } });
    for (const [index, attachment] of message.attachments.entries()) {
      const id = await upload(api, credentials.phoneNumberId, attachment);
      const type = IMAGE_TYPES.has(attachment.mimeType) ? 'image' : 'document';
      const media: Record<string, unknown> = { id };
      if (type === 'document') media['filename'] = attachment.fileName;
      if (index === 0 && caption) media['caption'] = caption;
      await post({ type, [type]: media });
    }
    return { externalIds: ids };
  }

  async fetchMedia(credentials: WhatsAppCredentials, media: MediaRef, ctx: AdapterContext): Promise<FetchedMedia> {
    const api = client(credentials, ctx);
    const { data: info } = await call(() =>
      api.get<{ url: string; mime_type: string }>(`/${encodeURIComponent(media.ref)}`),
    );
    // The URL lives five minutes and wants the same bearer token.
    const { data } = await call(() =>
      api.get<ArrayBuffer>(info.url, { responseType: 'arraybuffer', ...mediaRequestOptions(ctx) }),
    );
    const mimeType = info.mime_type || media.mimeType || 'application/octet-stream';
    return { data: Buffer.from(data), mimeType, fileName: media.fileName ?? `${media.ref}${extensionFor(mimeType)}` };
  }
}

/**
 * Reply buttons (at most 3, titles ≤ 20 chars) or a list (rows ≤ 10 in all, titles ≤ 24 chars,
 * its menu button ≤ 20 chars); more than ten choices go as several lists with the same body
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-reply-buttons-messages,
 * .../interactive-list-messages). Body text ≤ 1024 chars.
 */
export function interactiveMessages(
  text: string,
  buttons: OutgoingButton[],
  label = 'Выбрать / Choose',
): Record<string, unknown>[] {
  const body = { text: (text || '…').slice(0, MAX_INTERACTIVE_BODY) };
  if (buttons.length <= 3)
    return [
      {
        type: 'button',
        body,
        action: {
          buttons: buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.text.slice(0, 20) } })),
        },
      },
    ];
  const lists: Record<string, unknown>[] = [];
  for (let i = 0; i < buttons.length; i += 10)
    lists.push({
      type: 'list',
      body,
      action: {
        button: label.slice(0, 20),
        sections: [{ rows: buttons.slice(i, i + 10).map((b) => ({ id: b.id, title: b.text.slice(0, 24) })) }],
      },
    });
  return lists;
}

function client(credentials: WhatsAppCredentials, ctx: AdapterContext): AxiosInstance {
  return axios.create({
    baseURL: `${ctx.apiRoot.replace(/\/+$/, '')}/${WHATSAPP_GRAPH_VERSION}`,
    headers: { Authorization: `Bearer ${credentials.accessToken}` },
    timeout: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/** `POST /{phone-number-id}/media` (multipart) → `{id}`. */
async function upload(api: AxiosInstance, phoneNumberId: string, attachment: OutgoingAttachment): Promise<string> {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('type', attachment.mimeType);
  form.append('file', new Blob([attachment.data], { type: attachment.mimeType }), attachment.fileName);
  const { data } = await call(() => api.post<{ id: string }>(`/${encodeURIComponent(phoneNumberId)}/media`, form));
  return data.id;
}

// ---- errors ----

type ErrorCode = ChannelError['code'];

interface GraphError {
  message?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
}

/** Meta sends no Retry-After; these are the documented windows, rounded to something sensible. */
const RATE_LIMITS: Record<number, number> = {
  130429: 1_000, // throughput (80 msg/s per number)
  131056: 6_000, // pair rate limit: about one message per 6 s to the same user
  4: 60_000, // app call rate limit
  80007: 60_000, // WABA rate limit
};

const ERROR_CODES: Record<number, ErrorCode> = {
  190: 'invalid_credentials',
  131047: 'window_closed',
  131026: 'recipient_unreachable',
  131030: 'recipient_unreachable',
  131051: 'unsupported_content',
  131052: 'unsupported_content',
  131053: 'unsupported_content',
  100: 'unsupported_content',
  131000: 'temporary',
  131016: 'temporary',
};

async function call<T>(request: () => Promise<T>, overrides: Partial<Record<number, ErrorCode>> = {}): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw toChannelError(err, overrides);
  }
}

function toChannelError(err: unknown, overrides: Partial<Record<number, ErrorCode>>): ChannelError {
  if (!isAxiosError(err)) return new ChannelError('temporary', (err as Error)?.message ?? 'unknown error');
  const response = err.response;
  if (!response)
    return new ChannelError('temporary', `WhatsApp unreachable: ${err.code ?? err.message}`, undefined, err.code);
  const graph = asRecord(asRecord(response.data)?.['error']) as GraphError | undefined;
  const code = typeof graph?.code === 'number' ? graph.code : undefined;
  const message = graph?.error_data?.details ?? graph?.message ?? `HTTP ${response.status}`;
  if (code !== undefined) {
    const mapped = overrides[code] ?? (code in RATE_LIMITS ? 'rate_limited' : ERROR_CODES[code]);
    if (mapped)
      return new ChannelError(mapped, message, mapped === 'rate_limited' ? RATE_LIMITS[code] : undefined, code);
  }
  if (response.status === 401)
    return new ChannelError('invalid_credentials', message, undefined, code ?? response.status);
  if (response.status === 429) {
    const retryAfter = Number(response.headers?.['retry-after']);
    return new ChannelError(
      'rate_limited',
      message,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1_000,
      code ?? 429,
    );
  }
  if (response.status >= 500) return new ChannelError('temporary', message, undefined, code ?? response.status);
  // Any other rejection will fail the same way again: final.
  return new ChannelError('unsupported_content', message, undefined, code ?? response.status);
}

// ---- inbound ----

interface WaMessage {
  from?: string;
  id?: string;
  timestamp?: string;
  type?: string;
  group_id?: string;
  context?: { id?: string; from?: string };
  referral?: Record<string, unknown>;
  text?: { body?: string };
  image?: WaMedia;
  document?: WaMedia;
  audio?: WaMedia & { voice?: boolean };
  video?: WaMedia;
  sticker?: WaMedia;
  location?: { latitude?: number; longitude?: number; name?: string; address?: string; url?: string };
  contacts?: { name?: { formatted_name?: string }; phones?: { phone?: string }[] }[];
  interactive?: {
    type?: string;
    button_reply?: { id?: string; title?: string };
    list_reply?: { id?: string; title?: string };
  };
  button?: { payload?: string; text?: string };
}

interface WaMedia {
  id?: string;
  mime_type?: string;
  filename?: string;
  caption?: string;
}

function normalizeValue(value: Record<string, unknown>): InboundEvent[] {
  const events: InboundEvent[] = [];
  const contacts = Array.isArray(value['contacts'])
    ? (value['contacts'] as { wa_id?: string; profile?: { name?: string } }[])
    : [];
  const phoneNumberId = asRecord(value['metadata'])?.['phone_number_id'];
  for (const raw of Array.isArray(value['messages']) ? (value['messages'] as unknown[]) : []) {
    const message = asRecord(raw) as WaMessage | undefined;
    if (!message) continue;
    const name = contacts.find((c) => c.wa_id === message.from)?.profile?.name;
    events.push(normalizeMessage(message, name, typeof phoneNumberId === 'string' ? phoneNumberId : undefined));
  }
  for (const raw of Array.isArray(value['statuses']) ? (value['statuses'] as unknown[]) : []) {
    events.push(normalizeStatus(asRecord(raw) ?? {}));
  }
  if (Array.isArray(value['errors'])) events.push({ kind: 'ignored', reason: 'account-level error notification' });
  if (!events.length) events.push({ kind: 'ignored', reason: 'no messages or statuses' });
  return events;
}

function normalizeMessage(
  m: WaMessage,
  contactName: string | undefined,
  phoneNumberId: string | undefined,
): InboundEvent {
  if (!m.from || !m.id || !m.timestamp) return { kind: 'ignored', reason: 'malformed message' };
  if (m.group_id) return { kind: 'ignored', reason: 'group chat' };
  const content = messageContent(m);
  if ('ignored' in content) return { kind: 'ignored', reason: content.ignored };
  const meta: Record<string, unknown> = { ...content.meta };
  if (phoneNumberId) meta['phoneNumberId'] = phoneNumberId;
  if (m.context?.id) meta['replyTo'] = m.context.id;
  if (m.referral) meta['referral'] = m.referral;
  const event: InboundMessageEvent = {
    kind: 'message',
    externalUserId: m.from,
    externalMessageId: m.id,
    contactName: contactName || m.from,
    phone: m.from,
    text: content.text,
    media: content.media ?? [],
    sentAt: new Date(Number(m.timestamp) * 1000),
    meta,
  };
  if (content.callbackData !== undefined) event.callbackData = content.callbackData;
  const source = m.referral?.['source_url'] ?? m.referral?.['source_id'];
  if (typeof source === 'string') event.source = source;
  return event;
}

type Content =
  { text: string; media?: MediaRef[]; callbackData?: string; meta?: Record<string, unknown> } | { ignored: string };

function messageContent(m: WaMessage): Content {
  switch (m.type) {
    case 'text':
      return { text: m.text?.body ?? '' };
    case 'image':
    case 'document':
    case 'audio':
    case 'video':
    case 'sticker': {
      const media = m[m.type];
      if (!media?.id) return { ignored: `malformed ${m.type}` };
      const kind = m.type === 'audio' && m.audio?.voice ? 'voice' : m.type;
      const ref: MediaRef = { ref: media.id, kind };
      if (media.mime_type) ref.mimeType = media.mime_type;
      if (media.filename) ref.fileName = media.filename;
      return { text: media.caption ?? '', media: [ref] };
    }
    case 'location': {
      const l = m.location ?? {};
      const place = [l.name, l.address].filter(Boolean).join(', ');
      return { text: `📍 ${l.latitude}, ${l.longitude}${place ? ` (${place})` : ''}`, meta: { location: l } };
    }
    case 'contacts': {
      const cards = m.contacts ?? [];
      const lines = cards.map((c) =>
        [c.name?.formatted_name, ...(c.phones ?? []).map((p) => p.phone)].filter(Boolean).join(' '),
      );
      return { text: `👤 ${lines.join('\n')}`, meta: { contacts: cards } };
    }
    case 'interactive': {
      const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
      if (!reply?.id) return { ignored: `interactive ${m.interactive?.type ?? 'unknown'}` };
      return { text: reply.title ?? reply.id, callbackData: reply.id };
    }
    case 'button':
      return {
        text: m.button?.text ?? m.button?.payload ?? '',
        callbackData: m.button?.payload ?? m.button?.text ?? '',
      };
    default:
      // reaction, unsupported, system, order, ephemeral…: nothing the inbox shows.
      return { ignored: `message type ${m.type ?? 'missing'}` };
  }
}

const STATUSES = new Set<StatusEvent['status']>(['sent', 'delivered', 'read', 'failed']);

function normalizeStatus(s: Record<string, unknown>): InboundEvent {
  const status = s['status'] as StatusEvent['status'];
  if (typeof s['id'] !== 'string' || !STATUSES.has(status))
    return { kind: 'ignored', reason: `status ${String(s['status'])}` };
  const event: StatusEvent = {
    kind: 'status',
    externalMessageId: s['id'],
    status,
    at: new Date(Number(s['timestamp']) * 1000),
  };
  const error = asRecord(Array.isArray(s['errors']) ? s['errors'][0] : undefined);
  if (error) {
    const details = asRecord(error['error_data'])?.['details'];
    event.error = {
      code: String(error['code']),
      message: String(typeof details === 'string' ? details : (error['message'] ?? error['title'] ?? '')),
    };
  }
  return event;
}

// ---- helpers ----

function asRecord(value: unknown): Record<string, unknown> | undefined {
  if (Buffer.isBuffer(value) || typeof value === 'string') {
    try {
      return asRecord(JSON.parse(value.toString()));
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function headerValue(headers: WebhookRequest['headers'], name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key ? headers[key] : undefined;
  return Array.isArray(value) ? value[0] : value;
}

/** Splits at the last newline or space before `max`, never inside a surrogate pair. */
function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = Math.max(rest.lastIndexOf('\n', max), rest.lastIndexOf(' ', max));
    if (cut < max / 2) cut = max;
    if (/[\uD800-\uDBFF]/.test(rest[cut - 1] ?? '')) cut -= 1;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest) parts.push(rest);
  return parts;
}

function extensionFor(mimeType: string): string {
  const known: Record<string, string> = {
    'image/jpeg': '.jpg',
    'image/png': '.png',
    'image/webp': '.webp',
    'audio/ogg': '.ogg',
    'audio/mpeg': '.mp3',
    'audio/mp4': '.m4a',
    'video/mp4': '.mp4',
    'application/pdf': '.pdf',
  };
  return known[mimeType.split(';')[0].trim()] ?? '';
}
