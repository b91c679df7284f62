import { FakeBitrix24, recordingAgents } from '@onebox/fakes';
import type { CrmContext } from '../crm-adapter';
import { CrmError } from '../crm-error';
import { Bitrix24Adapter, type Bitrix24Settings } from './bitrix24.adapter';

const CLIENT_ID = 'local.6650f3c2a1b4d7.12345678';
const CLIENT_SECRET = 'S3cr3tS3cr3tS3cr3t';
const START = Date.UTC(2026, 0, 1, 0, 0, 0);
const REDIRECT = 'https://onebox.example.com/api/crm/oauth/bitrix24/callback';

describe('Bitrix24Adapter OAuth', () => {
  let clock: number;
  let adapter: Bitrix24Adapter;
  let fake: FakeBitrix24;
  let ctx: CrmContext;
  const form: Bitrix24Settings = {
    portal: 'example.bitrix24.ru',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    applicationToken: '51856fefc120afa4b628cc82d3935cce',
  };
  const oauth = () => adapter.oauth;

  const failure = async (promise: Promise<unknown>): Promise<CrmError> => {
    const err = await promise.then(
      () => {
        throw new Error('expected a CrmError');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CrmError);
    return err as CrmError;
  };
  const connect = () => {
    const query = fake.authorizeRedirect('st-1');
    return oauth().exchangeCode(form, { code: query['code'], redirectUri: REDIRECT, query }, ctx);
  };

  beforeEach(async () => {
    clock = START;
    adapter = new Bitrix24Adapter({ now: () => clock });
    fake = new FakeBitrix24({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, now: () => clock });
    ctx = { baseUrl: await fake.start(), timeoutMs: 2_000 };
  });

  afterEach(() => fake.stop());

  it('trades the code through the agents it is given', async () => {
    const agents = recordingAgents();
    const query = fake.authorizeRedirect('st-1');

    await oauth().exchangeCode(form, { code: query['code'], redirectUri: REDIRECT, query }, { ...ctx, agents });

    expect(agents.connections[0]).toBe(new URL(ctx.baseUrl!).host);
  });

  it('declares the OAuth form and tells which settings want it', () => {
    expect(oauth().settingsFields.map((f) => [f.key, f.secret, f.required])).toEqual([
      ['portal', false, true],
      ['clientId', false, true],
      ['clientSecret', true, true],
      ['applicationToken', true, false],
    ]);
    const portal = new RegExp(oauth().settingsFields[0].pattern!);
    expect(
      ['example.bitrix24.ru', 'crm.company.com', 'https://example.bitrix24.ru/'].every((p) => portal.test(p)),
    ).toBe(true);
    expect(['example', 'https://example.bitrix24.ru/rest/1/x/', 'ex ample.ru'].some((p) => portal.test(p))).toBe(false);
    const clientId = new RegExp(oauth().settingsFields[1].pattern!);
    expect(clientId.test('local.56d4c44e94a076.41291969')).toBe(true);
    expect(clientId.test('app.573ad8a0346747.09223434')).toBe(true);
    expect(clientId.test('56d4c44e94a076')).toBe(false);

    expect(oauth().wants({ portal: 'example.bitrix24.ru', clientId: CLIENT_ID, clientSecret: 's' })).toBe(true);
    expect(oauth().wants({ portal: 'example.bitrix24.ru', clientId: CLIENT_ID })).toBe(false);
    expect(
      oauth().wants({
        portal: 'a.bitrix24.ru',
        clientId: CLIENT_ID,
        clientSecret: 's',
        webhookUrl: 'https://a.bitrix24.ru/rest/1/x/',
      }),
    ).toBe(false);
    expect(oauth().wants({ webhookUrl: 'https://a.bitrix24.ru/rest/1/x/' })).toBe(false);
  });

  it('sends the admin to the portal with client_id and state only', () => {
    const url = oauth().authorizeUrl(form, { state: 'a b&c', redirectUri: REDIRECT });
    expect(url).toBe(`https://example.bitrix24.ru/oauth/authorize/?client_id=${CLIENT_ID}&state=a+b%26c`);
    expect(
      oauth().authorizeUrl({ ...form, portal: 'https://Example.Bitrix24.ru/' }, { state: 's', redirectUri: REDIRECT }),
    ).toBe(`https://example.bitrix24.ru/oauth/authorize/?client_id=${CLIENT_ID}&state=s`);
  });

  it('trades the code with one GET to /oauth/token/ and answers the settings to store', async () => {
    const stored = await connect();
    const [call] = fake.calls;
    expect(fake.calls).toHaveLength(1);
    expect(call.method).toBe('GET');
    expect(call.path).toBe('/oauth/token/');
    expect(Object.entries(call.query)).toEqual([
      ['grant_type', 'authorization_code'],
      ['client_id', CLIENT_ID],
      ['client_secret', CLIENT_SECRET],
      ['code', expect.stringMatching(/^[0-9a-f]{70}$/)],
    ]);
    expect(call.rawBody.length).toBe(0);
    const [issued] = fake.issuedTokens();
    expect(stored).toEqual({
      portal: 'example.bitrix24.ru',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      applicationToken: '51856fefc120afa4b628cc82d3935cce',
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: '2026-01-01T01:00:00.000Z',
      clientEndpoint: 'https://example.bitrix24.ru/rest/',
      memberId: 'a223c6b3710f85df22e9377d6c4f7553',
    });
    expect(oauth().expiresAt(stored)).toEqual(new Date('2026-01-01T01:00:00.000Z'));
    expect(oauth().expiresAt(form)).toBeNull();
  });

  it('refuses a redirect from another portal before calling anyone', async () => {
    const query: Record<string, string> = { ...fake.authorizeRedirect('st-1'), domain: 'evil.bitrix24.ru' };
    const err = await failure(oauth().exchangeCode(form, { code: query['code'], redirectUri: REDIRECT, query }, ctx));
    expect(err.code).toBe('validation');
    expect(fake.calls).toHaveLength(0);
  });

  it('maps a used or late code to invalid_credentials', async () => {
    const query = fake.authorizeRedirect('st-1');
    await oauth().exchangeCode(form, { code: query['code'], redirectUri: REDIRECT, query }, ctx);
    const reused = await failure(
      oauth().exchangeCode(form, { code: query['code'], redirectUri: REDIRECT, query }, ctx),
    );
    expect([reused.code, reused.providerCode]).toEqual(['invalid_credentials', 'invalid_grant']);

    const late = fake.authorizeRedirect('st-2');
    clock += 31_000;
    const err = await failure(
      oauth().exchangeCode(form, { code: late['code'], redirectUri: REDIRECT, query: late }, ctx),
    );
    expect([err.code, err.providerCode]).toEqual(['invalid_credentials', 'expired_token']);

    const wrong = await failure(
      oauth().exchangeCode(
        { ...form, clientSecret: 'nope' },
        { code: fake.authorize(), redirectUri: REDIRECT, query: {} },
        ctx,
      ),
    );
    expect([wrong.code, wrong.providerCode]).toEqual(['invalid_credentials', 'invalid_client']);
  });

  it('refreshes with grant_type=refresh_token, storing the rotated refresh token', async () => {
    const stored = await connect();
    clock += 3000_000;
    const renewed = await oauth().refresh(stored, ctx);
    const call = fake.calls[1];
    expect(call.method).toBe('GET');
    expect(call.path).toBe('/oauth/token/');
    expect(Object.entries(call.query)).toEqual([
      ['grant_type', 'refresh_token'],
      ['client_id', CLIENT_ID],
      ['client_secret', CLIENT_SECRET],
      ['refresh_token', stored.refreshToken],
    ]);
    const latest = fake.issuedTokens()[1];
    expect(renewed).toEqual({
      ...stored,
      accessToken: latest.accessToken,
      refreshToken: latest.refreshToken,
      expiresAt: new Date(clock + 3600_000).toISOString(),
    });
    expect(renewed.refreshToken).not.toBe(stored.refreshToken);

    // The old refresh token is spent: using it again is a refused grant.
    const stale = await failure(oauth().refresh(stored, ctx));
    expect([stale.code, stale.providerCode]).toEqual(['invalid_credentials', 'invalid_grant']);
    // The newest one keeps working.
    await expect(oauth().refresh(renewed, ctx)).resolves.toMatchObject({ portal: 'example.bitrix24.ru' });
  });

  it('maps a revoked refresh token, a missing one, and outages of the token server', async () => {
    const stored = await connect();
    fake.revokeRefreshTokens();
    expect((await failure(oauth().refresh(stored, ctx))).code).toBe('invalid_credentials');
    expect((await failure(oauth().refresh({ ...stored, refreshToken: '' }, ctx))).code).toBe('invalid_credentials');

    fake.outage(1);
    expect((await failure(oauth().refresh(stored, ctx))).code).toBe('temporary');
    fake.inject({
      pathEndsWith: '/oauth/token/',
      times: 1,
      reply: { status: 429, body: {}, headers: { 'retry-after': '3' } },
    });
    const limited = await failure(oauth().refresh(stored, ctx));
    expect([limited.code, limited.retryAfterMs]).toEqual(['rate_limited', 3000]);
    fake.inject({
      pathEndsWith: '/oauth/token/',
      times: 1,
      reply: { status: 200, body: { error: 'PAYMENT_REQUIRED', error_description: 'Payment required' } },
    });
    expect((await failure(oauth().refresh(stored, ctx))).code).toBe('invalid_credentials');
  });

  it('signs every REST call with auth in the JSON body at {clientEndpoint}{method}.json', async () => {
    const stored = await connect();
    await expect(adapter.checkConnection(stored, ctx)).resolves.toEqual({
      accountId: 'example.bitrix24.ru',
      accountName: 'example.bitrix24.ru',
    });
    const { id } = await adapter.findOrCreateContact(
      stored,
      { name: 'Олег', phone: '+79991234567', email: 'o@example.com' },
      ctx,
    );
    const deal = await adapter.createDeal(
      stored,
      { title: 'Чат', contactId: id, source: 'telegram', amount: { value: '150.50', currency: 'RUB' } },
      ctx,
    );
    await adapter.addNote(stored, deal.id, 'hello', ctx);
    await expect(adapter.getDeal(stored, deal.id, ctx)).resolves.toMatchObject({ amount: '150.50' });

    const rest = fake.calls.filter((c) => c.path.startsWith('/rest/'));
    expect(rest.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /rest/profile.json',
      'POST /rest/batch.json',
      'POST /rest/crm.contact.add.json',
      'POST /rest/crm.deal.add.json',
      'POST /rest/crm.timeline.comment.add.json',
      'POST /rest/crm.deal.get.json',
    ]);
    for (const call of rest) {
      expect(call.headers['content-type']).toContain('application/json');
      expect(call.query).toEqual({});
      expect(JSON.parse(call.rawBody.toString('utf8')).auth).toBe(stored.accessToken);
    }
    expect(JSON.parse(rest[5].rawBody.toString('utf8'))).toEqual({ id: Number(deal.id), auth: stored.accessToken });
    expect(adapter.dealUrl(stored, deal.id)).toBe(`https://example.bitrix24.ru/crm/deal/details/${deal.id}/`);
  });

  it('maps expired_token and invalid_token on REST calls to invalid_credentials', async () => {
    const stored = await connect();
    clock += 3600_000;
    const expired = await failure(adapter.checkConnection(stored, ctx));
    expect([expired.code, expired.providerCode]).toEqual(['invalid_credentials', 'expired_token']);
    const unknown = await failure(adapter.checkConnection({ ...stored, accessToken: 'f'.repeat(70) }, ctx));
    expect([unknown.code, unknown.providerCode]).toEqual(['invalid_credentials', 'invalid_token']);
  });

  it('works after a refresh with the new access token', async () => {
    const stored = await connect();
    clock += 3500_000;
    const renewed = await oauth().refresh(stored, ctx);
    clock += 200_000; // past the first token's hour
    await expect(adapter.listUsers(renewed, ctx)).resolves.toHaveLength(2);
    // The first access token died with its refresh token.
    expect((await failure(adapter.listUsers(stored, ctx))).code).toBe('invalid_credentials');
  });

  it('refuses to call REST before authorization, and prefers a webhook when both are set', async () => {
    expect((await failure(adapter.checkConnection(form, ctx))).code).toBe('invalid_credentials');
    expect((await failure(adapter.checkConnection({}, ctx))).code).toBe('validation');
    const stored = await connect();
    const both = { ...stored, webhookUrl: `https://example.bitrix24.ru/rest/${fake.userId}/${fake.code}/` };
    await adapter.checkConnection(both, ctx);
    const last = fake.calls[fake.calls.length - 1];
    expect(last.path).toBe(`/rest/${fake.userId}/${fake.code}/profile.json`);
    expect(JSON.parse(last.rawBody.toString('utf8'))).toEqual({});
  });

  it('checks member_id on events once authorized', async () => {
    const stored = await connect();
    const body = (memberId: string) =>
      Buffer.from(
        `event=ONCRMDEALUPDATE&event_handler_id=201&data%5BFIELDS%5D%5BID%5D=759&ts=1767225600&auth%5Bdomain%5D=example.bitrix24.ru&auth%5Bmember_id%5D=${memberId}&auth%5Bapplication_token%5D=51856fefc120afa4b628cc82d3935cce`,
      );
    expect(adapter.parseWebhook(stored, { headers: {}, rawBody: body('a223c6b3710f85df22e9377d6c4f7553') })).toEqual([
      { dealId: '759', kind: 'updated', at: new Date(1767225600 * 1000) },
    ]);
    expect(() => adapter.parseWebhook(stored, { headers: {}, rawBody: body('0000') })).toThrow(CrmError);
  });
});
