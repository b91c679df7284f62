import axios, { type AxiosInstance } from 'axios';
import { FakeBitrix24 } from './fake-bitrix24';

/**
 * Faithfulness of the OAuth application side, driven by plain axios with the shapes of
 * apidocs.bitrix24.com "Complete OAuth 2.0 Authorization Protocol" and "Automatic Renewal":
 * GET oauth.bitrix.info/oauth/token/ with both grants, then `/rest/{method}` signed with `auth`.
 */

const CLIENT_ID = 'local.6650f3c2a1b4d7.12345678';
const CLIENT_SECRET = 'S3cr3tS3cr3tS3cr3t';
const START = Date.UTC(2026, 0, 1, 0, 0, 0);

describe('FakeBitrix24 OAuth', () => {
  let clock: number;
  let fake: FakeBitrix24;
  let http: AxiosInstance;

  const token = (params: Record<string, string>) => http.get('/oauth/token/', { params });
  const exchange = (code: string) =>
    token({ grant_type: 'authorization_code', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, code });
  const refresh = (refreshToken: string) =>
    token({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      refresh_token: refreshToken,
    });

  beforeEach(async () => {
    clock = START;
    fake = new FakeBitrix24({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, now: () => clock });
    http = axios.create({ baseURL: await fake.start(), validateStatus: () => true });
  });

  afterEach(() => fake.stop());

  it('redirects back with code, state, domain, member_id, scope and server_domain', () => {
    const query = fake.authorizeRedirect('st-1');
    expect(Object.keys(query)).toEqual(['code', 'state', 'domain', 'member_id', 'scope', 'server_domain']);
    expect(query).toMatchObject({
      state: 'st-1',
      domain: 'example.bitrix24.ru',
      member_id: 'a223c6b3710f85df22e9377d6c4f7553',
      server_domain: 'oauth.bitrix.info',
    });
    expect(query['code']).toMatch(/^[0-9a-f]{70}$/);
  });

  it('trades a code for tokens exactly as oauth.bitrix.info answers, once', async () => {
    const code = fake.authorize();
    const res = await exchange(code);
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toContain('application/json');
    expect(Object.keys(res.data)).toEqual([
      'access_token',
      'expires',
      'expires_in',
      'scope',
      'domain',
      'server_endpoint',
      'status',
      'client_endpoint',
      'member_id',
      'user_id',
      'refresh_token',
    ]);
    expect(res.data).toMatchObject({
      expires: START / 1000 + 3600,
      expires_in: 3600,
      scope: 'app',
      domain: 'oauth.bitrix.info',
      server_endpoint: 'https://oauth.bitrix.info/rest/',
      client_endpoint: 'https://example.bitrix24.ru/rest/',
      member_id: 'a223c6b3710f85df22e9377d6c4f7553',
    });
    expect(res.data.access_token).not.toBe(res.data.refresh_token);

    const again = await exchange(code);
    expect(again.status).toBe(400);
    expect(again.data).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expect(fake.issuedTokens()).toHaveLength(1);
  });

  it('refuses a code older than 30 seconds, a wrong secret and a missing grant type', async () => {
    const code = fake.authorize();
    clock += 31_000;
    const late = await exchange(code);
    expect(late.status).toBe(400);
    expect(late.data).toEqual({
      error: 'expired_token',
      error_description: 'The authorization token provided has expired.',
    });

    const wrong = await token({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      client_secret: 'nope',
      code: fake.authorize(),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.data.error).toBe('invalid_client');

    const bare = await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(bare.status).toBe(400);
    expect(bare.data.error).toBe('invalid_request');
  });

  it('rotates refresh tokens: each works once and voids the access token issued with it', async () => {
    const first = (await exchange(fake.authorize())).data;
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.data.refresh_token).not.toBe(first.refresh_token);
    expect(second.data.access_token).not.toBe(first.access_token);

    const reused = await refresh(first.refresh_token);
    expect(reused.status).toBe(400);
    expect(reused.data).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });

    const old = await http.post('/rest/profile.json', { auth: first.access_token });
    expect(old.status).toBe(401);
    expect(old.data.error).toBe('invalid_token');
    const fresh = await http.post('/rest/profile.json', { auth: second.data.access_token });
    expect(fresh.status).toBe(200);

    expect(fake.issuedTokens().map((t) => [t.grantType, t.refreshUsed])).toEqual([
      ['authorization_code', true],
      ['refresh_token', false],
    ]);
  });

  it('revokes every refresh token on demand', async () => {
    const pair = (await exchange(fake.authorize())).data;
    fake.revokeRefreshTokens();
    const res = await refresh(pair.refresh_token);
    expect(res.status).toBe(400);
    expect(res.data.error).toBe('invalid_grant');
  });

  it('serves REST with auth in the query or the JSON body, with and without .json', async () => {
    const { access_token: auth } = (await exchange(fake.authorize())).data;
    const byQuery = await http.get('/rest/user.current', { params: { auth } });
    expect(byQuery.status).toBe(200);
    expect(byQuery.data.result.ID).toBe('1');

    const added = await http.post('/rest/crm.contact.add.json', { auth, fields: { NAME: 'Олег' } });
    expect(added.status).toBe(200);
    expect(added.data.result).toBe(1);
    // `auth` is the signature, not a parameter of the method.
    expect(fake.executed('crm.contact.add')[0].params).toEqual({ fields: { NAME: 'Олег' } });

    const batch = await http.post('/rest/batch', { auth, halt: 0, cmd: { me: 'profile' } });
    expect(batch.data.result.result.me.ID).toBe('1');
  });

  it('answers 401 expired_token after the lifetime, invalid_token for unknown, NO_AUTH_FOUND without auth', async () => {
    const { access_token: auth } = (await exchange(fake.authorize())).data;
    clock += 3600_000;
    const expired = await http.post('/rest/profile.json', { auth });
    expect(expired.status).toBe(401);
    expect(expired.data).toEqual({
      error: 'expired_token',
      error_description: 'The access token provided has expired.',
    });

    const unknown = await http.post('/rest/profile.json', { auth: 'f'.repeat(70) });
    expect(unknown.status).toBe(401);
    expect(unknown.data).toEqual({
      error: 'invalid_token',
      error_description: 'The access token provided is invalid.',
    });

    const none = await http.post('/rest/profile.json', {});
    expect(none.status).toBe(401);
    expect(none.data.error).toBe('NO_AUTH_FOUND');
  });

  it('keeps the incoming webhook working alongside', async () => {
    const res = await http.post(`/rest/${fake.userId}/${fake.code}/profile.json`, {});
    expect(res.status).toBe(200);
  });

  it('honours accessTokenTtlSec', async () => {
    const short = new FakeBitrix24({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      accessTokenTtlSec: 60,
      now: () => clock,
    });
    const base = await short.start();
    try {
      const res = await axios.get(`${base}/oauth/token/`, {
        params: {
          grant_type: 'authorization_code',
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          code: short.authorize(),
        },
      });
      expect(res.data.expires_in).toBe(60);
      expect(short.issuedTokens()[0].expiresAt).toBe(START + 60_000);
    } finally {
      await short.stop();
    }
  });
});
