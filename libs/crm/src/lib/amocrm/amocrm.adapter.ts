import { parsePhpForm } from '../php-form';
import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { createHash, timingSafeEqual } from 'node:crypto';
import type {
  CrmAdapter,
  CrmOAuth,
  CrmContactInput,
  CrmContext,
  CrmDeal,
  CrmDealChange,
  CrmDealInput,
  CrmPipeline,
  CrmSettingsField,
  CrmUser,
  CrmWebhookEvent,
  CrmWebhookRequest,
} from '../crm-adapter';
import { CrmError } from '../crm-error';
import { agentOptions } from '../crm-request';

/**
 * What an amoCRM connection stores. Two modes:
 * - long-lived token (private integration): `baseUrl` + `accessToken`;
 * - OAuth 2.0 (authorization code): `baseUrl` + `clientId` + `clientSecret`, then, once
 *   `oauth.exchangeCode` ran, `accessToken` + `refreshToken` + `expiresAt` (ISO) + `redirectUri`
 *   (the redirect URI the code came back to; amoCRM wants it again on every refresh).
 * The server adds `webhookSecret` (the random secret it put in the webhook URL it shows the admin)
 * before calling `parseWebhook`; it is not a form field.
 */
export type AmoCrmSettings = {
  baseUrl: string;
  accessToken?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  expiresAt?: string;
  redirectUri?: string;
  webhookSecret?: string;
};

type Json = Record<string, unknown>;

/** Every pipeline has these two system statuses (https://www.amocrm.ru/developers/content/crm_platform/leads_pipelines). */
const WON = 142;
const LOST = 143;
const DEFAULT_TIMEOUT_MS = 15_000;
const USERS_PAGE = 250;
const WEBHOOK_ACTIONS = new Map<string, CrmWebhookEvent['kind']>([
  ['add', 'added'],
  ['update', 'updated'],
  ['status', 'status'],
  ['responsible', 'responsible'],
]);

/**
 * amoCRM API v4 with a long-lived token (private integration). Docs:
 * https://www.amocrm.ru/developers/content/crm_platform/api-reference
 *
 * Money: a lead's `price` is an integer in the account's single currency. Outbound, the decimal
 * string must have no fractional part ("15000" or "15000.00"; "15000.50" is rejected with
 * `validation` rather than silently rounded). Inbound, `price` becomes "15000". API v4 does not
 * expose the account currency, so deals report 'RUB' for *.amocrm.ru accounts and null elsewhere
 * (Kommo), and an amount's currency is not sent.
 */
export class AmoCrmAdapter implements CrmAdapter<AmoCrmSettings> {
  readonly type = 'amocrm' as const;
  readonly settingsFields: readonly CrmSettingsField[] = [
    {
      key: 'baseUrl',
      label: { en: 'amoCRM address', ru: 'Адрес amoCRM' },
      secret: false,
      required: true,
      hint: { en: 'For example https://mycompany.amocrm.ru', ru: 'Например, https://mycompany.amocrm.ru' },
      pattern: '^https://[a-z0-9][a-z0-9-]*\\.(amocrm\\.ru|amocrm\\.com|kommo\\.com)/?$',
    },
    {
      key: 'accessToken',
      label: { en: 'Long-lived token', ru: 'Долгосрочный токен' },
      secret: true,
      // Not needed with OAuth (`oauth.settingsFields`): the token then comes from the code exchange.
      required: false,
      hint: {
        en: 'amoCRM → Settings → Integrations → Create integration (private) → Keys and access → Long-lived token',
        ru: 'amoCRM → Настройки → Интеграции → Создать интеграцию (внешняя) → Ключи и доступы → Долгосрочный токен',
      },
    },
  ];
  /** https://www.amocrm.ru/developers/content/api/recommendations: at most 7 requests per second. */
  readonly rateLimit = { burst: 7, perSecond: 7 };

