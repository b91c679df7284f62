import { FakeAmoCrm, recordingAgents } from '@onebox/fakes';
import type { CrmContext } from '../crm-adapter';
import { CrmError } from '../crm-error';
import { AmoCrmAdapter, type AmoCrmSettings } from './amocrm.adapter';

const CLIENT_ID = '0c5d3c5e-1f0a-4b9e-9d3c-8a1b2c3d4e5f';
const CLIENT_SECRET = 'secret-of-the-integration';
const REDIRECT = 'https://onebox.example/api/crm/oauth/callback';

describe(`${AmoCrmAdapter.name} OAuth 2.0`, () => {
  const adapter = new AmoCrmAdapter();
  const oauth = adapter.oauth;
  const connect: AmoCrmSettings = {
    baseUrl: 'https://mycompany.amocrm.ru',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  };
  let fake: FakeAmoCrm;
  let ctx: CrmContext;

  beforeEach(async () => {
    fake = new FakeAmoCrm({
      subdomain: 'mycompany',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: REDIRECT,
    });
    await fake.start();
    ctx = { baseUrl: fake.url, timeoutMs: 2000 };
  });

  afterEach(async () => {
    await fake.stop();
  });

  async function failure(promise: Promise<unknown>): Promise<CrmError> {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(CrmError);
      return err as CrmError;
    }
    throw new Error('expected a CrmError');
  }

  async function authorized(): Promise<AmoCrmSettings> {
    const query = fake.redirectQuery('st4te');
    return oauth.exchangeCode(connect, { code: query['code'], redirectUri: REDIRECT, query }, ctx);
  }

  it('declares the OAuth fields; wants() when id and secret are given without a long-lived token', () => {
    expect(oauth.settingsFields.map((f) => [f.key, f.secret, f.required])).toEqual([
      ['clientId', false, true],
      ['clientSecret', true, true],
    ]);
    const pattern = new RegExp(oauth.settingsFields[0].pattern!);
    expect(pattern.test(CLIENT_ID)).toBe(true);
    expect(pattern.test('not-a-uuid')).toBe(false);
    expect(adapter.settingsFields.find((f) => f.key === 'accessToken')?.required).toBe(false);
    expect(adapter.settingsFields.find((f) => f.key === 'baseUrl')?.required).toBe(true);
    expect(oauth.wants(connect)).toBe(true);
    expect(oauth.wants({ ...connect, accessToken: 'long-lived' })).toBe(false);
    expect(oauth.wants({ baseUrl: connect.baseUrl, clientId: CLIENT_ID })).toBe(false);
    expect(oauth.wants({ baseUrl: connect.baseUrl, accessToken: 'long-lived' })).toBe(false);
  });

  it('authorizeUrl: www.amocrm.ru/oauth with client_id, state and mode=post_message, no redirect_uri', () => {
    expect(oauth.authorizeUrl(connect, { state: 'a b&c', redirectUri: REDIRECT })).toBe(
      `https://www.amocrm.ru/oauth?client_id=${CLIENT_ID}&state=a+b%26c&mode=post_message`,
    );
    expect(
      oauth.authorizeUrl({ ...connect, baseUrl: 'https://acme.kommo.com' }, { state: 's', redirectUri: REDIRECT }),
    ).toBe(`https://www.kommo.com/oauth?client_id=${CLIENT_ID}&state=s&mode=post_message`);
  });

  it('exchangeCode goes through the agents it is given', async () => {
    const agents = recordingAgents();
    const query = fake.redirectQuery('st4te');

    await oauth.exchangeCode(connect, { code: query['code'], redirectUri: REDIRECT, query }, { ...ctx, agents });

    expect(agents.connections).toEqual([new URL(fake.url).host]);
  });

  it('exchangeCode: POSTs the documented JSON and answers the settings to store', async () => {
    const before = Date.now();
    const query = fake.redirectQuery('st4te');
    const stored = await oauth.exchangeCode(
      { ...connect, webhookSecret: 'keep-me' },
      { code: query['code'], redirectUri: REDIRECT, query },
      ctx,
    );
    const calls = fake.callsTo('/oauth2/access_token');
    expect(calls).toHaveLength(1);
    expect(calls[0].method).toBe('POST');
    expect(calls[0].headers['content-type']).toMatch(/^application\/json/);
    expect(calls[0].headers['authorization']).toBeUndefined();
    expect(JSON.parse(calls[0].rawBody.toString())).toEqual({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_type: 'authorization_code',
      code: query['code'],
      redirect_uri: REDIRECT,
    });
    const [issued] = fake.issuedTokens();
    expect(stored).toEqual({
      baseUrl: 'https://mycompany.amocrm.ru',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      webhookSecret: 'keep-me',
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: expect.any(String),
      redirectUri: REDIRECT,
    });
    const expires = oauth.expiresAt(stored)!.getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 86_400_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect(stored.expiresAt).toBe(new Date(expires).toISOString());
  });

  it('the other methods use the OAuth access token as the Bearer token', async () => {
    const stored = await authorized();
    await expect(adapter.checkConnection(stored, ctx)).resolves.toMatchObject({ accountId: String(fake.accountId) });
    const call = fake.callsTo('/api/v4/account')[0];
    expect(call.headers['authorization']).toBe(`Bearer ${stored.accessToken}`);
  });

  it('without any access token the API methods refuse with invalid_credentials before calling', async () => {
    const err = await failure(adapter.checkConnection(connect, ctx));
    expect(err.code).toBe('invalid_credentials');
    expect(fake.calls).toHaveLength(0);
  });

  it('exchangeCode refuses a referer naming another account, before sending the secret anywhere', async () => {
    const query: Record<string, string> = { ...fake.redirectQuery('st4te'), referer: 'othercompany.amocrm.ru' };
    const err = await failure(oauth.exchangeCode(connect, { code: query['code'], redirectUri: REDIRECT, query }, ctx));
    expect(err.code).toBe('validation');
    expect(fake.calls).toHaveLength(0);
    const foreign = { ...query, referer: 'mycompany.amocrm.ru', client_id: '11111111-2222-3333-4444-555555555555' };
    expect(
      (await failure(oauth.exchangeCode(connect, { code: query['code'], redirectUri: REDIRECT, query: foreign }, ctx)))
        .code,
    ).toBe('validation');
    expect(fake.calls).toHaveLength(0);
  });

  it('exchangeCode: a used code is validation (authorize again), a wrong secret invalid_credentials', async () => {
    const query = fake.redirectQuery('st4te');
    await oauth.exchangeCode(connect, { code: query['code'], redirectUri: REDIRECT, query }, ctx);
    const used = await failure(oauth.exchangeCode(connect, { code: query['code'], redirectUri: REDIRECT, query }, ctx));
    expect(used.code).toBe('validation');
    expect(used.message).toContain('Authorization code has been revoked');
    const next = fake.redirectQuery('st4te');
    const wrong = await failure(
      oauth.exchangeCode(
        { ...connect, clientSecret: 'wrong' },
        { code: next['code'], redirectUri: REDIRECT, query: next },
        ctx,
      ),
    );
    expect(wrong.code).toBe('invalid_credentials');
  });

  it('refresh: POSTs the refresh grant with redirect_uri and stores the rotated refresh token', async () => {
    const stored = await authorized();
    fake.calls.length = 0;
    const refreshed = await oauth.refresh(stored, ctx);
    const calls = fake.callsTo('/oauth2/access_token');
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0].rawBody.toString())).toEqual({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_type: 'refresh_token',
      refresh_token: stored.refreshToken,
      redirect_uri: REDIRECT,
    });
    const latest = fake.issuedTokens()[1];
    expect(refreshed).toEqual({
      ...stored,
      accessToken: latest.accessToken,
      refreshToken: latest.refreshToken,
      expiresAt: expect.any(String),
    });
    expect(refreshed.refreshToken).not.toBe(stored.refreshToken);
    // The rotated token keeps working; the spent one is refused.
    await expect(oauth.refresh(refreshed, ctx)).resolves.toMatchObject({ clientId: CLIENT_ID });
    const stale = await failure(oauth.refresh(stored, ctx));
    expect(stale.code).toBe('invalid_credentials');
    expect(stale.message).toContain('Token has been revoked');
  });

  it('refresh after the admin revoked access is invalid_credentials', async () => {
    const stored = await authorized();
    fake.revokeRefreshTokens();
    expect((await failure(oauth.refresh(stored, ctx))).code).toBe('invalid_credentials');
    expect((await failure(adapter.checkConnection(stored, ctx))).code).toBe('invalid_credentials');
  });

  it('refresh without a stored refresh token or redirect URI is invalid_credentials, with no call', async () => {
    const stored = await authorized();
    fake.calls.length = 0;
    const { refreshToken: _r, ...noRefresh } = stored;
    const { redirectUri: _u, ...noRedirect } = stored;
    expect((await failure(oauth.refresh(noRefresh as AmoCrmSettings, ctx))).code).toBe('invalid_credentials');
    expect((await failure(oauth.refresh(noRedirect as AmoCrmSettings, ctx))).code).toBe('invalid_credentials');
    expect(fake.calls).toHaveLength(0);
  });

  it('token endpoint throttled or down: rate_limited / temporary, not a reauthorization', async () => {
    const stored = await authorized();
    fake.throttle(1, 3);
    const throttled = await failure(oauth.refresh(stored, ctx));
    expect(throttled.code).toBe('rate_limited');
    expect(throttled.retryAfterMs).toBe(3000);
    fake.outage(1);
    expect((await failure(oauth.refresh(stored, ctx))).code).toBe('temporary');
    fake.outage(1, 'drop');
    expect((await failure(oauth.refresh(stored, ctx))).code).toBe('temporary');
    // Nothing was spent: the stored refresh token still works.
    await expect(oauth.refresh(stored, ctx)).resolves.toMatchObject({ clientId: CLIENT_ID });
  });

  it('expiresAt: a Date from settings.expiresAt, null for long-lived tokens or garbage', () => {
    expect(oauth.expiresAt({ ...connect, expiresAt: '2026-01-02T00:00:00.000Z' })).toEqual(
      new Date('2026-01-02T00:00:00.000Z'),
    );
    expect(oauth.expiresAt({ baseUrl: connect.baseUrl, accessToken: 'long-lived' })).toBeNull();
    expect(oauth.expiresAt({ ...connect, expiresAt: 'soon' })).toBeNull();
  });
});
