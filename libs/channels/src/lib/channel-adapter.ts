import type { ChannelType } from '@onebox/contracts';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

/**
 * One messaging platform behind one small, stateless interface: credentials arrive with every
 * call and nothing provider-specific is kept on the instance. To add a platform, declare its
 * credential fields and capabilities, and implement each method against the platform's
 * documented API; map every provider error onto `ChannelError` (see channel-error.ts).
 * Adapters do no database work and know nothing of Nest.
 */
export interface ChannelAdapter<Credentials extends Record<string, string> = Record<string, string>> {
  readonly type: Exclude<ChannelType, 'webchat'>;
  /** Drives the settings form and the server's validation of `POST /api/channels`. */
  readonly credentialFields: readonly CredentialField[];
  readonly capabilities: ChannelCapabilities;

  /** Checks the credentials with the platform; answers the account it reaches. */
  checkCredentials(credentials: Credentials, ctx: AdapterContext): Promise<AccountInfo>;

  /**
   * Points the platform's updates at `webhook.url`, signed/secured with `webhook.secret`.
   * Platforms without a webhook API (WhatsApp: configured in Meta's app dashboard) resolve at once.
   */
  registerWebhook(
    credentials: Credentials,
    webhook: { url: string; secret: string },
    ctx: AdapterContext,
  ): Promise<void>;

  /** Stops webhook deliveries (on disconnect, or before switching to polling). */
  unregisterWebhook(credentials: Credentials, webhook: { url: string }, ctx: AdapterContext): Promise<void>;

  /**
   * True when the request really comes from the platform: a secret header compared in constant
   * time, or an HMAC over the raw body bytes. Called before anything is parsed or written.
   */
  verifyWebhook(request: WebhookRequest, credentials: Credentials, webhookSecret: string): boolean;

  /**
   * A webhook's GET handshake (WhatsApp's `hub.challenge`): the text to answer with, or null to
   * refuse. Platforms without one answer null.
   */
  answerHandshake(query: Record<string, string | undefined>, credentials: Credentials): string | null;

  /** Pure: one webhook body (or one polled update) → what it means for the inbox. */
  normalizeInbound(update: unknown): InboundEvent[];

  /** Long polling, for setups without a public https URL. Absent where the platform has none. */
  poll?(
    credentials: Credentials,
    cursor: string | null,
    ctx: AdapterContext & { timeoutSec: number },
  ): Promise<PollResult>;

  /** Sends one outgoing message; answers the provider's message ids (several when split). */
  send(credentials: Credentials, message: OutgoingMessage, ctx: AdapterContext): Promise<SendResult>;

  /** Downloads an inbound media file referenced by a normalized message. */
  fetchMedia(credentials: Credentials, media: MediaRef, ctx: AdapterContext): Promise<FetchedMedia>;

  /**
   * Acknowledges a button press (`externalMessageId` `cb:<id>` of a message with `callbackData`)
   * so the customer's app stops waiting. Absent where the platform needs no answer.
   */
  answerCallback?(credentials: Credentials, callbackId: string, ctx: AdapterContext): Promise<void>;
}

export interface CredentialField {
  key: string;
  label: { en: string; ru: string };
  /** Secrets are masked in forms and never returned by the API. */
  secret: boolean;
  required: boolean;
  hint?: { en: string; ru: string };
  /** A pattern the value must match (JavaScript RegExp source). */
  pattern?: string;
}

export interface ChannelCapabilities {
  maxTextLength: number;
  /** Longer texts are split into several messages rather than refused. */
  splitsLongText: boolean;
  media: readonly ('image' | 'document' | 'audio' | 'video')[];
  /** Hours after the customer's last message during which free text may be sent (WhatsApp: 24). */
  messagingWindowHours: number | null;
  templates: boolean;
  /** Whether the platform can push updates to a webhook / be polled. */
  webhook: boolean;
  polling: boolean;
}

/** Where the platform's API lives (tests and demo point it at libs/fakes) and how long to wait. */
export interface AdapterContext {
  apiRoot: string;
  timeoutMs?: number;
  /**
   * For requests to addresses the platform hands out rather than `apiRoot` (media downloads,
   * upload URLs): every connection and redirect hop goes through these agents, which the server
   * makes refuse private and local addresses. Absent: Node's default agents.
   */
  mediaAgents?: { http: HttpAgent; https: HttpsAgent };
}

export interface AccountInfo {
  /** The bot's / number's id on the platform. */
  accountId: string;
  /** A human name for the account (bot username, display phone number). */
  accountName: string;
}

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: signatures are computed over these bytes. */
  rawBody: Buffer;
}

export interface MediaRef {
  /** The provider's file reference (Telegram file_id, Graph media id, MAX url/token). */
  ref: string;
  kind: 'image' | 'document' | 'audio' | 'video' | 'voice' | 'sticker';
  fileName?: string;
  mimeType?: string;
  size?: number;
}

export interface FetchedMedia {
  data: Buffer;
  mimeType: string;
  fileName: string;
}

export type InboundEvent = InboundMessageEvent | InboundEditEvent | StatusEvent | IgnoredEvent;

export interface InboundMessageEvent {
  kind: 'message';
  /** The customer's id on the platform: where replies go (chat id, wa_id, MAX user id). */
  externalUserId: string;
  /** Unique per channel account: the idempotency key of the message. */
  externalMessageId: string;
  contactName: string;
  username?: string;
  phone?: string;
  text: string;
  media: MediaRef[];
  sentAt: Date;
  /** Telegram Business: the manager's business connection the message came through. */
  businessConnectionId?: string;
  /** A button press (callback query / interactive reply): its data, shown as the message text. */
  callbackData?: string;
  /** Where the conversation came from (MAX bot_started payload, Telegram /start parameter). */
  source?: string;
  /** Extra provider fields worth keeping (location, contact card…). */
  meta?: Record<string, unknown>;
}

export interface InboundEditEvent {
  kind: 'edit';
  externalUserId: string;
  externalMessageId: string;
  text: string;
  editedAt: Date;
}

export interface StatusEvent {
  kind: 'status';
  /** The provider id of our outgoing message. */
  externalMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  at: Date;
  error?: { code: string; message: string };
}

export interface IgnoredEvent {
  kind: 'ignored';
  reason: string;
}

export interface PollResult {
  updates: unknown[];
  /** Pass back on the next poll; confirms everything before it. */
  cursor: string | null;
}

export interface OutgoingMessage {
  /** `externalUserId` of the customer. */
  recipient: string;
  text: string;
  attachments: OutgoingAttachment[];
  /** WhatsApp template (outside the 24-hour window). */
  template?: { name: string; language: string; parameters: string[] };
  businessConnectionId?: string;
  /**
   * Reply buttons under the message (Telegram inline keyboard, MAX `inline_keyboard` callback
   * buttons, WhatsApp interactive reply buttons or list). A press comes back as an inbound
   * message whose `callbackData` is the button's `id`.
   */
  buttons?: OutgoingButton[];
  /** WhatsApp lists (more than three buttons) open from a menu button with this label (≤ 20 chars). */
  buttonsLabel?: string;
}

export interface OutgoingButton {
  /** Comes back as `callbackData` (Telegram: 1–64 bytes). */
  id: string;
  text: string;
}

export interface OutgoingAttachment {
  fileName: string;
  mimeType: string;
  data: Buffer;
}

export interface SendResult {
  externalIds: string[];
}
