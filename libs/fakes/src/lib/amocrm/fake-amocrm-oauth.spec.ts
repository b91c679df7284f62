import axios, { type AxiosResponse } from 'axios';
import { FakeAmoCrm } from './fake-amocrm';

const CLIENT_ID = '0c5d3c5e-1f0a-4b9e-9d3c-8a1b2c3d4e5f';
const CLIENT_SECRET = 'secret-of-the-integration';
const REDIRECT = 'https://onebox.example/api/crm/oauth/callback';
const OAUTH_TYPE = 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson';
const BAD_REQUEST_DETAIL = 'В запросе отсутствует ряд параметров или параметры невалидны';

/** POST /oauth2/access_token and the Bearer API, driven with plain axios and documented shapes. */
describe(`${FakeAmoCrm.name} OAuth 2.0`, () => {
  let fake: FakeAmoCrm;
  let now: number;

  beforeEach(async () => {
    now = Date.UTC(2026, 0, 1, 0, 0, 0);
    fake = new FakeAmoCrm({
      subdomain: 'mycompany',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: REDIRECT,
      accessTokenTtlSec: 3600,
      clock: () => now,
    });
    await fake.start();
  });

  afterEach(async () => {
    await fake.stop();
  });

  function token(body: Record<string, unknown>): Promise<AxiosResponse> {
    return axios.post(`${fake.url}/oauth2/access_token`, body, { validateStatus: () => true });
  }

  const byCode = (code: string, extra: Record<string, unknown> = {}) =>
    token({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      ...extra,
    });

  const byRefresh = (refreshToken: string) =>
    token({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      redirect_uri: REDIRECT,
    });

  const account = (accessToken: string) =>
    axios.get(`${fake.url}/api/v4/account`, {
      headers: { Authorization: `Bearer ${accessToken}` },
      validateStatus: () => true,
    });

  it('trades a code for a Bearer token pair that works on the API next to the long-lived token', async () => {
    const res = await byCode(fake.authorize());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(Object.keys(res.data).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(res.data).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(res.data.access_token.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(res.data.access_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ aud: CLIENT_ID, account_id: fake.accountId, exp: now / 1000 + 3600 });
    expect((await account(res.data.access_token)).status).toBe(200);
    expect((await account(fake.accessToken)).status).toBe(200);
    expect(fake.issuedTokens()).toMatchObject([
      { grant: 'authorization_code', accessToken: res.data.access_token, refreshToken: res.data.refresh_token },
    ]);
  });

  it('redirectQuery is what amoCRM puts on the Redirect URI', () => {
    const query = fake.redirectQuery('st4te');
    expect(query).toEqual({
      code: expect.stringMatching(/^def50200/),
      state: 'st4te',
      referer: 'mycompany.amocrm.ru',
      client_id: CLIENT_ID,
    });
  });

  it('a code is single use: the second trade answers 400 "Authorization code has been revoked"', async () => {
    const code = fake.authorize();
    expect((await byCode(code)).status).toBe(200);
    const again = await byCode(code);
    expect(again.status).toBe(400);
    expect(again.headers['content-type']).toBe('application/problem+json');
    expect(again.data).toEqual({
      hint: 'Authorization code has been revoked',
      title: 'Некорректный запрос',
      type: OAUTH_TYPE,
      status: 400,
      detail: BAD_REQUEST_DETAIL,
    });
  });

  it('an unknown code is 400, an expired one (after 20 minutes) is 400 "has expired"', async () => {
    expect((await byCode('def50200nonsense')).data).toMatchObject({
      status: 400,
      hint: 'Cannot decrypt the authorization code',
    });
    const code = fake.authorize();
    now += 20 * 60 * 1000 + 1000;
    const res = await byCode(code);
    expect(res.status).toBe(400);
    expect(res.data.hint).toBe('Authorization code has expired');
  });

  it('a wrong client id, secret or redirect URI is 401 "Некорректный клиент"', async () => {
    const invalidClient = {
      title: 'Некорректный клиент',
      type: OAUTH_TYPE,
      status: 401,
      detail: 'Авторизация клиента не прошла',
    };
    for (const extra of [
      { client_secret: 'wrong' },
      { client_id: '11111111-2222-3333-4444-555555555555' },
      { redirect_uri: 'https://evil.example/cb' },
    ]) {
      const res = await byCode(fake.authorize(), extra);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.data).toEqual(invalidClient);
    }
    const noClient = await byCode(fake.authorize(), { client_id: undefined });
    expect(noClient.status).toBe(400);
    expect(noClient.data.hint).toBe('Check the `client_id` parameter');
    expect(fake.issuedTokens()).toHaveLength(0);
  });

  it('refresh rotates: new pair, the old refresh token and the old access token stop working', async () => {
    const first = (await byCode(fake.authorize())).data;
    const second = await byRefresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.data).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(second.data.refresh_token).not.toBe(first.refresh_token);
    expect(second.data.access_token).not.toBe(first.access_token);
    expect((await account(second.data.access_token)).status).toBe(200);
    expect((await account(first.access_token)).status).toBe(401);

    const reused = await byRefresh(first.refresh_token);
    expect(reused.status).toBe(401);
    expect(reused.data).toEqual({
      hint: 'Token has been revoked',
      title: 'Некорректный запрос',
      type: OAUTH_TYPE,
      status: 401,
      detail: BAD_REQUEST_DETAIL,
    });
    // The rotated one still works, once.
    const third = await byRefresh(second.data.refresh_token);
    expect(third.status).toBe(200);
    expect(fake.issuedTokens().map((t) => [t.grant, t.refreshUsed])).toEqual([
      ['authorization_code', true],
      ['refresh_token', true],
      ['refresh_token', false],
    ]);
  });

  it('an unknown refresh token is refused', async () => {
    const res = await byRefresh('def50200unknown');
    expect(res.status).toBe(401);
    expect(res.data).toMatchObject({ type: OAUTH_TYPE, hint: 'Cannot decrypt the refresh token' });
  });

  it('access tokens expire after accessTokenTtlSec (then 401); refresh still works', async () => {
    const pair = (await byCode(fake.authorize())).data;
    now += 3599 * 1000;
    expect((await account(pair.access_token)).status).toBe(200);
    now += 1000;
    const expired = await account(pair.access_token);
    expect(expired.status).toBe(401);
    expect(expired.headers['content-type']).toBe('application/problem+json');
    const next = await byRefresh(pair.refresh_token);
    expect(next.status).toBe(200);
    expect((await account(next.data.access_token)).status).toBe(200);
  });

  it('revokeRefreshTokens: the admin revokes access; refresh and API answer 401', async () => {
    const pair = (await byCode(fake.authorize())).data;
    const pending = fake.authorize();
    fake.revokeRefreshTokens();
    expect((await byRefresh(pair.refresh_token)).data).toMatchObject({ status: 401, hint: 'Token has been revoked' });
    expect((await account(pair.access_token)).status).toBe(401);
    expect((await byCode(pending)).status).toBe(400);
    expect((await account(fake.accessToken)).status).toBe(200);
  });

  it('revokeRefreshTokens({ accessTokens: false }) keeps access tokens until they expire', async () => {
    const pair = (await byCode(fake.authorize())).data;
    fake.revokeRefreshTokens({ accessTokens: false });
    expect((await account(pair.access_token)).status).toBe(200);
    expect((await byRefresh(pair.refresh_token)).status).toBe(401);
  });

  it('an unsupported grant type is 400', async () => {
    const res = await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'password' });
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ type: OAUTH_TYPE, status: 400 });
  });
});
