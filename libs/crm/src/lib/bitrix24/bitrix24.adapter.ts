import axios, { AxiosError, type AxiosInstance } from 'axios';
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
  CrmStage,
  CrmUser,
  CrmWebhookEvent,
  CrmWebhookRequest,
} from '../crm-adapter';
import { CrmError, type CrmErrorCode } from '../crm-error';
import { agentOptions } from '../crm-request';
import { parsePhpForm } from '../php-form';

/**
 * Two ways in. Incoming webhook: `webhookUrl` (+ `applicationToken` for events). OAuth app (local
 * or mass-market): `portal`, `clientId`, `clientSecret` from the form, then — once authorized —
 * `accessToken`, `refreshToken`, `expiresAt` (ISO), `clientEndpoint` (the portal's REST root, e.g.
 * `https://example.bitrix24.ru/rest/`) and `memberId` (the portal's stable id), as answered by
 * `oauth.exchangeCode` / `oauth.refresh`. `webhookUrl` wins when both are present.
 */
export type Bitrix24Settings = {
  webhookUrl?: string;
  applicationToken?: string;
  portal?: string;
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
  refreshToken?: string;
  expiresAt?: string;
  clientEndpoint?: string;
  memberId?: string;
};

/** A Bitrix24 answer: `{result, total?, next?, time}`. */
interface B24Answer<T> {
  result: T;
  total?: number;
  next?: number;
}

interface B24Failure {
  error?: string;
  error_description?: string;
}

type B24Record = Record<string, unknown>;

const WEBHOOK_URL = /^https:\/\/[^/\s]+\/rest\/\d+\/[A-Za-z0-9_]+\/?$/;
/** A portal's host as typed in the form (`example.bitrix24.ru`; `https://` and a trailing `/` tolerated). */
const PORTAL_HOST =
  /^(?:https:\/\/)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+(?::\d{1,5})?\/?$/;
