// Crash mid-ingest: the built server (node server/dist/main.js) on a PostgreSQL database of its own;
// a sender streaming signed Telegram webhooks at a steady rate and retrying whatever was not
// acknowledged, as Telegram does; an agent queuing replies through the API meanwhile (retried with
// the same clientMessageId); and `kill -9` of the server at random moments, restarted on the same
// address each time. Afterwards every acknowledged message must be stored exactly once, each
// conversation in the order of the platform's time, and every queued reply delivered to the fake
// Telegram — exactly once, or each duplicate explained by a kill that struck while it was on the wire
// (the Bot API has no idempotency key: a send the platform took just before the process died is
// sent again when its job is retried).
//
// Environment (all optional):
//   RESILIENCE_SEED=<n>          the random kill schedule and pacing (printed; set it to replay a run)
//   RESILIENCE_KILLS=6           server processes killed (at least 5)
//   RESILIENCE_RATE=40           webhooks per second
//   RESILIENCE_CHATS=20          customers writing
//   RESILIENCE_REPLY_RATE=4      agent replies per second
import { Agent, request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../ensure.mjs';
import { api, Client, createBenchDatabase, onCleanup, require, sleep, startServer, stopServer } from '../bench/lib.mjs';

export const name = 'crash';

const env = process.env;
const num = (key, fallback) => (env[key] ? Number(env[key]) : fallback);
const config = {
  seed: num('RESILIENCE_SEED', Math.floor(Math.random() * 2 ** 31)),
  kills: Math.max(5, num('RESILIENCE_KILLS', 6)),
  rate: num('RESILIENCE_RATE', 40),
  chats: num('RESILIENCE_CHATS', 20),
  replyRate: num('RESILIENCE_REPLY_RATE', 4),
};
/** A kill comes this long after the server is up again (uniformly at random). */
const KILL_AFTER_MS = [2000, 6000];
/** Jobs a dead process had claimed are taken again when their lease runs out (JobsRepository.LEASE_SECONDS). */
const LEASE_MS = 15_000;
/** Customers' message ids start here; the fake numbers the bot's messages in the same chats from 1. */
const FIRST_MESSAGE_ID = 1_000_000;
const ADMIN = { email: 'admin@onebox.resilience', password: 'resilience-admin-password' };
const CHAT_BASE = 740_000_000;

/** mulberry32: a small seeded generator, so a failing schedule can be replayed. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function run({ log }) {
  const random = seeded(config.seed);
  const between = ([low, high]) => low + (high - low) * random();
  log(
    `  seed ${config.seed}: ${config.kills} kills, ${config.rate} webhooks/s from ${config.chats} chats, ` +
      `${config.replyRate} replies/s`,
  );
  const outDir = join(root, 'test-results', 'resilience');
  mkdirSync(outDir, { recursive: true });
  const logFile = join(outDir, 'crash-server.log');
  rmSync(logFile, { force: true });

  const { FakeTelegram } = require('@onebox/fakes');
  const telegram = new FakeTelegram();
  await telegram.start();
  onCleanup(() => telegram.stop());
  const chats = Array.from({ length: config.chats }, (_, i) => CHAT_BASE + i);
  for (const chatId of chats) telegram.addPrivateChat({ chatId, firstName: `Customer ${chatId - CHAT_BASE}` });

  const db = await createBenchDatabase('resilience');
  const dataDir = mkdtempSync(join(tmpdir(), 'onebox-resilience-'));
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  const serverEnv = {
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    ONEBOX_SECRET_KEY: 'resilience-secret-key-0123456789abcdefghij',
    ONEBOX_UPDATE_MODE: 'webhook',
    TELEGRAM_API_ROOT: telegram.url,
    ONEBOX_ADMIN_EMAIL: ADMIN.email,
    ONEBOX_ADMIN_PASSWORD: ADMIN.password,
    ONEBOX_SEED_DEMO: 'false',
    ONEBOX_DATA_DIR: dataDir,
    ONEBOX_JOB_POLL_MS: '200',
    REDIS_URL: '',
  };
  let server = await startServer({ env: serverEnv, logFile });
  const { port, base } = server;
  log(`  server up in ${server.readyMs} ms on ${base} (log: ${logFile})`);

  const login = await api(base, '/api/auth/login', { body: ADMIN });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  const token = login.body.accessToken;
  const created = await api(base, '/api/channels', {
    token,
    body: { type: 'telegram', name: 'Crash bot', credentials: { botToken: telegram.token } },
  });
  if (created.status !== 201) throw new Error(`channel: ${created.status} ${JSON.stringify(created.body)}`);
  const channel = created.body;
  const secret = telegram.callsTo('setWebhook')[0]?.body?.secret_token;
  if (!secret) throw new Error('the channel set no webhook secret');
  const hook = new URL(channel.webhookUrl);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  onCleanup(() => pg.end());

  // --- the platform: signed webhooks, retried until acknowledged ---------------------------------
  const httpAgent = new Agent({ keepAlive: true, maxSockets: 64 });
  onCleanup(() => httpAgent.destroy());
  /** Provider time: each chat's messages a second apart, in the recent past (a backlog being retried). */
  const providerStart = Math.floor(Date.now() / 1000) - 3600;
  const perChat = new Map(chats.map((c) => [c, 0]));
  const messages = [];
  const post = (body) =>
    new Promise((resolve) => {
      const req = request(
        {
          agent: httpAgent,
          host: hook.hostname,
          port: hook.port,
          path: hook.pathname,
          method: 'POST',
          timeout: 10_000,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-telegram-bot-api-secret-token': secret,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
      req.end(body);
    });

  async function deliver(message) {
    for (let attempt = 0; ; attempt++) {
      message.attempts++;
      const status = await post(message.body);
      if (status === 200) {
        message.acked = true;
        return;
      }
      if (status >= 400 && status < 500 && status !== 429) {
        message.refused = status; // Telegram drops an update the bot refuses: it must never happen here
        return;
      }
      await sleep(Math.min(2000, 200 * 2 ** Math.min(attempt, 4)) * (0.5 + random()));
    }
  }

  function nextMessage() {
    const seq = messages.length;
    const chat = chats[seq % chats.length];
    const k = perChat.get(chat) + 1;
    perChat.set(chat, k);
    const text = `crash ${seq}: message ${k} of chat ${chat}`;
    const body = JSON.stringify({
      update_id: 500_000_000 + seq,
      message: {
        message_id: FIRST_MESSAGE_ID + k,
        from: { id: chat, is_bot: false, first_name: 'Customer', last_name: String(chat - CHAT_BASE) },
        chat: { id: chat, first_name: 'Customer', last_name: String(chat - CHAT_BASE), type: 'private' },
        date: providerStart + k,
        text,
      },
    });
    const message = { seq, chat, k, text, body, attempts: 0, acked: false, refused: 0, done: null };
    message.done = deliver(message);
    messages.push(message);
  }

  // --- the agent: replies queued through the API, retried with the same clientMessageId ----------
  const replies = [];
  async function conversationOf(chat) {
    const { rows } = await pg.query(
      `SELECT c.id FROM conversations c JOIN contact_identities ci ON ci.contact_id = c.contact_id AND ci.channel_id = c.channel_id
       WHERE c.channel_id = $1 AND ci.external_id = $2`,
      [channel.id, String(chat)],
    );
    return rows[0]?.id ?? null;
  }
  async function reply(n) {
    const chat = chats[Math.floor(random() * chats.length)];
    const conversationId = await conversationOf(chat);
    if (!conversationId) return;
    const entry = { n, chat, text: `reply ${n} to ${chat}`, acked: false, attempts: 0 };
    replies.push(entry);
    for (;;) {
      entry.attempts++;
      const answer = await api(base, `/api/conversations/${conversationId}/messages`, {
        token,
        body: { text: entry.text, clientMessageId: `crash-reply-${n}` },
      }).catch(() => ({ status: 0 }));
      if (answer.status === 201 || answer.status === 200) {
        entry.acked = true;
        entry.ackedAt = Date.now();
        return;
      }
      await sleep(300 + 400 * random());
    }
  }

  // --- the stream, the agent and the killer, together ---------------------------------------------
  let streaming = true;
  const started = Date.now();
  const stream = (async () => {
    const interval = 1000 / config.rate;
    for (let i = 0; streaming; i++) {
      nextMessage();
      const due = started + (i + 1) * interval;
      await sleep(Math.max(0, due - Date.now()));
    }
  })();
  const agent = (async () => {
    await sleep(1000);
    for (let n = 0; streaming; n++) {
      const due = Date.now() + 1000 / config.replyRate;
      await reply(n);
      await sleep(Math.max(0, due - Date.now()));
    }
  })();
  const kills = [];
  for (let i = 0; i < config.kills; i++) {
    await sleep(between(KILL_AFTER_MS));
    const at = Date.now();
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await exited;
    server = await startServer({ env: serverEnv, logFile, port });
    kills.push({ at: at - started, downMs: Date.now() - at });
    log(`  kill ${i + 1}: at ${((at - started) / 1000).toFixed(1)} s, back in ${Date.now() - at} ms`);
  }
  await sleep(3000); // the stream goes on a while on the last process
  streaming = false;
  await Promise.all([stream, agent]);
  const streamMs = Date.now() - started;
  log(`  stream stopped after ${(streamMs / 1000).toFixed(1)} s; waiting for every retry to be acknowledged…`);
  let giveUp;
  await Promise.race([
    Promise.all(messages.map((m) => m.done)),
    new Promise((resolve) => (giveUp = setTimeout(resolve, 60_000))),
  ]);
  clearTimeout(giveUp);

  // Replies a killed process had claimed go out once their lease runs out.
  const lastKill = started + kills.at(-1).at;
  const deliveredTexts = () => telegram.sentMessages().map((m) => m.text);
  const deadline = Math.max(Date.now(), lastKill + LEASE_MS) + 30_000;
  for (;;) {
    const sent = new Set(deliveredTexts());
    const { rows } = await pg.query(
      `SELECT count(*)::int AS n FROM messages WHERE channel_id = $1 AND direction = 'out' AND status = 'queued'`,
      [channel.id],
    );
    if (replies.every((r) => !r.acked || sent.has(r.text)) && rows[0].n === 0) break;
    if (Date.now() > deadline) break;
    await sleep(500);
  }

  log(
    `  all acknowledged and delivered ${((Date.now() - started - streamMs) / 1000).toFixed(1)} s after the stream stopped`,
  );

  // --- the verdict --------------------------------------------------------------------------------
  const { rows: stored } = await pg.query(
    `SELECT m.external_id, m.text, m.conversation_id FROM messages m
     WHERE m.channel_id = $1 AND m.direction = 'in' ORDER BY m.conversation_id, m.created_at, m.id`,
    [channel.id],
  );
  const storedIds = new Map();
  for (const row of stored) storedIds.set(row.external_id, (storedIds.get(row.external_id) ?? 0) + 1);
  const acked = messages.filter((m) => m.acked);
  const lost = acked.filter((m) => !storedIds.has(`${m.chat}:${FIRST_MESSAGE_ID + m.k}`));
  const duplicated = [...storedIds.values()].filter((n) => n > 1).length;
  const byText = new Map(messages.map((m) => [m.text, m]));
  const strangers = stored.filter((row) => !byText.has(row.text));
  let outOfOrder = 0;
  const threads = new Map();
  for (const row of stored) threads.set(row.conversation_id, [...(threads.get(row.conversation_id) ?? []), row]);
  for (const rows of threads.values()) {
    const ks = rows.map((row) => Number(row.external_id.split(':')[1]));
    for (let i = 1; i < ks.length; i++) if (ks[i] < ks[i - 1]) outOfOrder++;
  }

  const sendCalls = telegram.callsTo('sendMessage');
  const counts = new Map();
  for (const text of deliveredTexts()) counts.set(text, (counts.get(text) ?? 0) + 1);
  const queued = replies.filter((r) => r.acked);
  const undelivered = queued.filter((r) => !counts.has(r.text));
  const twice = queued.filter((r) => (counts.get(r.text) ?? 0) > 1);
  // A reply sent twice is explained when its first send reached the platform just before a kill.
  const killTimes = kills.map((k) => started + k.at);
  const unexplained = twice.filter((r) => {
    const first = sendCalls.find((c) => c.body?.text === r.text && c.status === 200);
    return !first || !killTimes.some((t) => first.at <= t && first.at > t - 2000);
  });
  let replyOrderBroken = 0;
  for (const chat of chats) {
    const expected = queued.filter((r) => r.chat === chat).map((r) => r.text);
    const seen = [...new Set(telegram.sentMessages(chat).map((m) => m.text))];
    if (seen.join('\n') !== expected.join('\n')) replyOrderBroken++;
  }
  const { rows: outbound } = await pg.query(
    `SELECT status, count(*)::int AS n FROM messages WHERE channel_id = $1 AND direction = 'out' GROUP BY status`,
    [channel.id],
  );

  const figures = {
    'messages sent': messages.length,
    'webhook requests (with retries)': messages.reduce((n, m) => n + m.attempts, 0),
    'messages retried': messages.filter((m) => m.attempts > 1).length,
    acknowledged: acked.length,
    'not acknowledged at the end': messages.length - acked.length,
    stored: storedIds.size,
    duplicated,
    lost: lost.length,
    'refused (4xx)': messages.filter((m) => m.refused).length,
    'stored but never sent': strangers.length,
    'conversations out of provider order': outOfOrder,
    'processes killed': kills.length,
    'downtime per kill, ms (max)': Math.max(...kills.map((k) => k.downMs)),
    'replies queued': queued.length,
    'replies delivered': queued.length - undelivered.length,
    'replies not delivered': undelivered.length,
    'replies delivered twice (kill during the send)': twice.length,
    'of which unexplained': unexplained.length,
    'chats whose replies came out of order': replyOrderBroken,
    'outbound statuses': outbound.map((r) => `${r.status}:${r.n}`).join(' '),
  };
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [key, value] of Object.entries(figures)) log(`  ${key.padEnd(width)}  ${value}`);

  const problems = [];
  if (kills.length < 5) problems.push('fewer than 5 kills');
  if (acked.length !== messages.length) problems.push(`${messages.length - acked.length} messages never acknowledged`);
  if (lost.length) problems.push(`${lost.length} acknowledged messages lost`);
  if (duplicated) problems.push(`${duplicated} messages stored twice`);
  if (strangers.length) problems.push(`${strangers.length} stored messages nobody sent`);
  if (outOfOrder) problems.push(`${outOfOrder} messages out of provider order`);
  if (figures['refused (4xx)']) problems.push(`${figures['refused (4xx)']} webhooks refused`);
  if (undelivered.length) problems.push(`${undelivered.length} queued replies never delivered`);
  if (unexplained.length) problems.push(`${unexplained.length} replies delivered twice with no kill to explain it`);
  if (replyOrderBroken) problems.push(`${replyOrderBroken} chats got replies out of order`);
  for (const problem of problems) log(`  ✖ ${problem}`);
  await stopServer(server);
  return {
    name,
    failed: problems.length > 0,
    figures,
    summary: Object.entries(figures).map(([metric, value]) => ({ metric, value: String(value) })),
  };
}