  /**
   * OAuth 2.0 with the authorization code grant (https://www.amocrm.ru/developers/content/oauth/step-by-step).
   * Access tokens live 24 h (`expires_in`); every refresh answers a NEW refresh token and the old
   * one stops working, so the answer of `refresh` must replace the stored settings at once.
   */
  readonly oauth: CrmOAuth<AmoCrmSettings> = {
    settingsFields: [
      {
        key: 'clientId',
        label: { en: 'Integration ID', ru: 'ID интеграции' },
        secret: false,
        required: true,
        hint: {
          en: 'amoCRM → amoMarket → ⋯ → Create integration (external) → Keys and access → Integration ID',
          ru: 'amoCRM → амоМаркет → ⋯ → Создать интеграцию (внешняя) → Ключи и доступы → ID интеграции',
        },
        pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      },
      {
        key: 'clientSecret',
        label: { en: 'Secret key', ru: 'Секретный ключ' },
        secret: true,
        required: true,
        hint: {
          en: 'Same tab, "Secret key". The integration\'s Redirect URI must be Onebox\'s OAuth callback address.',
          ru: 'Там же, «Секретный ключ». Redirect URI интеграции — адрес OAuth-возврата Onebox.',
        },
      },
    ],
    wants: (settings) => Boolean(settings['clientId'] && settings['clientSecret'] && !settings['accessToken']),
    authorizeUrl: (settings, { state }) => {
      // The redirect URI is fixed in the integration's settings; amoCRM does not take one here.
      // mode=post_message: the redirect happens in the window that opened this URL.
      const query = new URLSearchParams({
        client_id: need(settings.clientId, 'clientId'),
        state,
        mode: 'post_message',
      });
      return `https://${authorizeHost(settings.baseUrl)}/oauth?${query.toString()}`;
    },
    exchangeCode: (settings, params, ctx) => this.exchangeCode(settings, params, ctx),
    refresh: (settings, ctx) => this.refreshTokens(settings, ctx),
    expiresAt: (settings) => {
      if (!settings.expiresAt) return null;
      const at = new Date(settings.expiresAt);
      return Number.isNaN(at.getTime()) ? null : at;
    },
  };

  async checkConnection(
    settings: AmoCrmSettings,
    ctx: CrmContext,
  ): Promise<{ accountId: string; accountName: string }> {
    const account = await this.call<Json>(settings, ctx, 'GET', '/api/v4/account');
    if (!account || account['id'] === undefined) throw unexpected('GET /api/v4/account');
    return { accountId: String(account['id']), accountName: String(account['name'] || account['subdomain'] || '') };
  }

  async listPipelines(settings: AmoCrmSettings, ctx: CrmContext): Promise<CrmPipeline[]> {
    const answer = await this.call<Json>(settings, ctx, 'GET', '/api/v4/leads/pipelines');
    const pipelines = embedded(answer, 'pipelines');
    return pipelines
      .filter((p) => !p['is_archive'])
      .sort((a, b) => Number(a['sort']) - Number(b['sort']))
      .map((p) => ({
        id: String(p['id']),
        name: String(p['name']),
        isMain: Boolean(p['is_main']),
        stages: embedded(p, 'statuses')
          // type 1 is "Неразобранное" (unsorted): leads can't be created in or moved to it through the API.
          .filter((s) => Number(s['type'] ?? 0) !== 1)
          .sort((a, b) => Number(a['sort']) - Number(b['sort']))
          .map((s) => ({
            id: String(s['id']),
            name: String(s['name']),
            sort: Number(s['sort']),
            semantic: semanticOf(Number(s['id'])),
          })),
      }));
  }

