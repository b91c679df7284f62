// The sales workflow in Chromium: two managers online at once, a website chat offered to one
// (declined) and taken by the other, answered with a canned response picked with `/`, resolved;
// the visitor rates it in the widget's survey and the rating shows in the conversation.
import assert from 'node:assert/strict';
import { join } from 'node:path';

export async function call(base, token, path, body, method) {
  const res = await fetch(base + path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method ?? 'POST'} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function loginPage(browser, base, user) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${base}/login`);
  await page.fill('[data-testid=login-email]', user.email);
  await page.fill('[data-testid=login-password]', user.password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL(/\/inbox/);
  return { context, page, errors };
}

/** Waits until `probe()` is truthy (polling), or fails with `message`. */
export async function until(probe, message, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function workflowScenario({ browser, base, adminToken, shots, query }) {
  const anna = { email: 'anna@onebox-e2e.test', password: 'anna-password-1', name: 'Анна' };
  const boris = { email: 'boris@onebox-e2e.test', password: 'boris-password-1', name: 'Борис' };
  for (const user of [anna, boris]) {
    user.id = (await call(base, adminToken, '/api/users', { ...user, role: 'manager' })).id;
  }
  const channels = await call(base, adminToken, '/api/channels');
  const webchat = channels.find((c) => c.type === 'webchat');
  await call(
    base,
    adminToken,
    `/api/channels/${webchat.id}/routing`,
    { mode: 'round_robin', offerTimeoutSec: 60 },
    'PUT',
  );
  await call(base, adminToken, '/api/canned-responses', {
    title: 'Доставка',
    shortcut: 'dostavka',
    text: 'Здравствуйте, {{contact.name}}! Доставим за 1–2 дня, меня зовут {{manager.name}}.',
    shared: true,
  });
  await call(base, adminToken, '/api/surveys/settings', { enabled: true, kind: 'csat' }, 'PUT');

  const a = await loginPage(browser, base, anna);
  const b = await loginPage(browser, base, boris);
  const statusOf = async (id) => {
    const team = await call(base, adminToken, '/api/presence');
    return team.find((p) => p.userId === id)?.status;
  };
  // Both apps connected (online), then Boris steps away, so the chat is offered to Anna first.
  await until(
    async () => (await statusOf(anna.id)) === 'online' && (await statusOf(boris.id)) === 'online',
    'Anna and Boris did not come online',
    20000,
  );
  await b.page.selectOption('[data-testid=presence-toggle]', 'away');
  await until(async () => (await statusOf(boris.id)) === 'away', 'Boris did not go away', 20000);

  const visitorContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
  const visitor = await visitorContext.newPage();
  await visitor.goto(`${base}/demo`);
  await visitor.click('[data-testid=widget-launcher]');
  await visitor.fill('[data-testid=widget-input]', 'Здравствуйте! Когда доставите диван?');
  await visitor.click('[data-testid=widget-send]');

  await a.page.locator('[data-testid=offer-card]').waitFor({ timeout: 10000 });
  await a.page.screenshot({ path: join(shots, '10-offer-to-anna.png') });
  await a.page.click('[data-testid=offer-decline]');
  await a.page.locator('[data-testid=offer-card]').waitFor({ state: 'detached', timeout: 5000 });
  // Boris comes back: the waiting chat is offered to him, and he takes it.
  await b.page.selectOption('[data-testid=presence-toggle]', 'online');
  await b.page.locator('[data-testid=offer-card]').waitFor({ timeout: 10000 });
  await b.page.screenshot({ path: join(shots, '11-offer-to-boris.png') });
  await b.page.click('[data-testid=offer-accept]');
  await b.page.waitForURL(/\/inbox\/[0-9a-f-]{36}/);
  const conversationId = b.page.url().split('/').pop();
  const offers = await query(
    `SELECT u.name, o.outcome FROM routing_offers o JOIN users u ON u.id = o.user_id
      WHERE o.conversation_id = $1 ORDER BY o.offered_at`,
    [conversationId],
  );
  assert.deepEqual(
    offers.map((o) => [o.name, o.outcome]),
    [
      [anna.name, 'declined'],
      [boris.name, 'accepted'],
    ],
  );

  // The canned picker, opened with `/`.
  await b.page.locator('[data-testid=thread-message]', { hasText: 'диван' }).waitFor();
  await b.page.fill('[data-testid=composer-input]', '/dost');
  await b.page.locator('[data-testid=canned-picker]').waitFor();
  await b.page.screenshot({ path: join(shots, '12-canned-picker.png') });
  await b.page.click('[data-testid=canned-option]');
  const filled = await b.page.inputValue('[data-testid=composer-input]');
  assert.match(filled, /Доставим за 1–2 дня, меня зовут Борис/);
  await b.page.press('[data-testid=composer-input]', 'Enter');
  await visitor
    .locator('[data-testid=widget-message][data-direction=out]', { hasText: 'Доставим' })
    .waitFor({ timeout: 5000 });
  const [canned] = await query(
    `SELECT canned_response_id FROM messages WHERE conversation_id = $1 AND direction = 'out' AND author_type = 'agent'`,
    [conversationId],
  );
  assert.ok(canned?.canned_response_id, 'the reply does not record its canned response');

  // Resolved: the widget asks for a rating; the visitor gives 5; the rating shows in the conversation.
  await b.page.click('[data-testid=resolve]');
  await b.page.locator('[data-testid=reopen]').waitFor();
  await visitor.locator('[data-testid=widget-survey]').waitFor({ timeout: 10000 });
  await visitor.screenshot({ path: join(shots, '13-widget-survey.png') });
  await visitor.click('[data-testid=widget-survey-option][data-score="5"]');
  await b.page.locator('[data-testid=survey-rating]', { hasText: '5' }).waitFor({ timeout: 10000 });
  await b.page.screenshot({ path: join(shots, '14-rating-in-conversation.png') });
  const [answer] = await query(`SELECT r.score, r.manager_id FROM survey_responses r WHERE r.conversation_id = $1`, [
    conversationId,
  ]);
  assert.deepEqual([answer?.score, answer?.manager_id], [5, boris.id]);

  assert.deepEqual([...a.errors, ...b.errors], [], 'uncaught page errors in the inbox');
  await a.context.close();
  await b.context.close();
  await visitorContext.close();
}
