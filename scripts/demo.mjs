// `npm run demo`: Onebox with local fakes of the Telegram Bot API, WhatsApp Cloud API and MAX API,
// and simulated customers writing on every channel and in the website chat, so the inbox is alive
// within a minute. Data lives in .onebox/demo (embedded database unless DATABASE_URL is set), so
// conversations survive restarts; delete that folder to start over.
//
// Environment: PORT (3000), DEMO_TELEGRAM_PORT / DEMO_WHATSAPP_PORT / DEMO_MAX_PORT / DEMO_AMOCRM_PORT (8081–8084),
// DEMO_INTERVAL_MS ("2000-5000", or one number), DEMO_MAX_MESSAGES (stop the simulator after N),
// DEMO_EXIT_WHEN_DONE=true (with DEMO_MAX_MESSAGES: stop everything and exit afterwards),
// DEMO_COLLEAGUES=false (nobody answers but you), ONEBOX_DATA_DIR, DATABASE_URL.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { ApiError, OneboxApi } from './demo/api.mjs';
import { Simulator } from './demo/simulator.mjs';
import { ensureBuilt, ensureInstalled, root } from './ensure.mjs';

const require = createRequire(import.meta.url);
const env = process.env;

const PORT = intEnv('PORT', 3000);
const AMOCRM = { subdomain: 'onebox-demo' };
const FAKE_PORTS = {
  telegram: intEnv('DEMO_TELEGRAM_PORT', 8081),
  whatsapp: intEnv('DEMO_WHATSAPP_PORT', 8082),
  max: intEnv('DEMO_MAX_PORT', 8083),
  amocrm: intEnv('DEMO_AMOCRM_PORT', 8084),
};
const INTERVAL = intervalEnv(env.DEMO_INTERVAL_MS);
const MAX_MESSAGES = env.DEMO_MAX_MESSAGES ? intEnv('DEMO_MAX_MESSAGES', 0) : null;
const EXIT_WHEN_DONE = env.DEMO_EXIT_WHEN_DONE === 'true' || env.DEMO_EXIT_WHEN_DONE === '1';
const COLLEAGUES = !['false', '0', 'off', 'no'].includes(String(env.DEMO_COLLEAGUES ?? '').toLowerCase());
const DATA_DIR = resolve(env.ONEBOX_DATA_DIR || join(root, '.onebox', 'demo'));
const DATA_DIR_SHOWN = DATA_DIR.startsWith(root + sep) ? relative(root, DATA_DIR) : DATA_DIR;
const PUBLIC_URL = `http://localhost:${PORT}`;
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = {
  email: env.ONEBOX_ADMIN_EMAIL || 'admin@onebox.local',
  password: env.ONEBOX_ADMIN_PASSWORD || 'onebox-demo',
};
const MANAGERS = [
  { key: 'maria', name: 'Мария Соколова', email: 'maria@onebox.local', password: 'onebox-demo' },
  { key: 'ivan', name: 'Иван Петров', email: 'ivan@onebox.local', password: 'onebox-demo' },
];

// The demo's platform accounts: what an admin would paste into Settings → Channels.
const TELEGRAM = {
  token: '7012345678:AAFdemoOneboxBotTokenForTheLocalFake01',
  username: 'onebox_demo_bot',
  name: 'Telegram: @onebox_demo_bot',
};
const WHATSAPP = {
  name: 'WhatsApp +7 999 123-45-67',
  display: '+7 999 123-45-67',
  credentials: {
    phoneNumberId: '109876543210987',
    accessToken: 'EAAGdemoOneboxPermanentAccessToken0123456789',
    appSecret: 'demo-app-secret-for-signatures',
    verifyToken: 'onebox-demo-verify',
  },
};
const MAX = {
  token: 'demo_max_bot_token_onebox_shop_0123456789',
  name: 'MAX: Onebox Shop',
  username: 'onebox_shop_bot',
};