  async listUsers(settings: AmoCrmSettings, ctx: CrmContext): Promise<CrmUser[]> {
    const users: CrmUser[] = [];
    for (let page = 1; ; page++) {
      const answer = await this.call<Json>(settings, ctx, 'GET', '/api/v4/users', undefined, {
        page,
        limit: USERS_PAGE,
      });
      for (const u of embedded(answer, 'users')) {
        const rights = (u['rights'] ?? {}) as Json;
        if (rights['is_active'] === false) continue;
        users.push({
          id: String(u['id']),
          name: String(u['name'] ?? ''),
          ...(u['email'] ? { email: String(u['email']) } : {}),
        });
      }
      const links = (answer?.['_links'] ?? {}) as Json;
      if (!links['next']) return users;
    }
  }

  async findOrCreateContact(
    settings: AmoCrmSettings,
    contact: CrmContactInput,
    ctx: CrmContext,
  ): Promise<{ id: string; created: boolean }> {
    const phone = contact.phone ? digitsOf(contact.phone) : '';
    const email = contact.email?.trim().toLowerCase() ?? '';
    // `query` is a fuzzy search over every filled field: keep only real matches.
    if (phone) {
      // The last ten digits match +7 916…, 8 916… and 916… alike.
      const found = await this.searchContacts(settings, ctx, phone.slice(-10));
      const match = found.find((c) => fieldValues(c, 'PHONE').some((v) => samePhone(v, phone)));
      if (match) return { id: String(match['id']), created: false };
    }
    if (email) {
      const found = await this.searchContacts(settings, ctx, email);
      const match = found.find((c) => fieldValues(c, 'EMAIL').some((v) => v.trim().toLowerCase() === email));
      if (match) return { id: String(match['id']), created: false };
    }
    const fields: Json[] = [];
    if (contact.phone) fields.push({ field_code: 'PHONE', values: [{ value: contact.phone, enum_code: 'WORK' }] });
    if (contact.email)
      fields.push({ field_code: 'EMAIL', values: [{ value: contact.email.trim(), enum_code: 'WORK' }] });
    const body: Json = { name: contact.name };
    if (contact.responsibleUserId) body['responsible_user_id'] = toId(contact.responsibleUserId, 'responsibleUserId');
    if (fields.length) body['custom_fields_values'] = fields;
    const answer = await this.call<Json>(settings, ctx, 'POST', '/api/v4/contacts', [body]);
    const id = embedded(answer, 'contacts')[0]?.['id'];
    if (id === undefined) throw unexpected('POST /api/v4/contacts');
    return { id: String(id), created: true };
  }

  /**
   * POST /api/v4/leads, not /leads/complex: the contact already exists (findOrCreateContact), and
   * complex would run amoCRM's duplicate control, which may merge into another contact.
   */
  async createDeal(settings: AmoCrmSettings, deal: CrmDealInput, ctx: CrmContext): Promise<{ id: string }> {
    const body: Json = { name: deal.title };
    if (deal.pipelineId) body['pipeline_id'] = toId(deal.pipelineId, 'pipelineId');
    if (deal.stageId) body['status_id'] = toId(deal.stageId, 'stageId');
    if (deal.responsibleUserId) body['responsible_user_id'] = toId(deal.responsibleUserId, 'responsibleUserId');
    if (deal.amount) body['price'] = toPrice(deal.amount.value);
    body['_embedded'] = {
      ...(deal.source ? { tags: [{ name: deal.source }] } : {}),
      contacts: [{ id: toId(deal.contactId, 'contactId'), is_main: true }],
    };
    const answer = await this.call<Json>(settings, ctx, 'POST', '/api/v4/leads', [body]);
    const id = embedded(answer, 'leads')[0]?.['id'];
    if (id === undefined) throw unexpected('POST /api/v4/leads');
    return { id: String(id) };
  }

  async updateDeal(settings: AmoCrmSettings, id: string, change: CrmDealChange, ctx: CrmContext): Promise<void> {
    const body: Json = {};
    if (change.stageId) body['status_id'] = toId(change.stageId, 'stageId');
    if (change.amount) body['price'] = toPrice(change.amount.value);
    if (change.responsibleUserId) body['responsible_user_id'] = toId(change.responsibleUserId, 'responsibleUserId');
    if (!Object.keys(body).length) return;
    await this.call(settings, ctx, 'PATCH', `/api/v4/leads/${toId(id, 'id')}`, body);
  }

