import type { ChangePasswordResponse, UserDto } from '@onebox/contracts';
import { io, type Socket } from 'socket.io-client';
import { api, connectAgent, connectVisitor, createWorkspace, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(60_000);

type ApiError = { code: string; message: string; details?: { field: string }[] };

const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { iat: number; exp: number };

/** Resolves with the reason when the server closes the socket. */
const closed = (socket: Socket) => new Promise<string>((resolve) => socket.once('disconnect', resolve));

/** The handshake's answer: connected, or the server's refusal with its data. */
function handshake(
  url: string,
  auth: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ socket: Socket; error?: undefined } | { error: { message: string; data?: Record<string, unknown> } }> {
  const socket = io(url, { auth, transports: ['websocket'], reconnection: false, extraHeaders: headers });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (err: Error & { data?: Record<string, unknown> }) => {
      socket.close();
      resolve({ error: { message: err.message, data: err.data } });
    });
  });
}

describe('agent sessions: access tokens expire and die with a password change', () => {
  let t: TestApp;
  let workspace: Awaited<ReturnType<typeof createWorkspace>>;

  beforeAll(async () => {
    t = await startTestApp();
    workspace = await createWorkspace(t.db, 'sessions');
  });

  afterAll(() => t.close());

  it('issues tokens that last the configured 12 hours by default', async () => {
    const token = await login(t.url, workspace.email, workspace.password);
    const { iat, exp } = claims(token);
    expect(exp - iat).toBe(12 * 3600);
  });

  it('changes the own password: every earlier token and socket of the user ends, the new token works', async () => {
    const tabA = await login(t.url, workspace.email, workspace.password);
    const tabB = await login(t.url, workspace.email, workspace.password);
    const socketB = await connectAgent(t.url, tabB);
    const socketClosed = closed(socketB);

    const changed = await api<ChangePasswordResponse>(t.url, '/api/me/password', {
      token: tabA,
      body: { currentPassword: workspace.password, newPassword: 'a-brand-new-password' },
    });
    expect(changed.status).toBe(200);
    expect(await socketClosed).toBe('io server disconnect');

    for (const old of [tabA, tabB]) {
      expect(await api<ApiError>(t.url, '/api/me', { token: old })).toMatchObject({
        status: 401,
        body: { code: 'unauthorized' },
      });
      const refused = await handshake(`${t.url}/agent`, { token: old });
      expect(refused.error).toMatchObject({ data: { code: 'unauthorized' } });
    }
    expect((await api(t.url, '/api/me', { token: changed.body.accessToken })).status).toBe(200);
    (await connectAgent(t.url, changed.body.accessToken)).close();

    expect(
      (await api(t.url, '/api/auth/login', { body: { email: workspace.email, password: workspace.password } })).status,
    ).toBe(401);
    workspace.password = 'a-brand-new-password';
    await login(t.url, workspace.email, workspace.password);
    const [row] = await t.db.query(`SELECT token_version, password_changed_at FROM users WHERE email = $1`, [
      workspace.email,
    ]);
    expect(row.token_version).toBe(1);
    expect(row.password_changed_at).toBeInstanceOf(Date);
  });

  it('answers 400 naming the field for a bad body, 403 wrong_password for a wrong current one, and changes nothing', async () => {
    const token = await login(t.url, workspace.email, workspace.password);
    const cases: [unknown, string][] = [
      [{ currentPassword: workspace.password }, 'newPassword'],
      [{ currentPassword: workspace.password, newPassword: 'short' }, 'newPassword'],
      [{ newPassword: 'long-enough-password' }, 'currentPassword'],
      [{ currentPassword: workspace.password, newPassword: workspace.password }, 'newPassword'],
      [{ currentPassword: workspace.password, newPassword: 'long-enough-password', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await api<ApiError>(t.url, '/api/me/password', { token, body });
      expect({ field, status: res.status, code: res.body.code }).toEqual({
        field,
        status: 400,
        code: 'validation_failed',
      });
      expect(res.body.details!.map((d) => d.field)).toContain(field);
    }
    const wrong = await api<ApiError>(t.url, '/api/me/password', {
      token,
      body: { currentPassword: 'not-my-password', newPassword: 'long-enough-password' },
    });
    expect(wrong).toMatchObject({
      status: 403,
      body: { code: 'wrong_password', details: [{ field: 'currentPassword' }] },
    });
    expect((await api(t.url, '/api/me', { token })).status).toBe(200);
    const [row] = await t.db.query(`SELECT token_version FROM users WHERE email = $1`, [workspace.email]);
    expect(row.token_version).toBe(1);
  });

  it('lets an admin reset a user’s password, ending that user’s sessions; managers may not, other workspaces’ users are not found', async () => {
    const admin = await login(t.url, workspace.email, workspace.password);
    const created = await api<UserDto>(t.url, '/api/users', {
      token: admin,
      body: { email: 'reset.me@onebox.test', name: 'Reset Me', password: 'first-password-1', role: 'manager' },
    });
    const manager = await login(t.url, 'reset.me@onebox.test', 'first-password-1');
    const socket = await connectAgent(t.url, manager);
    const socketClosed = closed(socket);

    const byManager = await api(t.url, `/api/users/${created.body.id}/password`, {
      token: manager,
      body: { newPassword: 'chosen-by-manager' },
    });
    expect(byManager.status).toBe(403);
    const other = await createWorkspace(t.db, 'sessions-other');
    const stranger = await login(t.url, other.email, other.password);
    const foreign = await api(t.url, `/api/users/${created.body.id}/password`, {
      token: stranger,
      body: { newPassword: 'chosen-by-stranger' },
    });
    expect(foreign).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect((await api(t.url, '/api/me', { token: manager })).status).toBe(200);

    const reset = await api(t.url, `/api/users/${created.body.id}/password`, {
      token: admin,
      body: { newPassword: 'chosen-by-admin-1' },
    });
    expect(reset.status).toBe(204);
    expect(await socketClosed).toBe('io server disconnect');
    expect((await api(t.url, '/api/me', { token: manager })).status).toBe(401);
    await login(t.url, 'reset.me@onebox.test', 'chosen-by-admin-1');
    expect((await api(t.url, '/api/me', { token: admin })).status).toBe(200);
  });
});

describe('agent sessions with a short token lifetime', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ONEBOX_ACCESS_TOKEN_TTL_SEC: '2' });
  });

  afterAll(() => t.close());

  it('refuses the token once it expires, and closes its socket then', async () => {
    const token = await login(t.url, 'admin@onebox.test', 'admin-password-1');
    const { iat, exp } = claims(token);
    expect(exp - iat).toBe(2);
    const socket = await connectAgent(t.url, token);
    const socketClosed = closed(socket);
    expect((await api(t.url, '/api/me', { token })).status).toBe(200);
    expect(await socketClosed).toBe('io server disconnect');
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(exp - 0.05);
    expect((await api(t.url, '/api/me', { token })).status).toBe(401);
    expect((await handshake(`${t.url}/agent`, { token })).error).toMatchObject({ data: { code: 'unauthorized' } });
  });
});

