import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { FakeHttpServer, type Fault, type FakeReply, type RecordedCall } from '../http/fake-http-server';

/**
 * Shapes as they go over the wire, from the amoCRM API v4 docs
 * (https://www.amocrm.ru/developers/content/crm_platform/leads-api, contacts-api, users-api,
 * leads_pipelines, events-and-notes, error-codes, webhooks).
 */
export interface AmoStatus {
  id: number;
  name: string;
  sort: number;
  is_editable: boolean;
  pipeline_id: number;
  color: string;
  /** 0: regular stage, 1: "Неразобранное" (unsorted; leads cannot be put there through /leads). */
  type: 0 | 1;
  account_id: number;
}

export interface AmoPipeline {
  id: number;
  name: string;
  sort: number;
  is_main: boolean;
  is_unsorted_on: boolean;
  is_archive: boolean;
  account_id: number;
  statuses: AmoStatus[];
}

export interface AmoUser {
  id: number;
  name: string;
  email: string;
  lang: string;
  rights: { is_admin: boolean; is_free: boolean; is_active: boolean };
}

export interface AmoFieldValue {
  value: string;
  enum_id: number;
  enum_code: string;
}

export interface AmoCustomField {
  field_id: number;
  field_name: string;
  field_code: 'PHONE' | 'EMAIL';
  field_type: 'multitext';
  values: AmoFieldValue[];
}

export interface AmoContact {
  id: number;
  name: string;
  first_name: string;
  last_name: string;
  responsible_user_id: number;
  group_id: number;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  closest_task_at: number | null;
  is_deleted: boolean;
  custom_fields_values: AmoCustomField[] | null;
  account_id: number;
}

export interface AmoTag {
  id: number;
  name: string;
  color: string | null;
}

export interface AmoLead {
  id: number;
  name: string;
  price: number;
  responsible_user_id: number;
  group_id: number;
  status_id: number;
  pipeline_id: number;
  loss_reason_id: number | null;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  closest_task_at: number | null;
  is_deleted: boolean;
  custom_fields_values: null;
  score: number | null;
  account_id: number;
  labor_cost: number | null;
  tags: AmoTag[];
  contacts: { id: number; is_main: boolean }[];
}

export interface AmoNote {
  id: number;
  entity_id: number;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  responsible_user_id: number;
  group_id: number;
  note_type: string;
  params: { text: string };
  account_id: number;
}

export interface FakeAmoCrmOptions {
  subdomain?: string;
  /** The long-lived token (or OAuth access token) the fake accepts as `Authorization: Bearer`. */
  accessToken?: string;
  /**
   * The account's currency as set in the amoCRM UI. API v4 does not expose it (GET /api/v4/account
   * has no currency field), so it never goes over the wire; tests read it from `fake.currency`.
   */
  currency?: string;
  accountId?: number;
  /** Milliseconds since the epoch; drives timestamps, `outage({ until })` and token/code expiry. */
  clock?: () => number;
  /** OAuth: the integration's ID (uuid), as shown under "Keys and access". */
  clientId?: string;
  /** OAuth: the integration's secret key. */
  clientSecret?: string;
  /** OAuth: the Redirect URI fixed in the integration's settings; token requests must repeat it. */
  redirectUri?: string;
  /** OAuth: lifetime of issued access tokens (`expires_in`), 86400 (24 h) by default. */
  accessTokenTtlSec?: number;
}

/** One token pair issued by `POST /oauth2/access_token`, for assertions. */
export interface FakeAmoCrmIssuedToken {
  grant: 'authorization_code' | 'refresh_token';
  accessToken: string;
  refreshToken: string;
  /** Seconds since the epoch on the fake's clock. */
  issuedAt: number;
  expiresAt: number;
  /** The refresh token was traded in (it is single use). */
  refreshUsed: boolean;
  /** Revoked: by a refresh (the old access token) or by `revokeRefreshTokens`. */
  accessRevoked: boolean;
  refreshRevoked: boolean;
}

/** One webhook the fake POSTed: the form body and Onebox's HTTP status (null: no answer). */
export interface FakeAmoCrmDelivery {
  url: string;
  body: string;
  status: number | null;
}

export type AmoWebhookEvent = 'add_lead' | 'update_lead' | 'status_lead' | 'responsible_lead';

class AmoApiError extends Error {
  constructor(readonly reply: FakeReply) {
    super(`amoCRM ${reply.status}`);
  }
}

interface ValidationIssue {
  code: string;
  path: string;
  detail: string;
}

const HAL = { 'content-type': 'application/hal+json' };
const PROBLEM = { 'content-type': 'application/problem+json' };
const JSON_TYPE = { 'content-type': 'application/json' };
/** amoCRM runs league/oauth2-server; its errors come back in this problem+json type. */
const OAUTH_PROBLEM_TYPE = 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson';
/** The authorization code lives 20 minutes (https://www.amocrm.ru/developers/content/oauth/step-by-step). */
const CODE_TTL_SEC = 20 * 60;
/** Refresh tokens live 3 months (unverified), renewed on every use. */
const REFRESH_TTL_SEC = 90 * 24 * 3600;
const WON = 142;
const LOST = 143;
const PHONE_ENUMS = ['WORK', 'WORKDD', 'MOB', 'FAX', 'HOME', 'OTHER'];
const EMAIL_ENUMS = ['WORK', 'PRIV', 'OTHER'];
const THROTTLED_HTML =
  '<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const UNAVAILABLE_HTML =
  '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): AmoApiError {
  return new AmoApiError({
    status,
    headers: PROBLEM,
    body: { ...extra, title, type: `https://httpstatus.es/${status}`, status, detail },
  });
}

