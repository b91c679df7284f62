import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { FakeAmoCrm, FakeBitrix24, FakeMax, FakeTelegram, FakeWhatsApp } from '@onebox/fakes';
import { randomUUID } from 'node:crypto';
import type { Namespace } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { AgentGateway } from '../src/realtime/agent.gateway';
import { RealtimeService } from '../src/realtime/realtime.service';
import { WebchatGateway } from '../src/realtime/webchat.gateway';
import { platformEnv } from './platforms';
import { api, connectAgent, connectVisitor, startTestApp, type TestApp } from './test-app';
import { buildTenant, settle, type Role, type Tenant } from './tenants';

jest.setTimeout(600_000);

/**
 * The cross-tenant matrix, generated from the running app's route table: every route with path
 * params is called with workspace A's credentials (admin, head, manager) on workspace B's ids,
 * and must answer exactly as it does for ids that exist nowhere; B's rows must not change. Ids in
 * query strings and bodies (found in the OpenAPI document the app serves) get the same treatment,
 * and so do the socket events the gateways accept. A new route, param or id field without an
 * entry here fails the suite instead of going untested.
 */

/** What each path param names, by the path segment before it. */
type Kind =
  | 'conversation'
  | 'message'
  | 'channel'
  | 'contact'
  | 'crm'
  | 'tag'
  | 'canned'
  | 'user'
  | 'offer'
  | 'mention'
  | 'attachment';

const PARAM_KINDS: Record<string, Kind> = {
  'conversations/:id': 'conversation',
  'messages/:messageId': 'message',
  'channels/:id': 'channel',
  'contacts/:id': 'contact',
  'crm/:id': 'crm',
  'tags/:id': 'tag',
  'canned-responses/:id': 'canned',
  'users/:id': 'user',
  'offers/:id': 'offer',
  'mentions/:id': 'mention',
};

/** Ids in query strings and bodies (OpenAPI), by field name. */
const FIELD_KINDS: Record<string, Kind> = {
  channelId: 'channel',
  channelIds: 'channel',
  managerId: 'user',
  assignee: 'user',
  assigneeId: 'user',
  mentionedUserIds: 'user',
  cannedResponseId: 'canned',
  attachmentIds: 'attachment',
  contactId: 'contact',
};

/** Id-like fields that do not name a Onebox record. */
const NOT_RECORD_IDS = new Set([
  'clientMessageId', // chosen by the client for idempotency, scoped to the conversation
  'pipelineId', // the CRM's own pipeline id
  'stageId', // the CRM's own stage id
  'externalId', // the CRM's own deal id
]);

const ID_LIKE = /(^id$|Id$|Ids$|^assignee$)/;

/**
 * Routes that take no user credentials: what they answer cannot depend on the caller's workspace.
 * Each says what protects it instead; a route that stops being public (or a new public one) fails.
 */
const PUBLIC_ROUTES: Record<string, string> = {
  'POST /api/auth/login': 'the login itself (rate limited per IP and account)',
  'GET /health': 'liveness',
  'GET /ready': 'readiness (database and Redis reachable)',
  'GET /metrics': 'Prometheus metrics: METRICS_TOKEN bearer when set, else for a private network',
  'GET /widget.js': 'the widget bundle',
  'GET /demo': 'the demo shop page',
  'GET /api/crm/oauth/callback': 'the CRM redirect; its state is signed for one connection',
  'POST /api/webchat/uploads': "widget key + that channel's visitor token",
  'GET /files/:id/:name':
    'capability URL: the random attachment id is the key (the widget and <img> tags cannot send a bearer token)',
  'POST /webhooks/:type/:channelId': 'signature / secret of the channel (forged-webhooks suite)',
  'GET /webhooks/:type/:channelId': "WhatsApp's verify token (forged-webhooks suite)",
  'POST /webhooks/amocrm/:crmId/:secret': "the connection's secret in the URL (forged-webhooks suite)",
  'POST /webhooks/bitrix24/:crmId': "the portal's application token (forged-webhooks suite)",
};

