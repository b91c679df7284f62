import type { ChannelDto, ConversationListItem, MessageDto, PresenceDto, WebchatMessage } from '@onebox/contracts';
import { FakeTelegram } from '@onebox/fakes';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import { api, connectAgent, connectVisitor, eventually, freePort, login, nextEvent, ownDatabase } from './test-app';

jest.setTimeout(60_000);

const MAIN = join(__dirname, '..', 'dist', 'main.js');
const REDIS_URL = process.env['TEST_REDIS_URL'] || 'redis://127.0.0.1:6379';
const ADMIN = { email: 'admin@onebox.test', password: 'admin-password-1' };

interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  logFile: string;
}

/** The built server (`node server/dist/main.js`) as a child process; resolves once /health answers. */
async function startProcess(name: string, env: Record<string, string>, logDir: string): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, PORT: String(port), PUBLIC_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server ${name} exited (code ${child.exitCode}); see ${logFile}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { name, url, child, logFile };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server ${name} did not become healthy; see ${logFile}`);
}

async function stopProcess(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
  clearTimeout(timer);
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
}

/** Records every event of the kind the socket receives, to count duplicates afterwards. */
function record<T>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

describe('Two server processes on one PostgreSQL and one Redis', () => {
  const telegram = new FakeTelegram();
  const redisPrefix = `onebox-test-${process.pid}-${Date.now()}`;
  const sockets: Socket[] = [];
  let database: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let pg: Client;
  let token: string;
  let mia: string;
  let channel: ChannelDto;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the server first (npm test does)`);
    database = await ownDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'onebox-scale-'));
    await telegram.start();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      ONEBOX_REDIS_PREFIX: redisPrefix,
      ONEBOX_SECRET_KEY: 'scale-out-test-secret-key-0123456789abcdef',
      ONEBOX_ADMIN_EMAIL: ADMIN.email,
      ONEBOX_ADMIN_PASSWORD: ADMIN.password,
      ONEBOX_SEED_DEMO: 'false',
      // Uploads live under the data directory: replicas share it (a volume in docker/compose.yaml).
      ONEBOX_DATA_DIR: dataDir,
      ONEBOX_UPDATE_MODE: 'webhook',
      ONEBOX_JOB_POLL_MS: '50',
      ONEBOX_ANALYTICS_REFRESH_MS: '0',
      TELEGRAM_API_ROOT: telegram.url,
      NODE_ENV: 'production',
    };
    // Both at once on the empty database: migrations and the first admin must happen once.
    [a, b] = await Promise.all([startProcess('a', env, dataDir), startProcess('b', env, dataDir)]);
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    token = await login(a.url, ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all([stopProcess(a), stopProcess(b)]);
    await pg?.end();
    await telegram.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${redisPrefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    (await pg.query<{ n: number }>(sql, params)).rows[0].n;

  it('boots both at once on an empty database: the schema and the first admin are made once', async () => {
    expect(await count('SELECT count(*)::int AS n FROM users')).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM workspaces')).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM migrations WHERE name = 'PollLeaseOwner1733430000000'`)).toBe(1);
  });

  it('brings a webhook posted to A to an agent connected to B, once', async () => {
    const agentOnB = await connectAgent(b.url, token);
    const agentOnA = await connectAgent(a.url, token);
    sockets.push(agentOnB, agentOnA);
    const onB = record<MessageDto>(agentOnB, 'message.created');
    const onA = record<MessageDto>(agentOnA, 'message.created');
    const created = await api<ChannelDto>(a.url, '/api/channels', {
      token,
      body: { type: 'telegram', name: 'Shop bot', credentials: { botToken: telegram.token } },
    });
    expect(created.status).toBe(201);
    channel = created.body;
    expect(telegram.webhookUrl).toBe(`${a.url}/webhooks/telegram/${channel.id}`);

    const conversationOnB = nextEvent<ConversationListItem>(agentOnB, 'conversation.created');
    const arrived = nextEvent<MessageDto>(agentOnB, 'message.created', (m) => m.text === 'Hi from Telegram');
    const delivery = await telegram.customerWrites({ chatId: 5001, firstName: 'Olga', text: 'Hi from Telegram' });
    expect(delivery.status).toBe(200); // answered by A
    expect((await conversationOnB).channel.id).toBe(channel.id);
    expect(await arrived).toMatchObject({ direction: 'in', text: 'Hi from Telegram' });
    // Telegram retries the same update: still one message, one event.
    expect(await telegram.redeliver(delivery.update.update_id)).toBe(200);
    await settle();
    expect(onB.filter((m) => m.text === 'Hi from Telegram')).toHaveLength(1);
    expect(onA.filter((m) => m.text === 'Hi from Telegram')).toHaveLength(1);
    expect(await count('SELECT count(*)::int AS n FROM messages WHERE channel_id = $1', [channel.id])).toBe(1);
  });

  it('delivers replies sent through either process exactly once, at the bot’s rate across both', async () => {
    // One conversation per chat: Telegram's per-chat pacing (1/s) does not slow the test down.
    const chats = Array.from({ length: 20 }, (_, i) => 6001 + i);
    for (const chatId of chats) {
      expect((await telegram.customerWrites({ chatId, firstName: `C${chatId}`, text: 'hello' })).status).toBe(200);
    }
    const rows = await pg.query<{ id: string; external_id: string }>(
      `SELECT c.id, ci.external_id FROM conversations c
       JOIN contact_identities ci ON ci.contact_id = c.contact_id AND ci.channel_id = c.channel_id
       WHERE c.channel_id = $1 AND ci.external_id = ANY($2::text[])`,
      [channel.id, chats.map(String)],
    );
    expect(rows.rows).toHaveLength(chats.length);
    const agentOnA = await connectAgent(a.url, token);
    sockets.push(agentOnA);
    const updates = record<MessageDto>(agentOnA, 'message.updated');
    const before = telegram.callsTo('sendMessage').length;

    // Half the replies through B, half through A, all at once: both workers deliver.
    const replies = await Promise.all(
      rows.rows.map((row, i) =>
        api<MessageDto>(i % 2 ? a.url : b.url, `/api/conversations/${row.id}/messages`, {
          token,
          body: { text: `reply ${row.external_id}`, clientMessageId: `scale-${row.external_id}` },
        }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 201));
    await eventually(
      async () =>
        (await count(`SELECT count(*)::int AS n FROM messages WHERE text LIKE 'reply %' AND status = 'sent'`)) ===
        chats.length,
      15_000,
    );
    await settle();

    const calls = telegram.callsTo('sendMessage').slice(before);
    expect(calls.map((c) => String(c.body['text'])).sort()).toEqual(chats.map((c) => `reply ${c}`).sort());
    expect(
      updates
        .filter((m) => m.status === 'sent')
        .map((m) => m.id)
        .sort(),
    ).toEqual(replies.map((r) => r.body.id).sort());
    // One bot: 30 messages/s in all, whichever process sends (with a gate each, two processes
    // would together send twice as fast). A quarter of slack for network jitter.
    const at = calls.map((c) => c.at).sort((x, y) => x - y);
    expect(at[at.length - 1] - at[0]).toBeGreaterThanOrEqual((((calls.length - 1) * 1000) / 30) * 0.75);
  });

  it('carries a website visitor on B to an agent on A and the agent’s reply back to B', async () => {
    const webchat = await api<ChannelDto>(a.url, '/api/channels', {
      token,
      body: { type: 'webchat', name: 'Site', credentials: {} },
    });
    expect(webchat.status).toBe(201);
    const agentOnA = await connectAgent(a.url, token);
    const { socket: visitor } = await connectVisitor(b.url, webchat.body.widgetKey!);
    sockets.push(agentOnA, visitor);
    const toVisitor = record<WebchatMessage>(visitor, 'message.created');

    const inbound = nextEvent<MessageDto>(agentOnA, 'message.created', (m) => m.text === 'Is the sofa in stock?');
    expect(
      await visitor.emitWithAck('message.send', { clientMessageId: 'v-1', text: 'Is the sofa in stock?' }),
    ).toEqual({
      id: expect.any(String),
    });
    const message = await inbound;

    const reply = nextEvent<WebchatMessage>(visitor, 'message.created', (m) => m.text === 'Yes, it is.');
    const sent = await api<MessageDto>(a.url, `/api/conversations/${message.conversationId}/messages`, {
      token,
      body: { text: 'Yes, it is.', clientMessageId: 'a-1' },
    });
    expect(sent.status).toBe(201);
    expect(await reply).toMatchObject({ direction: 'out', text: 'Yes, it is.' });
    await settle();
    expect(toVisitor.filter((m) => m.text === 'Yes, it is.')).toHaveLength(1);
  });

  it('keeps an agent online through A when their tab on B closes, and offline once both are closed', async () => {
    const created = await api(a.url, '/api/users', {
      token,
      body: { email: 'mia@onebox.test', name: 'Mia', password: 'manager-pass-1', role: 'manager' },
    });
    expect(created.status).toBe(201);
    mia = await login(b.url, 'mia@onebox.test', 'manager-pass-1');

    const tabOnA = await connectAgent(a.url, mia);
    const tabOnB = await connectAgent(b.url, mia);
    sockets.push(tabOnA, tabOnB);
    await eventually(async () => (await presenceOf('Mia')) === 'online');

    tabOnB.close();
    await settle(800);
    expect(await presenceOf('Mia')).toBe('online');

    tabOnA.close();
    await eventually(async () => (await presenceOf('Mia')) === 'offline');
  });

  const presenceOf = async (name: string) =>
    (await api<PresenceDto[]>(a.url, '/api/presence', { token })).body.find((p) => p.name === name)?.status;

  it('counts sign-in failures of one account across A and B', async () => {
    const attempt = (server: ServerProcess, password: string) =>
      api<{ code: string }>(server.url, '/api/auth/login', { body: { email: 'mia@onebox.test', password } });

    // Five failures in all, alternating processes (each alone saw at most three).
    for (let i = 0; i < 5; i++) expect((await attempt(i % 2 ? a : b, 'wrong-password')).status).toBe(401);

    for (const server of [a, b]) {
      const blocked = await attempt(server, 'manager-pass-1');
      expect(blocked).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('keeps agents online while the process they were connected to stops (their apps reconnect elsewhere)', async () => {
    const intervals = () =>
      count(
        `SELECT count(*)::int AS n FROM presence_intervals p JOIN users u ON u.id = p.user_id WHERE u.name = 'Mia'`,
      );
    const tabOnB = await connectAgent(b.url, mia);
    sockets.push(tabOnB);
    await eventually(async () => (await presenceOf('Mia')) === 'online');
    const before = await intervals();
    const dropped = new Promise((resolve) => tabOnB.once('disconnect', resolve));

    await stopProcess(b);
    await dropped;
    const tabOnA = await connectAgent(a.url, mia);
    sockets.push(tabOnA);
    await settle();
    expect(await presenceOf('Mia')).toBe('online');
    expect(await intervals()).toBe(before); // no offline→online flap in the analytics
  });
});