/** `local.56d4c44e94a076.41291969` (local application) or `app.573ad8a0346747.09223434` (Market). */
const CLIENT_ID = /^(?:local|app)\.[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*$/;
/** The authorization server: every operation with the client secret goes here, never to the portal. */
const OAUTH_SERVER = 'https://oauth.bitrix.info';
/** The access token's documented lifetime, used when an answer leaves `expires_in` out. */
const ACCESS_TOKEN_TTL_SEC = 3600;
const DEAL_ENTITY_TYPE_ID = 2;
const DEFAULT_TIMEOUT_MS = 15_000;
/** `batch` runs at most 50 commands per call. */
const BATCH_LIMIT = 50;
/** At least this long after a 503 QUERY_LIMIT_EXCEEDED (https://apidocs.bitrix24.com/limits.html). */
const MIN_BACKOFF_MS = 1_000;

/**
 * The channel as a deal source. The portal's SOURCE directory has no entry per messenger (open
 * lines create `<n>|CONNECTOR` ids that differ per portal), so messengers go to the standard
 * `OTHER` and the website chat to `WEB`; SOURCE_DESCRIPTION names the channel in every case.
 */
const SOURCES: Record<string, { id: string; label: string }> = {
  telegram: { id: 'OTHER', label: 'Telegram' },
  whatsapp: { id: 'OTHER', label: 'WhatsApp' },
  max: { id: 'OTHER', label: 'MAX' },
  webchat: { id: 'WEB', label: 'Web chat' },
};

/**
 * Bitrix24 through an incoming webhook (`https://{portal}/rest/{user}/{code}/`) or an OAuth
 * application (`https://{portal}/rest/` with `auth` = the access token): every method is a POST of
 * JSON to `{root}{method}.json`. The caller refreshes tokens before `expiresAt`; a 401
 * (expired_token, invalid_token) means the refresh failed or access was revoked. Numbers come back as strings; amounts stay decimal
 * strings end to end (OPPORTUNITY is sent as a string, never through a float).
 */
export class Bitrix24Adapter implements CrmAdapter<Bitrix24Settings> {
  readonly type = 'bitrix24' as const;
  private readonly now: () => number;

  /** `now` is the clock `expiresAt` is computed with (tests). */
  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }
  readonly rateLimit = { burst: 50, perSecond: 2 };
  readonly settingsFields: readonly CrmSettingsField[] = [
    {
      key: 'webhookUrl',
      label: { en: 'Incoming webhook URL', ru: 'URL входящего вебхука' },
      secret: true,
      // Not required: the OAuth variant (oauth.settingsFields) connects without a webhook.
      required: false,
      pattern: WEBHOOK_URL.source,
      hint: {
        en: 'Developer resources → Other → Incoming webhook with the crm and user scopes, e.g. https://company.bitrix24.ru/rest/1/abc123/',
        ru: 'Разработчикам → Другое → Входящий вебхук с правами crm и user, например https://company.bitrix24.ru/rest/1/abc123/',
      },
    },
    {
      key: 'applicationToken',
      label: { en: 'Outbound webhook application token', ru: 'Токен приложения исходящего вебхука' },
      secret: true,
      required: false,
      hint: {
        en: 'From the outbound webhook for ONCRMDEALADD and ONCRMDEALUPDATE; without it deal events are rejected.',
        ru: 'Из исходящего вебхука на ONCRMDEALADD и ONCRMDEALUPDATE; без него события сделок отклоняются.',
      },
    },
  ];

  /**
   * A Bitrix24 application (local, or from the Market) through the full OAuth 2.0 protocol
   * (https://apidocs.bitrix24.com/settings/oauth/index.html): the admin authorizes on the portal
   * (`/oauth/authorize/?client_id&state`), the portal redirects to the application's registered
   * handler URL with `code` (valid 30 s), `state`, `domain`, `member_id`, `scope`, `server_domain`,
   * and the code is traded with the client secret at oauth.bitrix.info — never at the portal.
   * Access tokens live 3600 s; refresh tokens are single-use (each refresh answers a new pair and
   * voids the old one) and live 180 days.
   */
  readonly oauth: CrmOAuth<Bitrix24Settings> = {
    settingsFields: [
      {
        key: 'portal',
        label: { en: 'Bitrix24 address', ru: 'Адрес Битрикс24' },
        secret: false,
        required: true,
        pattern: PORTAL_HOST.source,
        hint: { en: 'e.g. example.bitrix24.ru', ru: 'например, example.bitrix24.ru' },
      },
      {
        key: 'clientId',
        label: { en: 'Application code (client_id)', ru: 'Код приложения (client_id)' },
        secret: false,
        required: true,
        pattern: CLIENT_ID.source,
        hint: {
          en: 'Developer resources → Other → Local application (server, "uses REST API only", crm and user scopes); its handler URL must be the Onebox callback shown here. e.g. local.56d4c44e94a076.41291969',
          ru: 'Разработчикам → Другое → Локальное приложение (серверное, «использует только API», права crm и user); путь обработчика — адрес возврата Onebox, указанный здесь. Например, local.56d4c44e94a076.41291969',
        },
      },
      {
        key: 'clientSecret',
        label: { en: 'Application key (client_secret)', ru: 'Ключ приложения (client_secret)' },
        secret: true,
        required: true,
      },
      this.settingsFields[1],
    ],

    wants: (settings: Record<string, string>): boolean =>
      !filled(settings['webhookUrl']) &&
      filled(settings['portal']) &&
      filled(settings['clientId']) &&
      filled(settings['clientSecret']),

    /**
     * `https://{portal}/oauth/authorize/?client_id=…&state=…`. No `redirect_uri`: Bitrix24
     * documents only client_id and state and always returns to the handler URL registered in the
     * application's card, so `redirectUri` must be what the admin registered there.
     */
    authorizeUrl: (settings: Bitrix24Settings, params: { state: string; redirectUri: string }): string => {
      const query = new URLSearchParams({
        client_id: requireText(settings.clientId, 'client_id'),
        state: params.state,
      });
      return `https://${portalHostOf(settings.portal)}/oauth/authorize/?${query.toString()}`;
    },

    exchangeCode: async (
      settings: Bitrix24Settings,
      params: { code: string; redirectUri: string; query: Record<string, string> },
      ctx: CrmContext,
    ): Promise<Bitrix24Settings> => {
      const portal = portalHostOf(settings.portal);
      const domain = params.query['domain'];
      if (filled(domain) && normalizeHost(domain) !== portal) {
        throw new CrmError('validation', `Bitrix24 authorized portal ${domain}, but the settings name ${portal}`);
      }
      if (!filled(params.code)) throw new CrmError('validation', 'Bitrix24 redirect carried no code');
      const tokens = await this.token(settings, ctx, 'authorization_code', ['code', params.code.trim()]);
      const memberId = params.query['member_id'];
      if (filled(memberId) && tokens.member_id && tokens.member_id !== memberId) {
        throw new CrmError('validation', 'Bitrix24 issued the tokens for another portal (member_id differs)');
      }
      return this.withTokens(settings, tokens, portal);
    },

    refresh: async (settings: Bitrix24Settings, ctx: CrmContext): Promise<Bitrix24Settings> => {
      if (!filled(settings.refreshToken)) {
        throw new CrmError('invalid_credentials', 'Bitrix24: no refresh token stored; authorize the application again');
      }
      const tokens = await this.token(settings, ctx, 'refresh_token', ['refresh_token', settings.refreshToken!.trim()]);
      return this.withTokens(settings, tokens, portalHostOf(settings.portal));
    },

    expiresAt: (settings: Bitrix24Settings): Date | null => {
      if (!filled(settings.accessToken) || !filled(settings.expiresAt)) return null;
      const at = new Date(settings.expiresAt!);
      return Number.isNaN(at.getTime()) ? null : at;
    },
  };

  async checkConnection(
    settings: Bitrix24Settings,
    ctx: CrmContext,
  ): Promise<{ accountId: string; accountName: string }> {
    await this.call<B24Record>(settings, ctx, 'profile', {});
    const portal = portalOf(settings);
    return { accountId: portal, accountName: portal };
  }

  async listPipelines(settings: Bitrix24Settings, ctx: CrmContext): Promise<CrmPipeline[]> {
    const { result } = await this.call<{ categories: B24Record[] }>(settings, ctx, 'crm.category.list', {
      entityTypeId: DEAL_ENTITY_TYPE_ID,
    });
    const categories = [...(result?.categories ?? [])];
    // The general funnel (id 0) is listed by current portals; older ones only imply it.
    if (!categories.some((c) => String(c['id']) === '0')) {
      categories.unshift({ id: 0, name: 'Общая', sort: 0, isDefault: 'Y' });
    }
    const commands: Record<string, [string, B24Record]> = {};
    for (const category of categories) {
      const id = String(category['id']);
      commands[`stages_${id}`] = [
        'crm.status.list',
        { order: { SORT: 'ASC' }, filter: { ENTITY_ID: id === '0' ? 'DEAL_STAGE' : `DEAL_STAGE_${id}` } },
      ];
    }
    const stagesByKey = await this.batch(settings, ctx, commands);
    return categories
      .map((category) => {
        const id = String(category['id']);
        const stages = ((stagesByKey[`stages_${id}`] as B24Record[] | undefined) ?? []).map(toStage);
        stages.sort((a, b) => a.sort - b.sort);
        return {
          id,
          name: String(category['name'] ?? ''),
          isMain: category['isDefault'] === 'Y' || id === '0',
          stages,
          sort: Number(category['sort'] ?? 0),
        };
      })
      .sort((a, b) => a.sort - b.sort || Number(a.id) - Number(b.id))
      .map(({ sort: _sort, ...pipeline }) => pipeline);
  }

  async listUsers(settings: Bitrix24Settings, ctx: CrmContext): Promise<CrmUser[]> {
    const users: CrmUser[] = [];
    let start: number | undefined = 0;
    while (start !== undefined) {
      const page: B24Answer<B24Record[]> = await this.call<B24Record[]>(settings, ctx, 'user.get', {
        filter: { ACTIVE: true },
        start,
      });
      for (const user of page.result ?? []) {
        const name = [user['NAME'], user['LAST_NAME']]
          .filter((part) => typeof part === 'string' && part.trim())
          .join(' ');
        const email = typeof user['EMAIL'] === 'string' && user['EMAIL'] ? user['EMAIL'] : undefined;
        users.push({
          id: String(user['ID']),
          name: name || email || `#${String(user['ID'])}`,
          ...(email ? { email } : {}),
        });
      }
      start = typeof page.next === 'number' && page.next > start ? page.next : undefined;
    }
    return users;
  }

  async findOrCreateContact(
    settings: Bitrix24Settings,
    contact: CrmContactInput,
    ctx: CrmContext,
  ): Promise<{ id: string; created: boolean }> {
    const lookups: Record<string, [string, B24Record]> = {};
    const byField = (field: 'PHONE' | 'EMAIL', value: string): [string, B24Record] => [
      'crm.contact.list',
      { filter: { [field]: value }, select: ['ID'], order: { ID: 'ASC' } },
    ];
    if (contact.phone) lookups['phone'] = byField('PHONE', contact.phone);
    if (contact.email) lookups['email'] = byField('EMAIL', contact.email);
    const keys = Object.keys(lookups);
    // Phone and email together go in one `batch` (one request against the leaky bucket).
    const found: Record<string, unknown> =
      keys.length > 1
        ? await this.batch(settings, ctx, lookups)
        : keys.length === 1
          ? { [keys[0]]: (await this.call(settings, ctx, lookups[keys[0]][0], lookups[keys[0]][1])).result }
          : {};
    for (const key of ['phone', 'email']) {
      const first = (found[key] as B24Record[] | undefined)?.[0];
      if (first?.['ID'] !== undefined) return { id: String(first['ID']), created: false };
    }
    const fields: B24Record = { NAME: contact.name };
    if (contact.phone) fields['PHONE'] = [{ VALUE: contact.phone, VALUE_TYPE: 'WORK' }];
    if (contact.email) fields['EMAIL'] = [{ VALUE: contact.email, VALUE_TYPE: 'WORK' }];
    if (contact.responsibleUserId) fields['ASSIGNED_BY_ID'] = idParam(contact.responsibleUserId);
    const { result } = await this.call<number | string>(settings, ctx, 'crm.contact.add', { fields });
    return { id: String(result), created: true };
  }

  async createDeal(settings: Bitrix24Settings, deal: CrmDealInput, ctx: CrmContext): Promise<{ id: string }> {
    const source = SOURCES[deal.source.toLowerCase()] ?? { id: 'OTHER', label: deal.source };
    const fields: B24Record = {
      TITLE: deal.title,
      CONTACT_ID: idParam(deal.contactId),
      SOURCE_ID: source.id,
      SOURCE_DESCRIPTION: `Onebox: ${source.label}`,
    };
    if (deal.pipelineId !== undefined) fields['CATEGORY_ID'] = idParam(deal.pipelineId);
    if (deal.stageId) fields['STAGE_ID'] = deal.stageId;
    if (deal.responsibleUserId) fields['ASSIGNED_BY_ID'] = idParam(deal.responsibleUserId);
    if (deal.amount) {
      fields['OPPORTUNITY'] = deal.amount.value;
      fields['CURRENCY_ID'] = deal.amount.currency;
    }
    const { result } = await this.call<number | string>(settings, ctx, 'crm.deal.add', { fields });
    return { id: String(result) };
  }

  async updateDeal(settings: Bitrix24Settings, id: string, change: CrmDealChange, ctx: CrmContext): Promise<void> {
    const fields: B24Record = {};
    if (change.stageId) fields['STAGE_ID'] = change.stageId;
    if (change.amount) {
      fields['OPPORTUNITY'] = change.amount.value;
      fields['CURRENCY_ID'] = change.amount.currency;
    }
    if (change.responsibleUserId) fields['ASSIGNED_BY_ID'] = idParam(change.responsibleUserId);
    if (Object.keys(fields).length === 0) return;
    await this.call(settings, ctx, 'crm.deal.update', { id: idParam(id), fields });
  }

  async getDeal(settings: Bitrix24Settings, id: string, ctx: CrmContext): Promise<CrmDeal> {
    const { result: deal } = await this.call<B24Record>(settings, ctx, 'crm.deal.get', { id: idParam(id) });
    const semantic = semanticOf(deal['STAGE_SEMANTIC_ID']);
    const closed = deal['CLOSED'] === 'Y' || semantic !== 'open';
    return {
      id: String(deal['ID']),
      title: String(deal['TITLE'] ?? ''),
      pipelineId: stringOrNull(deal['CATEGORY_ID']),
      stageId: String(deal['STAGE_ID'] ?? ''),
      semantic,
      amount: stringOrNull(deal['OPPORTUNITY']),
      currency: stringOrNull(deal['CURRENCY_ID']),
      responsibleUserId: stringOrNull(deal['ASSIGNED_BY_ID']),
      // CLOSEDATE is a planned date until the deal closes, and only a date; MOVED_TIME is the exact
      // moment of the last stage change, i.e. of the move to the final stage.
      closedAt: closed ? (dateOrNull(deal['MOVED_TIME']) ?? dateOrNull(deal['CLOSEDATE'])) : null,
      updatedAt: dateOrNull(deal['DATE_MODIFY']),
    };
  }

  async addNote(settings: Bitrix24Settings, dealId: string, text: string, ctx: CrmContext): Promise<void> {
    await this.call(settings, ctx, 'crm.timeline.comment.add', {
      fields: { ENTITY_ID: idParam(dealId), ENTITY_TYPE: 'deal', COMMENT: text },
    });
  }

  dealUrl(settings: Bitrix24Settings, id: string): string {
    return `https://${portalOf(settings)}/crm/deal/details/${encodeURIComponent(id)}/`;
  }

  /**
   * Outbound webhook / event handler call, form-encoded with PHP bracket keys
   * (https://apidocs.bitrix24.com/api-reference/crm/deals/events/on-crm-deal-update.html). Only the
   * deal id is sent: the caller fetches the deal. The only proof of origin is
   * `auth[application_token]`, compared in constant time with the token saved in the settings.
   */
  parseWebhook(settings: Bitrix24Settings, request: CrmWebhookRequest): CrmWebhookEvent[] {
    const body = parsePhpForm(request.rawBody.toString('utf8'));
    const auth = isRecord(body['auth']) ? body['auth'] : {};
    const token = typeof auth['application_token'] === 'string' ? auth['application_token'] : '';
    if (!settings.applicationToken) {
      throw new CrmError('invalid_credentials', 'Bitrix24 event rejected: no application token configured');
    }
    if (!token || !sameSecret(token, settings.applicationToken)) {
      throw new CrmError('invalid_credentials', 'Bitrix24 event rejected: application token mismatch');
    }
    // An authorized application knows its portal's member_id: an event from another portal that
    // happens to carry the same token is still refused.
    const memberId = typeof auth['member_id'] === 'string' ? auth['member_id'] : '';
    if (filled(settings.memberId) && memberId && memberId !== settings.memberId) {
      throw new CrmError('invalid_credentials', 'Bitrix24 event rejected: member_id of another portal');
    }
    const event = typeof body['event'] === 'string' ? body['event'].toUpperCase() : '';
    const kind = event === 'ONCRMDEALADD' ? 'added' : event === 'ONCRMDEALUPDATE' ? 'updated' : null;
    if (!kind) return [];
    const data = isRecord(body['data']) ? body['data'] : {};
    const fields = isRecord(data['FIELDS']) ? data['FIELDS'] : {};
    const dealId = fields['ID'];
    if (typeof dealId !== 'string' || !dealId) return [];
    const ts = Number(body['ts']);
    return [{ dealId, kind, ...(Number.isFinite(ts) && ts > 0 ? { at: new Date(ts * 1000) } : {}) }];
  }

  // --- wire ------------------------------------------------------------------------------------

  /**
   * The REST root: the webhook (`/rest/{user}/{code}/`) or, for an OAuth app, the portal's
   * `client_endpoint` (`/rest/`). ctx.baseUrl replaces scheme, host and port, never the path.
   */
  private client(settings: Bitrix24Settings, ctx: CrmContext): AxiosInstance {
    const root = restRootOf(settings);
    const origin = ctx.baseUrl ? ctx.baseUrl.replace(/\/+$/, '') : root.origin;
    return axios.create({
      baseURL: `${origin}${root.pathname}`,
      timeout: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      ...agentOptions(ctx),
    });
  }

  private async call<T>(
    settings: Bitrix24Settings,
    ctx: CrmContext,
    method: string,
    params: B24Record,
  ): Promise<B24Answer<T>> {
    try {
      // An OAuth app signs every call with `auth` in the JSON body (apidocs "Authorization in
      // REST"), which keeps the token out of URLs and access logs; `batch` commands inherit it.
      const client = this.client(settings, ctx);
      const body = usesWebhook(settings) ? params : { ...params, auth: accessTokenOf(settings) };
      const response = await client.post<B24Answer<T> & B24Failure>(`${method}.json`, body);
      const data = response.data;
      if (!isRecord(data) || !('result' in data)) {
        if (isRecord(data) && typeof data.error === 'string') throw toCrmError(400, data, method);
        throw new CrmError('temporary', `Bitrix24 ${method}: unexpected answer`);
      }
      return data;
    } catch (err) {
      throw mapError(err, method);
    }
  }

  /**
   * `GET https://oauth.bitrix.info/oauth/token/?grant_type=…&client_id=…&client_secret=…&{code|refresh_token}=…`
   * (parameters in the documented order). Any refusal of the grant or the client is
   * `invalid_credentials`: the admin has to authorize the application again.
   */
  private async token(
    settings: Bitrix24Settings,
    ctx: CrmContext,
    grantType: 'authorization_code' | 'refresh_token',
    grant: [string, string],
  ): Promise<TokenAnswer> {
    const query = new URLSearchParams([
      ['grant_type', grantType],
      ['client_id', requireText(settings.clientId, 'client_id')],
      ['client_secret', requireText(settings.clientSecret, 'client_secret')],
      grant,
    ]);
    const origin = ctx.baseUrl ? ctx.baseUrl.replace(/\/+$/, '') : OAUTH_SERVER;
    const what = `oauth/token (${grantType})`;
    let data: unknown;
    try {
      const response = await axios.get<unknown>(`${origin}/oauth/token/?${query.toString()}`, {
        timeout: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        headers: { Accept: 'application/json' },
        ...agentOptions(ctx),
      });
      data = response.data;
    } catch (err) {
      throw tokenError(err, what);
    }
    if (isRecord(data) && typeof data['error'] === 'string' && data['error']) {
      throw tokenFailure(200, data, what);
    }
    if (!isRecord(data) || !filled(data['access_token']) || !filled(data['refresh_token'])) {
      throw new CrmError('temporary', `Bitrix24 ${what}: unexpected answer`);
    }
    return data as unknown as TokenAnswer;
  }

  /** The settings to store after a token answer: the form's fields plus the new pair. */
  private withTokens(settings: Bitrix24Settings, tokens: TokenAnswer, portal: string): Bitrix24Settings {
    const endpoint = filled(tokens.client_endpoint) ? tokens.client_endpoint! : `https://${portal}/rest/`;
    let endpointUrl: URL;
    try {
      endpointUrl = new URL(endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
    } catch {
      throw new CrmError('temporary', `Bitrix24 oauth/token: bad client_endpoint ${endpoint}`);
    }
    if (endpointUrl.host.toLowerCase() !== portal) {
      throw new CrmError(
        'validation',
        `Bitrix24 issued the tokens for ${endpointUrl.host}, but the settings name ${portal}`,
      );
    }
    const expiresIn = Number(tokens.expires_in);
    const ttl = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : ACCESS_TOKEN_TTL_SEC;
    const { webhookUrl: _webhookUrl, ...rest } = settings;
    return {
      ...rest,
      portal,
      accessToken: String(tokens.access_token),
      refreshToken: String(tokens.refresh_token),
      expiresAt: new Date(this.now() + ttl * 1000).toISOString(),
      clientEndpoint: `https://${endpointUrl.host}${endpointUrl.pathname}`,
      memberId: filled(tokens.member_id) ? String(tokens.member_id) : (settings.memberId ?? ''),
    };
  }

  /**
   * Runs up to 50 commands per `batch` call (one request against the limit); answers each
   * command's result by key. Any failed command fails the whole call with its mapped error.
   */
  private async batch(
    settings: Bitrix24Settings,
    ctx: CrmContext,
    commands: Record<string, [string, B24Record]>,
  ): Promise<Record<string, unknown>> {
    const entries = Object.entries(commands);
    const results: Record<string, unknown> = {};
    for (let i = 0; i < entries.length; i += BATCH_LIMIT) {
      const cmd: Record<string, string> = {};
      for (const [key, [method, params]] of entries.slice(i, i + BATCH_LIMIT)) {
        const query = toPhpQuery(params);
        cmd[key] = query ? `${method}?${query}` : method;
      }
      const { result } = await this.call<{ result: unknown; result_error: unknown }>(settings, ctx, 'batch', {
        halt: 0,
        cmd,
      });
      const errors = isRecord(result?.result_error) ? result.result_error : {};
      const [failedKey, failure] = Object.entries(errors)[0] ?? [];
      if (failedKey !== undefined) {
        throw toCrmError(400, isRecord(failure) ? failure : {}, `batch/${failedKey}`);
      }
      if (isRecord(result?.result)) Object.assign(results, result.result);
    }
    return results;
  }
}

/** oauth.bitrix.info's answer to /oauth/token/. */
interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in?: number;
  expires?: number;
  client_endpoint?: string;
  server_endpoint?: string;
  domain?: string;
  member_id?: string;
  user_id?: number;
  scope?: string;
  status?: string;
}

