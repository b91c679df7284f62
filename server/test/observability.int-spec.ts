import type { ChannelDto, ConversationListItem } from '@onebox/contracts';
import { FakeTelegram } from '@onebox/fakes';
import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import type { Socket } from 'socket.io-client';
import {
  api,
  connectAgent,
  connectVisitor,
  eventually,
  login,
  nextEvent,
  startTestApp,
  type TestApp,
} from './test-app';

jest.setTimeout(30_000);

/** The value of one series in a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((w) => present.includes(w))) return Number(match[3]);
  }
  return 0;
}

/** A free port. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true))).on('error', () => resolve(false));
  });
}

async function until(port: number, up: boolean): Promise<void> {
  for (let i = 0; i < 50 && (await listening(port)) !== up; i++) await new Promise((r) => setTimeout(r, 100));
}

/** A Redis of this test's own (the machine's redis-server on a free port), to take away mid-run. */
async function privateRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await until(port, true);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      redis.kill('SIGKILL');
      await until(port, false);
    },
  };
}

describe('Observability: /metrics, /health, /ready and JSON logs of the running product', () => {
  const telegram = new FakeTelegram();
  const lines: string[] = [];
  const logStream = { write: (line: string) => void lines.push(line) };
  let t: TestApp;
  let token: string;
  let channel: ChannelDto;

  const scrape = async (headers: Record<string, string> = {}, base = t.url) => {
    const res = await fetch(`${base}/metrics`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const metrics = async () => (await scrape()).text;

  beforeAll(async () => {
    await telegram.start();
    t = await startTestApp(
      { TELEGRAM_API_ROOT: telegram.url, ONEBOX_UPDATE_MODE: 'webhook', REDIS_URL: 'redis://127.0.0.1:6379' },
      { logStream },
    );
    token = await login(t.url, 'admin@onebox.test', 'admin-password-1');
    const created = await api<ChannelDto>(t.url, '/api/channels', {
      token,
      body: { type: 'telegram', name: 'Shop bot', credentials: { botToken: telegram.token } },
    });
    expect(created.status).toBe(201);
    channel = created.body;
  });

  afterAll(async () => {
    await t.close();
    await telegram.stop();
  });

  it('answers /health live and /ready when the database and Redis answer', async () => {
    expect(await api(t.url, '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api(t.url, '/ready', { headers: { accept: 'text/html' } })).toMatchObject({
      status: 200,
      body: { status: 'ok', checks: { database: 'ok', redis: 'ok' } },
    });
  });

  it('counts stored and duplicate customer messages per channel type and times every webhook', async () => {
    const before = await metrics();
    const conversation = nextEvent<ConversationListItem>(
      await connectAgent(t.url, token),
      'conversation.created',
      (c) => c.channel.id === channel.id,
    );
    const delivery = await telegram.customerWrites({ chatId: 5551, firstName: 'Olga', text: 'Where is my order 77?' });
    expect(delivery.status).toBe(200);
    await conversation;
    expect(await telegram.redeliver(delivery.update.update_id)).toBe(200);
    const forged = await fetch(`${t.url}/webhooks/telegram/${channel.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
      body: '{}',
    });
    expect(forged.status).toBe(401);

    const after = await scrape();
    expect(after.status).toBe(200);
    expect(after.type).toContain('text/plain');
    const moved = (name: string, labels: Record<string, string>) =>
      sample(after.text, name, labels) - sample(before, name, labels);
    expect(moved('onebox_inbound_messages_total', { channel_type: 'telegram' })).toBe(1);
    expect(moved('onebox_inbound_duplicates_total', { channel_type: 'telegram' })).toBe(1);
    expect(moved('onebox_webhook_duration_seconds_count', { type: 'telegram', status: '200' })).toBe(2);
    expect(moved('onebox_webhook_duration_seconds_count', { type: 'telegram', status: '401' })).toBe(1);
    expect(
      sample(after.text, 'onebox_webhook_duration_seconds_bucket', { type: 'telegram', status: '200', le: '+Inf' }),
    ).toBe(sample(after.text, 'onebox_webhook_duration_seconds_count', { type: 'telegram', status: '200' }));
    expect(after.text).toContain('# TYPE onebox_webhook_duration_seconds histogram');
    expect(sample(after.text, 'onebox_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('shows queued deliveries and failed attempts per channel type, and the CRM backlog', async () => {
    const [conversation] = await t.db.query(`SELECT id FROM conversations WHERE channel_id = $1`, [channel.id]);
    telegram.throttle(1, 3);
    const reply = await api(t.url, `/api/conversations/${conversation.id}/messages`, {
      token,
      body: { text: 'It ships tomorrow', clientMessageId: 'obs-1' },
    });
    expect(reply.status).toBe(201);
    // The first attempt is answered 429 (retry after 3 s): meanwhile the job waits in the queue.
    const waiting = await eventually(async () => {
      const text = await metrics();
      return sample(text, 'onebox_delivery_failures_total', { channel_type: 'telegram', code: 'rate_limited' }) === 1
        ? text
        : null;
    });
    expect(sample(waiting, 'onebox_delivery_queue_depth', { channel_type: 'telegram' })).toBe(1);
    expect(sample(waiting, 'onebox_delivery_queue_depth', { channel_type: 'whatsapp' })).toBe(0);
    await eventually(async () => telegram.sentMessages(5551).length === 1, 10_000);
    await eventually(
      async () => sample(await metrics(), 'onebox_delivery_queue_depth', { channel_type: 'telegram' }) === 0,
    );

    const [{ workspace_id: workspaceId }] = await t.db.query('SELECT workspace_id FROM channels WHERE id = $1', [
      channel.id,
    ]);
    await t.db.query(
      `INSERT INTO crm_connections (workspace_id, type, name, settings_enc, webhook_secret) VALUES ($1, 'amocrm', 'CRM', '', 's')`,
      [workspaceId],
    );
    // Two syncs waiting for a CRM that is down (due later, so the worker leaves them be).
    await t.db.query(
      `INSERT INTO jobs (workspace_id, queue, payload, run_at)
       SELECT $1, 'crm', '{"action":"sync-deal"}', now() + interval '1 hour' FROM generate_series(1, 2)`,
      [workspaceId],
    );
    const text = await metrics();
    expect(sample(text, 'onebox_crm_sync_backlog', { crm_type: 'amocrm' })).toBe(2);
    expect(sample(text, 'onebox_crm_sync_backlog', { crm_type: 'bitrix24' })).toBe(0);
  });

  it('counts the sockets connected per namespace', async () => {
    const agents = async () => sample(await metrics(), 'onebox_socket_connections', { namespace: '/agent' });
    const visitors = async () => sample(await metrics(), 'onebox_socket_connections', { namespace: '/webchat' });
    const [agentsBefore, visitorsBefore] = [await agents(), await visitors()];
    const sockets: Socket[] = [await connectAgent(t.url, token), await connectAgent(t.url, token)];
    const [{ widget_key: widgetKey }] = await t.db.query(`SELECT widget_key FROM channels WHERE type = 'webchat'`);
    sockets.push((await connectVisitor(t.url, widgetKey)).socket);
    expect(await agents()).toBe(agentsBefore + 2);
    expect(await visitors()).toBe(visitorsBefore + 1);
    for (const socket of sockets) socket.close();
    await eventually(async () => (await agents()) === agentsBefore && (await visitors()) === visitorsBefore);
  });

  it('writes JSON lines with request ids, and no secret or message text', async () => {
    const traced = await fetch(`${t.url}/api/me`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-42.a:b' },
    });
    expect(traced.headers.get('x-request-id')).toBe('trace-42.a:b');
    const insane = await fetch(`${t.url}/health`, { headers: { 'x-request-id': 'no spaces <allowed>' } });
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await telegram.customerWrites({ chatId: 5552, firstName: 'Pavel', text: 'My card is 4111 1111 1111 1111' });

    await eventually(async () => {
      const stored = await t.db.query(`SELECT 1 FROM messages WHERE channel_id = $1 AND text LIKE 'My card%'`, [
        channel.id,
      ]);
      return stored.length > 0;
    });
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const access = logged.filter((e) => e['req']);
    // An accepted webhook is counted by /metrics, not logged at info; a refused one is logged.
    const webhookLines = access.filter(
      (e) => (e['req'] as { path: string }).path === `/webhooks/telegram/${channel.id}`,
    );
    expect(webhookLines.length).toBeGreaterThan(0);
    for (const entry of webhookLines) expect(entry['res']).toMatchObject({ statusCode: 401 });
    expect(access.find((e) => e['reqId'] === 'trace-42.a:b')).toMatchObject({
      level: 'info',
      req: { method: 'GET', path: '/api/me' },
      res: { statusCode: 200 },
    });
    for (const entry of access) expect(entry['reqId']).toEqual(expect.any(String));
    expect(logged.find((e) => e['context'] === 'NestApplication')).toMatchObject({ level: 'info' });

    const [{ webhook_secret: webhookSecret }] = await t.db.query('SELECT webhook_secret FROM channels WHERE id = $1', [
      channel.id,
    ]);
    const everything = lines.join('\n');
    for (const secret of [webhookSecret, telegram.token, token, 'admin-password-1'])
      expect(everything).not.toContain(secret);
    for (const text of ['4111 1111', 'Where is my order', 'It ships tomorrow']) expect(everything).not.toContain(text);
    expect(everything).not.toMatch(/authorization|x-telegram-bot-api-secret-token/i);
  });

  it('answers /ready 503 naming Redis when it goes away, and asks for METRICS_TOKEN when set', async () => {
    const otherLines: string[] = [];
    // A REDIS_URL that cannot be reached at boot stops the server; one lost later makes it unready.
    const redis = await privateRedis();
    const other = await startTestApp(
      { REDIS_URL: redis.url, METRICS_TOKEN: 'scrape-token-0123456789' },
      { logStream: { write: (line: string) => void otherLines.push(line) } },
    );
    try {
      expect((await api(other.url, '/ready')).status).toBe(200);
      await redis.stop();
      const ready = await api(other.url, '/ready', { headers: { 'x-request-id': 'probe-1' } });
      expect(ready).toMatchObject({
        status: 503,
        body: { status: 'unavailable', checks: { database: 'ok', redis: 'failed' } },
      });
      // The reason is in the log, on a line carrying the probe's request id.
      const reason = otherLines.map((line) => JSON.parse(line)).find((e) => e.context === 'Readiness');
      expect(reason).toMatchObject({
        level: 'warn',
        reqId: 'probe-1',
        msg: expect.stringContaining('redis check failed'),
      });
      expect((await scrape({}, other.url)).status).toBe(401);
      expect((await scrape({ authorization: 'Bearer wrong' }, other.url)).status).toBe(401);
      const allowed = await scrape({ authorization: 'Bearer scrape-token-0123456789' }, other.url);
      expect(allowed.status).toBe(200);
      expect(allowed.text).toContain('onebox_inbound_messages_total');
    } finally {
      await redis.stop();
      await other.close();
    }
  });
});