const GUARD_ANSWER = JSON.stringify({ code: 'unauthorized', message: 'Sign in to continue' });

/** Framework routes of the OpenAPI viewer. */
const DOCS = /^\/api\/docs/;

interface Ctx {
  role: Role;
  a: Tenant;
  /** A's own first id of a kind. */
  own(kind: Kind, index?: number): string;
}

/** A valid body for every route that takes one, so validation never hides an answer. */
const BODIES: Record<string, (ctx: Ctx) => unknown> = {
  'PATCH /api/users/:id': () => ({ maxChats: 3 }),
  'POST /api/users/:id/password': () => ({ newPassword: 'probe-password-1' }),
  'POST /api/conversations/:id/messages': () => ({ text: 'probe' }),
  'POST /api/conversations/:id/messages/:messageId/retry': () => ({}),
  'POST /api/conversations/:id/assign': (ctx) => ({ assigneeId: ctx.a.users[ctx.role].id }),
  'POST /api/conversations/:id/status': () => ({ status: 'resolved' }),
  'PUT /api/conversations/:id/tags': () => ({ tags: ['probe'] }),
  'POST /api/conversations/:id/read': () => ({}),
  'PATCH /api/crm/:id': () => ({ name: 'probe', autoCreateDeal: false }),
  'POST /api/crm/:id/retry': () => ({}),
  'POST /api/conversations/:id/deal': () => ({ title: 'probe' }),
  'PATCH /api/conversations/:id/deal': () => ({ amount: '10.00', currency: 'RUB' }),
  'PATCH /api/tags/:id': () => ({ name: 'probe', color: '#00ff00' }),
  'PATCH /api/canned-responses/:id': () => ({ title: 'probe' }),
  'POST /api/contacts/:id/merge': (ctx) => ({ contactId: ctx.own('contact', 1) }),
  'PUT /api/channels/:id/bot': () => ({ enabled: false }),
  'POST /api/mentions/:id/read': () => ({}),
  'PUT /api/channels/:id/working-hours': () => ({ workingHours: { mon: [{ from: '09:00', to: '18:00' }] } }),
  'PUT /api/channels/:id/proactive': () => ({ triggers: [] }),
  'PUT /api/channels/:id/routing': () => ({ mode: 'open' }),
  'POST /api/offers/:id/accept': () => ({}),
  'POST /api/offers/:id/decline': () => ({}),
  'POST /api/conversations/:id/transfer': () => ({ assigneeId: null }),
  // Routes without path params that take ids in their bodies.
  'POST /api/users': () => ({
    email: `probe-${randomUUID()}@onebox.test`,
    name: 'probe',
    password: 'probe-pass-1',
    role: 'manager',
  }),
  'POST /api/channels': () => ({ type: 'webchat', name: 'probe', credentials: {} }),
  'POST /api/crm': () => ({ type: 'amocrm', name: 'probe', settings: {} }),
  'POST /api/tags': () => ({ name: `probe-${randomUUID().slice(0, 8)}` }),
  'POST /api/canned-responses': () => ({ title: 'probe', text: 'probe' }),
  'PUT /api/workspace/settings': () => ({}),
  'PUT /api/surveys/settings': () => ({ enabled: true }),
};

/** Query strings routes need to answer 200 (`probe` becomes B's marker in searches). */
const DAY = 86_400_000;
const RANGE = `from=${new Date(Date.now() - 30 * DAY).toISOString()}&to=${new Date(Date.now() + DAY).toISOString()}`;
const QUERIES: Record<string, string> = {
  'GET /api/search': 'q=probe',
  'GET /api/contacts': 'q=probe',
  'GET /api/conversations': 'status=all&q=probe',
  'GET /api/canned-responses': 'q=probe',
  'GET /api/analytics/summary': RANGE,
  'GET /api/analytics/timeseries': `${RANGE}&metric=chats`,
  'GET /api/analytics/cycles': RANGE,
  'GET /api/analytics/heatmap': RANGE,
  'GET /api/analytics/distribution': RANGE,
  'GET /api/analytics/agents': RANGE,
  'GET /api/analytics/conversations.csv': RANGE,
  'GET /api/analytics/summary.csv': RANGE,
  'GET /api/analytics/agents.csv': RANGE,
};

