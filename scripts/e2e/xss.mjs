// XSS battery in Chromium: classic filter-evasion payloads (xss-payloads.mjs) as customers' names,
// message texts and file names (Telegram), as CRM stage and user names and deal titles (amoCRM),
// rendered in the inbox (conversation list, thread, contact panel, deal card, global search) and,
// as the agent's messages, in the widget on a customer's site whose CSP has no 'unsafe-inline'.
// A payload that ran would call `__xss(n)` or `alert(n)`; both are recorded, as is every CSP
// violation (an attempt that got as far as the browser trying to run it). Stored HTML and SVG
// files opened directly must download, not render.
/* global document, window, getComputedStyle -- functions passed to the browser (evaluate, addInitScript) */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { productPhoto } from '../demo/png.mjs';
import { call, until } from './workflow.mjs';
import { XSS_PAYLOADS } from './xss-payloads.mjs';

/** The global search shows up to 8 results of each kind: one search word per 8 customers. */
const GROUP_SIZE = 8;
/** The same test for "this text is shown": whitespace runs count as one space. */
const norm = (text) => text.replace(/\s+/g, ' ').trim();

/** Records script execution and CSP violations in every page of the context. */
async function watchedContext(browser, options) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const seen = { executed: [], violations: [], errors: [] };
  await context.exposeFunction('__xss', (n) => seen.executed.push(`__xss(${n})`));
  await context.exposeFunction('__cspViolation', (v) => seen.violations.push(v));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
      ),
    );
  });
  context.on('page', (page) => watchPage(page, seen));
  return { context, seen };
}

function watchPage(page, seen) {
  page.on('dialog', (dialog) => {
    seen.executed.push(`${dialog.type()}(${dialog.message()})`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => seen.errors.push(err.message));
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) seen.violations.push(msg.text());
  });
}