  async getDeal(settings: AmoCrmSettings, id: string, ctx: CrmContext): Promise<CrmDeal> {
    const lead = await this.call<Json>(settings, ctx, 'GET', `/api/v4/leads/${toId(id, 'id')}`);
    // A missing lead answers 204 with no body.
    if (!lead || lead['id'] === undefined)
      throw new CrmError('not_found', `amoCRM lead ${id} not found`, undefined, 204);
    const statusId = Number(lead['status_id']);
    const price = lead['price'];
    return {
      id: String(lead['id']),
      title: String(lead['name'] ?? ''),
      pipelineId: lead['pipeline_id'] == null ? null : String(lead['pipeline_id']),
      stageId: String(statusId),
      semantic: semanticOf(statusId),
      amount: typeof price === 'number' && Number.isInteger(price) ? String(price) : null,
      currency: currencyOf(settings.baseUrl),
      responsibleUserId: lead['responsible_user_id'] == null ? null : String(lead['responsible_user_id']),
      closedAt: fromUnix(lead['closed_at']),
      updatedAt: fromUnix(lead['updated_at']),
    };
  }

  async addNote(settings: AmoCrmSettings, dealId: string, text: string, ctx: CrmContext): Promise<void> {
    await this.call(settings, ctx, 'POST', `/api/v4/leads/${toId(dealId, 'dealId')}/notes`, [
      { note_type: 'common', params: { text } },
    ]);
  }

  dealUrl(settings: AmoCrmSettings, id: string): string {
    return `${trimSlash(settings.baseUrl)}/leads/detail/${encodeURIComponent(id)}`;
  }

  /**
   * amoCRM signs nothing (https://www.amocrm.ru/developers/content/crm_platform/webhooks-api):
   * the request is genuine when the URL carried our secret and `account[subdomain]` is ours.
   */
  parseWebhook(settings: AmoCrmSettings, request: CrmWebhookRequest): CrmWebhookEvent[] {
    const expected = (settings as Record<string, string | undefined>)['webhookSecret'];
    if (!expected || !request.pathSecret || !sameSecret(request.pathSecret, expected)) {
      throw new CrmError('invalid_credentials', 'amoCRM webhook: wrong secret in the URL');
    }
    const body = parsePhpForm(request.rawBody.toString('utf8')) as unknown as FormTree;
    const account = asObject(body['account']);
    const subdomain = String(account?.['subdomain'] ?? '').toLowerCase();
    if (!subdomain || subdomain !== subdomainOf(settings.baseUrl)) {
      throw new CrmError('invalid_credentials', 'amoCRM webhook: account subdomain does not match the connection');
    }
    const events: CrmWebhookEvent[] = [];
    const leads = asObject(body['leads']) ?? {};
    for (const [action, list] of Object.entries(leads)) {
      const kind = WEBHOOK_ACTIONS.get(action);
      if (!kind) continue;
      for (const item of Object.values(asObject(list) ?? {})) {
        const lead = asObject(item);
        const id = str(lead?.['id']);
        if (!lead || !id) continue;
        const event: CrmWebhookEvent = { dealId: id, kind };
        const stageId = str(lead['status_id']);
        const pipelineId = str(lead['pipeline_id']);
        const price = str(lead['price']);
        const responsible = str(lead['responsible_user_id']);
        const at = fromUnix(Number(str(lead['updated_at']) ?? NaN));
        if (stageId) event.stageId = stageId;
        if (pipelineId) event.pipelineId = pipelineId;
        if (price !== undefined && /^\d*$/.test(price)) event.amount = price || '0';
        if (responsible) event.responsibleUserId = responsible;
        if (at) event.at = at;
        events.push(event);
      }
    }
    return events;
  }

  // --- OAuth -------------------------------------------------------------------------------------

