import type { CrmConnectionDto } from '@onebox/contracts';
import { FakeBitrix24 } from '@onebox/fakes';
import { api, createWorkspace, login, startTestApp, type TestApp } from './test-app';

const APP = { clientId: 'local.6571f0e3c2a1b4.12345678', clientSecret: 'bitrix-app-secret-0123456789abcdef' };

describe('Bitrix24 connected as an OAuth app', () => {
  const bitrix = new FakeBitrix24({ ...APP, accessTokenTtlSec: 200 });
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    await bitrix.start();
    t = await startTestApp({ BITRIX24_API_ROOT: bitrix.url });
    const workspace = await createWorkspace(t.db, 'b24-oauth');
    token = await login(t.url, workspace.email, workspace.password);
  });

  afterAll(async () => {
    await t.close();
    await bitrix.stop();
  });

  it('authorizes through the portal, trades the code, refreshes with rotation, and asks again when revoked', async () => {
    const created = await api<CrmConnectionDto>(t.url, '/api/crm', {
      token,
      body: {
        type: 'bitrix24',
        name: 'Bitrix24',
        settings: { portal: bitrix.portal, ...APP, applicationToken: bitrix.applicationToken },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('authorizing');
    const authorizeUrl = new URL(created.body.authorizeUrl!);
    expect(authorizeUrl.host).toBe(bitrix.portal);
    expect(authorizeUrl.pathname).toBe('/oauth/authorize/');
    const state = authorizeUrl.searchParams.get('state')!;

    const callback = await fetch(
      `${t.url}/api/crm/oauth/callback?${new URLSearchParams(bitrix.authorizeRedirect(state))}`,
      { redirect: 'manual' },
    );
    expect(callback.headers.get('location')).toBe(`${t.url}/settings?tab=crm&connected=1`);
    const [crm] = (await api<CrmConnectionDto[]>(t.url, '/api/crm', { token })).body;
    expect(crm).toMatchObject({ status: 'active', pipelineId: '0', stageId: 'NEW' });

    // Tokens live 200 s (inside the refresh margin): each catalog read refreshes and must use the rotated token.
    for (let i = 0; i < 2; i++) {
      await api(t.url, `/api/crm/${crm.id}`, { token, method: 'PATCH', body: { stageId: 'NEW' } });
    }
    const refreshes = bitrix.issuedTokens().filter((x) => x.grantType === 'refresh_token');
    expect(refreshes.length).toBeGreaterThanOrEqual(1);

    // The admin removes the app's access; the next call to Bitrix24 (the CRM users, not read yet) needs a refresh.
    bitrix.revokeRefreshTokens();
    const refused = await api<{ code: string }>(t.url, `/api/crm/${crm.id}/users`, { token });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_credentials');
    const [after] = (await api<CrmConnectionDto[]>(t.url, '/api/crm', { token })).body;
    expect(after.status).toBe('error');
    expect(after.statusMessage).toMatch(/authorize Onebox in the CRM again/);
  });
});