const color = process.stdout.isTTY && !env.NO_COLOR;
const paint = (code) => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const dim = paint('2');
const bold = paint('1');
const green = paint('32');
const yellow = paint('33');
const red = paint('31');
const cyan = paint('36');

let server = null;
let simulator = null;
const fakes = {};
let stopping = null;

async function main() {
  await checkPortsFree(); // before the build, so a taken port fails fast
  ensureInstalled();
  ensureBuilt();
  const fakesEntry = join(root, 'libs', 'fakes', 'dist', 'index.js');
  if (!existsSync(fakesEntry)) fail(`${relative(root, fakesEntry)} is missing: the Nx build did not build libs/fakes.`);
  const { FakeTelegram, FakeWhatsApp, FakeMax, FakeAmoCrm } = require(fakesEntry);

  await checkPortsFree(); // and again: the build may have taken a while

  console.log('▸ Starting the fake Telegram, WhatsApp and MAX servers…');
  fakes.telegram = new FakeTelegram({
    token: TELEGRAM.token,
    botUsername: TELEGRAM.username,
    botFirstName: 'Onebox Shop',
  });
  fakes.whatsapp = new FakeWhatsApp({
    phoneNumberId: WHATSAPP.credentials.phoneNumberId,
    accessToken: WHATSAPP.credentials.accessToken,
    appSecret: WHATSAPP.credentials.appSecret,
    displayPhoneNumber: WHATSAPP.display,
    verifiedName: 'Onebox Shop',
  });
  fakes.max = new FakeMax({ token: MAX.token, botName: 'Onebox Shop', botUsername: MAX.username });
  fakes.amocrm = new FakeAmoCrm({ subdomain: AMOCRM.subdomain });
  for (const [type, fake] of Object.entries(fakes)) await startOn(fake, FAKE_PORTS[type], type);

  console.log(`▸ Starting Onebox on ${PUBLIC_URL} (data: ${DATA_DIR_SHOWN})…`);
  mkdirSync(DATA_DIR, { recursive: true });
  server = startServer();
  await waitForHealth();

  const setup = await setUp();
  banner(setup);

  simulator = new Simulator({
    fakes,
    base: BASE,
    channels: setup.channels,
    colleagues: setup.colleagues,
    interval: INTERVAL,
    maxMessages: MAX_MESSAGES,
    statePath: join(DATA_DIR, 'demo-visitors.json'),
    log: (line) => console.log(line),
  });
  const sent = await simulator.start();
  if (stopping) return;
  console.log(green(`✔ The simulator stopped after ${sent} customer messages.`));
  await summary(setup.admin);
  if (EXIT_WHEN_DONE) return shutdown(0);
  console.log(dim('  Onebox and the fakes keep running — Ctrl+C to stop.'));
}

// ---- fakes and server --------------------------------------------------------------------------

async function checkPortsFree() {
  const wanted = [
    ['Onebox (PORT)', PORT],
    ['the fake Telegram (DEMO_TELEGRAM_PORT)', FAKE_PORTS.telegram],
    ['the fake WhatsApp (DEMO_WHATSAPP_PORT)', FAKE_PORTS.whatsapp],
    ['the fake MAX (DEMO_MAX_PORT)', FAKE_PORTS.max],
    ['the fake amoCRM (DEMO_AMOCRM_PORT)', FAKE_PORTS.amocrm],
  ];
  const seen = new Map();
  for (const [what, port] of wanted) {
    if (seen.has(port)) fail(`${what} and ${seen.get(port)} both want port ${port}.`);
    seen.set(port, what);
    const problem = await portProblem(port);
    if (problem)
      fail(
        `Port ${port} for ${what} is not available (${problem}). Stop what uses it or pick another port, e.g. ${envNameOf(what)}=${port + 100} npm run demo`,
      );
  }
}

function envNameOf(what) {
  return /\(([A-Z_]+)\)/.exec(what)?.[1] ?? 'PORT';
}

