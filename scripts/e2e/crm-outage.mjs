// The CRM stops answering while a manager edits a deal: admins see it across the app (a banner
// saying since when and the CRM's last error, linking to Settings → CRM); when the CRM answers
// again the waiting change is sent and the banner goes away by itself.
import assert from 'node:assert/strict';
import { join } from 'node:path';

export async function crmOutageScenario({ browser, base, admin, adminToken, shots, query, amo }) {
  const [deal] = await query(
    `SELECT d.conversation_id, d.external_id FROM deals d
     JOIN crm_connections c ON c.id = d.crm_connection_id AND c.deleted_at IS NULL
     JOIN users u ON u.workspace_id = d.workspace_id
     WHERE u.email = $1 AND d.external_id IS NOT NULL ORDER BY d.created_at DESC LIMIT 1`,
    [admin.email],
  );
  assert.ok(deal, 'no synced deal to change');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${base}/login`);
  await page.fill('[data-testid=login-email]', admin.email);
  await page.fill('[data-testid=login-password]', admin.password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  const banner = page.locator('[data-testid=crm-outage-banner]');
  assert.equal(await banner.count(), 0, 'an outage banner before any outage');

  amo.outage({ until: Date.now() + 3_600_000 });
  const changed = await fetch(`${base}/api/conversations/${deal.conversation_id}/deal`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: '47000' }),
  });
  assert.equal(changed.status, 200, `changing the deal answered ${changed.status}`);
  // Live: the page is not reloaded; the socket's crm.status event brings the banner.
  await page
    .locator('[data-testid=crm-outage-banner][data-status=degraded]')
    .waitFor({ timeout: 15000 })
    .catch(async (err) => {
      const state = await query(
        `SELECT (SELECT json_agg(c) FROM (SELECT status, status_message, deleted_at FROM crm_connections) c) AS connections,
                (SELECT json_agg(j) FROM (SELECT queue, status, attempts, run_at, last_error, payload FROM jobs
                 WHERE queue = 'crm' ORDER BY id DESC LIMIT 5) j) AS jobs`,
      );
      throw new Error(`${err.message}\nCRM state: ${JSON.stringify(state[0])}`);
    });
  const text = await banner.innerText();
  assert.match(text, /503/, `the banner does not show the CRM's error: ${text}`);
  await page.screenshot({ path: join(shots, '34-crm-outage-banner.png') });

  // The CRM is back. The change waits for its next retry (minutes away at real speed): made due now.
  amo.outage({ until: 0 });
  await query(`UPDATE jobs SET run_at = now() WHERE queue = 'crm' AND status = 'pending'`);
  await banner.waitFor({ state: 'detached', timeout: 15000 });
  assert.equal(String(amo.lead(deal.external_id)?.price), '47000', 'the change did not reach amoCRM');
  await page.screenshot({ path: join(shots, '35-crm-back.png') });
  assert.deepEqual(pageErrors, [], `uncaught page errors: ${pageErrors.join('; ')}`);
  await context.close();
}