/** A customer's shop on another origin, embedding the widget under a CSP without 'unsafe-inline'. */
async function customerSite(base, widgetKey) {
  const onebox = new URL(base);
  const csp = [
    "default-src 'none'",
    `script-src ${onebox.origin}`,
    `connect-src ${onebox.origin} ws://${onebox.host}`,
    `img-src ${onebox.origin}`,
    "style-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const server = createServer((req, res) => {
    if (req.url === '/site.css') {
      res.writeHead(200, { 'content-type': 'text/css' }).end('body{font:16px system-ui;margin:40px;color:#1f2937}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A customer's shop</title>
<link rel="stylesheet" href="/site.css"></head><body><h1>A customer's shop (strict CSP)</h1>
<script src="${onebox.origin}/widget.js" data-widget-key="${widgetKey}" async></script></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  // `localhost` is another origin than the server's 127.0.0.1: the widget runs cross-origin, as on a real site.
  return { server, url: `http://localhost:${server.address().port}/` };
}

/** Customers whose names, messages and file names are the payloads; answers their conversation ids. */
async function customersWrite(telegram, query) {
  const customers = XSS_PAYLOADS.map((payload, i) => ({
    payload,
    chatId: 7_700_000 + i,
    group: `grp${String.fromCharCode(97 + Math.floor(i / GROUP_SIZE))}`,
  }));
  for (const c of customers) {
    const who = { chatId: c.chatId, firstName: c.payload, lastName: c.group };
    await telegram.customerWrites({ ...who, text: c.payload });
    await telegram.customerSendsDocument({
      ...who,
      bytes: Buffer.from(`file ${c.chatId}`),
      fileName: `${c.payload}.txt`,
      mimeType: 'text/plain',
      caption: `${c.group} ${c.payload}`,
    });
  }
  const rows = await until(
    async () => {
      const found = await query(
        `SELECT c.id, ci.external_id FROM conversations c
         JOIN contacts ct ON ct.id = c.contact_id
         JOIN contact_identities ci ON ci.contact_id = ct.id
        WHERE ci.external_id = ANY($1::text[])`,
        [customers.map((c) => String(c.chatId))],
      );
      const stored = await query(
        `SELECT count(*)::int AS n FROM attachments a JOIN messages m ON m.attachments @> jsonb_build_array(jsonb_build_object('id', a.id::text))
        WHERE a.storage_key IS NOT NULL AND m.external_id IS NOT NULL AND m.text LIKE 'grp%'`,
      );
      return found.length === customers.length && stored[0].n >= customers.length ? found : null;
    },
    'the customers’ conversations and files did not arrive',
    60000,
  );
  for (const c of customers) c.conversationId = rows.find((r) => r.external_id === String(c.chatId)).id;
  return customers;
}

/** The CRM's stages and users get payload names; the connection is made again so none is cached. */
async function crmWithPayloads(base, adminToken, amo) {
  const statuses = amo.pipelines[0].statuses;
  statuses.forEach((status, i) => (status.name = XSS_PAYLOADS[(i * 7) % XSS_PAYLOADS.length]));
  amo.users.forEach((user, i) => (user.name = XSS_PAYLOADS[(i * 11 + 3) % XSS_PAYLOADS.length]));
  for (const existing of await call(base, adminToken, '/api/crm'))
    await call(base, adminToken, `/api/crm/${existing.id}`, undefined, 'DELETE');
  const crm = await call(base, adminToken, '/api/crm', {
    type: 'amocrm',
    name: 'amoCRM',
    autoCreateDeal: false,
    settings: { baseUrl: `https://${amo.subdomain}.amocrm.ru`, accessToken: amo.accessToken },
  });
  amo.setWebhook(crm.webhookUrl, ['status_lead']);
  const pipelines = await call(base, adminToken, `/api/crm/${crm.id}/pipelines`);
  return { stageNames: pipelines.find((p) => p.id === crm.pipelineId).stages.map((stage) => stage.name) };
}

/** The text of each element matching `selector`. */
const textsOf = (page, selector) => page.locator(selector).evaluateAll((els) => els.map((e) => e.textContent ?? ''));

export async function xssScenario({ browser, base, adminToken, admin, shots, query, telegram, amo }) {
  const rendered = { list: 0, preview: 0, thread: 0, fileName: 0, contactPanel: 0, deal: 0, search: 0, widget: 0 };
  const found = (place, text, payload) => {
    if (!norm(text).includes(norm(payload))) return false;
    rendered[place]++;
    return true;
  };

  const customers = await customersWrite(telegram, query);
  const crm = await crmWithPayloads(base, adminToken, amo);
  const withDeals = customers.filter((c) => c.payload.length <= 200).slice(0, 6);
  for (const c of withDeals)
    await call(base, adminToken, `/api/conversations/${c.conversationId}/deal`, { title: c.payload });
  await until(
    async () => {
      const deals = await Promise.all(
        withDeals.map((c) => call(base, adminToken, `/api/conversations/${c.conversationId}/deal`)),
      );
      return deals.every((d) => d?.url);
    },
    'the deals were not created in amoCRM',
    20000,
  );

  // --- the inbox --------------------------------------------------------------------------------
  const agent = await watchedContext(browser, { locale: 'en-US' });
  const page = await agent.context.newPage();
  // Control: the recorder sees a payload that does run (in a blank page without a CSP).
  await page.setContent('<img src=x onerror="__xss(0)">');
  await until(async () => agent.seen.executed.includes('__xss(0)'), 'the execution recorder saw nothing');
  agent.seen.executed.length = 0;
  await page.goto(`${base}/login`);
  await page.fill('[data-testid=login-email]', admin.email);
  await page.fill('[data-testid=login-password]', admin.password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL(/\/inbox/);

  // The list, scrolled until every payload conversation is loaded.
  const items = page.locator('[data-testid=conversation-item]');
  await until(
    async () => {
      const loadMore = page.locator('[data-testid=load-more]');
      if (await loadMore.isVisible()) await loadMore.click();
      else await page.locator('[data-testid=conversation-list]').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      const ids = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-conversation-id')));
      return customers.every((c) => ids.includes(c.conversationId));
    },
    'the list did not load every conversation',
    30000,
  );
  for (const c of customers) {
    const item = page.locator(`[data-conversation-id="${c.conversationId}"]`);
    assert.ok(found('list', await item.locator('.name').textContent(), c.payload), `list name ${c.payload}`);
    assert.ok(found('preview', await item.locator('[data-testid=conversation-preview]').textContent(), c.payload));
  }
  await page.screenshot({ path: join(shots, '30-xss-conversation-list.png') });

  // Each conversation: thread (text, caption, file name), contact panel, and the deal card.
  for (const c of customers) {
    await page.locator(`[data-conversation-id="${c.conversationId}"]`).click();
    await page.waitForURL(new RegExp(c.conversationId));
    const [{ name: fileName }] = await query(
      `SELECT a.name FROM attachments a JOIN messages m ON m.attachments @> jsonb_build_array(jsonb_build_object('id', a.id::text))
        WHERE m.conversation_id = $1`,
      [c.conversationId],
    );
    await until(
      async () =>
        (await textsOf(page, '[data-testid=thread-message]')).filter((t) => norm(t).includes(norm(c.payload))).length >=
        2,
      `thread of ${c.payload} not shown`,
    );
    const thread = (await textsOf(page, '[data-testid=thread-message]')).join('\n');
    assert.ok(found('thread', thread, c.payload));
    assert.ok(found('fileName', thread, fileName), `file name ${fileName} not shown`);
    const contact = await page.locator('[data-testid=contact-name]').textContent();
    assert.ok(found('contactPanel', contact, c.payload), `contact panel shows ${contact}`);
    if (withDeals.includes(c)) {
      const deal = await call(base, adminToken, `/api/conversations/${c.conversationId}/deal`);
      const card = page.locator('[data-testid=deal-card]');
      await card.locator('[data-testid=deal-stage]').waitFor({ timeout: 10000 });
      const text = await card.evaluate(
        (el) => `${el.textContent}\n${[...el.querySelectorAll('option')].map((o) => o.textContent).join('\n')}`,
      );
      const shown = [deal.title, deal.stageName, deal.responsible?.name, ...crm.stageNames].filter(Boolean);
      for (const value of new Set(shown)) assert.ok(found('deal', text, value), `deal card lacks ${value}`);
    }
  }
  await page.locator(`[data-conversation-id="${withDeals[0].conversationId}"]`).click();
  await page.locator('[data-testid=deal-card] [data-testid=deal-stage]').waitFor();
  await page.screenshot({ path: join(shots, '31-xss-thread-contact-deal.png') });

  // Global search: contacts (names) and messages (escaped snippets with <mark>) for each group.
  const groups = [...new Set(customers.map((c) => c.group))];
  for (const group of groups) {
    await page.fill('[data-testid=search-input]', group);
    const members = customers.filter((c) => c.group === group);
    const rowsOf = () =>
      page.locator('[data-testid=search-result]').evaluateAll((els) =>
        els.map((el) => ({
          text: el.textContent ?? '',
          // Anything in a snippet but <mark> would be markup that got through.
          markup: [...el.querySelectorAll('.row__detail *')].map((e) => e.tagName).filter((t) => t !== 'MARK'),
        })),
      );
    const rows = await until(async () => {
      const shown = await rowsOf();
      const all = members.every((c) => shown.some((r) => norm(r.text).includes(norm(c.payload))));
      return all ? shown : null;
    }, `search for ${group} did not show all of its customers`).catch(async (err) => {
      throw new Error(`${err.message}:\n${(await rowsOf()).map((r) => r.text).join('\n')}`);
    });
    for (const row of rows) assert.deepEqual(row.markup, [], `search snippet rendered markup: ${row.text}`);
    // Each result row naming a customer (conversation, contact, message) is one place rendered.
    for (const row of rows) for (const c of members) found('search', row.text, c.payload);
    if (group === groups[0]) await page.screenshot({ path: join(shots, '32-xss-search.png') });
  }
  await page.keyboard.press('Escape');

  // Stored HTML and SVG from a customer: opened directly, they download; nothing runs.
  const evil = { chatId: 7_799_999, firstName: 'Mallory' };
  await telegram.customerSendsDocument({
    ...evil,
    bytes: Buffer.from('<html><body><script>parent.__xss(900)</script><img src=x onerror=__xss(901)></body></html>'),
    fileName: 'invoice.html',
    mimeType: 'text/html',
  });
  await telegram.customerSendsDocument({
    ...evil,
    bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="__xss(902)"><script>__xss(903)</script></svg>'),
    fileName: 'logo.svg',
    mimeType: 'image/svg+xml',
  });
  const files = await until(async () => {
    const rows = await query(
      `SELECT id, name FROM attachments WHERE name IN ('invoice.html', 'logo.svg') AND storage_key IS NOT NULL`,
    );
    return rows.length === 2 ? rows : null;
  }, 'the HTML and SVG files were not stored');
  let downloads = 0;
  for (const file of files) {
    const tab = await agent.context.newPage();
    const download = tab.waitForEvent('download', { timeout: 10000 });
    await tab.goto(`${base}/files/${file.id}/${encodeURIComponent(file.name)}`).catch(() => undefined);
    assert.equal((await download).suggestedFilename(), file.name);
    downloads++;
    await tab.close();
  }

  // --- the widget on a customer's site ----------------------------------------------------------
  const webchat = (await call(base, adminToken, '/api/channels')).find((ch) => ch.type === 'webchat');
  const site = await customerSite(base, webchat.widgetKey);
  const visitor = await watchedContext(browser, { locale: 'en-US', viewport: { width: 1100, height: 900 } });
  try {
    const shop = await visitor.context.newPage();
    await shop.goto(site.url);
    // Control: the recorder sees the site's CSP refusing an inline script.
    await shop.evaluate(() =>
      document.body.append(Object.assign(document.createElement('script'), { text: '__xss(0)' })),
    );
    await until(async () => visitor.seen.violations.length >= 2, 'the CSP violation recorders saw nothing'); // event and console
    assert.deepEqual(visitor.seen.executed, [], 'an inline script ran under the strict CSP');
    visitor.seen.violations.length = 0;
    await shop.click('[data-testid=widget-launcher]');
    // Styled although the site allows no inline style: the widget's sheet is a constructed one.
    const styled = await shop
      .locator('[data-testid=widget-launcher]')
      .evaluate((el) => getComputedStyle(el).borderRadius);
    assert.equal(styled, '50%', 'the widget is unstyled under the strict CSP');
    await shop.fill('[data-testid=widget-input]', 'Hello from a strict site');
    await shop.click('[data-testid=widget-send]');
    const [conversation] = await until(
      () =>
        query(
          `SELECT m.conversation_id AS id FROM messages m WHERE m.text = 'Hello from a strict site' ORDER BY m.created_at DESC LIMIT 1`,
        ).then((r) => (r.length ? r : null)),
      'the visitor’s message did not arrive',
    );
    for (const payload of XSS_PAYLOADS)
      await call(base, adminToken, `/api/conversations/${conversation.id}/messages`, { text: payload });
    // A photo from the agent: the site loads it from Onebox's origin (cross-origin resource policy).
    const form = new FormData();
    form.append('file', new Blob([productPhoto(7)], { type: 'image/png' }), '"><img src=x onerror=__xss(0)>.png');
    const upload = await fetch(`${base}/api/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
      body: form,
    }).then((r) => r.json());
    await call(base, adminToken, `/api/conversations/${conversation.id}/messages`, {
      text: '',
      attachmentIds: [upload.id],
    });
    const out = shop.locator('[data-testid=widget-message][data-direction=out]');
    await until(
      async () => (await out.count()) >= XSS_PAYLOADS.length,
      'the agent’s messages did not reach the widget',
      20000,
    );
    const photo = shop.locator('[data-testid=widget-message][data-direction=out] a.thumb img');
    await until(
      () => photo.evaluate((img) => img.complete && img.naturalWidth > 0).catch(() => false),
      'the agent’s photo did not load on the site',
    );
    await shop.waitForTimeout(500);
    assert.deepEqual(visitor.seen.executed, [], `payloads executed in the widget: ${visitor.seen.executed.join(', ')}`);
    assert.deepEqual(
      visitor.seen.violations,
      [],
      `CSP violations in the widget: ${visitor.seen.violations.join('; ')}`,
    );
    const texts = (await out.allTextContents()).join('\n');
    for (const payload of XSS_PAYLOADS) assert.ok(found('widget', texts, payload), `widget lacks ${payload}`);
    await shop.screenshot({ path: join(shots, '33-xss-widget-strict-csp.png') });
  } finally {
    await visitor.context.close();
    await new Promise((resolve) => site.server.close(resolve));
  }

  await page.waitForTimeout(300);
  const executed = [...agent.seen.executed, ...visitor.seen.executed];
  const violations = [...agent.seen.violations, ...visitor.seen.violations];
  await agent.context.close();
  assert.deepEqual(executed, [], `payloads executed: ${executed.join(', ')}`);
  assert.deepEqual(violations, [], `CSP violations: ${violations.join('; ')}`);
  assert.deepEqual([...agent.seen.errors, ...visitor.seen.errors], [], 'uncaught page errors');
  const places = Object.values(rendered).reduce((a, b) => a + b, 0);
  const where = Object.entries(rendered)
    .map(([place, n]) => `${place} ${n}`)
    .join(', ');
  return {
    payloads: XSS_PAYLOADS.length,
    rendered,
    places,
    executed: executed.length,
    violations: violations.length,
    downloads,
    summary:
      `${XSS_PAYLOADS.length} payloads rendered in ${places} places (${where}); executed: ${executed.length}, ` +
      `CSP violations: ${violations.length}; stored HTML/SVG downloaded, not rendered: ${downloads}`,
  };
}