/** Null when both the loopback address and all interfaces can take the port, else the error code. */
async function portProblem(port) {
  for (const host of ['127.0.0.1', undefined]) {
    const problem = await new Promise((resolve) => {
      const probe = createServer();
      probe.once('error', (err) => resolve(err.code ?? err.message));
      probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(null)));
    });
    if (problem) return problem;
  }
  return null;
}

/** FakeWhatsApp takes a port in start(); the others (for now) only through their HTTP server. */
async function startOn(fake, port, type) {
  const url = await fake.start(port);
  if (new URL(url).port !== String(port)) fail(`the fake ${type} server listens on ${url}, not on port ${port}.`);
  return url;
}

function startServer() {
  const childEnv = {
    ...env,
    PORT: String(PORT),
    PUBLIC_URL,
    ONEBOX_DATA_DIR: DATA_DIR,
    ONEBOX_UPDATE_MODE: 'webhook',
    TELEGRAM_API_ROOT: fakes.telegram.url,
    WHATSAPP_API_ROOT: fakes.whatsapp.url,
    MAX_API_ROOT: fakes.max.url,
    AMOCRM_API_ROOT: fakes.amocrm.url,
    // The fakes listen on this machine: their media URLs would otherwise be refused as local.
    ONEBOX_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
    ONEBOX_ADMIN_EMAIL: ADMIN.email,
    ONEBOX_ADMIN_PASSWORD: ADMIN.password,
    ONEBOX_SEED_DEMO: 'true',
  };
  const child = spawn(process.execPath, [join(root, 'server', 'dist', 'main.js')], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = dim('server │ ');
  // The server writes JSON lines; a demo viewer gets their messages, without Nest's start-up
  // inventory (every module and route) and without the access log.
  const noise = /^(InstanceLoader|RoutesResolver|RouterExplorer|WebSocketsController)$/;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      let entry = null;
      try {
        entry = JSON.parse(line);
      } catch {
        /* not a log line: shown as it is */
      }
      if (!entry || typeof entry.msg !== 'string') return console.log(prefix + line);
      if (entry.req || noise.test(entry.context ?? '')) return;
      const level = entry.level === 'info' ? '' : `${entry.level.toUpperCase()} `;
      console.log(prefix + level + (entry.context ? `[${entry.context}] ` : '') + entry.msg);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(red(`✖ Onebox stopped unexpectedly (${signal ?? `exit ${code}`}); see its log above.`));
    void shutdown(1);
  });
  return child;
}

