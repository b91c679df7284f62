// The analytics dashboard in Chromium on the worked example of libs/metrics (scenario.ts): the
// tiles show what the API answers, and a tile opens the conversations behind its number.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { root } from '../ensure.mjs';

const require = createRequire(import.meta.url);
const {
  SCENARIO,
  SCENARIO_EXPECTED,
  SCENARIO_COSTS,
  SCENARIO_PRESENCE,
  SCENARIO_EXPECTED_COSTS,
  M1,
  M2,
  C1,
  C2,
  C3,
} = require(join(root, 'libs', 'metrics', 'dist', 'index.js'));

/**
 * Writes the worked example into the admin's workspace, as the product would have stored it;
 * answers the channels' ids by the example's names (`ch-telegram`…).
 */
export async function storeScenario(query, workspaceId) {
  const channels = {};
  for (const type of ['telegram', 'whatsapp', 'webchat']) {
    const [row] = await query(
      `INSERT INTO channels (workspace_id, type, name, webhook_secret) VALUES ($1, $2, $3, 'e2e') RETURNING id`,
      [
        workspaceId,
        type,
        { telegram: 'Telegram (пример)', whatsapp: 'WhatsApp (пример)', webchat: 'Сайт (пример)' }[type],
      ],
    );
    channels[`ch-${type}`] = row.id;
  }
  const [{ password_hash: hash }] = await query(`SELECT password_hash FROM users WHERE workspace_id = $1 LIMIT 1`, [
    workspaceId,
  ]);
  for (const [id, name] of [
    [M1, 'Мария'],
    [M2, 'Михаил'],
  ])
    await query(
      `INSERT INTO users (id, workspace_id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, 'manager', $5)`,
      [id, workspaceId, `${id.slice(-2)}@onebox-e2e.test`, name, hash],
    );
  for (const [id, name] of [
    [C1, 'Анна Клиентова'],
    [C2, 'Борис Покупатель'],
    [C3, 'Вера Гостья'],
  ])
    await query(`INSERT INTO contacts (id, workspace_id, name) VALUES ($1, $2, $3)`, [id, workspaceId, name]);
  const [crm] = await query(`SELECT id FROM crm_connections WHERE workspace_id = $1 AND deleted_at IS NULL`, [
    workspaceId,
  ]);
  for (const c of SCENARIO) {
    const channelId = channels[c.channelId];
    const last = c.events[c.events.length - 1];
    await query(
      `INSERT INTO conversations (id, workspace_id, channel_id, contact_id, cycle, status, last_message_at, last_message_text)
       VALUES ($1, $2, $3, $4, $5, 'resolved', $6, 'Пример')`,
      [c.conversationId, workspaceId, channelId, c.contactId, Math.max(...c.events.map((e) => e.cycle)), last.at],
    );
    for (const e of c.events)
      await query(
        `INSERT INTO conversation_events (workspace_id, conversation_id, channel_id, cycle, type, actor_type, actor_id, at, payload)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          workspaceId,
          c.conversationId,
          channelId,
          e.cycle,
          e.type,
          e.actorType,
          e.actorId,
          e.at,
          JSON.stringify(e.payload),
        ],
      );
    for (const d of c.deals)
      await query(
        `INSERT INTO deals (workspace_id, crm_connection_id, conversation_id, cycle, origin, title, semantic, amount, currency, closed_at, created_at)
         VALUES ($1, $2, $3, $4, 'manual', 'Диван', $5, $6, $7, $8, $9)`,
        [
          workspaceId,
          crm.id,
          c.conversationId,
          d.cycle,
          d.semantic ?? 'won',
          d.amount,
          d.currency,
          d.wonAt,
          d.createdAt,
        ],
      );
  }
  return channels;
}

/** The example's costs with its channel names turned into ids, and m1's online time stored. */
export async function storeScenarioCosts(query, workspaceId, channels) {
  for (const p of SCENARIO_PRESENCE)
    await query(
      `INSERT INTO presence_intervals (workspace_id, user_id, status, started_at, ended_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $5)`,
      [workspaceId, p.userId, p.status, p.from, p.to],
    );
  return {
    ...SCENARIO_COSTS,
    channelMonthly: Object.fromEntries(
      Object.entries(SCENARIO_COSTS.channelMonthly).map(([name, amount]) => [channels[name], amount]),
    ),
  };
}

export async function analyticsScenario({ browser, base, admin, adminToken, shots, query }) {
  const [{ workspace_id: workspaceId }] = await query(`SELECT workspace_id FROM users WHERE role = 'admin' LIMIT 1`);
  const channels = await storeScenario(query, workspaceId);
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' })).newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${base}/login`);
  await page.fill('[data-testid=login-email]', admin.email);
  await page.fill('[data-testid=login-password]', admin.password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL(/\/inbox/);
  // 1 January 2026 in the workspace's time zone (Moscow): the worked example's day.
  await page.goto(`${base}/analytics?period=custom&from=2026-01-01&to=2026-01-01`);
  const chatsTile = page.locator('[data-testid=kpi-chats] [data-testid=kpi-value]');
  await chatsTile.waitFor({ timeout: 15000 });
  await page.locator('[data-testid=chart-volume]').waitFor();
  await page.waitForTimeout(800); // charts animate in
  await page.screenshot({ path: join(shots, '15-analytics-dashboard.png'), fullPage: true });

  const api = await fetch(`${base}/api/analytics/summary?from=2025-12-31T21:00:00.000Z&to=2026-01-01T21:00:00.000Z`, {
    headers: { authorization: `Bearer ${adminToken}` },
  }).then((r) => r.json());
  assert.equal(api.rows[0].metrics.chats, SCENARIO_EXPECTED.chats);
  assert.equal((await chatsTile.innerText()).trim(), String(api.rows[0].metrics.chats));
  assert.equal(api.rows[0].metrics.firstResponseMedianSec, SCENARIO_EXPECTED.firstResponseMedianSec);

  // The chats tile opens the three conversations behind it.
  await page.click('[data-testid=kpi-chats]');
  await page.waitForURL(/\/analytics\/cycles/);
  await page.locator('[data-testid=drilldown-row]').first().waitFor();
  const rows = await page.locator('[data-testid=drilldown-row]').allInnerTexts();
  assert.equal(rows.length, 3, `drill-down rows: ${rows.join(' | ')}`);
  for (const name of ['Анна Клиентова', 'Борис Покупатель', 'Вера Гостья'])
    assert.ok(
      rows.some((row) => row.includes(name)),
      `${name} is not in the drill-down`,
    );
  await page.screenshot({ path: join(shots, '16-analytics-drilldown.png'), fullPage: true });

  // With the team's costs set, the cost-per-chat tile shows what the API answers.
  const costs = await storeScenarioCosts(query, workspaceId, channels);
  const put = await fetch(`${base}/api/workspace/settings`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ costs }),
  });
  assert.equal(put.status, 200, `setting costs answered ${put.status}`);
  await page.goto(`${base}/analytics?period=custom&from=2026-01-01&to=2026-01-01`);
  const costTile = page.locator('[data-testid=kpi-costPerChat] [data-testid=kpi-value]');
  await costTile.waitFor({ timeout: 15000 });
  const withCosts = await fetch(
    `${base}/api/analytics/summary?from=2025-12-31T21:00:00.000Z&to=2026-01-01T21:00:00.000Z`,
    { headers: { authorization: `Bearer ${adminToken}` } },
  ).then((r) => r.json());
  assert.equal(withCosts.rows[0].metrics.costPerChat, SCENARIO_EXPECTED_COSTS.all.costPerChat);
  // "433,33 ₽" in Russian: the digits, with the decimal comma read as a point.
  const shown = Number((await costTile.innerText()).replace(/[^\d,]/g, '').replace(',', '.'));
  assert.equal(shown, withCosts.rows[0].metrics.costPerChat);
  await page.screenshot({ path: join(shots, '18-analytics-costs.png'), fullPage: true });

  await page.goto(`${base}/analytics/agents?period=custom&from=2026-01-01&to=2026-01-01`);
  await page.locator('[data-testid=agents-row]').first().waitFor();
  await page.locator('[data-testid=chart-agents] svg path.bar, [data-testid=chart-agents] svg rect').first().waitFor();
  await page.waitForTimeout(800); // bars animate in
  await page.screenshot({ path: join(shots, '17-analytics-agents.png'), fullPage: true });
  assert.deepEqual(errors, [], `uncaught page errors on the analytics pages: ${errors.join('; ')}`);
  await page.context().close();
}