// --- errors ------------------------------------------------------------------------------------

function tokenError(err: unknown, what: string): CrmError {
  if (err instanceof AxiosError && err.response) {
    const body = isRecord(err.response.data) ? err.response.data : {};
    return tokenFailure(err.response.status, body, what, err.response.headers?.['retry-after']);
  }
  return mapError(err, what);
}

/**
 * The authorization server's errors (https://apidocs.bitrix24.com/settings/oauth/error-codes.html):
 * invalid_grant (code or refresh token used, expired or revoked), invalid_client, expired_token (a
 * code older than 30 s), PAYMENT_REQUIRED… all need the admin: `invalid_credentials`;
 * invalid_request is ours: `validation`.
 */
function tokenFailure(status: number, body: Record<string, unknown>, what: string, retryAfter?: unknown): CrmError {
  const code = typeof body['error'] === 'string' ? body['error'] : '';
  const description = typeof body['error_description'] === 'string' ? body['error_description'] : '';
  const message = `Bitrix24 ${what}: ${[code, description].filter(Boolean).join(' ') || `HTTP ${status}`}`;
  const providerCode = code || status;
  if (status === 429) {
    return new CrmError('rate_limited', message, Math.max(MIN_BACKOFF_MS, retryAfterMs(retryAfter) ?? 0), providerCode);
  }
  if (status >= 500) return new CrmError('temporary', message, undefined, providerCode);
  if (code.toLowerCase() === 'invalid_request') return new CrmError('validation', message, undefined, providerCode);
  return new CrmError('invalid_credentials', message, undefined, providerCode);
}