async function waitForHealth() {
  const started = Date.now();
  while (Date.now() - started < 180_000) {
    if (server.exitCode !== null || stopping) await new Promise(() => undefined); // the exit handler takes over
    try {
      if ((await fetch(`${BASE}/health`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  fail(`Onebox did not answer ${BASE}/health within 3 minutes.`);
}

// ---- workspace set-up through the public API ------------------------------------------------------

async function setUp() {
  let admin;
  try {
    admin = await OneboxApi.login(BASE, ADMIN.email, ADMIN.password);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      fail(
        `Could not sign in as ${ADMIN.email}: the database in ${DATA_DIR_SHOWN} was set up with another password. ` +
          'Set ONEBOX_ADMIN_EMAIL/ONEBOX_ADMIN_PASSWORD to that admin, or delete the folder to start over.',
      );
    }
    throw err;
  }

  const users = await admin.get('/api/users');
  const colleagues = {};
  for (const m of MANAGERS) {
    let user = users.find((u) => u.email === m.email);
    if (!user) {
      user = await admin.post('/api/users', { email: m.email, name: m.name, password: m.password, role: 'manager' });
      console.log(`  + manager ${m.name} <${m.email}>`);
    }
    if (COLLEAGUES) {
      const api = await OneboxApi.login(BASE, m.email, m.password).catch(() => null);
      if (api) colleagues[m.key] = { api, user };
      else
        console.log(
          yellow(`  ⚠ could not sign in as ${m.email} (password changed?); ${m.name} will not answer customers`),
        );
    }
  }

  const existing = await admin.get('/api/channels');
  const channels = {};

  channels.webchat = existing.find((c) => c.type === 'webchat' && c.widgetKey);
  if (!channels.webchat) {
    channels.webchat = await admin.post('/api/channels', { type: 'webchat', name: 'Website', credentials: {} });
    console.log('  + website chat channel');
  }

  // The fakes start empty on every run and Telegram/MAX webhook secrets stay inside Onebox, so the
  // demo's Telegram and MAX channels are connected afresh each time (their old conversations stay).
  for (const old of existing.filter(
    (c) => (c.type === 'telegram' && c.name === TELEGRAM.name) || (c.type === 'max' && c.name === MAX.name),
  )) {
    await admin.delete(`/api/channels/${old.id}`);
  }
  channels.telegram = await connect(admin, {
    type: 'telegram',
    name: TELEGRAM.name,
    credentials: { botToken: TELEGRAM.token },
  });
  channels.max = await connect(admin, { type: 'max', name: MAX.name, credentials: { token: MAX.token } });

  // WhatsApp's webhook lives in "the Meta dashboard" (the fake): the same channel can be pointed at again.
  channels.whatsapp =
    existing.find((c) => c.type === 'whatsapp' && c.name === WHATSAPP.name) ??
    (await connect(admin, { type: 'whatsapp', name: WHATSAPP.name, credentials: WHATSAPP.credentials }));
  fakes.whatsapp.setWebhook(channels.whatsapp.webhookUrl, WHATSAPP.credentials.verifyToken);
  if (!(await fakes.whatsapp.verifyWebhook())) {
    fail(`Onebox did not pass the WhatsApp webhook verification at ${channels.whatsapp.webhookUrl}.`);
  }
  for (const type of ['telegram', 'whatsapp', 'max']) {
    const c = channels[type];
    console.log(`  ✓ ${c.name} (${c.mode ?? 'webhook'}: ${c.webhookUrl})`);
  }

  // amoCRM: like Telegram and MAX, the fake starts empty, so the demo connects it afresh each run;
  // every new conversation then gets its deal, and the deal card links to the (fake) CRM.
  for (const old of await admin.get('/api/crm')) await admin.delete(`/api/crm/${old.id}`);
  const crm = await admin.post('/api/crm', {
    type: 'amocrm',
    name: 'amoCRM',
    settings: { baseUrl: `https://${AMOCRM.subdomain}.amocrm.ru`, accessToken: fakes.amocrm.accessToken },
  });
  fakes.amocrm.setWebhook(crm.webhookUrl, ['status_lead', 'update_lead']);
  console.log(`  ✓ amoCRM (fake, deals for every new conversation; webhook ${crm.webhookUrl})`);
  return { admin, channels, colleagues };
}

async function connect(admin, body) {
  try {
    return await admin.post('/api/channels', body);
  } catch (err) {
    fail(`Could not connect the demo ${body.type} channel: ${err.message}`);
  }
}

// ---- output ------------------------------------------------------------------------------------

function banner({ channels, colleagues }) {
  const every =
    INTERVAL.min === INTERVAL.max ? `${fmtSec(INTERVAL.min)}` : `${fmtSec(INTERVAL.min)}–${fmtSec(INTERVAL.max)}`;
  const names = Object.values(colleagues).map((c) => c.user.name.split(' ')[0]);
  const lines = [
    bold('Onebox demo is running'),
    '',
    `Inbox       ${cyan(PUBLIC_URL)}   sign in: ${bold(ADMIN.email)} / ${bold(ADMIN.password)}`,
    `Managers    ${MANAGERS.map((m) => m.email).join(', ')} / onebox-demo`,
    `Demo shop   ${cyan(`${PUBLIC_URL}/demo`)}   the website chat — write there yourself too`,
    `Simulated   customers on ${channels.telegram.name}, ${channels.whatsapp.name}, ${channels.max.name}`,
    `            and the website chat: a message every ${every}${MAX_MESSAGES !== null ? `, ${MAX_MESSAGES} in all` : ''}`,
    `            (fake APIs: Telegram :${FAKE_PORTS.telegram}, WhatsApp :${FAKE_PORTS.whatsapp}, MAX :${FAKE_PORTS.max})`,
    names.length
      ? `Colleagues  ${names.join(' and ')} answer and resolve their own customers; the others are yours`
      : 'Colleagues  off — every customer waits for you',
    `Data        ${DATA_DIR_SHOWN}${env.DATABASE_URL ? ' (uploads; database: DATABASE_URL)' : ''} — delete it to start over`,
    '',
    'Ctrl+C stops the simulator, Onebox and the fakes.',
  ];
  const width = Math.max(...lines.map((l) => visible(l).length)) + 2;
  console.log(`\n┌${'─'.repeat(width + 1)}┐`);
  for (const line of lines) console.log(`│ ${line}${' '.repeat(width - visible(line).length)}│`);
  console.log(`└${'─'.repeat(width + 1)}┘\n`);
}

async function summary(admin) {
  const byType = {};
  let cursor = null;
  let total = 0;
  do {
    const query = new URLSearchParams({ status: 'all', limit: '100' });
    if (cursor) query.set('cursor', cursor);
    const page = await admin.get(`/api/conversations?${query}`);
    for (const item of page.items) {
      const entry = (byType[item.channel.type] ??= { conversations: 0, open: 0, resolved: 0 });
      entry.conversations += 1;
      if (item.status === 'resolved') entry.resolved += 1;
      else entry.open += 1;
      total += 1;
    }
    cursor = page.nextCursor;
  } while (cursor);
  const parts = Object.entries(byType).map(
    ([type, e]) => `${type} ${e.conversations} (${e.open} open, ${e.resolved} resolved)`,
  );
  console.log(`  Conversations in the inbox: ${total} — ${parts.join(', ')}`);
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function visible(text) {
  return text.replace(ANSI, '');
}

function fmtSec(ms) {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

// ---- configuration and shutdown -----------------------------------------------------------------

function intEnv(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) fail(`${name} must be a whole number (got "${raw}").`);
  return value;
}

/** "2000-5000" → a random pause in that range; "300" → about 300 ms each time. */
function intervalEnv(raw) {
  if (!raw) return { min: 2000, max: 5000 };
  const match = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(raw);
  if (!match) fail(`DEMO_INTERVAL_MS must be milliseconds, e.g. 3000 or 2000-5000 (got "${raw}").`);
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (max < min) fail(`DEMO_INTERVAL_MS: ${max} is less than ${min}.`);
  return { min, max };
}

function fail(message) {
  console.error(red(`✖ ${message}`));
  if (server || Object.keys(fakes).length) void shutdown(1);
  else process.exit(1);
  return new Promise(() => undefined); // shutdown exits the process
}

/** Stops the simulator, then Onebox (SIGTERM, SIGKILL after 10 s), then the fakes; exits. */
function shutdown(code) {
  stopping ??= (async () => {
    await simulator?.stop().catch(() => undefined);
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await Promise.all(
      Object.values(fakes).map((f) =>
        Promise.race([f.stop(), new Promise((r) => setTimeout(r, 3000))]).catch(() => undefined),
      ),
    );
    process.exit(code);
  })();
  return stopping;
}

let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupts += 1;
    if (interrupts > 1) {
      server?.kill('SIGKILL');
      process.exit(130);
    }
    console.log(dim('\n▸ Stopping the simulator, Onebox and the fakes…'));
    void shutdown(0);
  });
}

main().catch((err) => {
  console.error(red(`✖ ${err.stack ?? err.message}`));
  void shutdown(1);
});
