// End-to-end test in Debian's Chromium: the demo shop's widget and the agent inbox side by side
// against the built server on a fresh PostgreSQL database; then a start-up check of the embedded
// database mode. Screenshots go to test-results/e2e/. Fails (exit 1) on any broken expectation.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { root } from './ensure.mjs';
import { accountScenario } from './e2e/account.mjs';
import { analyticsScenario } from './e2e/analytics.mjs';
import { crmOutageScenario } from './e2e/crm-outage.mjs';
import { workflowScenario } from './e2e/workflow.mjs';
import { xssScenario } from './e2e/xss.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const { Client } = require('pg');
const { FakeAmoCrm, FakeTelegram } = require(join(root, 'libs', 'fakes', 'dist', 'index.js'));

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const shots = join(root, 'test-results', 'e2e');
const adminUrl = process.env.TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN = { email: 'admin@onebox.e2e', password: 'e2e-admin-password' };

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function withAdminDb(sql) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Starts the built server and resolves once /health answers; the child is killed on exit. */
async function startServer(env) {
  const port = await freePort();
  const started = Date.now();
  const child = spawn(process.execPath, [join(root, 'server', 'dist', 'main.js')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return { base, child, readyMs: Date.now() - started, log: () => log };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy:\n${log}`);
}

async function stopServer(server) {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
}

async function inboxAndWidget(browser, base, telegram, amo) {
  const dialogs = [];
  const agentContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const visitorContext = await browser.newContext({ viewport: { width: 1100, height: 800 }, locale: 'ru-RU' });
  const agent = await agentContext.newPage();
  const visitor = await visitorContext.newPage();
  const pageErrors = [];
  for (const page of [agent, visitor]) {
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }

  // The manager signs in and opens the inbox.
  await agent.goto(`${base}/login`);
  await agent.fill('[data-testid=login-email]', ADMIN.email);
  await agent.fill('[data-testid=login-password]', ADMIN.password);
  await agent.click('[data-testid=login-submit]');
  await agent.waitForURL(/\/inbox/);
  await agent.locator('[data-testid=list-empty]').waitFor();
  await agent.screenshot({ path: join(shots, '01-inbox-empty.png') });

  // A customer writes from the demo shop.
  await visitor.goto(`${base}/demo`);
  await visitor.click('[data-testid=widget-launcher]');
  await visitor.locator('[data-testid=widget-input]').waitFor();
  const question = 'Здравствуйте! Есть ли диван «Осло» в сером цвете?';
  await visitor.fill('[data-testid=widget-input]', question);
  const sentAt = Date.now();
  await visitor.click('[data-testid=widget-send]');

  // It appears in the inbox without a reload.
  const item = agent.locator('[data-testid=conversation-item]', { hasText: 'Осло' });
  await item.waitFor({ timeout: 5000 });
  const visitorToAgentMs = Date.now() - sentAt;
  await visitor.screenshot({ path: join(shots, '02-widget-question.png') });
  await item.click();
  await agent.locator('[data-testid=thread-message]', { hasText: 'Осло' }).waitFor();

  // The manager answers with Enter; the customer sees it; the tick reaches "sent".
  const answer = 'Да, есть! Доставим завтра.';
  await agent.fill('[data-testid=composer-input]', answer);
  const repliedAt = Date.now();
  await agent.press('[data-testid=composer-input]', 'Enter');
  await visitor
    .locator('[data-testid=widget-message][data-direction=out]', { hasText: 'Доставим завтра' })
    .waitFor({ timeout: 5000 });
  const agentToVisitorMs = Date.now() - repliedAt;
  const outgoing = agent.locator('[data-testid=thread-message]', { hasText: 'Доставим завтра' });
  await outgoing.locator('[data-testid=message-status][data-status=sent]').waitFor({ timeout: 5000 });

  // Untrusted text stays text in both windows.
  const payload = '<img src=x onerror=alert(1)><script>alert(2)</script>';
  await visitor.fill('[data-testid=widget-input]', payload);
  await visitor.click('[data-testid=widget-send]');
  await agent.locator('[data-testid=thread-message]', { hasText: '<img src=x onerror=alert(1)>' }).waitFor();
  await visitor.locator('[data-testid=widget-message]', { hasText: 'onerror' }).waitFor();
  await agent.waitForTimeout(300);
  assert.equal(
    await agent.locator('[data-testid=thread] img[src=x]').count(),
    0,
    'payload rendered as HTML in the inbox',
  );
  assert.deepEqual(dialogs, [], 'a script ran from message text');

  await agent.screenshot({ path: join(shots, '03-inbox-thread.png') });
  await visitor.screenshot({ path: join(shots, '04-widget-answer.png') });

  // History survives a reload of the shop page (visitor identity in localStorage).
  await visitor.reload();
  await visitor.click('[data-testid=widget-launcher]');
  await visitor.locator('[data-testid=widget-message][data-direction=out]', { hasText: 'Доставим завтра' }).waitFor();

  // Resolve from the inbox.
  await agent.click('[data-testid=resolve]');
  await agent.locator('[data-testid=reopen]').waitFor();
  await agent.screenshot({ path: join(shots, '05-inbox-resolved.png') });

  // The admin connects a Telegram bot from Settings; a Telegram customer is answered from the inbox.
  await agent.click('[data-testid=nav-settings]');
  await agent.selectOption('[data-testid=channel-type]', 'telegram');
  await agent.fill('[data-testid=channel-name]', 'Shop bot');
  await agent.fill('[data-testid=credential-botToken]', telegram.token);
  await agent.click('[data-testid=channel-connect]');
  await agent
    .locator('[data-testid=channel-status][data-status=active]', { hasText: /./ })
    .nth(1)
    .waitFor({ timeout: 10000 });
  await agent.screenshot({ path: join(shots, '06-settings-telegram-connected.png') });
  assert.ok(telegram.webhookUrl, 'the bot webhook was not registered');

  await agent.click('[data-testid=nav-inbox]');
  await telegram.customerWrites({
    chatId: 123456789,
    firstName: 'Ivan',
    lastName: 'Petrov',
    username: 'ivanp',
    text: 'Привет! Сколько стоит доставка в Казань?',
  });
  const tgItem = agent.locator('[data-testid=conversation-item]', { hasText: 'Ivan Petrov' });
  await tgItem.waitFor({ timeout: 5000 });
  await tgItem.click();
  await agent.locator('[data-testid=thread-message]', { hasText: 'Казань' }).waitFor();
  await agent.fill('[data-testid=composer-input]', 'Доставка в Казань — 490 ₽, 2 дня.');
  await agent.press('[data-testid=composer-input]', 'Enter');
  await agent
    .locator('[data-testid=thread-message]', { hasText: '490 ₽' })
    .locator('[data-testid=message-status][data-status=sent]')
    .waitFor({ timeout: 5000 });
  const toCustomer = telegram.sentMessages(123456789).map((m) => m.text);
  assert.deepEqual(toCustomer, ['Доставка в Казань — 490 ₽, 2 дня.']);
  await agent.screenshot({ path: join(shots, '07-inbox-telegram.png') });

  // amoCRM connected (through the API: the settings page is covered by component tests); the
  // manager creates the deal from the conversation's side panel, then it is won in amoCRM.
  const token = await agent.evaluate(
    () => localStorage.getItem('onebox.token') ?? Object.values(localStorage).find((v) => /^ey/.test(v)),
  );
  const crmResponse = await fetch(`${base}/api/crm`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'amocrm',
      name: 'amoCRM',
      autoCreateDeal: false,
      settings: { baseUrl: 'https://onebox.amocrm.ru', accessToken: amo.accessToken },
    }),
  });
  assert.equal(crmResponse.status, 201, `connecting amoCRM answered ${crmResponse.status}`);
  amo.setWebhook((await crmResponse.json()).webhookUrl, ['status_lead']);
  await agent.reload();
  await agent.locator('[data-testid=deal-create]').click();
  await agent.locator('[data-testid=deal-card] [data-testid=deal-stage]').waitFor({ timeout: 10000 });
  // Synced: the card links to the deal in amoCRM.
  await agent.locator('[data-testid=deal-card] [data-testid=deal-open-crm]').waitFor({ timeout: 10000 });
  await waitFor(() => amo.leads().length === 1, 'the deal was not created in amoCRM');
  await agent.screenshot({ path: join(shots, '08-deal-created.png') });
  assert.equal(await amo.moveDeal(amo.leads()[0].id, { statusId: 142, price: 45000 }), 200);
  await agent
    .locator('[data-testid=deal-card] [data-testid=deal-stage][data-semantic=won]')
    .waitFor({ timeout: 10000 });
  await agent.screenshot({ path: join(shots, '09-deal-won.png') });

  assert.deepEqual(pageErrors, [], `uncaught page errors: ${pageErrors.join('; ')}`);
  await agentContext.close();
  await visitorContext.close();
  return { visitorToAgentMs, agentToVisitorMs };
}

async function waitFor(probe, message, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main() {
  mkdirSync(shots, { recursive: true });
  const dbName = `onebox_e2e_${process.pid}_${Date.now()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'onebox-e2e-'));
  await withAdminDb(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  let server;
  let browser;
  const telegram = new FakeTelegram();
  await telegram.start();
  const amo = new FakeAmoCrm({ subdomain: 'onebox' });
  await amo.start();
  try {
    server = await startServer({
      TELEGRAM_API_ROOT: telegram.url,
      AMOCRM_API_ROOT: amo.url,
      // The fakes listen on 127.0.0.1 (media and CRM addresses are otherwise refused as local).
      ONEBOX_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
      ONEBOX_UPDATE_MODE: 'webhook',
      DATABASE_URL: dbUrl.toString(),
      ONEBOX_SECRET_KEY: 'e2e-secret-key-0123456789abcdefghijklmnop',
      ONEBOX_ADMIN_EMAIL: ADMIN.email,
      ONEBOX_ADMIN_PASSWORD: ADMIN.password,
      ONEBOX_SEED_DEMO: 'true',
      ONEBOX_DATA_DIR: dataDir,
    });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    const figures = await inboxAndWidget(browser, server.base, telegram, amo);
    console.log(
      `✔ inbox + widget in Chromium: visitor→agent ${figures.visitorToAgentMs} ms, agent→visitor ${figures.agentToVisitorMs} ms`,
    );
    console.log('✔ Telegram bot connected from Settings; a Telegram customer answered from the inbox');
    console.log('✔ a deal created from the side panel in amoCRM, and its win in amoCRM shown on the card');
    const login = await fetch(`${server.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const { accessToken } = await login.json();
    const db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    try {
      await workflowScenario({
        browser,
        base: server.base,
        adminToken: accessToken,
        shots,
        query: async (sql, values) => (await db.query(sql, values)).rows,
      });
      console.log(
        '✔ two managers: the chat offered to one, declined, taken by the other; canned reply with /; CSAT from the widget shown in the conversation',
      );
      await analyticsScenario({
        browser,
        base: server.base,
        admin: ADMIN,
        adminToken: accessToken,
        shots,
        query: async (sql, values) => (await db.query(sql, values)).rows,
      });
      console.log(
        '✔ analytics: the dashboard on the worked example matches the API, a tile opens its conversations; with costs the cost-per-chat tile equals the API',
      );
      const xss = await xssScenario({
        browser,
        base: server.base,
        admin: ADMIN,
        adminToken: accessToken,
        shots,
        query: async (sql, values) => (await db.query(sql, values)).rows,
        telegram,
        amo,
      });
      console.log(`✔ XSS: ${xss.summary}`);
      await crmOutageScenario({
        browser,
        base: server.base,
        admin: ADMIN,
        adminToken: accessToken,
        shots,
        query: async (sql, values) => (await db.query(sql, values)).rows,
        amo,
      });
      console.log(
        '✔ amoCRM down: admins see the outage live with its error; back up, the change is sent and the banner goes',
      );
      // Last: it changes the admin's password, and the scenarios above sign in with the original.
      await accountScenario({ browser, base: server.base, admin: ADMIN, shots });
      console.log(
        '✔ My account: a wrong current password shown on its field; after the change this tab and another of the same browser stay signed in, the other device is signed out, only the new password signs in',
      );
    } finally {
      await db.end();
    }
  } catch (err) {
    if (server) console.error(server.log().split('\n').slice(-40).join('\n'));
    throw err;
  } finally {
    await browser?.close();
    if (server) await stopServer(server);
    await telegram.stop();
    await amo.stop();
    await withAdminDb(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    rmSync(dataDir, { recursive: true, force: true });
  }

  // The embedded database: what `npm start` does on a fresh clone with no DATABASE_URL.
  const embeddedDir = mkdtempSync(join(tmpdir(), 'onebox-embedded-'));
  const embedded = await startServer({
    DATABASE_URL: '',
    ONEBOX_SECRET_KEY: '',
    ONEBOX_DATA_DIR: embeddedDir,
    ONEBOX_ADMIN_EMAIL: '',
    ONEBOX_ADMIN_PASSWORD: '',
  });
  try {
    assert.match(embedded.log(), /Created the first admin: admin@onebox\.local with password \S+/);
    const demo = await fetch(`${embedded.base}/demo`);
    assert.equal(demo.status, 200);
    assert.match(await demo.text(), /data-widget-key="[\w-]{10,}"/);
    console.log(`✔ embedded database: ready in ${embedded.readyMs} ms, /demo serves the widget`);
  } finally {
    await stopServer(embedded);
    rmSync(embeddedDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