/** 400 invalid_request, as amoCRM words it; `hint` says what exactly. */
function oauthBadRequest(hint: string, status = 400): AmoApiError {
  return new AmoApiError({
    status,
    headers: PROBLEM,
    body: {
      hint,
      title: 'Некорректный запрос',
      type: OAUTH_PROBLEM_TYPE,
      status,
      detail: 'В запросе отсутствует ряд параметров или параметры невалидны',
    },
  });
}

/** 401 invalid_client: wrong client_id, client_secret or redirect_uri (no hint). */
function oauthBadClient(): AmoApiError {
  return new AmoApiError({
    status: 401,
    headers: PROBLEM,
    body: {
      title: 'Некорректный клиент',
      type: OAUTH_PROBLEM_TYPE,
      status: 401,
      detail: 'Авторизация клиента не прошла',
    },
  });
}

function invalid(issues: { requestId: string; errors: ValidationIssue[] }[]): AmoApiError {
  return problem(400, 'Bad Request', 'Request validation failed', {
    'validation-errors': issues.map((i) => ({ request_id: i.requestId, errors: i.errors })),
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const digits = (s: string) => s.replace(/\D/g, '');

/**
 * A local amoCRM account speaking API v4: `Authorization: Bearer`, hal+json answers, 204 with no
 * body for empty lists and missing leads, problem+json errors with the validation-errors shape,
 * non-JSON 429 answers. It plays the salesperson too: `moveDeal` moves a lead in "the UI" and
 * POSTs the form-encoded webhook to the URL registered with `setWebhook`, as amoCRM does.
 */
export class FakeAmoCrm {
  readonly subdomain: string;
  readonly accessToken: string;
  readonly currency: string;
  readonly accountId: number;
  readonly http = new FakeHttpServer((call) => this.handle(call));
  readonly users: AmoUser[];
  readonly pipelines: AmoPipeline[];
  readonly deliveries: FakeAmoCrmDelivery[] = [];
  readonly clientId: string;
  readonly clientSecret: string;
  /** The Redirect URI fixed in the integration's settings (see `setRedirectUri`). */
  redirectUri: string;
  readonly accessTokenTtlSec: number;

  private readonly clock: () => number;
  private readonly codes = new Map<string, { expiresAt: number; used: boolean }>();
  private readonly issued: FakeAmoCrmIssuedToken[] = [];
  private readonly contactStore = new Map<number, AmoContact>();
  private readonly leadStore = new Map<number, AmoLead>();
  private readonly noteStore: AmoNote[] = [];
  private readonly tagStore = new Map<string, AmoTag>();
  private webhook: { url: string; events: Set<AmoWebhookEvent> } | null = null;
  private readonly pending = new Set<Promise<unknown>>();
  private throttled: { times: number; retryAfterSec?: number } | null = null;
  private outageLeft = 0;
  private outageUntil = 0;
  private nextId = 30_000_001;

  constructor(options: FakeAmoCrmOptions = {}) {
    this.subdomain = options.subdomain ?? 'onebox';
    this.accessToken = options.accessToken ?? 'fake-amocrm-long-lived-token';
    this.currency = options.currency ?? 'RUB';
    this.accountId = options.accountId ?? 29_012_345;
    this.clock = options.clock ?? Date.now;
    this.clientId = options.clientId ?? 'a2798b1b-86b9-4886-a7fe-5e84cb1f0c3d';
    this.clientSecret = options.clientSecret ?? 'Ef6iyA4HOQYgNzBvSmqbNgkhp3HypCzgalvVaMqacclgibD0GhtfGxh4ksyPc7fr';
    this.redirectUri = options.redirectUri ?? 'https://onebox.example/api/crm/oauth/callback';
    this.accessTokenTtlSec = options.accessTokenTtlSec ?? 86_400;
    this.users = [
      {
        id: 8_123_456,
        name: 'Анна Смирнова',
        email: 'anna@example.com',
        lang: 'ru',
        rights: { is_admin: true, is_free: false, is_active: true },
      },
      {
        id: 8_123_457,
        name: 'Олег Иванов',
        email: 'oleg@example.com',
        lang: 'ru',
        rights: { is_admin: false, is_free: false, is_active: true },
      },
    ];
    const pipelineId = 6_950_551;
    const status = (
      id: number,
      name: string,
      sort: number,
      color: string,
      type: 0 | 1 = 0,
      isEditable = true,
    ): AmoStatus => ({
      id,
      name,
      sort,
      is_editable: isEditable,
      pipeline_id: pipelineId,
      color,
      type,
      account_id: this.accountId,
    });
    this.pipelines = [
      {
        id: pipelineId,
        name: 'Воронка',
        sort: 1,
        is_main: true,
        is_unsorted_on: true,
        is_archive: false,
        account_id: this.accountId,
        statuses: [
          status(55_412_340, 'Неразобранное', 10, '#c1c1c1', 1, false),
          status(55_412_341, 'Первичный контакт', 10, '#99ccff'),
          status(55_412_342, 'Переговоры', 20, '#ffff99'),
          status(55_412_343, 'Принимают решение', 30, '#ffcc66'),
          status(WON, 'Успешно реализовано', 10000, '#CCFF66', 0, false),
          status(LOST, 'Закрыто и не реализовано', 11000, '#D5D8DB', 0, false),
        ],
      },
    ];
  }

  /** Listens on `port` (a free one when absent); answers the base URL (the adapter's ctx.baseUrl). */
  start(port?: number): Promise<string> {
    return this.http.start(port);
  }

  async stop(): Promise<void> {
    await this.idle();
    await this.http.stop();
  }

  get url(): string {
    return this.http.url;
  }

  get calls(): RecordedCall[] {
    return this.http.calls;
  }

  callsTo(suffix: string): RecordedCall[] {
    return this.http.callsTo(suffix);
  }

  inject(fault: Fault): void {
    this.http.inject(fault);
  }

  /** The next `times` API requests answer 429 with an nginx HTML body (not JSON), as amoCRM may. */
  throttle(times: number, retryAfterSec?: number): void {
    this.throttled = { times, retryAfterSec };
  }

  /**
   * The account is down: `times` requests (or every request until the clock reaches `until`)
   * answer 503 with an nginx HTML page; with `drop`, `times` requests get the connection cut.
   */
  outage(spec: number | { until: number | Date }, mode: 'http' | 'drop' = 'http'): void {
    if (typeof spec === 'number') {
      if (mode === 'drop') this.http.inject({ times: spec, drop: true });
      else this.outageLeft = spec;
      return;
    }
    this.outageUntil = spec.until instanceof Date ? spec.until.getTime() : spec.until;
  }

  /**
   * Registers a webhook as an admin does in Settings → Integrations → Webhooks (the URL carries
   * Onebox's secret). amoCRM also fires webhooks for changes made through the API, so `events`
   * applies to API changes as well as to `moveDeal`.
   */
  setWebhook(url: string | null, events: AmoWebhookEvent[] = ['status_lead']): void {
    this.webhook = url ? { url, events: new Set(events) } : null;
  }

  /**
   * A salesperson drags the lead to another status in the amoCRM UI (closing it sets `closed_at`)
   * and amoCRM POSTs `leads[status]` to the webhook. Resolves with Onebox's HTTP status, or null
   * when no webhook is registered.
   */
  async moveDeal(
    id: number | string,
    change: { statusId: number; price?: number; pipelineId?: number },
  ): Promise<number | null> {
    const lead = this.leadStore.get(Number(id));
    if (!lead) throw new Error(`FakeAmoCrm: no lead ${id}`);
    const old = { status_id: lead.status_id, pipeline_id: lead.pipeline_id };
    const pipelineId = change.pipelineId ?? lead.pipeline_id;
    if (!this.statusIn(pipelineId, change.statusId))
      throw new Error(`FakeAmoCrm: no status ${change.statusId} in pipeline ${pipelineId}`);
    lead.pipeline_id = pipelineId;
    if (change.price !== undefined) lead.price = change.price;
    this.setStatus(lead, change.statusId);
    lead.updated_by = this.users[0].id;
    if (!this.webhook) return null;
    return this.send(this.webhook.url, this.leadEvent('status', lead, old));
  }

  // --- OAuth -------------------------------------------------------------------------------------

  /** The admin edits the integration's Redirect URI in amoCRM (Onebox's callback URL). */
  setRedirectUri(url: string): void {
    this.redirectUri = url;
  }

  /**
   * The admin grants the integration access in amoCRM's window: answers the fresh authorization
   * code amoCRM puts on the redirect (single use, valid 20 minutes on the fake's clock).
   */
  authorize(): string {
    const code = `def50200${randomBytes(96).toString('hex')}`;
    this.codes.set(code, { expiresAt: this.now() + CODE_TTL_SEC, used: false });
    return code;
  }

  /** The query amoCRM puts on the Redirect URI after `authorize()`: code, state, referer, client_id. */
  redirectQuery(state: string, code = this.authorize()): Record<string, string> {
    return { code, state, referer: `${this.subdomain}.amocrm.ru`, client_id: this.clientId };
  }

  /**
   * The admin revokes the integration's access (disables it in amoCRM): every refresh token stops
   * working, and, unless `{ accessTokens: false }`, every issued access token too. Codes not yet
   * traded in are revoked as well.
   */
  revokeRefreshTokens(options: { accessTokens?: boolean } = {}): void {
    for (const t of this.issued) {
      t.refreshRevoked = true;
      if (options.accessTokens !== false) t.accessRevoked = true;
    }
    for (const c of this.codes.values()) c.used = true;
  }

  /** Every token pair issued so far, oldest first (copies). */
  issuedTokens(): FakeAmoCrmIssuedToken[] {
    return this.issued.map((t) => ({ ...t }));
  }

  /** Waits for webhooks fired by API changes to be answered. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  contacts(): AmoContact[] {
    return [...this.contactStore.values()];
  }

  leads(): AmoLead[] {
    return [...this.leadStore.values()];
  }

  lead(id: number | string): AmoLead | undefined {
    return this.leadStore.get(Number(id));
  }

  notes(leadId: number | string): AmoNote[] {
    return this.noteStore.filter((n) => n.entity_id === Number(leadId));
  }

  // --- webhooks ----------------------------------------------------------------------------------

  /** `account[...]` then `leads[{action}][0][...]`, all values strings, keys with literal brackets. */
  private leadEvent(
    action: 'status' | 'update' | 'responsible' | 'add',
    lead: AmoLead,
    old?: { status_id: number; pipeline_id: number },
  ): string {
    const p = `leads[${action}][0]`;
    const fields: [string, string | number][] = [
      ['account[id]', this.accountId],
      ['account[subdomain]', this.subdomain],
      [`${p}[id]`, lead.id],
      [`${p}[name]`, lead.name],
      [`${p}[status_id]`, lead.status_id],
    ];
    if (old) fields.push([`${p}[old_status_id]`, old.status_id]);
    fields.push(
      [`${p}[price]`, lead.price],
      [`${p}[responsible_user_id]`, lead.responsible_user_id],
      [`${p}[pipeline_id]`, lead.pipeline_id],
    );
    if (old) fields.push([`${p}[old_pipeline_id]`, old.pipeline_id]);
    fields.push([`${p}[updated_at]`, lead.updated_at]);
    return fields.map(([k, v]) => `${k}=${formEncode(String(v))}`).join('&');
  }

  private async send(url: string, body: string): Promise<number | null> {
    const delivery: FakeAmoCrmDelivery = { url, body, status: null };
    this.deliveries.push(delivery);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      await response.arrayBuffer();
      delivery.status = response.status;
    } catch {
      delivery.status = null;
    }
    return delivery.status;
  }

  /** Webhooks caused by API calls go out after the API answer, as amoCRM queues them. */
  private fire(
    action: 'status' | 'update' | 'responsible' | 'add',
    lead: AmoLead,
    old?: { status_id: number; pipeline_id: number },
  ): void {
    const event = `${action}_lead` as AmoWebhookEvent;
    if (!this.webhook?.events.has(event)) return;
    const body = this.leadEvent(action, lead, old);
    const url = this.webhook.url;
    const job = new Promise((r) => setTimeout(r, 5)).then(() => this.send(url, body));
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  // --- HTTP --------------------------------------------------------------------------------------

  private async handle(call: RecordedCall): Promise<FakeReply> {
    try {
      this.faults();
      if (call.path === '/oauth2/access_token') return this.token(call);
      this.checkBearer(call);
      return this.route(call);
    } catch (err) {
      if (err instanceof AmoApiError) return err.reply;
      throw err;
    }
  }

  private faults(): void {
    if (this.outageLeft > 0 || this.clock() < this.outageUntil) {
      if (this.outageLeft > 0) this.outageLeft -= 1;
      throw new AmoApiError({ status: 503, headers: { 'content-type': 'text/html' }, body: UNAVAILABLE_HTML });
    }
    if (this.throttled && this.throttled.times > 0) {
      this.throttled.times -= 1;
      const headers: Record<string, string> = { 'content-type': 'text/html' };
      if (this.throttled.retryAfterSec !== undefined) headers['retry-after'] = String(this.throttled.retryAfterSec);
      throw new AmoApiError({ status: 429, headers, body: THROTTLED_HTML });
    }
  }

  /** The long-lived token, or an OAuth access token that is neither expired nor revoked. */
  private checkBearer(call: RecordedCall): void {
    const header = call.headers['authorization'];
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    const ok =
      token === this.accessToken ||
      (!!token && this.issued.some((t) => t.accessToken === token && !t.accessRevoked && this.now() < t.expiresAt));
    if (!ok) throw problem(401, 'Unauthorized', 'The resource owner or authorization server denied the request.');
  }

  /**
   * POST /oauth2/access_token (https://www.amocrm.ru/developers/content/oauth/step-by-step), JSON
   * in and out. Checks in league/oauth2-server's order: grant type, client, then the code or token.
   */
  private token(call: RecordedCall): FakeReply {
    if (call.method !== 'POST') throw problem(405, 'Method Not Allowed', 'Method Not Allowed');
    const body = isObject(call.body) ? call.body : {};
    const field = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const grant = field('grant_type');
    if (grant !== 'authorization_code' && grant !== 'refresh_token') {
      throw new AmoApiError({
        status: 400,
        headers: PROBLEM,
        body: {
          hint: 'Check that all required parameters have been provided',
          title: 'Неподдерживаемый тип авторизации',
          type: OAUTH_PROBLEM_TYPE,
          status: 400,
          detail: 'Тип авторизации не поддерживается сервером авторизации',
        },
      });
    }
    if (!field('client_id')) throw oauthBadRequest('Check the `client_id` parameter');
    if (field('client_id') !== this.clientId || field('client_secret') !== this.clientSecret) throw oauthBadClient();
    const redirect = field('redirect_uri');
    if (grant === 'authorization_code') {
      if (!redirect) throw oauthBadRequest('Check the `redirect_uri` parameter');
      if (redirect !== this.redirectUri) throw oauthBadClient();
      const code = field('code');
      if (!code) throw oauthBadRequest('Check the `code` parameter');
      const entry = this.codes.get(code);
      if (!entry) throw oauthBadRequest('Cannot decrypt the authorization code');
      if (this.now() > entry.expiresAt) throw oauthBadRequest('Authorization code has expired');
      if (entry.used) throw oauthBadRequest('Authorization code has been revoked');
      entry.used = true;
      return this.issue('authorization_code');
    }
    if (redirect && redirect !== this.redirectUri) throw oauthBadClient();
    const refresh = field('refresh_token');
    if (!refresh) throw oauthBadRequest('Check the `refresh_token` parameter');
    const old = this.issued.find((t) => t.refreshToken === refresh);
    // league/oauth2-server answers invalid_request with 401 for refresh tokens, as amoCRM does.
    if (!old) throw oauthBadRequest('Cannot decrypt the refresh token', 401);
    if (old.refreshUsed || old.refreshRevoked) throw oauthBadRequest('Token has been revoked', 401);
    if (this.now() > old.issuedAt + REFRESH_TTL_SEC) throw oauthBadRequest('Token has expired', 401);
    // Rotation: the refresh token is spent and the access token it came with is revoked.
    old.refreshUsed = true;
    old.accessRevoked = true;
    return this.issue('refresh_token');
  }

  private issue(grant: FakeAmoCrmIssuedToken['grant']): FakeReply {
    const issuedAt = this.now();
    const expiresAt = issuedAt + this.accessTokenTtlSec;
    const accessToken = this.jwt(issuedAt, expiresAt);
    const refreshToken = `def50200${randomBytes(128).toString('hex')}`;
    this.issued.push({
      grant,
      accessToken,
      refreshToken,
      issuedAt,
      expiresAt,
      refreshUsed: false,
      accessRevoked: false,
      refreshRevoked: false,
    });
    return {
      status: 200,
      headers: JSON_TYPE,
      body: {
        token_type: 'Bearer',
        expires_in: this.accessTokenTtlSec,
        access_token: accessToken,
        refresh_token: refreshToken,
      },
    };
  }

  /** An RS256-looking JWT like amoCRM's (aud = client id, exp, account_id, api_domain); signature fake. */
  private jwt(iat: number, exp: number): string {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const head = b64({ typ: 'JWT', alg: 'RS256', jti: randomUUID() });
    const payload = b64({
      aud: this.clientId,
      jti: randomUUID(),
      iat,
      nbf: iat,
      exp,
      sub: String(this.users[0].id),
      grant_type: '',
      account_id: this.accountId,
      base_domain: 'amocrm.ru',
      version: 2,
      scopes: ['crm', 'files', 'files_delete', 'notifications', 'push_notifications'],
      api_domain: 'api-b.amocrm.ru',
    });
    const sig = createHmac('sha256', this.clientSecret).update(`${head}.${payload}`).digest('base64url');
    return `${head}.${payload}.${sig}`;
  }

  private route(call: RecordedCall): FakeReply {
    const { method, path } = call;
    const m = (re: RegExp) => re.exec(path);
    let match: RegExpExecArray | null;
    if (method === 'GET' && path === '/api/v4/account') return this.ok(this.account());
    if (method === 'GET' && path === '/api/v4/leads/pipelines') return this.ok(this.pipelineList());
    if (method === 'GET' && path === '/api/v4/users') return this.userList(call.query);
    if (method === 'GET' && path === '/api/v4/contacts') return this.contactList(call.query);
    if (method === 'POST' && path === '/api/v4/contacts') return this.ok(this.addContacts(call.body));
    if (method === 'GET' && (match = m(/^\/api\/v4\/contacts\/(\d+)$/))) {
      const contact = this.contactStore.get(Number(match[1]));
      return contact ? this.ok(this.contactWire(contact)) : { status: 204 };
    }
    if (method === 'GET' && path === '/api/v4/leads') return this.leadList(call.query);
    if (method === 'POST' && path === '/api/v4/leads') return this.ok(this.addLeads(call.body));
    if ((match = m(/^\/api\/v4\/leads\/(\d+)$/))) {
      const id = Number(match[1]);
      if (method === 'GET') {
        const lead = this.leadStore.get(id);
        return lead ? this.ok(this.leadWire(lead, String(call.query['with'] ?? ''))) : { status: 204 };
      }
      if (method === 'PATCH') return this.ok(this.patchLead(id, call.body));
    }
    if ((match = m(/^\/api\/v4\/leads\/(\d+)\/notes$/))) {
      const id = Number(match[1]);
      if (method === 'POST') return this.ok(this.addNotes(id, call.body));
      if (method === 'GET') {
        const notes = this.notes(id);
        return notes.length
          ? this.ok({ _page: 1, _links: this.links(path), _embedded: { notes: notes.map((n) => this.noteWire(n)) } })
          : { status: 204 };
      }
    }
    throw problem(404, 'Not Found', 'Not Found');
  }

  private ok(body: unknown): FakeReply {
    return { status: 200, headers: HAL, body };
  }

  private links(path: string): { self: { href: string } } {
    return { self: { href: `https://${this.subdomain}.amocrm.ru${path}` } };
  }

  private now(): number {
    return Math.floor(this.clock() / 1000);
  }

  private account(): Record<string, unknown> {
    return {
      id: this.accountId,
      name: `Компания ${this.subdomain}`,
      subdomain: this.subdomain,
      current_user_id: this.users[0].id,
      country: 'RU',
      customers_mode: 'disabled',
      is_unsorted_on: true,
      is_loss_reason_enabled: true,
      is_helpbot_enabled: false,
      is_technical_account: false,
      contact_name_display_order: 1,
      _links: this.links('/api/v4/account'),
    };
  }

  private pipelineList(): Record<string, unknown> {
    return {
      _total_items: this.pipelines.length,
      _links: this.links('/api/v4/leads/pipelines'),
      _embedded: {
        pipelines: this.pipelines.map(({ statuses, ...p }) => ({
          ...p,
          _links: this.links(`/api/v4/leads/pipelines/${p.id}`),
          _embedded: {
            statuses: statuses.map((s) => ({
              ...s,
              _links: this.links(`/api/v4/leads/pipelines/${p.id}/statuses/${s.id}`),
            })),
          },
        })),
      },
    };
  }

  private page<T>(
    items: T[],
    query: Record<string, string>,
    path: string,
    key: string,
    wire: (item: T) => unknown,
  ): FakeReply {
    const limit = Math.min(Math.max(Number(query['limit']) || 50, 1), 250);
    const page = Math.max(Number(query['page']) || 1, 1);
    const slice = items.slice((page - 1) * limit, page * limit);
    if (!slice.length) return { status: 204 };
    const href = (p: number) => ({ href: `https://${this.subdomain}.amocrm.ru${path}?page=${p}&limit=${limit}` });
    const links: Record<string, { href: string }> = { self: href(page) };
    if (page * limit < items.length) links['next'] = href(page + 1);
    if (page > 1) links['prev'] = href(page - 1);
    return this.ok({
      _total_items: items.length,
      _page: page,
      _page_count: Math.ceil(items.length / limit),
      _links: links,
      _embedded: { [key]: slice.map(wire) },
    });
  }

  private userList(query: Record<string, string>): FakeReply {
    return this.page(this.users, query, '/api/v4/users', 'users', (u) => ({
      ...u,
      _links: this.links(`/api/v4/users/${u.id}`),
    }));
  }

  /** `query` searches the filled fields; phones match on digits, as amoCRM normalises them. */
  private contactList(query: Record<string, string>): FakeReply {
    const q = (query['query'] ?? '').trim().toLowerCase();
    const found = this.contacts().filter((c) => {
      if (!q) return true;
      if (c.name.toLowerCase().includes(q)) return true;
      return (c.custom_fields_values ?? []).some((f) =>
        f.values.some((v) => {
          if (f.field_code === 'PHONE' && digits(q).length >= 5) return digits(v.value).includes(digits(q));
          return v.value.toLowerCase().includes(q);
        }),
      );
    });
    const { page, limit } = { page: query['page'], limit: query['limit'] };
    return this.page(found, { page, limit }, '/api/v4/contacts', 'contacts', (c) => this.contactWire(c));
  }

  private contactWire(c: AmoContact): Record<string, unknown> {
    return { ...c, _links: this.links(`/api/v4/contacts/${c.id}`), _embedded: { tags: [], companies: [] } };
  }

  private addContacts(body: unknown): Record<string, unknown> {
    const items = this.requireArray(body);
    const issues = items
      .map((item, i) => ({ requestId: String(i), errors: this.checkContact(item) }))
      .filter((x) => x.errors.length);
    if (issues.length) throw invalid(issues);
    const created = items.map((raw, i) => {
      const item = raw as Record<string, unknown>;
      const now = this.now();
      const first = typeof item['first_name'] === 'string' ? item['first_name'] : '';
      const last = typeof item['last_name'] === 'string' ? item['last_name'] : '';
      const contact: AmoContact = {
        id: this.nextId++,
        name: typeof item['name'] === 'string' ? item['name'] : [first, last].filter(Boolean).join(' '),
        first_name: first,
        last_name: last,
        responsible_user_id: isInt(item['responsible_user_id']) ? item['responsible_user_id'] : this.users[0].id,
        group_id: 0,
        created_by: 0,
        updated_by: 0,
        created_at: now,
        updated_at: now,
        closest_task_at: null,
        is_deleted: false,
        custom_fields_values: this.contactFields(item['custom_fields_values']),
        account_id: this.accountId,
      };
      this.contactStore.set(contact.id, contact);
      return {
        id: contact.id,
        is_deleted: false,
        is_unsorted: false,
        request_id: String(item['request_id'] ?? i),
        _links: this.links(`/api/v4/contacts/${contact.id}`),
      };
    });
    return { _links: this.links('/api/v4/contacts'), _embedded: { contacts: created } };
  }

  private checkContact(raw: unknown): ValidationIssue[] {
    if (!isObject(raw)) return [{ code: 'InvalidType', path: '', detail: 'This value should be of type object.' }];
    const errors: ValidationIssue[] = [];
    for (const key of ['name', 'first_name', 'last_name'] as const) {
      if (raw[key] !== undefined && typeof raw[key] !== 'string')
        errors.push({ code: 'InvalidType', path: key, detail: 'This value should be of type string.' });
    }
    this.checkResponsible(raw['responsible_user_id'], errors);
    const fields = raw['custom_fields_values'];
    if (fields === undefined || fields === null) return errors;
    if (!Array.isArray(fields))
      return [
        ...errors,
        { code: 'InvalidType', path: 'custom_fields_values', detail: 'This value should be of type array.' },
      ];
    fields.forEach((f: unknown, i) => {
      const path = `custom_fields_values.${i}`;
      if (!isObject(f))
        return errors.push({ code: 'InvalidType', path, detail: 'This value should be of type object.' });
      if (f['field_code'] !== 'PHONE' && f['field_code'] !== 'EMAIL') {
        return errors.push({
          code: 'NotSupportedChoice',
          path: `${path}.field_code`,
          detail: 'The value you selected is not a valid choice.',
        });
      }
      const enums = f['field_code'] === 'PHONE' ? PHONE_ENUMS : EMAIL_ENUMS;
      const values = f['values'];
      if (!Array.isArray(values) || !values.length)
        return errors.push({ code: 'NotBlank', path: `${path}.values`, detail: 'This value should not be blank.' });
      values.forEach((v: unknown, j) => {
        if (!isObject(v) || typeof v['value'] !== 'string' || !v['value']) {
          errors.push({
            code: 'NotBlank',
            path: `${path}.values.${j}.value`,
            detail: 'This value should not be blank.',
          });
        } else if (v['enum_code'] !== undefined && !enums.includes(String(v['enum_code']))) {
          errors.push({
            code: 'NotSupportedChoice',
            path: `${path}.values.${j}.enum_code`,
            detail: 'The value you selected is not a valid choice.',
          });
        }
      });
      return undefined;
    });
    return errors;
  }

  private contactFields(raw: unknown): AmoCustomField[] | null {
    if (!Array.isArray(raw) || !raw.length) return null;
    return (raw as Record<string, unknown>[]).map((f) => {
      const code = f['field_code'] as 'PHONE' | 'EMAIL';
      const enums = code === 'PHONE' ? PHONE_ENUMS : EMAIL_ENUMS;
      const base = code === 'PHONE' ? 100 : 200;
      return {
        field_id: code === 'PHONE' ? 1_080_811 : 1_080_813,
        field_name: code === 'PHONE' ? 'Телефон' : 'Email',
        field_code: code,
        field_type: 'multitext' as const,
        values: (f['values'] as Record<string, unknown>[]).map((v) => {
          const enumCode = String(v['enum_code'] ?? 'WORK');
          return { value: String(v['value']), enum_id: base + enums.indexOf(enumCode), enum_code: enumCode };
        }),
      };
    });
  }

  private checkResponsible(value: unknown, errors: ValidationIssue[], path = 'responsible_user_id'): void {
    if (value === undefined) return;
    if (!isInt(value)) errors.push({ code: 'InvalidType', path, detail: 'This value should be of type int.' });
    else if (!this.users.some((u) => u.id === value))
      errors.push({ code: 'NotSupportedChoice', path, detail: 'The value you selected is not a valid choice.' });
  }

  private leadList(query: Record<string, string>): FakeReply {
    const leads = this.leads().filter((l) => !l.is_deleted);
    return this.page(leads, query, '/api/v4/leads', 'leads', (l) => this.leadWire(l, String(query['with'] ?? '')));
  }

  private leadWire(lead: AmoLead, withParam: string): Record<string, unknown> {
    const { tags, contacts, ...fields } = lead;
    const embedded: Record<string, unknown> = { tags: tags.map((t) => ({ ...t })), companies: [] };
    if (withParam.split(',').includes('contacts')) {
      embedded['contacts'] = contacts.map((c) => ({ ...c, _links: this.links(`/api/v4/contacts/${c.id}`) }));
    }
    return { ...fields, _links: this.links(`/api/v4/leads/${lead.id}`), _embedded: embedded };
  }

  private addLeads(body: unknown): Record<string, unknown> {
    const items = this.requireArray(body);
    const issues = items
      .map((item, i) => ({ requestId: String(i), errors: this.checkLead(item, true) }))
      .filter((x) => x.errors.length);
    if (issues.length) throw invalid(issues);
    const created = items.map((raw, i) => {
      const item = raw as Record<string, unknown>;
      const now = this.now();
      const pipeline = this.pipelines.find((p) => p.id === item['pipeline_id']) ?? this.mainPipeline();
      const embedded = isObject(item['_embedded']) ? item['_embedded'] : {};
      const lead: AmoLead = {
        id: this.nextId++,
        name: typeof item['name'] === 'string' ? item['name'] : '',
        price: isInt(item['price']) ? item['price'] : 0,
        responsible_user_id: isInt(item['responsible_user_id']) ? item['responsible_user_id'] : this.users[0].id,
        group_id: 0,
        status_id: isInt(item['status_id']) ? item['status_id'] : this.firstStatus(pipeline).id,
        pipeline_id: pipeline.id,
        loss_reason_id: null,
        created_by: 0,
        updated_by: 0,
        created_at: now,
        updated_at: now,
        closed_at: null,
        closest_task_at: null,
        is_deleted: false,
        custom_fields_values: null,
        score: null,
        account_id: this.accountId,
        labor_cost: null,
        tags: this.tags([
          ...(Array.isArray(embedded['tags']) ? embedded['tags'] : []),
          ...(Array.isArray(item['tags_to_add']) ? item['tags_to_add'] : []),
        ]),
        contacts: (Array.isArray(embedded['contacts']) ? embedded['contacts'] : []).map(
          (c: Record<string, unknown>, j: number) => ({
            id: c['id'] as number,
            is_main: c['is_main'] === undefined ? j === 0 : Boolean(c['is_main']),
          }),
        ),
      };
      if (lead.status_id === WON || lead.status_id === LOST) lead.closed_at = now;
      this.leadStore.set(lead.id, lead);
      this.fire('add', lead);
      return {
        id: lead.id,
        request_id: String(item['request_id'] ?? i),
        _links: this.links(`/api/v4/leads/${lead.id}`),
      };
    });
    return { _links: this.links('/api/v4/leads'), _embedded: { leads: created } };
  }

  private checkLead(raw: unknown, creating: boolean, current?: AmoLead): ValidationIssue[] {
    if (!isObject(raw)) return [{ code: 'InvalidType', path: '', detail: 'This value should be of type object.' }];
    const errors: ValidationIssue[] = [];
    const choice = (path: string) =>
      errors.push({ code: 'NotSupportedChoice', path, detail: 'The value you selected is not a valid choice.' });
    const int = (path: string) =>
      errors.push({ code: 'InvalidType', path, detail: 'This value should be of type int.' });
    if (raw['name'] !== undefined && typeof raw['name'] !== 'string')
      errors.push({ code: 'InvalidType', path: 'name', detail: 'This value should be of type string.' });
    if (raw['price'] !== undefined && (!isInt(raw['price']) || raw['price'] < 0)) int('price');
    this.checkResponsible(raw['responsible_user_id'], errors);
    let pipeline = current ? this.pipelines.find((p) => p.id === current.pipeline_id) : this.mainPipeline();
    if (raw['pipeline_id'] !== undefined) {
      pipeline = isInt(raw['pipeline_id']) ? this.pipelines.find((p) => p.id === raw['pipeline_id']) : undefined;
      if (!isInt(raw['pipeline_id'])) int('pipeline_id');
      else if (!pipeline) choice('pipeline_id');
    }
    if (raw['status_id'] !== undefined) {
      const status = isInt(raw['status_id']) && pipeline ? this.statusIn(pipeline.id, raw['status_id']) : undefined;
      if (!isInt(raw['status_id'])) int('status_id');
      else if (!status || status.type === 1) choice('status_id');
    }
    const embedded = raw['_embedded'];
    if (embedded !== undefined && !isObject(embedded))
      errors.push({ code: 'InvalidType', path: '_embedded', detail: 'This value should be of type object.' });
    if (isObject(embedded)) {
      const tags = embedded['tags'];
      if (tags !== undefined && tags !== null && !Array.isArray(tags))
        errors.push({ code: 'InvalidType', path: '_embedded.tags', detail: 'This value should be of type array.' });
      if (Array.isArray(tags)) {
        tags.forEach((t: unknown, i) => {
          if (!isObject(t) || (typeof t['name'] !== 'string' && !isInt(t['id'])))
            errors.push({ code: 'NotBlank', path: `_embedded.tags.${i}`, detail: 'Tag id or name is required.' });
        });
      }
      const contacts = embedded['contacts'];
      if (contacts !== undefined && !creating) choice('_embedded.contacts');
      if (Array.isArray(contacts)) {
        contacts.forEach((c: unknown, i) => {
          if (!isObject(c) || !isInt(c['id'])) int(`_embedded.contacts.${i}.id`);
          else if (!this.contactStore.has(c['id'])) choice(`_embedded.contacts.${i}.id`);
        });
      }
    }
    return errors;
  }

  private patchLead(id: number, body: unknown): Record<string, unknown> {
    const lead = this.leadStore.get(id);
    if (!lead) throw problem(404, 'Not Found', `Lead ${id} not found`);
    if (!isObject(body)) throw problem(400, 'Bad Request', 'Request body must be an object');
    const errors = this.checkLead(body, false, lead);
    if (errors.length) throw invalid([{ requestId: '0', errors }]);
    const old = {
      status_id: lead.status_id,
      pipeline_id: lead.pipeline_id,
      price: lead.price,
      responsible: lead.responsible_user_id,
    };
    if (typeof body['name'] === 'string') lead.name = body['name'];
    if (isInt(body['price'])) lead.price = body['price'];
    if (isInt(body['responsible_user_id'])) lead.responsible_user_id = body['responsible_user_id'];
    if (isInt(body['pipeline_id'])) lead.pipeline_id = body['pipeline_id'];
    if (isInt(body['status_id'])) this.setStatus(lead, body['status_id']);
    else if (isInt(body['pipeline_id']) && body['pipeline_id'] !== old.pipeline_id)
      this.setStatus(lead, this.firstStatus(this.pipelines.find((p) => p.id === lead.pipeline_id)!).id);
    lead.tags.push(
      ...this.tags(Array.isArray(body['tags_to_add']) ? body['tags_to_add'] : []).filter(
        (t) => !lead.tags.some((x) => x.id === t.id),
      ),
    );
    lead.updated_at = Math.max(this.now(), lead.updated_at);
    lead.updated_by = 0;
    if (lead.status_id !== old.status_id || lead.pipeline_id !== old.pipeline_id) this.fire('status', lead, old);
    if (lead.responsible_user_id !== old.responsible) this.fire('responsible', lead);
    this.fire('update', lead);
    return { id: lead.id, updated_at: lead.updated_at, _links: this.links(`/api/v4/leads/${lead.id}`) };
  }

  private addNotes(leadId: number, body: unknown): Record<string, unknown> {
    if (!this.leadStore.has(leadId)) throw problem(404, 'Not Found', `Lead ${leadId} not found`);
    const items = this.requireArray(body);
    const issues = items
      .map((raw, i) => {
        const errors: ValidationIssue[] = [];
        if (!isObject(raw))
          errors.push({ code: 'InvalidType', path: '', detail: 'This value should be of type object.' });
        else if (raw['note_type'] !== 'common')
          errors.push({
            code: 'NotSupportedChoice',
            path: 'note_type',
            detail: 'The value you selected is not a valid choice.',
          });
        else if (!isObject(raw['params']) || typeof raw['params']['text'] !== 'string' || !raw['params']['text']) {
          errors.push({ code: 'NotBlank', path: 'params.text', detail: 'This value should not be blank.' });
        }
        return { requestId: String(i), errors };
      })
      .filter((x) => x.errors.length);
    if (issues.length) throw invalid(issues);
    const created = items.map((raw, i) => {
      const item = raw as { params: { text: string }; request_id?: string };
      const now = this.now();
      const note: AmoNote = {
        id: this.nextId++,
        entity_id: leadId,
        created_by: 0,
        updated_by: 0,
        created_at: now,
        updated_at: now,
        responsible_user_id: this.users[0].id,
        group_id: 0,
        note_type: 'common',
        params: { text: item.params.text },
        account_id: this.accountId,
      };
      this.noteStore.push(note);
      return {
        id: note.id,
        entity_id: leadId,
        request_id: String(item.request_id ?? i),
        _links: this.links(`/api/v4/leads/${leadId}/notes/${note.id}`),
      };
    });
    return { _links: this.links(`/api/v4/leads/${leadId}/notes`), _embedded: { notes: created } };
  }

  private noteWire(n: AmoNote): Record<string, unknown> {
    return { ...n, _links: this.links(`/api/v4/leads/${n.entity_id}/notes/${n.id}`) };
  }

  private requireArray(body: unknown): unknown[] {
    // FakeHttpServer parses JSON bodies; a JSON array arrives as an array.
    if (!Array.isArray(body) || !body.length)
      throw problem(400, 'Bad Request', 'Request body must be a non-empty array');
    return body;
  }

  private mainPipeline(): AmoPipeline {
    return this.pipelines.find((p) => p.is_main) ?? this.pipelines[0];
  }

  private firstStatus(pipeline: AmoPipeline): AmoStatus {
    return [...pipeline.statuses].filter((s) => s.type === 0).sort((a, b) => a.sort - b.sort)[0];
  }

  private statusIn(pipelineId: number, statusId: number): AmoStatus | undefined {
    return this.pipelines.find((p) => p.id === pipelineId)?.statuses.find((s) => s.id === statusId);
  }

  private setStatus(lead: AmoLead, statusId: number): void {
    const now = this.now();
    if (lead.status_id !== statusId) {
      lead.status_id = statusId;
      lead.closed_at = statusId === WON || statusId === LOST ? now : null;
    }
    lead.updated_at = Math.max(now, lead.updated_at);
  }

  private tags(raw: unknown[]): AmoTag[] {
    return raw.filter(isObject).map((t) => {
      const name =
        typeof t['name'] === 'string'
          ? t['name']
          : ([...this.tagStore.values()].find((x) => x.id === t['id'])?.name ?? String(t['id']));
      let tag = this.tagStore.get(name);
      if (!tag) {
        tag = { id: this.nextId++, name, color: null };
        this.tagStore.set(name, tag);
      }
      return { ...tag };
    });
  }
}

/** application/x-www-form-urlencoded value encoding, spaces as `+` (PHP's urlencode). */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