  /**
   * amoCRM redirects the admin to the integration's Redirect URI with `code`, `state`, `referer`
   * (the account's host, e.g. `mycompany.amocrm.ru`) and `client_id`. The code (valid 20 minutes,
   * single use) is traded at the account's own host.
   */
  private async exchangeCode(
    settings: AmoCrmSettings,
    params: { code: string; redirectUri: string; query: Record<string, string> },
    ctx: CrmContext,
  ): Promise<AmoCrmSettings> {
    const clientId = need(settings.clientId, 'clientId');
    const clientSecret = need(settings.clientSecret, 'clientSecret');
    if (!params.code) throw new CrmError('validation', 'amoCRM OAuth: the redirect carried no code');
    if (!params.redirectUri) throw new CrmError('validation', 'amoCRM OAuth: redirectUri is required');
    const ownHost = hostOf(settings.baseUrl);
    const referer = (params.query['referer'] ?? '').trim().toLowerCase();
    if (referer) {
      // The token request carries the client secret: never send it anywhere but the connected account.
      const refererHost = hostOf(/^https?:\/\//.test(referer) ? referer : `https://${referer}`);
      if (!refererHost || refererHost !== ownHost) {
        throw new CrmError(
          'validation',
          `amoCRM OAuth: access was granted for ${referer}, but this connection is ${ownHost || settings.baseUrl}`,
        );
      }
    }
    const queryClient = params.query['client_id'];
    if (queryClient && queryClient !== clientId)
      throw new CrmError('validation', 'amoCRM OAuth: the redirect is for another integration (client_id)');
    const tokens = await this.tokenRequest(settings, ctx, 'authorization_code', {
      client_id: clientId,
      client_secret: clientSecret,
      grant_type: 'authorization_code',
      code: params.code,
      redirect_uri: params.redirectUri,
    });
    return { ...settings, ...tokens, redirectUri: params.redirectUri };
  }

  /** POST /oauth2/access_token with the refresh token; the answer carries the next refresh token. */
  private async refreshTokens(settings: AmoCrmSettings, ctx: CrmContext): Promise<AmoCrmSettings> {
    const missing = (['clientId', 'clientSecret', 'refreshToken', 'redirectUri'] as const).filter((k) => !settings[k]);
    if (missing.length)
      throw new CrmError(
        'invalid_credentials',
        `amoCRM OAuth: cannot refresh without ${missing.join(', ')}; authorize again`,
      );
    const tokens = await this.tokenRequest(settings, ctx, 'refresh_token', {
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: settings.refreshToken,
      redirect_uri: settings.redirectUri,
    });
    return { ...settings, ...tokens };
  }

  private async tokenRequest(
    settings: AmoCrmSettings,
    ctx: CrmContext,
    grant: 'authorization_code' | 'refresh_token',
    body: Json,
  ): Promise<{ accessToken: string; refreshToken: string; expiresAt: string }> {
    const what = `POST /oauth2/access_token (${grant})`;
    let response: AxiosResponse;
    try {
      response = await axios.request({
        method: 'POST',
        baseURL: trimSlash(ctx.baseUrl ?? `https://${hostOf(settings.baseUrl)}`),
        url: '/oauth2/access_token',
        data: body,
        timeout: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        validateStatus: () => true,
        maxRedirects: 0,
        ...agentOptions(ctx),
      });
    } catch (err) {
      throw networkError(err, what);
    }
    if (response.status >= 200 && response.status < 300) {
      const data = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as Json;
      const accessToken = str(data['access_token']);
      const expiresIn = Number(data['expires_in']);
      // amoCRM always rotates; should an answer ever lack one, the old refresh token is all we have.
      const refreshToken =
        str(data['refresh_token']) ?? (grant === 'refresh_token' ? settings.refreshToken : undefined);
      if (!accessToken || !refreshToken || !Number.isFinite(expiresIn) || expiresIn <= 0) throw unexpected(what);
      return { accessToken, refreshToken, expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() };
    }
    const error = httpError(response, what);
    if (error.code === 'rate_limited' || error.code === 'temporary') throw error;
    // Refresh: 401 "Token has been revoked" (used or revoked refresh token), 400 bad token → reauthorize.
    // Code exchange: 401 is a wrong client id / secret / redirect URI; 400 a used, expired or foreign code.
    if (grant === 'refresh_token' || response.status === 401 || response.status === 403)
      throw new CrmError('invalid_credentials', error.message, undefined, error.providerCode);
    throw new CrmError('validation', error.message, undefined, error.providerCode);
  }

  // --- HTTP --------------------------------------------------------------------------------------

  private client(settings: AmoCrmSettings, ctx: CrmContext): AxiosInstance {
    if (!settings.accessToken)
      throw new CrmError('invalid_credentials', 'amoCRM: no access token (long-lived token or OAuth authorization)');
    return axios.create({
      baseURL: trimSlash(ctx.baseUrl ?? settings.baseUrl),
      timeout: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      headers: { Authorization: `Bearer ${settings.accessToken}`, Accept: 'application/json' },
      // 204 (empty list / missing lead) and every error are handled by hand below.
      validateStatus: () => true,
      ...agentOptions(ctx),
    });
  }

  private async call<T>(
    settings: AmoCrmSettings,
    ctx: CrmContext,
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    data?: unknown,
    params?: Json,
  ): Promise<T | null> {
    const client = this.client(settings, ctx);
    let response: AxiosResponse;
    try {
      response = await client.request({ method, url: path, data, params });
    } catch (err) {
      throw networkError(err, `${method} ${path}`);
    }
    if (response.status === 204) return null;
    if (response.status >= 200 && response.status < 300) {
      if (typeof response.data !== 'object' || response.data === null) throw unexpected(`${method} ${path}`);
      return response.data as T;
    }
    throw httpError(response, `${method} ${path}`);
  }

  private async searchContacts(settings: AmoCrmSettings, ctx: CrmContext, query: string): Promise<Json[]> {
    const answer = await this.call<Json>(settings, ctx, 'GET', '/api/v4/contacts', undefined, { query, limit: 50 });
    return embedded(answer, 'contacts');
  }
}

// --- errors ------------------------------------------------------------------------------------

function networkError(err: unknown, what: string): CrmError {
  const code = err instanceof AxiosError ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return new CrmError('temporary', `amoCRM ${what}: ${message}`, undefined, code);
}

/** https://www.amocrm.ru/developers/content/crm_platform/error-codes */
function httpError(response: AxiosResponse, what: string): CrmError {
  const status = response.status;
  const data = typeof response.data === 'object' && response.data !== null ? (response.data as Json) : {};
  const title = str(data['title']) ?? str(data['detail']);
  const detail =
    [str(data['title']), str(data['detail']), str(data['hint'])].filter(Boolean).join(': ') || `HTTP ${status}`;
  const message = `amoCRM ${what}: ${detail}`;
  if (status === 429)
    return new CrmError('rate_limited', message, retryAfterMs(response.headers['retry-after']) ?? 1000, 429);
  if (status >= 500) return new CrmError('temporary', message, retryAfterMs(response.headers['retry-after']), status);
  // 401 bad or revoked token; 402 account not paid; 403 IP not allowed or account blocked for abuse.
  if (status === 401 || status === 402 || status === 403)
    return new CrmError('invalid_credentials', message, undefined, title ?? status);
  if (status === 404) return new CrmError('not_found', message, undefined, 404);
  if (status === 400 || status === 422) {
    const issues = validationIssues(data);
    return new CrmError(
      'validation',
      issues ? `${message} (${issues})` : message,
      undefined,
      issues ? (firstCode(data) ?? status) : status,
    );
  }
  return new CrmError('validation', message, undefined, status);
}

function validationIssues(data: Json): string | null {
  const groups = data['validation-errors'];
  if (!Array.isArray(groups)) return null;
  const parts = groups.flatMap((g: Json) =>
    (Array.isArray(g['errors']) ? g['errors'] : []).map((e: Json) =>
      `${e['path']}: ${e['code']} ${e['detail'] ?? ''}`.trim(),
    ),
  );
  return parts.length ? parts.join('; ') : null;
}

function firstCode(data: Json): string | undefined {
  const groups = data['validation-errors'] as Json[];
  const first = (groups?.[0]?.['errors'] as Json[] | undefined)?.[0];
  return first ? str(first['code']) : undefined;
}

function retryAfterMs(header: unknown): number | undefined {
  const value = str(header);
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Math.max(Number(value) * 1000, 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(at - Date.now(), 1000);
}

function need(value: string | undefined, key: string): string {
  if (!value) throw new CrmError('validation', `amoCRM OAuth: ${key} is required`);
  return value;
}

/** Where the admin grants access: the account's region (amoCRM or Kommo), not the account itself. */
function authorizeHost(baseUrl: string): string {
  const host = hostOf(baseUrl);
  if (host.endsWith('.kommo.com')) return 'www.kommo.com';
  if (host.endsWith('.amocrm.com')) return 'www.amocrm.com';
  return 'www.amocrm.ru';
}

function unexpected(what: string): CrmError {
  return new CrmError('temporary', `amoCRM ${what}: unexpected answer`);
}

// --- values ------------------------------------------------------------------------------------

function semanticOf(statusId: number): 'open' | 'won' | 'lost' {
  return statusId === WON ? 'won' : statusId === LOST ? 'lost' : 'open';
}

function embedded(answer: Json | null, key: string): Json[] {
  const list = (answer?.['_embedded'] as Json | undefined)?.[key];
  return Array.isArray(list) ? (list as Json[]) : [];
}

function fieldValues(contact: Json, code: 'PHONE' | 'EMAIL'): string[] {
  const fields = Array.isArray(contact['custom_fields_values']) ? (contact['custom_fields_values'] as Json[]) : [];
  return fields
    .filter((f) => f['field_code'] === code)
    .flatMap((f) => (Array.isArray(f['values']) ? (f['values'] as Json[]) : []))
    .map((v) => String(v['value'] ?? ''));
}

const digitsOf = (s: string) => s.replace(/\D/g, '');

/** Same number when the last 10 digits agree (+7 916… vs 8 916… vs 916…). */
function samePhone(stored: string, wanted: string): boolean {
  const a = digitsOf(stored);
  if (!a) return false;
  const tail = Math.min(10, a.length, wanted.length);
  return a.slice(-tail) === wanted.slice(-tail) && tail >= Math.min(7, wanted.length);
}

function toId(value: string, what: string): number {
  if (!/^\d{1,15}$/.test(value))
    throw new CrmError('validation', `amoCRM ${what} must be a numeric id, got "${value}"`);
  return Number(value);
}

/** "15000", "15000.00" → 15000; fractions are refused (price is an integer), never rounded. */
function toPrice(value: string): number {
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(value.trim());
  if (!match || (match[2] && /[^0]/.test(match[2]))) {
    throw new CrmError('validation', `amoCRM price must be a whole non-negative amount, got "${value}"`);
  }
  return Number(match[1]);
}

function fromUnix(value: unknown): Date | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? new Date(n * 1000) : null;
}

function currencyOf(baseUrl: string): string | null {
  return hostOf(baseUrl).endsWith('.amocrm.ru') ? 'RUB' : null;
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return '';
  }
}

function subdomainOf(baseUrl: string): string {
  return hostOf(baseUrl).split('.')[0] ?? '';
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function str(value: unknown): string | undefined {
  if (Array.isArray(value)) return str(value[0]);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

// --- PHP-style form bodies ---------------------------------------------------------------------

type FormTree = { [key: string]: FormTree | string };

function asObject(value: unknown): FormTree | undefined {
  return typeof value === 'object' && value !== null ? (value as FormTree) : undefined;
}