describe('website chat sessions are rate limited per IP and per widget', () => {
  let t: TestApp;
  let widgetKey: string;

  beforeAll(async () => {
    t = await startTestApp({ ONEBOX_WIDGET_SESSIONS_PER_IP: '4', ONEBOX_WIDGET_SESSIONS_PER_WIDGET: '7' });
    widgetKey = (await createWorkspace(t.db, 'widget-limits')).widgetKey;
  });

  afterAll(() => t.close());

  it('refuses the fifth new visitor from one IP with rate_limited and the seconds to wait; returning visitors still connect', async () => {
    const visitors = [];
    for (let i = 0; i < 4; i++) {
      const visitor = await connectVisitor(t.url, widgetKey);
      visitors.push(visitor.session.visitorToken);
      visitor.socket.close();
    }
    const refused = await handshake(`${t.url}/webchat`, { widgetKey });
    expect(refused.error).toEqual({
      message: expect.stringMatching(/^Too many new chats from here\. Try again in \d+ s\.$/),
      data: { code: 'rate_limited', retryAfter: expect.any(Number) },
    });
    expect(refused.error!.data!['retryAfter']).toBeGreaterThan(590);
    // Unknown widget keys from the same IP are refused before the key is even looked at.
    expect((await handshake(`${t.url}/webchat`, { widgetKey: 'no-such-key' })).error?.data).toMatchObject({
      code: 'rate_limited',
    });

    const returning = await connectVisitor(t.url, widgetKey, visitors[0]);
    expect(returning.session.visitorToken).toBe(visitors[0]);
    returning.socket.close();
  });

  it('counts visitors behind the trusted local proxy by their forwarded address, and caps the widget across addresses', async () => {
    const outcomes: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const res = await handshake(`${t.url}/webchat`, { widgetKey }, { 'x-forwarded-for': `198.51.100.${i}` });
      outcomes.push(res.error ? String(res.error.data?.['code']) : 'ok');
      if (!res.error) res.socket.close();
    }
    // 4 sessions from 127.0.0.1 before, 3 more fit under the widget's 7.
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'rate_limited']);
  });
});
