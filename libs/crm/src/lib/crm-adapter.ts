import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

/**
 * One CRM behind one small, stateless interface: the connection's settings (base URL, tokens)
 * arrive with every call. To add a CRM, declare its settings fields and implement each method
 * against the CRM's documented API, mapping every error onto `CrmError`. Adapters do no database
 * work and know nothing of Nest; rate limiting and retries belong to the caller (durable jobs).
 */
export interface CrmAdapter<Settings extends Record<string, string> = Record<string, string>> {
  readonly type: 'amocrm' | 'bitrix24';
  /** Drives the settings form and the validation of `POST /api/crm`. */
  readonly settingsFields: readonly CrmSettingsField[];
  /** The CRM's documented request budget, which the caller's limiter keeps. */
  readonly rateLimit: { burst: number; perSecond: number };

  /** Checks the connection; answers the account it reaches. */
  checkConnection(settings: Settings, ctx: CrmContext): Promise<{ accountId: string; accountName: string }>;
  listPipelines(settings: Settings, ctx: CrmContext): Promise<CrmPipeline[]>;
  listUsers(settings: Settings, ctx: CrmContext): Promise<CrmUser[]>;
  /** Finds a contact by phone, then email; creates it when none matches. */
  findOrCreateContact(
    settings: Settings,
    contact: CrmContactInput,
    ctx: CrmContext,
  ): Promise<{ id: string; created: boolean }>;
  createDeal(settings: Settings, deal: CrmDealInput, ctx: CrmContext): Promise<{ id: string }>;
  updateDeal(settings: Settings, id: string, change: CrmDealChange, ctx: CrmContext): Promise<void>;
  getDeal(settings: Settings, id: string, ctx: CrmContext): Promise<CrmDeal>;
  /** Adds a note / timeline comment to the deal (the chat transcript). */
  addNote(settings: Settings, dealId: string, text: string, ctx: CrmContext): Promise<void>;
  /** The URL of the deal in the CRM's own UI. */
  dealUrl(settings: Settings, id: string): string;
  /**
   * Verifies and reads an inbound CRM webhook (form-encoded body as received). Throws
   * `CrmError('invalid_credentials')` for a forged request. Answers the deals it says changed.
   */
  parseWebhook(settings: Settings, request: CrmWebhookRequest): CrmWebhookEvent[];

  /**
   * OAuth 2.0 (authorization code) for CRMs that offer it. Settings then hold the app's client
   * id/secret and, once authorized, `accessToken` / `refreshToken` / `expiresAt` (ISO) — which the
   * adapter's other methods use exactly as they use a long-lived token.
   */
  readonly oauth?: CrmOAuth<Settings>;
}

export interface CrmOAuth<Settings extends Record<string, string> = Record<string, string>> {
  /** The settings fields of the OAuth variant (client id, client secret…), for the connect form. */
  readonly settingsFields: readonly CrmSettingsField[];
  /** True when these settings ask for OAuth rather than a long-lived token / incoming webhook. */
  wants(settings: Record<string, string>): boolean;
  /** Where to send the admin to grant access; the CRM redirects back to `redirectUri` with `code` and `state`. */
  authorizeUrl(settings: Settings, params: { state: string; redirectUri: string }): string;
  /**
   * Trades the code for tokens. `query` is everything the CRM put on the redirect (amoCRM's
   * `referer`, Bitrix24's `domain`…). Answers the settings to store (tokens included).
   */
  exchangeCode(
    settings: Settings,
    params: { code: string; redirectUri: string; query: Record<string, string> },
    ctx: CrmContext,
  ): Promise<Settings>;
  /**
   * New tokens from the refresh token (which the CRM may rotate: the answer replaces it). A
   * refresh token the CRM no longer accepts is `CrmError('invalid_credentials')`.
   */
  refresh(settings: Settings, ctx: CrmContext): Promise<Settings>;
  /** When the access token stops working (null: never, e.g. not authorized yet). */
  expiresAt(settings: Settings): Date | null;
}

export interface CrmSettingsField {
  key: string;
  label: { en: string; ru: string };
  secret: boolean;
  required: boolean;
  hint?: { en: string; ru: string };
  pattern?: string;
}

export interface CrmContext {
  /** Overrides where the CRM lives (tests point it at libs/fakes); default from the settings. */
  baseUrl?: string;
  timeoutMs?: number;
  /**
   * Agents every request goes through (each connection and redirect hop): the server's refuse
   * private and local addresses, since the CRM's address comes from the admin's settings.
   */
  agents?: { http: HttpAgent; https: HttpsAgent };
}

export interface CrmPipeline {
  id: string;
  name: string;
  isMain: boolean;
  stages: CrmStage[];
}

export interface CrmStage {
  id: string;
  name: string;
  sort: number;
  /** open: in progress; won / lost: the deal is closed. */
  semantic: 'open' | 'won' | 'lost';
}

export interface CrmUser {
  id: string;
  name: string;
  email?: string;
}

export interface CrmContactInput {
  name: string;
  phone?: string;
  email?: string;
  responsibleUserId?: string;
}

export interface CrmDealInput {
  title: string;
  contactId: string;
  pipelineId?: string;
  stageId?: string;
  responsibleUserId?: string;
  /** The channel the conversation came from, as a tag (amoCRM) or source (Bitrix24). */
  source: string;
  amount?: { value: string; currency: string };
}

export interface CrmDealChange {
  stageId?: string;
  amount?: { value: string; currency: string };
  responsibleUserId?: string;
}

export interface CrmDeal {
  id: string;
  title: string;
  pipelineId: string | null;
  stageId: string;
  semantic: 'open' | 'won' | 'lost';
  /** Exact decimal as a string, e.g. "15000.00". */
  amount: string | null;
  currency: string | null;
  responsibleUserId: string | null;
  closedAt: Date | null;
  updatedAt: Date | null;
}

export interface CrmWebhookRequest {
  /** The secret that was part of the webhook URL Onebox gave the CRM (amoCRM). */
  pathSecret?: string;
  headers: Record<string, string | string[] | undefined>;
  /** `application/x-www-form-urlencoded` body exactly as received. */
  rawBody: Buffer;
}

/** A deal changed in the CRM; the fields the webhook carried (Bitrix24 sends only the id: fetch it). */
export interface CrmWebhookEvent {
  dealId: string;
  kind: 'added' | 'updated' | 'status' | 'responsible';
  stageId?: string;
  pipelineId?: string;
  amount?: string;
  responsibleUserId?: string;
  at?: Date;
}
