import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type Fault, type FakeReply, type RecordedCall } from '../http/fake-http-server';
import { parsePhpForm } from './php-form';

/** A Bitrix24 record as it goes over the wire: ids, numbers and dates are strings. */
export type B24Record = Record<string, unknown>;
type Params = Record<string, unknown>;

export interface FakeBitrix24User {
  id: number;
  name: string;
  lastName: string;
  email: string;
  active?: boolean;
}

export interface FakeBitrix24Options {
  portal?: string;
  /** The incoming webhook: `/rest/{userId}/{code}/`. */
  userId?: number;
  code?: string;
  /** Sent as `auth[application_token]` with every event. */
  applicationToken?: string;
  memberId?: string;
  users?: FakeBitrix24User[];
  /** The fake's clock (ms), for timestamps, outages with `until` and the leaky bucket. */
  now?: () => number;
  /** The portal's request budget; off unless given (use `throttle` for scripted 503s). */
  leakyBucket?: { burst: number; perSecond: number };
  /**
   * Bitrix24 raises ONCRMDEALADD/ONCRMDEALUPDATE for changes made through the API too (the
   * reason for "never update a deal inside its own update handler"); on by default.
   */
  eventsOnApiChanges?: boolean;
  /** The OAuth application installed on the portal (a local application by default). */
  clientId?: string;
  clientSecret?: string;
  /** Access token lifetime; 3600 s as on Bitrix24. */
  accessTokenTtlSec?: number;
}

/** One token pair oauth.bitrix.info issued, for assertions. */
export interface FakeBitrix24IssuedTokens {
  grantType: 'authorization_code' | 'refresh_token';
  accessToken: string;
  refreshToken: string;
  issuedAt: number;
  expiresAt: number;
  /** The refresh token was traded for a new pair (which also voided this access token). */
  refreshUsed: boolean;
  revoked: boolean;
}

export interface FakeBitrix24StageInput {
  id: string;
  name: string;
  semantic?: 'S' | 'F' | null;
}

/** One event POST to a bound handler: Onebox's status, or null when the connection failed. */
export interface FakeBitrix24Delivery {
  event: 'ONCRMDEALADD' | 'ONCRMDEALUPDATE';
  dealId: string;
  url: string;
  body: string;
  status: number | null;
}

interface Binding {
  event: 'ONCRMDEALADD' | 'ONCRMDEALUPDATE';
  url: string;
  handlerId: number;
}

interface Category {
  id: number;
  name: string;
  sort: number;
}

interface Outage {
  remaining: number;
  until: number;
  status: number;
}

const DEFAULT_USERS: FakeBitrix24User[] = [
  { id: 1, name: 'Анна', lastName: 'Смирнова', email: 'anna.smirnova@example.com' },
  { id: 7, name: 'Иван', lastName: 'Петров', email: 'ivan.petrov@example.com' },
];

/** The general funnel's stages on a fresh portal (crm.status.list, ENTITY_ID DEAL_STAGE). */
const DEFAULT_STAGES: FakeBitrix24StageInput[] = [
  { id: 'NEW', name: 'Новая' },
  { id: 'PREPARATION', name: 'Подготовка документов' },
  { id: 'PREPAYMENT_INVOICE', name: 'Счёт на предоплату' },
  { id: 'EXECUTING', name: 'В работе' },
  { id: 'FINAL_INVOICE', name: 'Финальный счёт' },
  { id: 'WON', name: 'Сделка успешна', semantic: 'S' },
  { id: 'LOSE', name: 'Сделка провалена', semantic: 'F' },
  { id: 'APOLOGY', name: 'Анализ причины провала', semantic: 'F' },
];

const SOURCES = [
  'CALL',
  'EMAIL',
  'WEB',
  'ADVERTISING',
  'PARTNER',
  'RECOMMENDATION',
  'TRADE_SHOW',
  'WEBFORM',
  'CALLBACK',
  'RC_GENERATOR',
  'STORE',
  'OTHER',
];
/** The authorization code lives 30 s; a refresh token 180 days (apidocs, OAuth 2.0 protocol). */
const CODE_TTL_MS = 30_000;
const REFRESH_TTL_MS = 180 * 86_400_000;
const CURRENCIES = new Set(['RUB', 'USD', 'EUR', 'KZT', 'BYN', 'UAH']);
const PAGE = 50;
const PORTAL_OFFSET_MIN = 180; // Moscow: dates come back as 2026-01-01T03:00:00+03:00

class B24Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(description);
  }
}

const notFound = () => new B24Error(400, '', 'Not found');
const badId = () => new B24Error(400, '', 'ID is not defined or invalid.');
const fieldsNotArray = () => new B24Error(400, '', "Parameter 'fields' must be array.");

/**
 * A local Bitrix24 portal behind an incoming webhook: `POST|GET /rest/{user}/{code}/{method}[.json]`
 * with query, JSON or PHP-style form parameters, `{result,total?,next?,time}` answers with numbers
 * as strings, `{error,error_description}` failures with Bitrix24's statuses (401
 * INVALID_CREDENTIALS, 404 ERROR_METHOD_NOT_FOUND, 400 method errors, 503 QUERY_LIMIT_EXCEEDED)
 * and `batch`. An OAuth application is served too: `authorize()` hands out the code the portal
 * would put on the redirect, `GET /oauth/token/` plays oauth.bitrix.info (authorization_code and
 * single-use refresh_token grants), and `/rest/{method}[.json]` takes `auth` (query or body) when
 * it is a live access token (401 expired_token / invalid_token otherwise). It plays the portal's
 * side too: a salesperson moves a deal, and the bound outbound webhook gets ONCRMDEALUPDATE
 * form-encoded, as Bitrix24 sends it.
 */
export class FakeBitrix24 {
  readonly portal: string;
  readonly userId: number;
  readonly code: string;
  readonly applicationToken: string;
  readonly memberId: string;
  readonly http = new FakeHttpServer((call) => this.handle(call));