function mapError(err: unknown, method: string): CrmError {
  if (err instanceof CrmError) return err;
  if (err instanceof AxiosError) {
    const response = err.response;
    if (!response)
      return new CrmError('temporary', `Bitrix24 ${method}: ${err.code ?? err.message}`, undefined, err.code);
    const body = isRecord(response.data) ? (response.data as B24Failure) : {};
    return toCrmError(response.status, body, method, response.headers?.['retry-after']);
  }
  return new CrmError('temporary', `Bitrix24 ${method}: ${(err as Error)?.message ?? String(err)}`);
}

/**
 * Bitrix24's error vocabulary (https://apidocs.bitrix24.com/error-codes.html) onto ours.
 * Method errors are 400 with an often empty `error` and the meaning in `error_description`
 * (`{"error":"","error_description":"Not found"}` from crm.deal.get).
 */
function toCrmError(status: number, body: B24Failure, method: string, retryAfter?: unknown): CrmError {
  const code = typeof body.error === 'string' ? body.error : '';
  const description = typeof body.error_description === 'string' ? body.error_description : '';
  const providerCode = code || description || status;
  const message = `Bitrix24 ${method}: ${[code, description].filter(Boolean).join(' ') || `HTTP ${status}`}`;
  const make = (kind: CrmErrorCode, retryAfterMs?: number) => new CrmError(kind, message, retryAfterMs, providerCode);
  const upper = code.toUpperCase();

  if (upper === 'QUERY_LIMIT_EXCEEDED' || upper === 'OPERATION_TIME_LIMIT' || status === 429) {
    return make('rate_limited', Math.max(MIN_BACKOFF_MS, retryAfterMs(retryAfter) ?? 0));
  }
  if (status >= 500) return make('temporary');
  if (status === 401 || status === 403) return make('invalid_credentials');
  if (status === 404 || upper === 'ERROR_METHOD_NOT_FOUND') return make('not_found');
  if (upper === 'NOT_FOUND' || upper === 'OWNER_NOT_FOUND' || /^not found\.?$/i.test(description))
    return make('not_found');
  // The webhook's user may not read or change this record: an admin must fix the rights.
  if (upper === 'ACCESS_DENIED' || /^access denied\.?$/i.test(description)) return make('invalid_credentials');
  if (
    ['EXPIRED_TOKEN', 'INVALID_TOKEN', 'NO_AUTH_FOUND', 'INVALID_CREDENTIALS', 'INSUFFICIENT_SCOPE'].includes(upper)
  ) {
    return make('invalid_credentials');
  }
  if (status >= 400) return make('validation');
  return make('temporary');
}

