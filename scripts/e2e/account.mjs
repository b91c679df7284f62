// My account in Chromium: the admin changes their password from the page the top bar's name opens
// (Enter submits). A wrong current password is shown on its field; after the change this tab and
// another tab of the same browser stay signed in (their sockets reconnect with the new token, a
// reload keeps the session), the session on "another device" ends, and only the new password signs
// in. Runs last: nothing after it signs in with the original password, so it is not changed back.
/* global document -- read in the browser (evaluate) */
import assert from 'node:assert/strict';
import { join } from 'node:path';

async function signedIn(browser, base, user) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
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

async function loginStatus(base, email, password) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return res.status;
}

export async function accountScenario({ browser, base, admin, shots }) {
  const newPassword = `${admin.password}-changed`;
  const here = await signedIn(browser, base, admin);
  const elsewhere = await signedIn(browser, base, admin);
  const { page } = here;
  // A second tab of the same browser, open on the inbox: it shares the session.
  const otherTab = await here.context.newPage();
  otherTab.on('pageerror', (err) => here.errors.push(err.message));
  await otherTab.goto(`${base}/inbox`);
  await otherTab.locator('[data-testid=conversation-item]').first().waitFor();

  await page.click('[data-testid=current-user]');
  await page.waitForURL(/\/settings\?tab=account/);
  await page.locator('[data-testid=account-email]', { hasText: admin.email }).waitFor();

  // A wrong current password: the server's refusal lands on that field, which gets the focus.
  await page.fill('[data-testid=password-currentPassword]', 'not-my-password');
  await page.fill('[data-testid=password-newPassword]', newPassword);
  await page.fill('[data-testid=password-repeatPassword]', newPassword);
  await page.press('[data-testid=password-repeatPassword]', 'Enter');
  await page.locator('[data-testid=error-currentPassword]').waitFor();
  assert.equal(
    await page.evaluate(() => document.activeElement?.getAttribute('name')),
    'currentPassword',
    'the field the server named is not focused',
  );
  await page.screenshot({ path: join(shots, '40-account-wrong-password.png') });

  await page.fill('[data-testid=password-currentPassword]', admin.password);
  await page.press('[data-testid=password-currentPassword]', 'Enter');
  await page.locator('[data-testid=password-changed]').waitFor();
  assert.equal(await page.locator('[data-testid^=error-]').count(), 0, 'an error is still shown after the change');
  await page.screenshot({ path: join(shots, '41-account-password-changed.png') });

  // Only the new password signs in.
  assert.equal(await loginStatus(base, admin.email, admin.password), 401, 'the old password still signs in');
  assert.equal(await loginStatus(base, admin.email, newPassword), 200, 'the new password does not sign in');

  // This tab and the other one go on: API calls work, the realtime link comes back with the new
  // token (a customer's new message shows up without a reload), and a reload keeps the session.
  await page.click('[data-testid=nav-inbox]');
  await page.locator('[data-testid=conversation-item]').first().waitFor();
  await otherTab.click('[data-testid=nav-settings]');
  await otherTab.click('[data-testid=nav-inbox]');
  await otherTab.locator('[data-testid=conversation-item]').first().waitFor();
  assert.match(otherTab.url(), /\/inbox/, 'the other tab was signed out');
  const shop = await here.context.newPage();
  await shop.goto(`${base}/demo`);
  await shop.click('[data-testid=widget-launcher]');
  await shop.fill('[data-testid=widget-input]', 'Written after the password change');
  await shop.click('[data-testid=widget-send]');
  for (const tab of [page, otherTab]) {
    await tab
      .locator('[data-testid=conversation-item]', { hasText: 'after the password change' })
      .waitFor({ timeout: 10000 });
    assert.equal(await tab.locator('[data-testid=reconnecting]').count(), 0, 'the socket is still reconnecting');
  }
  await page.reload();
  await page.locator('[data-testid=conversation-item]', { hasText: 'after the password change' }).waitFor();
  assert.match(page.url(), /\/inbox/);

  // The other device's session has ended: its next request sends it to the login page.
  await elsewhere.page.reload();
  await elsewhere.page.waitForURL(/\/login/);

  assert.deepEqual([...here.errors, ...elsewhere.errors], [], 'uncaught page errors');
  await here.context.close();
  await elsewhere.context.close();
}