  private readonly now: () => number;
  private readonly eventsOnApiChanges: boolean;
  private readonly bucket: { burst: number; perSecond: number; level: number; at: number } | null;
  private readonly userList: FakeBitrix24User[];
  private readonly categories: Category[] = [{ id: 0, name: 'Общая', sort: 100 }];
  private readonly statuses: B24Record[] = [];
  private readonly contactMap = new Map<number, B24Record>();
  private readonly dealMap = new Map<number, B24Record>();
  private readonly commentList: B24Record[] = [];
  private readonly bindings: Binding[] = [];
  private readonly deliveryLog: FakeBitrix24Delivery[] = [];
  private readonly executedLog: { method: string; params: Params; inBatch: boolean }[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private throttled = 0;
  private outageState: Outage | null = null;
  private nextIds = { contact: 1, deal: 1, comment: 1, multi: 1, status: 101, category: 1, handler: 200 };
  readonly clientId: string;
  readonly clientSecret: string;
  private readonly accessTokenTtlSec: number;
  private readonly codes = new Map<string, { issuedAt: number; used: boolean }>();
  private readonly tokenLog: FakeBitrix24IssuedTokens[] = [];

  constructor(options: FakeBitrix24Options = {}) {
    this.clientId = options.clientId ?? 'local.6650f3c2a1b4d7.12345678';
    this.clientSecret = options.clientSecret ?? 'Zq8vK2mR5tW9xY1bN4cF7hJ0pL3sD6gA8eU2iO5rT9yQ1wE4zX';
    this.accessTokenTtlSec = options.accessTokenTtlSec ?? 3600;
    this.portal = options.portal ?? 'example.bitrix24.ru';
    this.userId = options.userId ?? 1;
    this.code = options.code ?? 'abc123secret';
    this.applicationToken = options.applicationToken ?? '51856fefc120afa4b628cc82d3935cce';
    this.memberId = options.memberId ?? 'a223c6b3710f85df22e9377d6c4f7553';
    this.now = options.now ?? Date.now;
    this.eventsOnApiChanges = options.eventsOnApiChanges ?? true;
    this.bucket = options.leakyBucket ? { ...options.leakyBucket, level: 0, at: this.now() } : null;
    this.userList = (options.users ?? DEFAULT_USERS).map((u) => ({ ...u }));
    for (const [i, stage] of DEFAULT_STAGES.entries()) this.addStatus('DEAL_STAGE', null, stage, (i + 1) * 10, true);
    for (const [i, id] of SOURCES.entries()) this.addStatus('SOURCE', null, { id, name: id }, (i + 1) * 10, true);
  }

  // --- lifecycle and recording -------------------------------------------------------------------

  /** Listens on `port` (a free one when absent); answers the base URL (give it as `ctx.baseUrl`). */
  start(port?: number): Promise<string> {
    return this.http.start(port);
  }

  async stop(): Promise<void> {
    await this.flushEvents();
    await this.http.stop();
  }

  get url(): string {
    return this.http.url;
  }

  /** The incoming webhook as the portal shows it: `https://{portal}/rest/{user}/{code}/`. */
  get webhookUrl(): string {
    return `https://${this.portal}/rest/${this.userId}/${this.code}/`;
  }

  /** The same webhook on the local server. */
  get localWebhookUrl(): string {
    return `${this.url}/rest/${this.userId}/${this.code}/`;
  }

  get calls(): RecordedCall[] {
    return this.http.calls;
  }

  /** HTTP calls to one method, with or without `.json` (commands inside `batch` are in `executed`). */
  callsTo(method: string): RecordedCall[] {
    const lower = method.toLowerCase();
    return this.http.calls.filter((c) => {
      const last = c.path.split('/').pop()?.toLowerCase() ?? '';
      return last === lower || last === `${lower}.json`;
    });
  }

  /** Every method the portal ran, including `batch` commands, oldest first. */
  executed(method?: string): { method: string; params: Params; inBatch: boolean }[] {
    return this.executedLog.filter((e) => !method || e.method === method.toLowerCase());
  }

  inject(fault: Fault): void {
    this.http.inject(fault);
  }

  /** The next `times` API requests answer 503 QUERY_LIMIT_EXCEEDED. */
  throttle(times: number): void {
    this.throttled = times;
  }

  /**
   * The portal is down: the next `times` requests, or every request until the fake's clock
   * reaches `until`, answer `status` (502 by default) with nginx's HTML page; `drop: true`
   * destroys the next `times` connections instead.
   */
  outage(options: number | { times?: number; until?: number | Date; status?: number; drop?: boolean }): void {
    const o = typeof options === 'number' ? { times: options } : options;
    if (o.drop) {
      if (!o.times) throw new Error('FakeBitrix24: outage with drop needs times');
      this.http.inject({ times: o.times, drop: true });
      return;
    }
    const until = o.until instanceof Date ? o.until.getTime() : (o.until ?? Number.POSITIVE_INFINITY);
    this.outageState = { remaining: o.times ?? Number.POSITIVE_INFINITY, until, status: o.status ?? 502 };
  }

  endOutage(): void {
    this.outageState = null;
  }

  // --- state -------------------------------------------------------------------------------------

  users(): FakeBitrix24User[] {
    return this.userList.map((u) => ({ ...u }));
  }

  contacts(): B24Record[] {
    return [...this.contactMap.values()].map((c) => structuredClone(c));
  }

  deals(): B24Record[] {
    return [...this.dealMap.values()].map((d) => structuredClone(d));
  }

  deal(id: number | string): B24Record | undefined {
    const deal = this.dealMap.get(Number(id));
    return deal ? structuredClone(deal) : undefined;
  }

  comments(dealId: number | string): B24Record[] {
    return this.commentList.filter((c) => c['ENTITY_ID'] === String(dealId)).map((c) => structuredClone(c));
  }

  /** Stage records of a funnel (`crm.status.list` shape). */
  stages(categoryId = 0): B24Record[] {
    return this.statuses.filter((s) => s['ENTITY_ID'] === stageEntity(categoryId)).map((s) => ({ ...s }));
  }

  /** Adds a funnel (as crm.category.add would) with its stages, `C{id}:`-prefixed; answers its id. */
  addCategory(name: string, stages: FakeBitrix24StageInput[] = DEFAULT_STAGES): number {
    const id = this.nextIds.category++;
    this.categories.push({ id, name, sort: 100 + id * 100 });
    for (const [i, stage] of stages.entries()) {
      this.addStatus(
        stageEntity(id),
        id,
        { ...stage, id: `C${id}:${stage.id.replace(/^C\d+:/, '')}` },
        (i + 1) * 10,
        false,
      );
    }
    return id;
  }

  /** Events POSTed to bound handlers, oldest first. */
  deliveries(): FakeBitrix24Delivery[] {
    return [...this.deliveryLog];
  }

  /** Waits for event POSTs started by API calls. */
  async flushEvents(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  // --- OAuth (the portal's /oauth/authorize/ and oauth.bitrix.info) ---------------------------------

  /**
   * The admin grants access on `/oauth/authorize/`: answers a single-use authorization code
   * (valid 30 s by the fake's clock), as the portal puts it on the redirect.
   */
  authorize(): string {
    const code = token();
    this.codes.set(code, { issuedAt: this.now(), used: false });
    return code;
  }

  /** The query the portal sends the browser back with (to the application's handler URL). */
  authorizeRedirect(state: string): Record<string, string> {
    return {
      code: this.authorize(),
      state,
      domain: this.portal,
      member_id: this.memberId,
      scope: 'crm,user',
      server_domain: 'oauth.bitrix.info',
    };
  }

  /** Every token pair issued, oldest first. */
  issuedTokens(): FakeBitrix24IssuedTokens[] {
    return this.tokenLog.map((t) => ({ ...t }));
  }

  /**
   * The application is removed or access revoked: no refresh token works any more (and, with
   * `accessTokens`, no access token either).
   */
  revokeRefreshTokens(options: { accessTokens?: boolean } = {}): void {
    for (const t of this.tokenLog) {
      t.refreshUsed = true;
      if (options.accessTokens) t.revoked = true;
    }
  }

  /** `GET /oauth/token/` (query, or a form body): both grants, errors as `{error,error_description}`. */
  private tokenEndpoint(call: RecordedCall): FakeReply {
    const p: Record<string, string> = { ...call.query };
    for (const [k, v] of Object.entries(call.body ?? {})) if (typeof v === 'string') p[k] = v;
    const fail = (status: number, error: string, description: string): FakeReply => ({
      status,
      body: { error, error_description: description },
    });
    const grantType = p['grant_type'];
    if (!grantType) return fail(400, 'invalid_request', 'The grant type was not specified in the request');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      return fail(400, 'unsupported_grant_type', 'Grant type "' + grantType + '" not supported');
    }
    if (!p['client_id'] || p['client_id'] !== this.clientId || p['client_secret'] !== this.clientSecret) {
      return fail(401, 'invalid_client', 'The client credentials are invalid');
    }
    const now = this.now();
    if (grantType === 'authorization_code') {
      const entry = p['code'] ? this.codes.get(p['code']) : undefined;
      if (!p['code']) return fail(400, 'invalid_request', 'No "code" parameter found');
      if (!entry || entry.used)
        return fail(400, 'invalid_grant', "Authorization code doesn't exist or is invalid for the client");
      entry.used = true;
      if (now - entry.issuedAt > CODE_TTL_MS) {
        return fail(400, 'expired_token', 'The authorization token provided has expired.');
      }
    } else {
      if (!p['refresh_token']) return fail(400, 'invalid_request', 'No "refresh_token" parameter found');
      const previous = this.tokenLog.find((t) => t.refreshToken === p['refresh_token']);
      if (!previous || previous.refreshUsed || now - previous.issuedAt > REFRESH_TTL_MS) {
        return fail(400, 'invalid_grant', 'Invalid refresh token');
      }
      // The refresh token is single-use, and the access token issued with it dies with it.
      previous.refreshUsed = true;
      previous.revoked = true;
    }
    const issued: FakeBitrix24IssuedTokens = {
      grantType,
      accessToken: token(),
      refreshToken: token(),
      issuedAt: now,
      expiresAt: now + this.accessTokenTtlSec * 1000,
      refreshUsed: false,
      revoked: false,
    };
    this.tokenLog.push(issued);
    // Field order and values as oauth.bitrix.info answers (apidocs, "Automatic Renewal").
    return {
      status: 200,
      body: {
        access_token: issued.accessToken,
        expires: Math.floor(issued.expiresAt / 1000),
        expires_in: this.accessTokenTtlSec,
        scope: 'app',
        domain: 'oauth.bitrix.info',
        server_endpoint: 'https://oauth.bitrix.info/rest/',
        status: 'L',
        client_endpoint: `https://${this.portal}/rest/`,
        member_id: this.memberId,
        user_id: this.userId,
        refresh_token: issued.refreshToken,
      },
    };
  }

  /** null when `auth` is a live access token, else the 401 the portal answers. */
  private checkAccessToken(auth: unknown): B24Error | null {
    const issued = typeof auth === 'string' ? this.tokenLog.find((t) => t.accessToken === auth) : undefined;
    if (!issued || issued.revoked) {
      return new B24Error(401, 'invalid_token', 'The access token provided is invalid.');
    }
    if (this.now() >= issued.expiresAt) {
      return new B24Error(401, 'expired_token', 'The access token provided has expired.');
    }
    return null;
  }

  // --- the portal's side -------------------------------------------------------------------------

  /**
   * Binds ONCRMDEALADD and ONCRMDEALUPDATE to `url` (an outbound webhook set up in the UI, or
   * `event.bind`); answers the handler ids (`event_handler_id`).
   */
  bindEvents(
    url: string,
    events: ('ONCRMDEALADD' | 'ONCRMDEALUPDATE')[] = ['ONCRMDEALADD', 'ONCRMDEALUPDATE'],
  ): number[] {
    return events.map((event) => {
      const existing = this.bindings.find((b) => b.event === event && b.url === url);
      if (existing) return existing.handlerId;
      const binding = { event, url, handlerId: this.nextIds.handler++ };
      this.bindings.push(binding);
      return binding.handlerId;
    });
  }

  unbindEvents(url?: string): void {
    for (let i = this.bindings.length - 1; i >= 0; i--)
      if (!url || this.bindings[i].url === url) this.bindings.splice(i, 1);
  }

  /**
   * A salesperson moves the deal in the CRM (stage, and the amount if given): the deal changes as
   * in Bitrix24 (semantic, CLOSED, CLOSEDATE, MOVED_TIME) and ONCRMDEALUPDATE goes to the bound
   * handler. Resolves with Onebox's HTTP status (null when the connection failed).
   */
  async moveDeal(
    id: number | string,
    change: { stageId: string; opportunity?: string; currency?: string; byUserId?: number },
  ): Promise<number | null> {
    const deal = this.dealMap.get(Number(id));
    if (!deal) throw new Error(`FakeBitrix24: no deal ${id}`);
    const fields: Params = { STAGE_ID: change.stageId };
    if (change.opportunity !== undefined) fields['OPPORTUNITY'] = change.opportunity;
    if (change.currency !== undefined) fields['CURRENCY_ID'] = change.currency;
    if (!this.stageOf(Number(deal['CATEGORY_ID']), change.stageId)) {
      throw new Error(`FakeBitrix24: stage ${change.stageId} is not in category ${String(deal['CATEGORY_ID'])}`);
    }
    this.applyDealFields(deal, fields, change.byUserId ?? this.userId);
    return this.sendEvent('ONCRMDEALUPDATE', String(deal['ID']));
  }

  /** A salesperson creates a deal in the CRM; ONCRMDEALADD goes to the bound handler. */
  async addDealInCrm(input: {
    title: string;
    categoryId?: number;
    stageId?: string;
    opportunity?: string;
    currency?: string;
    assignedById?: number;
    contactId?: number;
  }): Promise<{ id: string; status: number | null }> {
    const fields: Params = { TITLE: input.title };
    if (input.categoryId !== undefined) fields['CATEGORY_ID'] = input.categoryId;
    if (input.stageId) fields['STAGE_ID'] = input.stageId;
    if (input.opportunity !== undefined) fields['OPPORTUNITY'] = input.opportunity;
    if (input.currency) fields['CURRENCY_ID'] = input.currency;
    if (input.assignedById !== undefined) fields['ASSIGNED_BY_ID'] = input.assignedById;
    if (input.contactId !== undefined) fields['CONTACT_ID'] = input.contactId;
    const id = String(this.createDeal(fields, input.assignedById ?? this.userId));
    return { id, status: await this.sendEvent('ONCRMDEALADD', id) };
  }

  // --- HTTP --------------------------------------------------------------------------------------

  private async handle(call: RecordedCall): Promise<FakeReply> {
    if (this.outageState) {
      const o = this.outageState;
      if (o.remaining > 0 && this.now() < o.until) {
        o.remaining -= 1;
        return outagePage(o.status);
      }
      this.outageState = null;
    }
    if (/^\/oauth\/token\/?$/.test(call.path)) return this.tokenEndpoint(call);
    const route = /^\/rest\/(?:(\d+)\/([^/]+)\/)?([A-Za-z0-9_.]+?)(?:\.json)?\/?$/.exec(call.path);
    if (!route)
      return {
        status: 404,
        body: '<html><body><h1>404 Not Found</h1></body></html>',
        headers: { 'content-type': 'text/html' },
      };
    const [, user, code, method] = route;
    let params: Params;
    try {
      params = this.paramsOf(call);
    } catch {
      return this.failure(new B24Error(400, 'INVALID_REQUEST', 'Invalid request'));
    }
    if (user === undefined) {
      // An OAuth application: `auth` (query or body) must be a live access token.
      if (!params['auth']) return this.failure(new B24Error(401, 'NO_AUTH_FOUND', 'Wrong authorization data'));
      const refused = this.checkAccessToken(params['auth']);
      if (refused) return this.failure(refused);
      delete params['auth'];
    } else if (Number(user) !== this.userId || code !== this.code) {
      return this.failure(new B24Error(401, 'INVALID_CREDENTIALS', 'Invalid request credentials'));
    }
    if (this.throttled > 0 || !this.admit()) {
      if (this.throttled > 0) this.throttled -= 1;
      return this.failure(new B24Error(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'));
    }
    const started = this.now();
    try {
      const outcome = method.toLowerCase() === 'batch' ? this.batch(params) : this.run(method, params, false);
      return { status: 200, body: { ...outcome, time: timeInfo(started, this.now()) } };
    } catch (err) {
      if (err instanceof B24Error) return this.failure(err);
      throw err;
    }
  }

  /** Query parameters merged with the body: JSON, or form-encoded with PHP bracket keys. */
  private paramsOf(call: RecordedCall): Params {
    const query = new URLSearchParams(call.query).toString();
    const params: Params = parsePhpForm(query);
    const type = String(call.headers['content-type'] ?? '');
    const raw = call.rawBody.toString('utf8');
    if (!raw) return params;
    if (type.includes('application/json')) return { ...params, ...(JSON.parse(raw) as Params) };
    if (type.includes('application/x-www-form-urlencoded') || !type) return { ...params, ...parsePhpForm(raw) };
    return { ...params, ...call.body };
  }

  private admit(): boolean {
    const bucket = this.bucket;
    if (!bucket) return true;
    const now = this.now();
    bucket.level = Math.max(0, bucket.level - ((now - bucket.at) / 1000) * bucket.perSecond);
    bucket.at = now;
    if (bucket.level + 1 > bucket.burst) return false;
    bucket.level += 1;
    return true;
  }

  private failure(err: B24Error): FakeReply {
    return { status: err.status, body: { error: err.code, error_description: err.description } };
  }

  /** `{halt, cmd:{key:'method?query'}}`: commands run in order, `$result[key][field]` resolved. */
  private batch(params: Params): { result: unknown } {
    const cmd = params['cmd'];
    if (!isRecord(cmd) && !Array.isArray(cmd))
      throw new B24Error(400, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Wrong batch command');
    const halt = truthy(params['halt']);
    const result: Record<string, unknown> = {};
    const errors: Record<string, unknown> = {};
    const totals: Record<string, unknown> = {};
    const nexts: Record<string, unknown> = {};
    const times: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(cmd)) {
      const text = String(value);
      const mark = text.indexOf('?');
      const method = (mark < 0 ? text : text.slice(0, mark)).trim();
      const sub = resolveReferences(parsePhpForm(mark < 0 ? '' : text.slice(mark + 1)), result) as Params;
      const started = this.now();
      try {
        if (method.toLowerCase() === 'batch')
          throw new B24Error(400, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Batch call is not allowed in batch');
        const outcome = this.run(method, sub, true);
        result[key] = outcome.result;
        if (outcome.total !== undefined) totals[key] = outcome.total;
        if (outcome.next !== undefined) nexts[key] = outcome.next;
        times[key] = timeInfo(started, this.now());
      } catch (err) {
        if (!(err instanceof B24Error)) throw err;
        errors[key] = { error: err.code, error_description: err.description };
        if (halt) break;
      }
    }
    const phpArray = (o: Record<string, unknown>) => (Object.keys(o).length ? o : []);
    return {
      result: {
        result: phpArray(result),
        result_error: phpArray(errors),
        result_total: phpArray(totals),
        result_next: phpArray(nexts),
        result_time: phpArray(times),
      },
    };
  }

  private run(method: string, p: Params, inBatch: boolean): { result: unknown; total?: number; next?: number } {
    const name = method.toLowerCase();
    this.executedLog.push({ method: name, params: structuredClone(p), inBatch });
    switch (name) {
      case 'profile':
        return { result: this.profile() };
      case 'user.current':
        return { result: this.userRecord(this.currentUser()) };
      case 'user.get':
        return this.userGet(p);
      case 'crm.category.list':
        return this.categoryList(p);
      case 'crm.status.list':
        return this.statusList(p);
      case 'crm.contact.add':
        return { result: this.contactAdd(p) };
      case 'crm.contact.get':
        return { result: this.publicContact(this.contactById(p), true) };
      case 'crm.contact.list':
        return this.contactList(p);
      case 'crm.deal.add': {
        const fields = requireFields(p);
        const id = this.createDeal(fields, this.userId);
        if (this.eventsOnApiChanges) this.sendEventLater('ONCRMDEALADD', String(id));
        return { result: id };
      }
      case 'crm.deal.update': {
        const deal = this.dealById(p);
        this.applyDealFields(deal, requireFields(p), this.userId);
        if (this.eventsOnApiChanges) this.sendEventLater('ONCRMDEALUPDATE', String(deal['ID']));
        return { result: true };
      }
      case 'crm.deal.get':
        return { result: structuredClone(this.dealById(p)) };
      case 'crm.deal.list':
        return this.dealList(p);
      case 'crm.timeline.comment.add':
        return { result: this.commentAdd(p) };
      case 'crm.timeline.comment.list':
        return this.commentListOf(p);
      default:
        throw new B24Error(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
    }
  }

  // --- methods -----------------------------------------------------------------------------------

  private currentUser(): FakeBitrix24User {
    return this.userList.find((u) => u.id === this.userId) ?? this.userList[0];
  }

  private profile(): B24Record {
    const user = this.currentUser();
    return {
      ID: String(user.id),
      ADMIN: true,
      NAME: user.name,
      LAST_NAME: user.lastName,
      PERSONAL_GENDER: '',
      TIME_ZONE: '',
    };
  }

  private userRecord(user: FakeBitrix24User): B24Record {
    return {
      ID: String(user.id),
      ACTIVE: user.active ?? true,
      NAME: user.name,
      LAST_NAME: user.lastName,
      SECOND_NAME: '',
      EMAIL: user.email,
      LAST_LOGIN: b24Time(this.now()),
      DATE_REGISTER: b24Date(this.now()),
      TIME_ZONE: '',
      IS_ONLINE: 'N',
      PERSONAL_GENDER: '',
      WORK_POSITION: '',
      UF_DEPARTMENT: [1],
      USER_TYPE: 'employee',
    };
  }

  private userGet(p: Params): { result: unknown; total: number; next?: number } {
    const filter = { ...(isRecord(p['FILTER']) ? p['FILTER'] : {}), ...(isRecord(p['filter']) ? p['filter'] : {}) };
    for (const key of ['ID', 'ACTIVE', 'EMAIL'])
      if (p[key] !== undefined && filter[key] === undefined) filter[key] = p[key];
    const users = this.userList.filter((u) => {
      if (filter['ACTIVE'] !== undefined && truthy(filter['ACTIVE']) && u.active === false) return false;
      if (filter['ID'] !== undefined && !listOf(filter['ID']).map(String).includes(String(u.id))) return false;
      if (filter['EMAIL'] !== undefined && String(filter['EMAIL']).toLowerCase() !== u.email.toLowerCase())
        return false;
      return true;
    });
    return page(
      users.map((u) => this.userRecord(u)),
      p['start'],
    );
  }

  private categoryList(p: Params): { result: unknown; total: number } {
    if (Number(p['entityTypeId']) !== 2) throw new B24Error(400, 'NOT_FOUND', 'Smart process not found');
    const categories = [...this.categories]
      .sort((a, b) => a.sort - b.sort || a.id - b.id)
      .map((c) =>
        c.id === 0
          ? { id: 0, name: c.name, sort: c.sort, entityTypeId: 2, isDefault: 'Y' }
          : { id: c.id, name: c.name, sort: c.sort, entityTypeId: 2, isDefault: 'N', originId: '', originatorId: '' },
      );
    return { result: { categories }, total: categories.length };
  }

  private statusList(p: Params): { result: unknown; total: number } {
    const filter = isRecord(p['filter']) ? p['filter'] : {};
    const order = isRecord(p['order']) ? p['order'] : { SORT: 'ASC' };
    let rows = this.statuses.filter(
      (s) =>
        (filter['ENTITY_ID'] === undefined || s['ENTITY_ID'] === String(filter['ENTITY_ID'])) &&
        (filter['STATUS_ID'] === undefined || s['STATUS_ID'] === String(filter['STATUS_ID'])),
    );
    rows = sortRows(rows, order);
    return { result: rows.map((r) => structuredClone(r)), total: rows.length };
  }

  private contactAdd(p: Params): number {
    const fields = requireFields(p);
    const id = this.nextIds.contact++;
    const at = this.now();
    const contact: B24Record = {
      ID: String(id),
      POST: null,
      COMMENTS: null,
      HONORIFIC: null,
      NAME: str(fields['NAME']),
      SECOND_NAME: str(fields['SECOND_NAME']),
      LAST_NAME: str(fields['LAST_NAME']),
      PHOTO: null,
      LEAD_ID: null,
      TYPE_ID: str(fields['TYPE_ID']) ?? 'CLIENT',
      SOURCE_ID: str(fields['SOURCE_ID']),
      SOURCE_DESCRIPTION: str(fields['SOURCE_DESCRIPTION']),
      COMPANY_ID: null,
      BIRTHDATE: '',
      EXPORT: 'Y',
      HAS_PHONE: 'N',
      HAS_EMAIL: 'N',
      HAS_IMOL: 'N',
      DATE_CREATE: b24Time(at),
      DATE_MODIFY: b24Time(at),
      ASSIGNED_BY_ID: String(fields['ASSIGNED_BY_ID'] ?? this.userId),
      CREATED_BY_ID: String(this.userId),
      MODIFY_BY_ID: String(this.userId),
      OPENED: str(fields['OPENED']) ?? 'Y',
      ORIGINATOR_ID: null,
      ORIGIN_ID: null,
      PHONE: this.multiField(fields['PHONE'], 'PHONE'),
      EMAIL: this.multiField(fields['EMAIL'], 'EMAIL'),
    };
    contact['HAS_PHONE'] = (contact['PHONE'] as unknown[]).length ? 'Y' : 'N';
    contact['HAS_EMAIL'] = (contact['EMAIL'] as unknown[]).length ? 'Y' : 'N';
    this.contactMap.set(id, contact);
    return id;
  }

  private multiField(value: unknown, type: string): B24Record[] {
    return listOf(value)
      .filter(isRecord)
      .filter((item) => str(item['VALUE']))
      .map((item) => ({
        ID: String(this.nextIds.multi++),
        VALUE_TYPE: str(item['VALUE_TYPE']) ?? 'WORK',
        VALUE: String(item['VALUE']),
        TYPE_ID: type,
      }));
  }

  private contactById(p: Params): B24Record {
    const id = positiveId(p['id'] ?? p['ID']);
    const contact = this.contactMap.get(id);
    if (!contact) throw notFound();
    return contact;
  }

  /** crm.contact.list leaves PHONE/EMAIL out unless selected by name. */
  private publicContact(contact: B24Record, withMulti: boolean, select?: string[]): B24Record {
    const copy = structuredClone(contact);
    if (!withMulti) {
      delete copy['PHONE'];
      delete copy['EMAIL'];
    }
    if (!select || select.length === 0 || select.includes('*')) {
      if (select?.includes('PHONE')) copy['PHONE'] = structuredClone(contact['PHONE']);
      if (select?.includes('EMAIL')) copy['EMAIL'] = structuredClone(contact['EMAIL']);
      return copy;
    }
    return Object.fromEntries(select.filter((f) => f in contact).map((f) => [f, structuredClone(contact[f])]));
  }

  private contactList(p: Params): { result: unknown; total: number; next?: number } {
    const filter = isRecord(p['filter']) ? p['filter'] : {};
    const select = listOf(p['select']).map(String);
    const rows = [...this.contactMap.values()].filter((c) =>
      Object.entries(filter).every(([key, expected]) => {
        if (key === 'PHONE')
          return (c['PHONE'] as B24Record[]).some((m) => samePhone(String(m['VALUE']), String(expected)));
        if (key === 'EMAIL')
          return (c['EMAIL'] as B24Record[]).some(
            (m) => String(m['VALUE']).toLowerCase() === String(expected).toLowerCase(),
          );
        return matches(c[key.replace(/^=/, '')], expected);
      }),
    );
    const sorted = sortRows(rows, isRecord(p['order']) ? p['order'] : { ID: 'ASC' });
    return page(
      sorted.map((c) => this.publicContact(c, false, select)),
      p['start'],
    );
  }

  private createDeal(fields: Params, byUserId: number): number {
    const currency = str(fields['CURRENCY_ID']) ?? 'RUB';
    if (!CURRENCIES.has(currency)) throw new B24Error(400, '', 'Invalid value for the "Currency" field');
    let categoryId = Number(fields['CATEGORY_ID'] ?? 0);
    // Bitrix24 puts a deal with an unknown funnel into the general one, and one without a
    // (valid) stage into its funnel's first stage.
    if (!this.categories.some((c) => c.id === categoryId)) categoryId = 0;
    const requested = str(fields['STAGE_ID']);
    const stage = (requested && this.stageOf(categoryId, requested)) || this.firstStage(categoryId);
    const id = this.nextIds.deal++;
    const at = this.now();
    const deal: B24Record = {
      ID: String(id),
      TITLE: str(fields['TITLE']) ?? '',
      TYPE_ID: str(fields['TYPE_ID']) ?? 'SALE',
      STAGE_ID: String(stage['STATUS_ID']),
      PROBABILITY: null,
      CURRENCY_ID: currency,
      OPPORTUNITY: money(fields['OPPORTUNITY']),
      IS_MANUAL_OPPORTUNITY: fields['OPPORTUNITY'] !== undefined ? 'Y' : 'N',
      TAX_VALUE: '0.00',
      LEAD_ID: null,
      COMPANY_ID: '0',
      CONTACT_ID:
        fields['CONTACT_ID'] !== undefined && fields['CONTACT_ID'] !== '' ? String(fields['CONTACT_ID']) : null,
      QUOTE_ID: null,
      BEGINDATE: b24Date(at),
      CLOSEDATE: b24Date(at + 7 * 86_400_000),
      ASSIGNED_BY_ID: String(fields['ASSIGNED_BY_ID'] ?? byUserId),
      CREATED_BY_ID: String(byUserId),
      MODIFY_BY_ID: String(byUserId),
      DATE_CREATE: b24Time(at),
      DATE_MODIFY: b24Time(at),
      OPENED: str(fields['OPENED']) ?? 'Y',
      CLOSED: 'N',
      COMMENTS: str(fields['COMMENTS']),
      ADDITIONAL_INFO: null,
      LOCATION_ID: null,
      CATEGORY_ID: String(categoryId),
      STAGE_SEMANTIC_ID: semanticId(stage),
      IS_NEW: 'Y',
      IS_RECURRING: 'N',
      IS_RETURN_CUSTOMER: 'N',
      IS_REPEATED_APPROACH: 'N',
      SOURCE_ID: str(fields['SOURCE_ID']),
      SOURCE_DESCRIPTION: str(fields['SOURCE_DESCRIPTION']),
      ORIGINATOR_ID: str(fields['ORIGINATOR_ID']),
      ORIGIN_ID: str(fields['ORIGIN_ID']),
      MOVED_BY_ID: String(byUserId),
      MOVED_TIME: b24Time(at),
      LAST_ACTIVITY_TIME: b24Time(at),
      UTM_SOURCE: null,
      UTM_MEDIUM: null,
      UTM_CAMPAIGN: null,
      UTM_CONTENT: null,
      UTM_TERM: null,
      LAST_ACTIVITY_BY: String(byUserId),
    };
    this.closeIfFinal(deal, at);
    this.dealMap.set(id, deal);
    return id;
  }

  private applyDealFields(deal: B24Record, fields: Params, byUserId: number): void {
    const at = this.now();
    if (fields['CURRENCY_ID'] !== undefined) {
      const currency = String(fields['CURRENCY_ID']);
      if (!CURRENCIES.has(currency)) throw new B24Error(400, '', 'Invalid value for the "Currency" field');
      deal['CURRENCY_ID'] = currency;
    }
    for (const key of [
      'TITLE',
      'TYPE_ID',
      'SOURCE_ID',
      'SOURCE_DESCRIPTION',
      'COMMENTS',
      'OPENED',
      'ORIGINATOR_ID',
      'ORIGIN_ID',
    ]) {
      if (fields[key] !== undefined) deal[key] = str(fields[key]);
    }
    for (const key of ['ASSIGNED_BY_ID', 'CONTACT_ID']) if (fields[key] !== undefined) deal[key] = String(fields[key]);
    if (fields['OPPORTUNITY'] !== undefined) {
      deal['OPPORTUNITY'] = money(fields['OPPORTUNITY']);
      deal['IS_MANUAL_OPPORTUNITY'] = 'Y';
    }
    const stageId = str(fields['STAGE_ID']);
    // The funnel is not changed through crm.deal.update; a stage from another funnel is ignored.
    const stage = stageId ? this.stageOf(Number(deal['CATEGORY_ID']), stageId) : undefined;
    if (stage && stage['STATUS_ID'] !== deal['STAGE_ID']) {
      deal['STAGE_ID'] = stage['STATUS_ID'];
      deal['STAGE_SEMANTIC_ID'] = semanticId(stage);
      deal['MOVED_BY_ID'] = String(byUserId);
      deal['MOVED_TIME'] = b24Time(at);
      deal['IS_NEW'] = 'N';
      deal['CLOSED'] = 'N';
      this.closeIfFinal(deal, at);
    }
    deal['MODIFY_BY_ID'] = String(byUserId);
    deal['DATE_MODIFY'] = b24Time(at);
  }

  /** A won or lost stage closes the deal and sets its close date to today. */
  private closeIfFinal(deal: B24Record, at: number): void {
    if (deal['STAGE_SEMANTIC_ID'] === 'S' || deal['STAGE_SEMANTIC_ID'] === 'F') {
      deal['CLOSED'] = 'Y';
      deal['CLOSEDATE'] = b24Date(at);
    }
  }

  private dealById(p: Params): B24Record {
    const id = positiveId(p['id'] ?? p['ID']);
    const deal = this.dealMap.get(id);
    if (!deal) throw notFound();
    return deal;
  }

  private dealList(p: Params): { result: unknown; total: number; next?: number } {
    const filter = isRecord(p['filter']) ? p['filter'] : {};
    const select = listOf(p['select']).map(String);
    const rows = [...this.dealMap.values()].filter((d) =>
      Object.entries(filter).every(([key, expected]) => matches(d[key.replace(/^=/, '')], expected)),
    );
    const sorted = sortRows(rows, isRecord(p['order']) ? p['order'] : { ID: 'ASC' });
    const shaped =
      select.length === 0 || select.includes('*')
        ? sorted.map((d) => structuredClone(d))
        : sorted.map((d) => Object.fromEntries(select.filter((f) => f in d).map((f) => [f, d[f]])));
    return page(shaped, p['start']);
  }

  private commentAdd(p: Params): number {
    const fields = requireFields(p);
    if (fields['ENTITY_ID'] === undefined || fields['ENTITY_TYPE'] === undefined) {
      throw new B24Error(400, '100', 'Required fields not provided');
    }
    const type = String(fields['ENTITY_TYPE']).toLowerCase();
    const entityId = Number(fields['ENTITY_ID']);
    const exists =
      type === 'deal' ? this.dealMap.has(entityId) : type === 'contact' ? this.contactMap.has(entityId) : false;
    if (!exists) throw new B24Error(400, 'OWNER_NOT_FOUND', 'Owner of the element not found');
    const comment = str(fields['COMMENT']);
    if (!comment) throw new B24Error(400, 'INVALID_ARG_VALUE', 'Empty comment');
    const id = this.nextIds.comment++;
    this.commentList.push({
      ID: String(id),
      CREATED: b24Time(this.now()),
      ENTITY_ID: String(entityId),
      ENTITY_TYPE: type,
      AUTHOR_ID: String(fields['AUTHOR_ID'] ?? this.userId),
      COMMENT: comment,
      FILES: [],
    });
    return id;
  }

  private commentListOf(p: Params): { result: unknown; total: number; next?: number } {
    const filter = isRecord(p['filter']) ? p['filter'] : {};
    const rows = this.commentList.filter(
      (c) =>
        (filter['ENTITY_ID'] === undefined || c['ENTITY_ID'] === String(filter['ENTITY_ID'])) &&
        (filter['ENTITY_TYPE'] === undefined || c['ENTITY_TYPE'] === String(filter['ENTITY_TYPE']).toLowerCase()),
    );
    return page(
      rows.map((c) => structuredClone(c)),
      p['start'],
    );
  }

  // --- stages ------------------------------------------------------------------------------------

  private addStatus(
    entityId: string,
    categoryId: number | null,
    stage: FakeBitrix24StageInput,
    sort: number,
    system: boolean,
  ): void {
    const semantics = stage.semantic ?? null;
    const extra =
      semantics === 'S'
        ? 'success'
        : semantics === 'F'
          ? stage.id.endsWith('LOSE')
            ? 'failure'
            : 'apology'
          : 'process';
    const isStage = entityId.startsWith('DEAL_STAGE');
    this.statuses.push({
      ID: String(this.nextIds.status++),
      ENTITY_ID: entityId,
      STATUS_ID: stage.id,
      NAME: stage.name,
      NAME_INIT: system && ['NEW', 'WON', 'LOSE'].includes(stage.id) ? stage.name : '',
      SORT: String(sort),
      SYSTEM: ['NEW', 'WON', 'LOSE'].includes(stage.id.replace(/^C\d+:/, '')) ? 'Y' : 'N',
      CATEGORY_ID: categoryId === null ? null : String(categoryId),
      ...(isStage
        ? {
            COLOR: semantics === 'S' ? '#7BD500' : semantics === 'F' ? '#FF5752' : '#39A8EF',
            SEMANTICS: semantics,
            EXTRA: {
              SEMANTICS: extra,
              COLOR: semantics === 'S' ? '#7BD500' : semantics === 'F' ? '#FF5752' : '#39A8EF',
            },
          }
        : {}),
    });
  }

  private stageOf(categoryId: number, stageId: string): B24Record | undefined {
    return this.statuses.find((s) => s['ENTITY_ID'] === stageEntity(categoryId) && s['STATUS_ID'] === stageId);
  }

  private firstStage(categoryId: number): B24Record {
    const stages = sortRows(
      this.statuses.filter((s) => s['ENTITY_ID'] === stageEntity(categoryId)),
      { SORT: 'ASC' },
    );
    if (!stages.length) throw new B24Error(400, '', `No stages in category ${categoryId}`);
    return stages[0];
  }

  // --- events ------------------------------------------------------------------------------------

  private sendEventLater(event: Binding['event'], dealId: string): void {
    if (!this.bindings.some((b) => b.event === event)) return;
    const pending = this.sendEvent(event, dealId).catch(() => null);
    this.inFlight.add(pending);
    void pending.finally(() => this.inFlight.delete(pending));
  }

  /** POSTs the event to every handler bound to it; answers the first handler's status. */
  private async sendEvent(event: Binding['event'], dealId: string): Promise<number | null> {
    const targets = this.bindings.filter((b) => b.event === event);
    if (!targets.length) throw new Error(`FakeBitrix24: nothing bound to ${event}; call bindEvents(url) first`);
    const statuses: (number | null)[] = [];
    for (const target of targets) {
      // The field order of Bitrix24's outbound webhook (see EXTERNAL-APIS.md §5).
      const body = new URLSearchParams([
        ['event', event],
        ['event_handler_id', String(target.handlerId)],
        ['data[FIELDS][ID]', dealId],
        ['ts', String(Math.floor(this.now() / 1000))],
        ['auth[domain]', this.portal],
        ['auth[member_id]', this.memberId],
        ['auth[application_token]', this.applicationToken],
      ]).toString();
      let status: number | null = null;
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Bitrix24 Webhook Engine' },
          body,
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = null;
      }
      this.deliveryLog.push({ event, dealId, url: target.url, body, status });
      statuses.push(status);
    }
    return statuses[0];
  }
}

// --- helpers -------------------------------------------------------------------------------------

function stageEntity(categoryId: number): string {
  return categoryId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${categoryId}`;
}

function semanticId(stage: B24Record): string {
  return stage['SEMANTICS'] === 'S' ? 'S' : stage['SEMANTICS'] === 'F' ? 'F' : 'P';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON arrays and PHP-form `a[0]=…&a[1]=…` objects both read as lists. */
function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isRecord(value)) return Object.values(value);
  return value === undefined || value === null ? [] : [value];
}

function str(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return String(value);
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || ['1', 'true', 'Y', 'y'].includes(String(value));
}

function requireFields(p: Params): Params {
  const fields = p['fields'] ?? p['FIELDS'];
  if (!isRecord(fields)) throw fieldsNotArray();
  return fields;
}

function positiveId(value: unknown): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0) throw badId();
  return id;
}

function matches(actual: unknown, expected: unknown): boolean {
  const wanted = Array.isArray(expected) || isRecord(expected) ? listOf(expected).map(String) : [String(expected)];
  return wanted.includes(String(actual));
}

function samePhone(a: string, b: string): boolean {
  const digits = (s: string) => s.replace(/\D/g, '');
  return digits(a) !== '' && digits(a) === digits(b);
}

function sortRows(rows: B24Record[], order: Record<string, unknown>): B24Record[] {
  const entries = Object.entries(order);
  return [...rows].sort((a, b) => {
    for (const [field, dir] of entries) {
      const x = a[field];
      const y = b[field];
      const nx = Number(x);
      const ny = Number(y);
      const cmp = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : String(x ?? '').localeCompare(String(y ?? ''));
      if (cmp !== 0) return String(dir).toUpperCase() === 'DESC' ? -cmp : cmp;
    }
    return 0;
  });
}

/** List methods answer 50 rows a page, with `next` while more remain and `total`. */
function page<T>(rows: T[], start: unknown): { result: T[]; total: number; next?: number } {
  const from = Math.max(0, Number(start) || 0);
  const slice = rows.slice(from, from + PAGE);
  return { result: slice, total: rows.length, ...(from + PAGE < rows.length ? { next: from + PAGE } : {}) };
}

/** An amount as Bitrix24 stores it: decimal with two places, as a string ("15000.00"). */
function money(value: unknown): string {
  const text = value === undefined || value === null || value === '' ? '0' : String(value).trim();
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return '0.00';
  const [, sign, whole, fraction = ''] = match;
  let cents = BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
  if (Number(fraction[2] ?? '0') >= 5) cents += 1n;
  const abs = cents.toString().padStart(3, '0');
  return `${sign && cents !== 0n ? '-' : ''}${abs.slice(0, -2)}.${abs.slice(-2)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2026-01-01T03:00:00+03:00`: Bitrix24 answers in the portal's time zone. */
function b24Time(ms: number): string {
  const local = new Date(ms + PORTAL_OFFSET_MIN * 60_000);
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return `${date}T${time}+${pad(PORTAL_OFFSET_MIN / 60)}:${pad(PORTAL_OFFSET_MIN % 60)}`;
}

/** Date fields (BEGINDATE, CLOSEDATE) carry midnight of the portal's day. */
function b24Date(ms: number): string {
  return `${b24Time(ms).slice(0, 10)}T00:00:00+${pad(PORTAL_OFFSET_MIN / 60)}:${pad(PORTAL_OFFSET_MIN % 60)}`;
}

function timeInfo(start: number, finish: number): B24Record {
  return {
    start: start / 1000,
    finish: finish / 1000,
    duration: (finish - start) / 1000,
    processing: (finish - start) / 1000,
    date_start: b24Time(start),
    date_finish: b24Time(finish),
    operating_reset_at: Math.floor(start / 1000) + 600,
    operating: 0,
  };
}

function outagePage(status: number): FakeReply {
  const title =
    status === 502 ? '502 Bad Gateway' : status === 504 ? '504 Gateway Time-out' : `${status} Service Unavailable`;
  return {
    status,
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
    headers: { 'content-type': 'text/html' },
  };
}

/** `$result[key][FIELD][0]` in a batch command's parameter → that value from an earlier command. */
function resolveReferences(value: unknown, results: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$result\[([^\]]+)\]((?:\[[^\]]*\])*)/g, (whole, key: string, rest: string) => {
      let node: unknown = results[key];
      for (const part of rest.match(/\[([^\]]*)\]/g) ?? []) {
        const k = part.slice(1, -1);
        node = Array.isArray(node) ? node[Number(k)] : isRecord(node) ? node[k] : undefined;
      }
      return node === undefined || node === null || typeof node === 'object' ? whole : String(node);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, results));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, results)]));
  return value;
}

/** A token or code shaped like Bitrix24's (70 hex digits). */
function token(): string {
  return randomBytes(35).toString('hex');
}