function retryAfterMs(header: unknown): number | undefined {
  if (typeof header !== 'string' || !header.trim()) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

// --- helpers -----------------------------------------------------------------------------------

function filled(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function requireText(value: string | undefined, name: string): string {
  if (!filled(value)) throw new CrmError('validation', `Bitrix24 ${name} is missing`);
  return value!.trim();
}

/** Webhook mode whenever a webhook URL is configured. */
function usesWebhook(settings: Bitrix24Settings): boolean {
  return filled(settings.webhookUrl);
}

function accessTokenOf(settings: Bitrix24Settings): string {
  if (!filled(settings.accessToken)) {
    throw new CrmError('invalid_credentials', 'Bitrix24 application not authorized yet (no access token)');
  }
  return settings.accessToken!.trim();
}

function normalizeHost(value: string): string {
  return value
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

function portalHostOf(portal: string | undefined): string {
  if (!filled(portal) || !PORTAL_HOST.test(portal!.trim())) {
    throw new CrmError('validation', 'Bitrix24 address must look like example.bitrix24.ru');
  }
  return normalizeHost(portal!);
}

/** Where REST calls go: the webhook, or the OAuth app's client_endpoint (`https://{portal}/rest/`). */
function restRootOf(settings: Bitrix24Settings): URL {
  if (usesWebhook(settings)) return webhookOf(settings);
  if (!filled(settings.accessToken) && !filled(settings.portal)) {
    throw new CrmError('validation', 'Bitrix24 needs an incoming webhook URL or an authorized application');
  }
  accessTokenOf(settings);
  const endpoint = filled(settings.clientEndpoint)
    ? settings.clientEndpoint!.trim()
    : `https://${portalHostOf(settings.portal)}/rest/`;
  try {
    return new URL(endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  } catch {
    throw new CrmError('validation', `Bitrix24 client endpoint is not a URL: ${endpoint}`);
  }
}

function webhookOf(settings: Bitrix24Settings): URL {
  const raw = (settings.webhookUrl ?? '').trim();
  if (!WEBHOOK_URL.test(raw)) {
    throw new CrmError('validation', 'Bitrix24 webhook URL must look like https://<portal>/rest/<user>/<code>/');
  }
  return new URL(raw.endsWith('/') ? raw : `${raw}/`);
}

function portalOf(settings: Bitrix24Settings): string {
  return usesWebhook(settings) ? webhookOf(settings).host : portalHostOf(settings.portal);
}

function toStage(status: B24Record): CrmStage {
  const semantics = status['SEMANTICS'];
  const extra = isRecord(status['EXTRA']) ? status['EXTRA']['SEMANTICS'] : undefined;
  const semantic: CrmStage['semantic'] =
    semantics === 'S' || extra === 'success'
      ? 'won'
      : semantics === 'F' || extra === 'failure' || extra === 'apology'
        ? 'lost'
        : 'open';
  return {
    id: String(status['STATUS_ID']),
    name: String(status['NAME'] ?? ''),
    sort: Number(status['SORT'] ?? 0),
    semantic,
  };
}

function semanticOf(value: unknown): CrmDeal['semantic'] {
  return value === 'S' ? 'won' : value === 'F' ? 'lost' : 'open';
}

/** Numeric ids go out as numbers (as in Bitrix24's examples); anything else as given. */
function idParam(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

function stringOrNull(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  return String(value);
}

function dateOrNull(value: unknown): Date | null {
  if (typeof value !== 'string' || !value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `{filter:{ENTITY_ID:'X'}}` → `filter%5BENTITY_ID%5D=X`: a batch command's query string. */
function toPhpQuery(params: B24Record): string {
  const pairs: string[] = [];
  const walk = (prefix: string, value: unknown): void => {
    if (value === undefined) return;
    if (Array.isArray(value)) value.forEach((item, i) => walk(`${prefix}[${i}]`, item));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}[${k}]` : k, v);
    else {
      const text = value === null ? '' : String(value);
      pairs.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(text)}`);
    }
  };
  walk('', params);
  return pairs.join('&');
}
