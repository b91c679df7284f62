import type { ConversationListItem, CrmConnectionDto, DealDto } from '@onebox/contracts';
import { FakeAmoCrm, FakeTelegram } from '@onebox/fakes';
import type { Socket } from 'socket.io-client';
import { api, eventually, nextEvent, startTestApp, type TestApp, workspaceWithChannel } from './test-app';

const CLIENT = { clientId: '4b7c0c2c-86f5-4e4a-9a9b-2b1c3d4e5f60', clientSecret: 'amo-integration-secret-0123456789' };

describe('amoCRM connected with OAuth 2.0 (authorization code, rotating refresh tokens)', () => {
  // Access tokens live 200 s, inside Onebox's 5-minute refresh margin: every CRM call refreshes,
  // so each rotated refresh token must have been stored for the next call to work.
  const amo = new FakeAmoCrm({ subdomain: 'oauthco', ...CLIENT, accessTokenTtlSec: 200 });
  const telegram = new FakeTelegram();
  let t: TestApp;
  let token: string;
  let agent: Socket;
  let crm: CrmConnectionDto;

  async function newCustomer(chatId: number, firstName: string): Promise<ConversationListItem> {
    const created = nextEvent<ConversationListItem>(agent, 'conversation.created', (c) => c.contact.name === firstName);
    expect((await telegram.customerWrites({ chatId, firstName, text: 'Hello' })).status).toBe(200);
    return created;
  }

  beforeAll(async () => {
    await amo.start();
    await telegram.start();
    t = await startTestApp({
      TELEGRAM_API_ROOT: telegram.url,
      ONEBOX_UPDATE_MODE: 'webhook',
      AMOCRM_API_ROOT: amo.url,
    });
    amo.setRedirectUri(`${t.url}/api/crm/oauth/callback`);
    ({ token, agent } = await workspaceWithChannel(t, 'amo-oauth', {
      type: 'telegram',
      name: 'Bot',
      credentials: { botToken: telegram.token },
    }));
  });

  afterAll(async () => {
    agent.close();
    await t.close();
    await telegram.stop();
    await amo.stop();
  });

  it('waits for authorization, trades the code from the redirect for tokens, and becomes active', async () => {
    const created = await api<CrmConnectionDto>(t.url, '/api/crm', {
      token,
      body: { type: 'amocrm', name: 'amoCRM', settings: { baseUrl: 'https://oauthco.amocrm.ru', ...CLIENT } },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('authorizing');
    const authorizeUrl = new URL(created.body.authorizeUrl!);
    expect(authorizeUrl.searchParams.get('client_id')).toBe(CLIENT.clientId);
    const state = authorizeUrl.searchParams.get('state')!;

    const forged = await fetch(
      `${t.url}/api/crm/oauth/callback?${new URLSearchParams(amo.redirectQuery('not-a-state'))}`,
      { redirect: 'manual' },
    );
    expect(forged.status).toBe(302);
    expect(forged.headers.get('location')).toContain('error=');

    const callback = await fetch(`${t.url}/api/crm/oauth/callback?${new URLSearchParams(amo.redirectQuery(state))}`, {
      redirect: 'manual',
    });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${t.url}/settings?tab=crm&connected=1`);
    [crm] = (await api<CrmConnectionDto[]>(t.url, '/api/crm', { token })).body;
    expect(crm).toMatchObject({
      status: 'active',
      accountName: expect.any(String),
      pipelineId: String(amo.pipelines[0].id),
    });
    expect(amo.issuedTokens()[0].grant).toBe('authorization_code');
    const [row] = await t.db.query('SELECT settings_enc FROM crm_connections WHERE id = $1', [crm.id]);
    expect(row.settings_enc).not.toContain(amo.issuedTokens()[0].refreshToken);
  });

  it('keeps syncing across refreshes: each rotated refresh token is the one used next', async () => {
    for (const [i, name] of ['Anna', 'Boris'].entries()) {
      const conversation = await newCustomer(800100 + i, name);
      await eventually(
        async () =>
          (await api<DealDto | null>(t.url, `/api/conversations/${conversation.id}/deal`, { token })).body
            ?.syncState === 'synced',
      );
    }
    const issued = amo.issuedTokens();
    const refreshes = issued.filter((x) => x.grant === 'refresh_token');
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    // Every refresh token but the newest was traded in exactly once; none was refused.
    expect(issued.slice(0, -1).every((x) => x.refreshUsed)).toBe(true);
    expect(amo.leads()).toHaveLength(2);
  }, 20_000);

  it('marks the connection as needing re-authorisation when access is revoked, and offers a new consent link', async () => {
    amo.revokeRefreshTokens();
    await newCustomer(800300, 'Vera');
    const [failed] = await eventually(async () => {
      const list = (await api<CrmConnectionDto[]>(t.url, '/api/crm', { token })).body;
      return list[0]?.status === 'error' ? list : null;
    });
    expect(failed.statusMessage).toMatch(/authorize Onebox in the CRM again/);
    const again = await api<{ authorizeUrl: string }>(t.url, `/api/crm/${crm.id}/authorize`, { token });
    expect(again.status).toBe(200);
    expect(new URL(again.body.authorizeUrl).searchParams.get('client_id')).toBe(CLIENT.clientId);
  }, 20_000);
});