const ROLES: Role[] = ['admin', 'head', 'manager'];
const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

interface Route {
  method: string;
  path: string;
  key: string;
  params: string[];
}

interface Answer {
  status: number;
  type: string;
  text: string;
}

describe('cross-tenant matrix (workspace A’s credentials on workspace B’s ids)', () => {
  const WA_B = {
    phoneNumberId: '106540352242922',
    accessToken: 'EAAGcrosstenantB0123456789',
    appSecret: 'b-app-secret',
    verifyToken: 'b-verify',
  };
  const MAX_TOKEN = 'max-cross-tenant-token-0123456789';
  const telegram = new FakeTelegram();
  const whatsapp = new FakeWhatsApp({
    phoneNumberId: WA_B.phoneNumberId,
    accessToken: WA_B.accessToken,
    appSecret: WA_B.appSecret,
  });
  const max = new FakeMax({ token: MAX_TOKEN });
  const amo = new FakeAmoCrm({ subdomain: 'victimco' });
  const bitrix = new FakeBitrix24();
  let t: TestApp;
  let a: Tenant;
  let b: Tenant;
  let routes: Route[];
  let doc: OpenApi;
  const pools = new Map<string, Pool>();
  const figures = { requests: 0, foreign: 0, routes: 0, referenceFields: 0, socketEmits: 0, leaks: [] as string[] };
  const aEvents: { role: Role; event: string; payload: unknown }[] = [];
  const aSockets: Socket[] = [];
  /** Statuses B's own admin got on the GET routes' URLs with B's ids. */
  const controls = new Map<string, number[]>();
  const route = (key: string) => routes.find((r) => r.key === key);

  async function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<Answer> {
    figures.requests++;
    const res = await fetch(t.url + path, {
      method: method.toUpperCase(),
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  /** B's rows in every table that has a workspace_id (and B's workspace row). */
  async function snapshot(tenant: Tenant): Promise<Record<string, string[]>> {
    const tables: { table_name: string }[] = await t.db.query(
      `SELECT table_name FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name = 'workspace_id' ORDER BY table_name`,
    );
    const out: Record<string, string[]> = {};
    for (const { table_name } of tables) {
      const rows: { r: string }[] = await t.db.query(
        `SELECT to_jsonb(x)::text AS r FROM ${table_name} x WHERE workspace_id = $1`,
        [tenant.workspaceId],
      );
      out[table_name] = rows.map((r) => r.r).sort();
    }
    out['workspaces'] = (
      (await t.db.query(`SELECT to_jsonb(w)::text AS r FROM workspaces w WHERE id = $1`, [tenant.workspaceId])) as {
        r: string;
      }[]
    ).map((r) => r.r);
    return out;
  }

  interface Pool {
    ids: { id: string; conversationId?: string }[];
  }

  async function loadPools(tenant: Tenant): Promise<void> {
    const ws = tenant.workspaceId;
    const q = async (sql: string) =>
      ((await t.db.query(sql, [ws])) as { id: string; conversation_id?: string }[]).map((r) => ({
        id: r.id,
        conversationId: r.conversation_id,
      }));
    const sources: Record<Kind, string> = {
      conversation: `SELECT id FROM conversations WHERE workspace_id = $1 ORDER BY created_at`,
      // One of each sort: inbound, outbound, failed, private note.
      message: `SELECT DISTINCT ON (direction, private, status = 'failed') id, conversation_id FROM messages
                WHERE workspace_id = $1 ORDER BY direction, private, status = 'failed', created_at`,
      channel: `SELECT id FROM channels WHERE workspace_id = $1 ORDER BY created_at`,
      contact: `SELECT id FROM contacts WHERE workspace_id = $1 ORDER BY created_at`,
      crm: `SELECT id FROM crm_connections WHERE workspace_id = $1`,
      tag: `SELECT id FROM tags WHERE workspace_id = $1 ORDER BY name`,
      canned: `SELECT id FROM canned_responses WHERE workspace_id = $1 ORDER BY created_at`,
      user: `SELECT id FROM users WHERE workspace_id = $1 ORDER BY created_at`,
      offer: `SELECT id, conversation_id FROM routing_offers WHERE workspace_id = $1`,
      mention: `SELECT id, conversation_id FROM mentions WHERE workspace_id = $1 ORDER BY created_at LIMIT 2`,
      attachment: `SELECT id FROM attachments WHERE workspace_id = $1`,
    };
    for (const [kind, sql] of Object.entries(sources)) {
      const ids = await q(sql);
      expect({ tenant: tenant.label, kind, found: ids.length > 0 }).toEqual({
        tenant: tenant.label,
        kind,
        found: true,
      });
      pools.set(`${tenant.label}:${kind}`, { ids });
    }
  }

  const pool = (tenant: Tenant, kind: Kind) => pools.get(`${tenant.label}:${kind}`)!.ids;

  function kindOf(route: Route, param: string): Kind | undefined {
    const segments = route.path.split('/');
    const at = segments.indexOf(`:${param}`);
    return PARAM_KINDS[`${segments[at - 1]}/:${param}`];
  }

  function fill(path: string, values: Record<string, string>): string {
    return path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(values[name]));
  }

  /** Both answers with the substituted ids replaced by one placeholder: they must then be equal. */
  function normalized(answer: Answer, ids: string[]): Answer {
    let text = answer.text;
    for (const id of ids) text = text.split(id).join('<id>');
    return { ...answer, text };
  }

  /** Nothing of B may reach A: not B's marker, not one of B's ids. */
  function assertNothingOfB(where: string, text: string): void {
    const found = [
      b.marker,
      b.workspaceId,
      ...[...pools.entries()].filter(([k]) => k.startsWith(`${b.label}:`)).flatMap(([, p]) => p.ids.map((i) => i.id)),
    ].filter((needle) => text.includes(needle));
    if (found.length) figures.leaks.push(`${where}: ${found.join(', ')}`);
  }

  /** The same request with B's ids and with fresh missing ids: equal answers, neither a 400 nor a 5xx. */
  async function compare(
    label: string,
    role: Role,
    build: (ids: (kind: Kind, index: number) => string) => { method: string; path: string; body?: unknown },
    foreignKinds: Kind[],
    index: number,
    /** A body or query field whose unknown value is a 400 naming it (not a path id: that 404s). */
    field?: string,
  ): Promise<void> {
    const substituted: string[] = [];
    const foreign = build((kind, i) => {
      const list = pool(b, kind);
      const id = list[(index + i) % list.length].id;
      substituted.push(id);
      return id;
    });
    const missingIds: string[] = [];
    const missing = build(() => {
      const id = randomUUID();
      missingIds.push(id);
      return id;
    });
    expect(foreignKinds.length).toBeGreaterThan(0);
    const token = a.users[role].token;
    figures.foreign++;
    const got = await call(foreign.method, foreign.path, token, foreign.body);
    const absent = await call(missing.method, missing.path, token, missing.body);
    assertNothingOfB(`${role} ${label}`, got.text);
    const where = `${role} ${foreign.method.toUpperCase()} ${foreign.path} ${JSON.stringify(foreign.body ?? '')}`;
    const namesField = field !== undefined && absent.text.includes(`"field":"${field}"`);
    if (absent.status === 400 && !namesField)
      throw new Error(`${where}: the missing-id call answered 400 (${absent.text}): give BODIES a valid body`);
    if (absent.status >= 500 || got.status >= 500)
      throw new Error(`${where}: ${got.status} / ${absent.status}: ${got.text}`);
    // The control: B's own admin on the same GET finds the record, so an equal answer is a real one.
    if (foreign.method === 'get' && role === 'admin' && foreignKinds.length === route(label)?.params.length) {
      const own = await call(foreign.method, foreign.path, b.users.admin.token);
      controls.set(label, [...(controls.get(label) ?? []), own.status]);
    }
    const x = normalized(got, substituted);
    const y = normalized(absent, missingIds);
    if (x.status !== y.status || x.text !== y.text || x.type !== y.type) {
      figures.leaks.push(`${where}: ${got.status} ${got.text} ≠ missing ${absent.status} ${absent.text}`);
    }
  }

  beforeAll(async () => {
    for (const fake of [telegram, whatsapp, max, amo, bitrix]) await fake.start();
    t = await startTestApp(platformEnv({ telegram, whatsapp, max, amo, bitrix }));
    b = await buildTenant(t, 'victim', {
      telegram,
      whatsapp: { fake: whatsapp, credentials: WA_B },
      max: { fake: max, token: MAX_TOKEN },
      amocrm: amo,
    });
    a = await buildTenant(t, 'attacker', { bitrix24: bitrix });
    await loadPools(a);
    await loadPools(b);
    const express = t.app.getHttpAdapter().getInstance() as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    routes = express.router.stack
      .filter((layer) => layer.route && !DOCS.test(layer.route.path))
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map((method) => ({
          method,
          path: layer.route!.path,
          key: `${method.toUpperCase()} ${layer.route!.path}`,
          params: [...layer.route!.path.matchAll(/:(\w+)/g)].map((m) => m[1]),
        })),
      );
    doc = (await (await fetch(`${t.url}/api/docs-json`)).json()) as OpenApi;
    await settle(t, b.workspaceId);
  });

  afterAll(async () => {
    aSockets.forEach((s) => s.close());
    console.log(
      `cross-tenant: ${figures.routes} routes with ids, ${figures.referenceFields} id fields in queries/bodies, ` +
        `${figures.foreign} HTTP requests with A's credentials on B's ids (${figures.requests} in all, with the ` +
        `missing-id twins and controls), ${figures.socketEmits} socket events; ${figures.leaks.length} leaks`,
    );
    await t?.close();
    for (const fake of [telegram, whatsapp, max, amo, bitrix]) await fake.stop();
  });

  it('knows every route of the running app: public ones by name, every path param by its id source', async () => {
    expect(routes.length).toBeGreaterThan(50);
    const problems: string[] = [];
    for (const route of routes) {
      const anonymous = await call(
        route.method,
        fill(route.path, Object.fromEntries(route.params.map((p) => [p, randomUUID()]))),
        undefined,
      );
      // The login guard's own answer; anything else comes from the route itself.
      const isPublic = !(anonymous.status === 401 && anonymous.text === GUARD_ANSWER);
      if (isPublic !== route.key in PUBLIC_ROUTES) {
        problems.push(
          `${route.key}: ${isPublic ? 'public but not in PUBLIC_ROUTES' : 'in PUBLIC_ROUTES but needs a login'}`,
        );
      }
      if (isPublic) continue;
      for (const param of route.params) {
        if (!kindOf(route, param)) problems.push(`${route.key}: no id source for :${param} (add it to PARAM_KINDS)`);
      }
      if (MUTATING.has(route.method) && route.method !== 'delete' && !(route.key in BODIES) && route.params.length) {
        problems.push(`${route.key}: no valid body in BODIES`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers A on B’s path ids exactly like on missing ids, for admin, head and manager, and B’s rows do not change', async () => {
    const before = await snapshot(b);
    const tried = routes.filter((r) => r.params.length > 0 && !(r.key in PUBLIC_ROUTES));
    figures.routes = tried.length;
    for (const route of tried) {
      const kinds = route.params.map((p) => kindOf(route, p)!);
      // Every non-empty subset of the params is B's; the others are A's own (A's conversation, B's message).
      for (let mask = 1; mask < 1 << kinds.length; mask++) {
        const foreignKinds = kinds.filter((_, i) => mask & (1 << i));
        const rounds = Math.max(...foreignKinds.map((k) => pool(b, k).length));
        for (let index = 0; index < rounds; index++) {
          for (const role of ROLES) {
            const ctx: Ctx = { role, a, own: (kind, i = 0) => pool(a, kind)[i % pool(a, kind).length].id };
            await compare(
              route.key,
              role,
              (id) => {
                const values: Record<string, string> = {};
                let parentConversation: string | undefined;
                route.params.forEach((param, i) => {
                  const kind = kinds[i];
                  if (!(mask & (1 << i))) {
                    values[param] = ctx.own(kind);
                    return;
                  }
                  // A message of B's conversation when both are B's, so the pair is a real one.
                  if (kind === 'message' && parentConversation) {
                    const match = pool(b, 'message').find((m) => m.conversationId === parentConversation);
                    values[param] = match ? id('message', pool(b, 'message').indexOf(match) - index) : id(kind, 0);
                    return;
                  }
                  values[param] = id(kind, 0);
                  if (kind === 'conversation') parentConversation = values[param];
                });
                return { method: route.method, path: fill(route.path, values), body: BODIES[route.key]?.(ctx) };
              },
              foreignKinds,
              index,
            );
          }
        }
      }
    }
    await settle(t, b.workspaceId);
    expect(figures.leaks).toEqual([]);
    expect(await snapshot(b)).toEqual(before);
    const unproven = tried
      .filter((r) => r.method === 'get')
      .filter((r) => !(controls.get(r.key) ?? []).some((status) => status < 400 || status === 409))
      .map((r) => `${r.key}: ${controls.get(r.key)?.join(',')}`);
    expect(unproven).toEqual([]);
  });

  it('answers A on B’s ids in query strings and bodies exactly like on missing ids', async () => {
    const before = await snapshot(b);
    const problems: string[] = [];
    for (const route of routes.filter((r) => !(r.key in PUBLIC_ROUTES))) {
      const operation = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method];
      if (!operation) continue;
      const fields = [
        ...(operation.parameters ?? [])
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, where: 'query' as const, array: false })),
        ...Object.entries(schemaOf(doc, operation)?.properties ?? {}).map(([name, s]) => ({
          name,
          where: 'body' as const,
          array: s.type === 'array',
        })),
      ].filter((f) => ID_LIKE.test(f.name) && !NOT_RECORD_IDS.has(f.name));
      for (const field of fields) {
        const kind = FIELD_KINDS[field.name];
        if (!kind) {
          problems.push(
            `${route.key}: ${field.where} field ${field.name} looks like an id: add it to FIELD_KINDS or NOT_RECORD_IDS`,
          );
          continue;
        }
        figures.referenceFields++;
        for (let index = 0; index < pool(b, kind).length; index++) {
          for (const role of ROLES) {
            const ctx: Ctx = { role, a, own: (k, i = 0) => pool(a, k)[i % pool(a, k).length].id };
            await compare(
              `${route.key} ${field.name}`,
              role,
              (id) => {
                const values = Object.fromEntries(route.params.map((p) => [p, ctx.own(kindOf(route, p)!)]));
                const value = id(kind, 0);
                let path = fill(route.path, values);
                let body = BODIES[route.key]?.(ctx) as Record<string, unknown> | undefined;
                const base = QUERIES[route.key] ? `${QUERIES[route.key]}&` : '';
                if (field.where === 'query') path += `?${base}${field.name}=${value}`;
                else body = { ...(body ?? {}), [field.name]: field.array ? [value] : value };
                return { method: route.method, path, body };
              },
              [kind],
              index,
              field.name,
            );
          }
        }
      }
    }
    expect(problems).toEqual([]);
    // amoCRM/Bitrix24 user mapping: Onebox user ids are the keys of `userMap`.
    for (const user of pool(b, 'user')) {
      await compare(
        'PATCH /api/crm/:id userMap',
        'admin',
        (id) => ({
          method: 'patch',
          path: `/api/crm/${pool(a, 'crm')[0].id}`,
          body: { userMap: { [id('user', pool(b, 'user').indexOf(user))]: '12345' } },
        }),
        ['user'],
        0,
        'userMap',
      );
    }
    await settle(t, b.workspaceId);
    expect(figures.leaks).toEqual([]);
    expect(await snapshot(b)).toEqual(before);
  });

  it('never shows B’s records in A’s lists, searches and analytics', async () => {
    for (const route of routes.filter((r) => r.method === 'get' && !r.params.length && !(r.key in PUBLIC_ROUTES))) {
      for (const role of ROLES) {
        const search = QUERIES[route.key]
          ? `?${QUERIES[route.key].replace('probe', encodeURIComponent(b.marker))}`
          : '';
        const answer = await call('get', route.path + search, a.users[role].token);
        expect({ route: route.key, role, status: answer.status === 403 ? 200 : answer.status }).toEqual({
          route: route.key,
          role,
          status: 200,
        });
        assertNothingOfB(`${role} ${route.key}`, answer.text);
        // The same search in B's own name finds B's records: the probe is a real one.
        if (search.includes(encodeURIComponent(b.marker)) && role === 'admin') {
          const own = await call('get', route.path + search, b.users.admin.token);
          expect(own.text).toContain(b.marker);
        }
      }
    }
    expect(figures.leaks).toEqual([]);
  });

  it('joins A’s sockets to none of B’s rooms and relays none of B’s events, for every event the gateways accept', async () => {
    const agentEvents = handlerEvents(AgentGateway);
    const webchatEvents = handlerEvents(WebchatGateway);
    // Payloads naming B's records, per event; events without ids are listed as such.
    // `acks`: the handler answers (the answer is compared); the others answer nothing.
    const agentPayloads: Record<string, { payload: (id: string) => unknown; acks: boolean } | null> = {
      'conversation.join': { payload: (id) => ({ conversationId: id }), acks: true },
      'conversation.leave': { payload: (id) => ({ conversationId: id }), acks: false },
      typing: { payload: (id) => ({ conversationId: id, typing: true }), acks: false },
      'presence.set': null,
      'presence.heartbeat': null,
    };
    const webchatPayloads: Record<
      string,
      ((ids: { attachment: string; survey: string; trigger: string }) => unknown) | null
    > = {
      'message.send': (ids) => ({ clientMessageId: randomUUID(), text: 'probe', attachmentIds: [ids.attachment] }),
      'survey.answer': (ids) => ({ surveyId: ids.survey, score: 5 }),
      'invitation.shown': (ids) => ({ triggerId: ids.trigger }),
      'page.view': null,
      'profile.update': null,
      typing: null,
    };
    expect(agentEvents.filter((e) => !(e in agentPayloads))).toEqual([]);
    expect(webchatEvents.filter((e) => !(e in webchatPayloads))).toEqual([]);
    // A's agents are online (connected only now: presence makes A's own analytics move with time).
    for (const role of ROLES) {
      const socket = await connectAgent(t.url, a.users[role].token);
      socket.onAny((event: string, payload: unknown) => aEvents.push({ role, event, payload }));
      aSockets.push(socket);
    }

    // B is live: its admin has every conversation open.
    const bAdmin = await connectAgent(t.url, b.users.admin.token);
    for (const { id } of pool(b, 'conversation')) await bAdmin.emitWithAck('conversation.join', { conversationId: id });
    const bTyping: unknown[] = [];
    bAdmin.on('typing', (p: unknown) => bTyping.push(p));

    const agentsNs = (t.app.get(RealtimeService) as unknown as { agents: Namespace }).agents;
    for (const [event, spec] of Object.entries(agentPayloads)) {
      if (!spec) continue;
      for (const { id } of pool(b, 'conversation')) {
        for (const [i, socket] of aSockets.entries()) {
          figures.socketEmits += 2;
          if (!spec.acks) {
            socket.emit(event, spec.payload(id));
            socket.emit(event, spec.payload(randomUUID()));
            continue;
          }
          const foreign = await socket.emitWithAck(event, spec.payload(id));
          const missing = await socket.emitWithAck(event, spec.payload(randomUUID()));
          if (JSON.stringify(foreign) !== JSON.stringify(missing))
            figures.leaks.push(`${ROLES[i]} socket ${event}: ${JSON.stringify(foreign)}`);
        }
      }
    }
    // Every event was handled (a round trip after the last one), and no A socket sits in a B room.
    for (const socket of aSockets) await socket.emitWithAck('presence.heartbeat');
    for (const { id } of pool(b, 'conversation')) {
      const inRoom = (await agentsNs.in(`conv:${id}`).fetchSockets()).map((s) => s.id);
      expect(inRoom.filter((sid) => aSockets.some((s) => s.id === sid))).toEqual([]);
    }

    // The widget: A's widget key with B's visitor token is a new visitor; B's records named in
    // A's widget events answer like missing ones.
    const stranger = await connectVisitor(t.url, a.widgetKey, b.visitor.visitorToken);
    expect(stranger.session.visitorToken).not.toBe(b.visitor.visitorToken);
    expect(stranger.session.history).toEqual([]);
    const [survey] = (await t.db.query(`SELECT id FROM surveys WHERE workspace_id = $1`, [b.workspaceId])) as {
      id: string;
    }[];
    const [{ settings }] = (await t.db.query(
      `SELECT settings FROM channels WHERE workspace_id = $1 AND type = 'webchat'`,
      [b.workspaceId],
    )) as { settings: { proactive?: { id: string }[] } }[];
    const trigger = settings.proactive?.[0]?.id;
    expect(trigger).toBeTruthy();
    for (const attachment of pool(b, 'attachment')) {
      for (const [event, payload] of Object.entries(webchatPayloads)) {
        if (!payload) continue;
        figures.socketEmits += 2;
        const foreign = await stranger.socket.emitWithAck(
          event,
          payload({ attachment: attachment.id, survey: survey.id, trigger: trigger! }),
        );
        const missing = await stranger.socket.emitWithAck(
          event,
          payload({ attachment: randomUUID(), survey: randomUUID(), trigger: randomUUID() }),
        );
        const strip = (x: unknown) => JSON.stringify(x).replace(/"id":"[0-9a-f-]{36}"/g, '"id":"<id>"');
        if (strip(foreign) !== strip(missing))
          figures.leaks.push(`widget ${event}: ${JSON.stringify(foreign)} ≠ ${JSON.stringify(missing)}`);
      }
    }
    stranger.socket.close();

    // B's own traffic: a message and typing in every conversation reach B's admin, never A.
    for (const { id } of pool(b, 'conversation')) {
      await api(t.url, `/api/conversations/${id}/messages`, {
        token: b.users.admin.token,
        body: { text: `live ${b.marker}` },
      });
    }
    const bVisitor = await connectVisitor(t.url, b.widgetKey, b.visitor.visitorToken);
    bVisitor.socket.emit('typing', { typing: true });
    await new Promise((r) => setTimeout(r, 1500));
    bVisitor.socket.close();
    bAdmin.close();
    expect(bTyping.length).toBeGreaterThan(0);
    for (const { role, event, payload } of aEvents)
      assertNothingOfB(`${role} socket event ${event}`, JSON.stringify(payload));
    expect(figures.leaks).toEqual([]);
  });
});

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
}

interface OpenApi {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, { properties?: Record<string, { type?: string }> }> };
}

function schemaOf(
  doc: OpenApi,
  operation: OpenApiOperation,
): { properties?: Record<string, { type?: string }> } | undefined {
  const ref = operation.requestBody?.content?.['application/json']?.schema?.$ref;
  return ref ? doc.components.schemas[ref.split('/').pop()!] : undefined;
}

/** The events a gateway subscribes to, read from its `@SubscribeMessage` metadata. */
function handlerEvents(gateway: { prototype: object }): string[] {
  const proto = gateway.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto)
    .map((name) =>
      typeof proto[name] === 'function'
        ? (Reflect.getMetadata(MESSAGE_METADATA, proto[name] as object) as string | undefined)
        : undefined,
    )
    .filter((e): e is string => typeof e === 'string');
}
