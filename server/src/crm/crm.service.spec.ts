import { CrmError, type CrmAdapter, type CrmOAuth, type CrmPipeline } from '@onebox/crm';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import type { AuthUser } from '../auth/auth-user';
import { TokenService } from '../auth/token.service';
import { ChannelsRepository } from '../channels/channels.repository';
import { ApiException } from '../common/api.exception';
import { JobWorkerService } from '../jobs/job-worker.service';
import { UsersRepository } from '../users/users.repository';
import { CrmCatalog } from './crm-catalog.service';
import { CrmRegistry } from './crm-registry.service';
import { CrmRepository, type CrmConnectionRow } from './crm.repository';
import { CrmService } from './crm.service';

const WS = 'ws-1';
const CRM_ID = 'crm-1';
const PUBLIC_URL = 'https://onebox.test';
const CREATED_AT = new Date('2024-11-21T10:00:00.000Z');
const CTX = { baseUrl: 'http://fake-amocrm.test', timeoutMs: 15_000 };
const SYNC = { pending: 0, failed: 0, last_error: null };

const admin: AuthUser = { id: 'u-admin', workspaceId: WS, role: 'admin', name: 'Ada Admin', email: 'ada@example.com' };
const head: AuthUser = { id: 'u-head', workspaceId: WS, role: 'head', name: 'Hal Head', email: 'hal@example.com' };
const manager: AuthUser = {
  id: 'u-manager',
  workspaceId: WS,
  role: 'manager',
  name: 'Mia Manager',
  email: 'mia@example.com',
};

function unexpected(name: string): jest.Mock {
  return jest.fn((...args: unknown[]) => {
    throw new Error(`Unexpected call: adapter.${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
  });
}

/** A hand-made adapter: every method must be stubbed by the test that expects the call. */
function fakeAdapter(): jest.Mocked<CrmAdapter> {
  return {
    type: 'amocrm',
    settingsFields: [
      {
        key: 'baseUrl',
        label: { en: 'Address', ru: 'Адрес' },
        secret: false,
        required: true,
        pattern: '^https://[a-z0-9-]+\\.amocrm\\.ru/?$',
      },
      { key: 'accessToken', label: { en: 'Token', ru: 'Токен' }, secret: true, required: true },
      { key: 'note', label: { en: 'Note', ru: 'Заметка' }, secret: false, required: false },
    ],
    rateLimit: { burst: 1000, perSecond: 1000 },
    checkConnection: unexpected('checkConnection'),
    listPipelines: unexpected('listPipelines'),
    listUsers: unexpected('listUsers'),
    findOrCreateContact: unexpected('findOrCreateContact'),
    createDeal: unexpected('createDeal'),
    updateDeal: unexpected('updateDeal'),
    getDeal: unexpected('getDeal'),
    addNote: unexpected('addNote'),
    dealUrl: unexpected('dealUrl'),
    parseWebhook: unexpected('parseWebhook'),
  } as jest.Mocked<CrmAdapter>;
}

const OAUTH_FIELDS: CrmAdapter['settingsFields'] = [
  { key: 'clientId', label: { en: 'Integration ID', ru: 'ID интеграции' }, secret: false, required: true },
  { key: 'clientSecret', label: { en: 'Secret key', ru: 'Секретный ключ' }, secret: true, required: true },
];

/** The OAuth part of a hand-made adapter: `wants` as amoCRM's (client id and secret, no token); the rest stubbed per test. */
function fakeOAuth(): jest.Mocked<CrmOAuth> {
  return {
    settingsFields: OAUTH_FIELDS,
    wants: jest.fn((s: Record<string, string>) => Boolean(s['clientId'] && s['clientSecret'] && !s['accessToken'])),
    authorizeUrl: unexpected('oauth.authorizeUrl'),
    exchangeCode: unexpected('oauth.exchangeCode'),
    refresh: unexpected('oauth.refresh'),
    expiresAt: unexpected('oauth.expiresAt'),
  } as jest.Mocked<CrmOAuth>;
}

/** An adapter that connects either with a token or with OAuth: the token is then optional, as in amoCRM. */
function oauthAdapter(): jest.Mocked<CrmAdapter> & { oauth: jest.Mocked<CrmOAuth> } {
  const base = fakeAdapter();
  return {
    ...base,
    settingsFields: base.settingsFields.map((f) => (f.key === 'accessToken' ? { ...f, required: false } : f)),
    oauth: fakeOAuth(),
  } as jest.Mocked<CrmAdapter> & { oauth: jest.Mocked<CrmOAuth> };
}

const PIPELINES: CrmPipeline[] = [
  {
    id: 'p-sales',
    name: 'Sales',
    isMain: false,
    stages: [
      { id: 's-won', name: 'Won', sort: 0, semantic: 'won' },
      { id: 's-talk', name: 'Talking', sort: 20, semantic: 'open' },
      { id: 's-new', name: 'New', sort: 10, semantic: 'open' },
    ],
  },
  {
    id: 'p-main',
    name: 'Main',
    isMain: true,
    stages: [
      { id: 's-offer', name: 'Offer', sort: 30, semantic: 'open' },
      { id: 's-lead', name: 'Lead', sort: 5, semantic: 'open' },
      { id: 's-lost', name: 'Lost', sort: 1, semantic: 'lost' },
    ],
  },
];

const connectionRow = rows.crmConnectionRow;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function rejectionOf(promise: Promise<unknown>): Promise<ApiException> {
  return promise.then(
    () => {
      throw new Error('Expected the call to be rejected');
    },
    (err: unknown) => err as ApiException,
  );
}

function expectApiError(err: ApiException, status: number, code: string): void {
  expect(err).toBeInstanceOf(ApiException);
  expect(err.getStatus()).toBe(status);
  expect(err.code).toBe(code);
}

describe(CrmService.name, () => {
  let crm: ReturnType<typeof strictMock<CrmRepository>>;
  let registry: ReturnType<typeof strictMock<CrmRegistry>>;
  let catalog: ReturnType<typeof strictMock<CrmCatalog>>;
  let worker: ReturnType<typeof strictMock<JobWorkerService>>;
  let tokens: ReturnType<typeof strictMock<TokenService>>;
  let channels: ReturnType<typeof strictMock<ChannelsRepository>>;
  let users: ReturnType<typeof strictMock<UsersRepository>>;
  let adapter: jest.Mocked<CrmAdapter>;
  let service: CrmService;

  beforeEach(() => {
    crm = strictMock(CrmRepository);
    registry = strictMock(CrmRegistry);
    // Rows here hold the webhook secret plain; the registry opens sealed ones (crm-registry spec).
    registry.webhookSecret.mockImplementation((row) => row.webhook_secret);
    let secrets = 0;
    registry.newWebhookSecret.mockImplementation(() => ({ secret: `hook-${++secrets}`, sealed: `v1.hook-${secrets}` }));
    catalog = strictMock(CrmCatalog);
    worker = strictMock(JobWorkerService);
    tokens = strictMock(TokenService);
    channels = strictMock(ChannelsRepository);
    users = strictMock(UsersRepository);
    adapter = fakeAdapter();
    service = new CrmService(
      crm as unknown as CrmRepository,
      registry as unknown as CrmRegistry,
      catalog as unknown as CrmCatalog,
      worker as unknown as JobWorkerService,
      tokens as unknown as TokenService,
      channels as unknown as ChannelsRepository,
      users as unknown as UsersRepository,
      { publicUrl: PUBLIC_URL },
    ); // Every address is public unless a test says otherwise (the check itself: crm-registry.service.spec).
    registry.refusedAddress.mockResolvedValue(null);
  });

  describe('types', () => {
    it('answers each adapter’s type, settings fields and OAuth fields (none without OAuth)', () => {
      const bitrix = { ...fakeAdapter(), type: 'bitrix24' as const, settingsFields: [] };
      const amo = oauthAdapter();
      registry.all.mockReturnValueOnce([amo, bitrix]);

      expect(service.types()).toEqual([
        { type: 'amocrm', settingsFields: amo.settingsFields, oauthFields: OAUTH_FIELDS },
        { type: 'bitrix24', settingsFields: [], oauthFields: [] },
      ]);
      expect(registry.all).toHaveBeenCalledTimes(1);
    });
  });

  describe('list', () => {
    const mapped = { 'u-1': '77' };
    const fullDto = {
      id: CRM_ID,
      type: 'amocrm',
      name: 'Our amoCRM',
      status: 'active',
      statusMessage: null,
      degradedSince: null,
      accountName: 'Acme',
      webhookUrl: `${PUBLIC_URL}/webhooks/amocrm/${CRM_ID}/hook-secret`,
      pipelineId: 'p-main',
      stageId: 's-lead',
      autoCreateDeal: true,
      channelIds: null,
      userMap: mapped,
      sync: { pending: 0, failed: 0, lastError: null, lastSyncedAt: null },
      createdAt: CREATED_AT.toISOString(),
    };

    function rowWithUserMap(): CrmConnectionRow {
      const row = connectionRow();
      return { ...row, settings: { ...row.settings, userMap: mapped } };
    }

    it('answers the workspace’s connection to an admin with its webhook URL and user map', async () => {
      crm.findActive.mockResolvedValueOnce(rowWithUserMap());
      crm.syncStats.mockResolvedValueOnce(SYNC);

      await expect(service.list(admin)).resolves.toEqual([fullDto]);

      expect(crm.findActive).toHaveBeenCalledWith(WS);
      expect(crm.syncStats).toHaveBeenCalledWith(WS);
    });

    it.each([
      ['a head', head],
      ['a manager', manager],
    ])('hides the webhook URL and the user map from %s', async (_, user) => {
      crm.findActive.mockResolvedValueOnce(rowWithUserMap());
      crm.syncStats.mockResolvedValueOnce(SYNC);

      await expect(service.list(user)).resolves.toEqual([{ ...fullDto, webhookUrl: '', userMap: {} }]);

      expect(crm.findActive).toHaveBeenCalledWith(WS);
    });

    it('answers an empty list when no CRM is connected', async () => {
      crm.findActive.mockResolvedValueOnce(null);

      await expect(service.list(manager)).resolves.toEqual([]);

      expect(crm.syncStats).not.toHaveBeenCalled();
    });
  });

  describe('connect', () => {
    const body = {
      type: 'amocrm' as const,
      name: '  Our amoCRM  ',
      settings: { baseUrl: ' https://acme.amocrm.ru ', accessToken: '  tok-1 ' },
    };

    /** The adapter and context the registry hands out for amoCRM. */
    function stubRegistry(): void {
      registry.adapter.mockReturnValueOnce(adapter);
      registry.context.mockReturnValueOnce(CTX);
    }

    it('checks the trimmed settings, picks the main pipeline and its first open stage, and stores the connection sealed', async () => {
      stubRegistry();
      adapter.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
      adapter.listPipelines.mockResolvedValueOnce(PIPELINES);
      registry.seal.mockReturnValueOnce('sealed');
      const row = connectionRow();
      crm.insert.mockResolvedValueOnce(row);
      crm.syncStats.mockResolvedValueOnce({ pending: 1, failed: 2, last_error: 'boom' });

      const dto = await service.connect(admin, body);

      const settings = { baseUrl: 'https://acme.amocrm.ru', accessToken: 'tok-1' };
      expect(registry.adapter).toHaveBeenCalledWith('amocrm');
      expect(registry.refusedAddress).toHaveBeenCalledWith('amocrm', settings);
      expect(registry.context).toHaveBeenCalledWith('amocrm');
      expect(adapter.checkConnection).toHaveBeenCalledWith(settings, CTX);
      expect(adapter.listPipelines).toHaveBeenCalledWith(settings, CTX);
      expect(registry.seal).toHaveBeenCalledWith(settings);
      expect(crm.insert).toHaveBeenCalledWith({
        workspace_id: WS,
        type: 'amocrm',
        name: 'Our amoCRM',
        settings_enc: 'sealed',
        webhook_secret: expect.stringMatching(/^v1\.hook-\d+$/),
        settings: {
          accountId: '42',
          accountName: 'Acme',
          pipelineId: 'p-main',
          stageId: 's-lead',
          autoCreateDeal: true,
          channelIds: null,
          userMap: {},
        },
      });
      expect(crm.syncStats).toHaveBeenCalledWith(WS);
      expect(dto).toEqual({
        id: CRM_ID,
        type: 'amocrm',
        name: 'Our amoCRM',
        status: 'active',
        statusMessage: null,
        degradedSince: null,
        accountName: 'Acme',
        webhookUrl: `${PUBLIC_URL}/webhooks/amocrm/${CRM_ID}/hook-secret`,
        pipelineId: 'p-main',
        stageId: 's-lead',
        autoCreateDeal: true,
        channelIds: null,
        userMap: {},
        sync: { pending: 1, failed: 2, lastError: 'boom', lastSyncedAt: null },
        createdAt: CREATED_AT.toISOString(),
      });
    });

    it('answers 400 naming the setting whose address is private or local, and calls nothing', async () => {
      registry.adapter.mockReturnValueOnce(adapter);
      registry.refusedAddress.mockResolvedValueOnce({ field: 'baseUrl', reason: '127.0.0.1 is a loopback address' });

      const err = await rejectionOf(service.connect(admin, body));

      expectApiError(err, 400, 'validation_failed');
      expect(err.details).toEqual([
        {
          field: 'settings.baseUrl',
          message: expect.stringContaining('private or local address (127.0.0.1 is a loopback address)'),
        },
      ]);
      expect(adapter.checkConnection).not.toHaveBeenCalled();
      expect(crm.insert).not.toHaveBeenCalled();
    });

    it('generates a different webhook secret for each connection', async () => {
      for (let i = 0; i < 2; i++) {
        stubRegistry();
        adapter.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
        adapter.listPipelines.mockResolvedValueOnce(PIPELINES);
        registry.seal.mockReturnValueOnce('sealed');
        crm.insert.mockResolvedValueOnce(connectionRow());
        crm.syncStats.mockResolvedValueOnce(SYNC);
        await service.connect(admin, body);
      }

      const [first, second] = crm.insert.mock.calls.map(([row]) => row.webhook_secret);
      expect(first).not.toEqual(second);
    });

    it('uses the given pipeline, keeps autoCreateDeal false, and keeps optional settings that were given', async () => {
      stubRegistry();
      adapter.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
      adapter.listPipelines.mockResolvedValueOnce(PIPELINES);
      registry.seal.mockReturnValueOnce('sealed');
      crm.insert.mockResolvedValueOnce(connectionRow());
      crm.syncStats.mockResolvedValueOnce(SYNC);

      await service.connect(admin, {
        ...body,
        settings: { ...body.settings, note: ' hi ' },
        pipelineId: 'p-sales',
        autoCreateDeal: false,
      });

      expect(registry.seal).toHaveBeenCalledWith({
        baseUrl: 'https://acme.amocrm.ru',
        accessToken: 'tok-1',
        note: 'hi',
      });
      expect(crm.insert).toHaveBeenCalledWith(
        expect.objectContaining({
          settings: expect.objectContaining({ pipelineId: 'p-sales', stageId: 's-new', autoCreateDeal: false }),
        }),
      );
    });

    it('falls back to the first pipeline when none is main, and to no pipeline when the CRM has none', async () => {
      for (const [pipelines, pipelineId, stageId] of [
        [[{ ...PIPELINES[0] }, { ...PIPELINES[1], isMain: false }], 'p-sales', 's-new'],
        [[], null, null],
        [
          [
            {
              id: 'p-closed',
              name: 'Closed',
              isMain: true,
              stages: [{ id: 's-won', name: 'Won', sort: 1, semantic: 'won' }],
            },
          ],
          'p-closed',
          null,
        ],
      ] as const) {
        stubRegistry();
        adapter.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
        adapter.listPipelines.mockResolvedValueOnce(pipelines as unknown as CrmPipeline[]);
        registry.seal.mockReturnValueOnce('sealed');
        crm.insert.mockResolvedValueOnce(connectionRow());
        crm.syncStats.mockResolvedValueOnce(SYNC);

        await service.connect(admin, body);

        expect(crm.insert).toHaveBeenLastCalledWith(
          expect.objectContaining({ settings: expect.objectContaining({ pipelineId, stageId }) }),
        );
      }
    });

    it('answers 400 naming each bad setting (missing, blank, wrong pattern, unknown) and calls nothing', async () => {
      registry.adapter.mockReturnValueOnce(adapter);

      const err = await rejectionOf(
        service.connect(admin, {
          type: 'amocrm',
          name: 'x',
          settings: { baseUrl: 'http://evil.example.com', accessToken: '   ', extra: '1' },
        }),
      );

      expectApiError(err, 400, 'validation_failed');
      expect(err.details).toEqual([
        { field: 'settings.extra', message: expect.any(String) },
        { field: 'settings.baseUrl', message: expect.any(String) },
        { field: 'settings.accessToken', message: expect.any(String) },
      ]);
      expect(registry.context).not.toHaveBeenCalled();
      expect(adapter.checkConnection).not.toHaveBeenCalled();
      expect(crm.insert).not.toHaveBeenCalled();
    });

    it('answers 400 for a setting that is not a string', async () => {
      registry.adapter.mockReturnValueOnce(adapter);

      const err = await rejectionOf(
        service.connect(admin, {
          type: 'amocrm',
          name: 'x',
          settings: { baseUrl: 'https://acme.amocrm.ru', accessToken: 42 as unknown as string },
        }),
      );

      expectApiError(err, 400, 'validation_failed');
      expect(err.details).toEqual([{ field: 'settings.accessToken', message: 'must be a string' }]);
    });

    it('answers 400 invalid_credentials when the CRM refuses the settings, and inserts nothing', async () => {
      stubRegistry();
      adapter.checkConnection.mockRejectedValueOnce(
        new CrmError('invalid_credentials', 'Token expired', undefined, 401),
      );

      const err = await rejectionOf(service.connect(admin, body));

      expectApiError(err, 400, 'invalid_credentials');
      expect(err.details).toEqual([{ field: 'settings', message: 'Token expired' }]);
      expect(adapter.listPipelines).not.toHaveBeenCalled();
      expect(registry.seal).not.toHaveBeenCalled();
      expect(crm.insert).not.toHaveBeenCalled();
    });

    it.each([
      ['a temporary CRM error', new CrmError('temporary', 'HTTP 503')],
      ['a rate limit', new CrmError('rate_limited', 'Too many requests', 1000)],
      ['a network error', new Error('ECONNREFUSED')],
    ])('answers 502 crm_unavailable on %s, and inserts nothing', async (_, error) => {
      stubRegistry();
      adapter.checkConnection.mockRejectedValueOnce(error);

      const err = await rejectionOf(service.connect(admin, body));

      expectApiError(err, 502, 'crm_unavailable');
      expect(err.message).toContain(error.message);
      expect(crm.insert).not.toHaveBeenCalled();
    });

    it('maps a failure to list pipelines the same way', async () => {
      stubRegistry();
      adapter.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
      adapter.listPipelines.mockRejectedValueOnce(new CrmError('invalid_credentials', 'No scope'));

      expectApiError(await rejectionOf(service.connect(admin, body)), 400, 'invalid_credentials');
      expect(crm.insert).not.toHaveBeenCalled();
    });

    it('answers 400 naming pipelineId when the given pipeline is not the CRM’s', async () => {
      stubRegistry();
      adapter.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
      adapter.listPipelines.mockResolvedValueOnce(PIPELINES);

      const err = await rejectionOf(service.connect(admin, { ...body, pipelineId: 'p-nope' }));

      expectApiError(err, 400, 'validation_failed');
      expect(err.details).toEqual([{ field: 'pipelineId', message: expect.any(String) }]);
      expect(crm.insert).not.toHaveBeenCalled();
    });

    it('answers 409 crm_exists when the workspace already has a CRM', async () => {
      stubRegistry();
      adapter.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
      adapter.listPipelines.mockResolvedValueOnce(PIPELINES);
      registry.seal.mockReturnValueOnce('sealed');
      crm.insert.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.connect(admin, body)), 409, 'crm_exists');
      expect(crm.syncStats).not.toHaveBeenCalled();
    });
  });

  describe('connect with OAuth', () => {
    const body = {
      type: 'amocrm' as const,
      name: ' Our amoCRM ',
      settings: { baseUrl: 'https://acme.amocrm.ru', clientId: ' app-1 ', clientSecret: 'app-secret' },
      pipelineId: 'p-sales',
    };
    const SETTINGS = { baseUrl: 'https://acme.amocrm.ru', clientId: 'app-1', clientSecret: 'app-secret' };
    let amo: ReturnType<typeof oauthAdapter>;

    beforeEach(() => {
      amo = oauthAdapter();
    });

    it('stores the connection as authorizing without asking the CRM, and answers the consent link', async () => {
      registry.adapter.mockReturnValueOnce(amo).mockReturnValueOnce(amo);
      registry.seal.mockReturnValueOnce('sealed-app');
      const row = connectionRow({
        status: 'authorizing',
        settings: { autoCreateDeal: true, channelIds: null, userMap: {}, pipelineId: 'p-sales' },
      });
      crm.insert.mockResolvedValueOnce(row);
      tokens.signCrmState.mockResolvedValueOnce('state-1');
      amo.oauth.authorizeUrl.mockReturnValueOnce('https://www.amocrm.ru/oauth?state=state-1');
      crm.syncStats.mockResolvedValueOnce(SYNC);

      const dto = await service.connect(admin, body);

      expect(registry.adapter).toHaveBeenCalledWith('amocrm');
      // Asked with trimmed values (blank-padded input must not change the way of connecting).
      expect(amo.oauth.wants).toHaveBeenNthCalledWith(1, SETTINGS);
      expect(amo.oauth.wants).toHaveBeenLastCalledWith(SETTINGS);
      expect(registry.seal).toHaveBeenCalledWith(SETTINGS);
      expect(crm.insert).toHaveBeenCalledWith({
        workspace_id: WS,
        type: 'amocrm',
        name: 'Our amoCRM',
        settings_enc: 'sealed-app',
        webhook_secret: expect.stringMatching(/^v1\.hook-\d+$/),
        settings: { autoCreateDeal: true, channelIds: null, userMap: {}, pipelineId: 'p-sales' },
        status: 'authorizing',
      });
      expect(tokens.signCrmState).toHaveBeenCalledWith(CRM_ID);
      expect(amo.oauth.authorizeUrl).toHaveBeenCalledWith(SETTINGS, {
        state: 'state-1',
        redirectUri: `${PUBLIC_URL}/api/crm/oauth/callback`,
      });
      expect(registry.context).not.toHaveBeenCalled();
      expect(amo.checkConnection).not.toHaveBeenCalled();
      expect(amo.listPipelines).not.toHaveBeenCalled();
      expect(dto).toEqual({
        id: CRM_ID,
        type: 'amocrm',
        name: 'Our amoCRM',
        status: 'authorizing',
        statusMessage: null,
        degradedSince: null,
        accountName: '',
        webhookUrl: `${PUBLIC_URL}/webhooks/amocrm/${CRM_ID}/hook-secret`,
        pipelineId: 'p-sales',
        stageId: null,
        autoCreateDeal: true,
        channelIds: null,
        userMap: {},
        sync: { pending: 0, failed: 0, lastError: null, lastSyncedAt: null },
        createdAt: CREATED_AT.toISOString(),
        authorizeUrl: 'https://www.amocrm.ru/oauth?state=state-1',
      });
    });

    it('keeps autoCreateDeal false and no pipeline when none was chosen', async () => {
      registry.adapter.mockReturnValueOnce(amo).mockReturnValueOnce(amo);
      registry.seal.mockReturnValueOnce('sealed-app');
      crm.insert.mockResolvedValueOnce(connectionRow({ status: 'authorizing' }));
      tokens.signCrmState.mockResolvedValueOnce('state-1');
      amo.oauth.authorizeUrl.mockReturnValueOnce('https://www.amocrm.ru/oauth');
      crm.syncStats.mockResolvedValueOnce(SYNC);

      await service.connect(admin, { ...body, pipelineId: undefined, autoCreateDeal: false });

      expect(crm.insert).toHaveBeenCalledWith(
        expect.objectContaining({
          settings: { autoCreateDeal: false, channelIds: null, userMap: {}, pipelineId: null },
          status: 'authorizing',
        }),
      );
    });

    it('answers 400 naming each missing OAuth setting along with the CRM’s own, and stores nothing', async () => {
      registry.adapter.mockReturnValueOnce(amo);
      amo.oauth.wants.mockReturnValueOnce(true);

      const err = await rejectionOf(
        service.connect(admin, { type: 'amocrm', name: 'x', settings: { baseUrl: 'https://acme.amocrm.ru' } }),
      );

      expectApiError(err, 400, 'validation_failed');
      expect(err.details).toEqual([
        { field: 'settings.clientId', message: 'is required' },
        { field: 'settings.clientSecret', message: 'is required' },
      ]);
      expect(registry.seal).not.toHaveBeenCalled();
      expect(crm.insert).not.toHaveBeenCalled();
      expect(tokens.signCrmState).not.toHaveBeenCalled();
    });

    it('ignores the OAuth fields (not stored, not required) when connecting with a token', async () => {
      registry.adapter.mockReturnValueOnce(amo);
      registry.context.mockReturnValueOnce(CTX);
      amo.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
      amo.listPipelines.mockResolvedValueOnce(PIPELINES);
      registry.seal.mockReturnValueOnce('sealed');
      crm.insert.mockResolvedValueOnce(connectionRow());
      crm.syncStats.mockResolvedValueOnce(SYNC);

      await service.connect(admin, {
        type: 'amocrm',
        name: 'x',
        settings: { baseUrl: 'https://acme.amocrm.ru', accessToken: 'tok-1', clientId: 'app-1' },
      });

      const settings = { baseUrl: 'https://acme.amocrm.ru', accessToken: 'tok-1' };
      expect(amo.checkConnection).toHaveBeenCalledWith(settings, CTX);
      expect(registry.seal).toHaveBeenCalledWith(settings);
      expect(crm.insert).toHaveBeenCalledWith(expect.not.objectContaining({ status: expect.anything() }));
      expect(tokens.signCrmState).not.toHaveBeenCalled();
    });

    it('answers 409 crm_exists when the workspace already has a CRM, and signs no state', async () => {
      registry.adapter.mockReturnValueOnce(amo).mockReturnValueOnce(amo);
      registry.seal.mockReturnValueOnce('sealed-app');
      crm.insert.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.connect(admin, body)), 409, 'crm_exists');
      expect(tokens.signCrmState).not.toHaveBeenCalled();
      expect(amo.oauth.authorizeUrl).not.toHaveBeenCalled();
      expect(crm.syncStats).not.toHaveBeenCalled();
    });
  });

  describe('oauthCallback', () => {
    const SETTINGS_PAGE = `${PUBLIC_URL}/settings?tab=crm`;
    const REDIRECT_URI = `${PUBLIC_URL}/api/crm/oauth/callback`;
    const APP = { baseUrl: 'https://acme.amocrm.ru', clientId: 'app-1', clientSecret: 'app-secret' };
    const TOKENS = { ...APP, accessToken: 'acc-1', refreshToken: 'ref-1', expiresAt: '2024-11-22T10:00:00.000Z' };
    const query = { code: 'code-1', state: 'state-1', referer: 'acme.amocrm.ru' };
    let amo: ReturnType<typeof oauthAdapter>;

    function authorizingRow(): CrmConnectionRow {
      return connectionRow({
        status: 'authorizing',
        settings: { autoCreateDeal: false, channelIds: ['ch-1'], userMap: {}, pipelineId: 'p-sales' },
      });
    }

    /** A valid state for an authorizing connection whose sealed settings are the app's credentials. */
    function stubAuthorizing(row = authorizingRow()): CrmConnectionRow {
      tokens.verifyCrmState.mockResolvedValueOnce(CRM_ID);
      crm.findById.mockResolvedValueOnce(row);
      registry.connect.mockReturnValueOnce({
        adapter: amo,
        settings: { ...APP, webhookSecret: 'hook-secret' },
        ctx: CTX,
      });
      return row;
    }

    beforeEach(() => {
      amo = oauthAdapter();
    });

    it('trades the code for tokens, checks them, stores them sealed with the chosen pipeline, and sends the admin back connected', async () => {
      const row = stubAuthorizing();
      amo.oauth.exchangeCode.mockResolvedValueOnce(TOKENS);
      amo.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
      amo.listPipelines.mockResolvedValueOnce(PIPELINES);
      registry.seal.mockReturnValueOnce('sealed-tokens');
      crm.completeAuthorization.mockResolvedValueOnce(connectionRow());
      catalog.forget.mockReturnValueOnce(undefined);

      await expect(service.oauthCallback(query)).resolves.toBe(`${SETTINGS_PAGE}&connected=1`);

      expect(tokens.verifyCrmState).toHaveBeenCalledWith('state-1');
      expect(crm.findById).toHaveBeenCalledWith(CRM_ID);
      expect(registry.connect).toHaveBeenCalledWith(row);
      expect(amo.oauth.exchangeCode).toHaveBeenCalledWith(
        APP,
        { code: 'code-1', redirectUri: REDIRECT_URI, query },
        CTX,
      );
      expect(amo.checkConnection).toHaveBeenCalledWith(TOKENS, CTX);
      expect(amo.listPipelines).toHaveBeenCalledWith(TOKENS, CTX);
      expect(registry.seal).toHaveBeenCalledWith(TOKENS);
      expect(crm.completeAuthorization).toHaveBeenCalledWith(CRM_ID, 'sealed-tokens', {
        autoCreateDeal: false,
        channelIds: ['ch-1'],
        userMap: {},
        accountId: '42',
        accountName: 'Acme',
        pipelineId: 'p-sales',
        stageId: 's-new',
      });
      expect(catalog.forget).toHaveBeenCalledWith(CRM_ID);
      expect(crm.setStatus).not.toHaveBeenCalled();
    });

    it('falls back to the main pipeline when none (or an unknown one) was chosen', async () => {
      stubAuthorizing(connectionRow({ status: 'authorizing', settings: { pipelineId: 'p-gone', userMap: {} } }));
      amo.oauth.exchangeCode.mockResolvedValueOnce(TOKENS);
      amo.checkConnection.mockResolvedValueOnce({ accountId: '42', accountName: 'Acme' });
      amo.listPipelines.mockResolvedValueOnce(PIPELINES);
      registry.seal.mockReturnValueOnce('sealed-tokens');
      crm.completeAuthorization.mockResolvedValueOnce(connectionRow());
      catalog.forget.mockReturnValueOnce(undefined);

      await expect(service.oauthCallback(query)).resolves.toBe(`${SETTINGS_PAGE}&connected=1`);

      expect(crm.completeAuthorization).toHaveBeenCalledWith(CRM_ID, 'sealed-tokens', {
        userMap: {},
        accountId: '42',
        accountName: 'Acme',
        pipelineId: 'p-main',
        stageId: 's-lead',
      });
    });

    it.each([
      ['no state', { code: 'code-1' }],
      ['no code', { state: 'state-1' }],
    ])('sends the admin back with an error and writes nothing for %s', async (_, given: Record<string, string>) => {
      if (given['state']) {
        tokens.verifyCrmState.mockResolvedValueOnce(CRM_ID);
        crm.findById.mockResolvedValueOnce(authorizingRow());
      }

      const url = await service.oauthCallback(given);

      expect(url).toMatch(new RegExp(`^${escapeRegExp(SETTINGS_PAGE)}&error=.+`));
      if (!given['state']) expect(tokens.verifyCrmState).not.toHaveBeenCalled();
      expect(registry.connect).not.toHaveBeenCalled();
      expect(crm.completeAuthorization).not.toHaveBeenCalled();
      expect(crm.setStatus).not.toHaveBeenCalled();
    });

    it('sends the admin back with an error and writes nothing for a state Onebox did not sign (or that expired)', async () => {
      tokens.verifyCrmState.mockResolvedValueOnce(null);

      const url = await service.oauthCallback({ ...query, state: 'forged' });

      expect(url).toBe(
        `${SETTINGS_PAGE}&error=${encodeURIComponent('The authorization link expired or was not issued by Onebox')}`,
      );
      expect(tokens.verifyCrmState).toHaveBeenCalledWith('forged');
      expect(crm.findById).not.toHaveBeenCalled();
      expect(crm.setStatus).not.toHaveBeenCalled();
    });

    it('sends the admin back with an error and writes nothing when the connection was removed meanwhile', async () => {
      tokens.verifyCrmState.mockResolvedValueOnce(CRM_ID);
      crm.findById.mockResolvedValueOnce(null);

      const url = await service.oauthCallback(query);

      expect(url).toMatch(new RegExp(`^${escapeRegExp(SETTINGS_PAGE)}&error=.+`));
      expect(crm.findById).toHaveBeenCalledWith(CRM_ID);
      expect(registry.connect).not.toHaveBeenCalled();
      expect(crm.setStatus).not.toHaveBeenCalled();
    });

    it('marks the connection failed and sends the admin back with the CRM’s reason when the code exchange fails', async () => {
      stubAuthorizing();
      amo.oauth.exchangeCode.mockRejectedValueOnce(new CrmError('invalid_credentials', 'Code expired & used'));
      crm.setStatus.mockResolvedValueOnce(undefined);

      const url = await service.oauthCallback(query);

      expect(url).toBe(`${SETTINGS_PAGE}&error=${encodeURIComponent('Code expired & used')}`);
      expect(crm.setStatus).toHaveBeenCalledWith(CRM_ID, 'error', 'Authorization failed: Code expired & used');
      expect(amo.checkConnection).not.toHaveBeenCalled();
      expect(registry.seal).not.toHaveBeenCalled();
      expect(crm.completeAuthorization).not.toHaveBeenCalled();
      expect(catalog.forget).not.toHaveBeenCalled();
    });

    it('marks the connection failed and stores no tokens when the new tokens do not work', async () => {
      stubAuthorizing();
      amo.oauth.exchangeCode.mockResolvedValueOnce(TOKENS);
      amo.checkConnection.mockRejectedValueOnce(new Error('HTTP 403'));
      crm.setStatus.mockResolvedValueOnce(undefined);

      const url = await service.oauthCallback(query);

      expect(url).toBe(`${SETTINGS_PAGE}&error=${encodeURIComponent('HTTP 403')}`);
      expect(crm.setStatus).toHaveBeenCalledWith(CRM_ID, 'error', 'Authorization failed: HTTP 403');
      expect(amo.listPipelines).not.toHaveBeenCalled();
      expect(crm.completeAuthorization).not.toHaveBeenCalled();
    });
  });

  describe('authorizeUrl', () => {
    const STORED = {
      baseUrl: 'https://acme.amocrm.ru',
      clientId: 'app-1',
      clientSecret: 'app-secret',
      accessToken: 'acc-1',
      webhookSecret: 'hook-secret',
    };
    let amo: ReturnType<typeof oauthAdapter>;

    beforeEach(() => {
      amo = oauthAdapter();
    });

    it('answers a fresh consent link for an OAuth connection, even one that holds tokens', async () => {
      const row = connectionRow({ status: 'error' });
      crm.findInWorkspace.mockResolvedValueOnce(row);
      registry.connect.mockReturnValueOnce({ adapter: amo, settings: STORED, ctx: CTX });
      tokens.signCrmState.mockResolvedValueOnce('state-2');
      amo.oauth.authorizeUrl.mockReturnValueOnce('https://www.amocrm.ru/oauth?state=state-2');

      await expect(service.authorizeUrl(admin, CRM_ID)).resolves.toEqual({
        authorizeUrl: 'https://www.amocrm.ru/oauth?state=state-2',
      });

      expect(crm.findInWorkspace).toHaveBeenCalledWith(WS, CRM_ID);
      expect(registry.connect).toHaveBeenCalledWith(row);
      expect(amo.oauth.wants).toHaveBeenCalledWith({ ...STORED, accessToken: '' });
      expect(tokens.signCrmState).toHaveBeenCalledWith(CRM_ID);
      expect(amo.oauth.authorizeUrl).toHaveBeenCalledWith(STORED, {
        state: 'state-2',
        redirectUri: `${PUBLIC_URL}/api/crm/oauth/callback`,
      });
    });

    it('answers 409 not_oauth for a connection made with a token', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(connectionRow());
      registry.connect.mockReturnValueOnce({
        adapter: amo,
        settings: { baseUrl: 'https://acme.amocrm.ru', accessToken: 'tok-1', webhookSecret: 'hook-secret' },
        ctx: CTX,
      });

      expectApiError(await rejectionOf(service.authorizeUrl(admin, CRM_ID)), 409, 'not_oauth');
      expect(tokens.signCrmState).not.toHaveBeenCalled();
      expect(amo.oauth.authorizeUrl).not.toHaveBeenCalled();
    });

    it('answers 409 not_oauth for a CRM without OAuth', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(connectionRow());
      registry.connect.mockReturnValueOnce({ adapter, settings: STORED, ctx: CTX });

      expectApiError(await rejectionOf(service.authorizeUrl(admin, CRM_ID)), 409, 'not_oauth');
      expect(tokens.signCrmState).not.toHaveBeenCalled();
    });

    it('answers 404 for a connection that is not the workspace’s', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.authorizeUrl(admin, CRM_ID)), 404, 'not_found');
      expect(registry.connect).not.toHaveBeenCalled();
      expect(tokens.signCrmState).not.toHaveBeenCalled();
    });
  });

  describe('update', () => {
    it('changes the stage within the pipeline after checking it against the catalog', async () => {
      const row = connectionRow();
      const updated = connectionRow({ settings: { ...row.settings, stageId: 's-offer' } });
      crm.findInWorkspace.mockResolvedValueOnce(row);
      catalog.pipelines.mockResolvedValueOnce(PIPELINES);
      crm.updateSettings.mockResolvedValueOnce(updated);
      crm.syncStats.mockResolvedValueOnce(SYNC);

      const dto = await service.update(admin, CRM_ID, { stageId: 's-offer' });

      expect(crm.findInWorkspace).toHaveBeenCalledWith(WS, CRM_ID);
      expect(catalog.pipelines).toHaveBeenCalledWith(row);
      expect(crm.updateSettings).toHaveBeenCalledWith(CRM_ID, 'Our amoCRM', { ...row.settings, stageId: 's-offer' });
      expect(dto.stageId).toBe('s-offer');
    });

    it('changes pipeline and stage together', async () => {
      const row = connectionRow();
      crm.findInWorkspace.mockResolvedValueOnce(row);
      catalog.pipelines.mockResolvedValueOnce(PIPELINES);
      crm.updateSettings.mockResolvedValueOnce(row);
      crm.syncStats.mockResolvedValueOnce(SYNC);

      await service.update(admin, CRM_ID, { pipelineId: 'p-sales', stageId: 's-talk' });

      expect(crm.updateSettings).toHaveBeenCalledWith(CRM_ID, 'Our amoCRM', {
        ...row.settings,
        pipelineId: 'p-sales',
        stageId: 's-talk',
      });
    });

    it('updates name, auto-creation, channels and user map without reading the catalog', async () => {
      const row = connectionRow();
      crm.findInWorkspace.mockResolvedValueOnce(row);
      crm.updateSettings.mockResolvedValueOnce(row);
      crm.syncStats.mockResolvedValueOnce(SYNC);
      const channelIds = ['c1a2b3c4-0000-4000-8000-000000000001'];
      channels.listByWorkspace.mockResolvedValueOnce([rows.channelRow({ id: channelIds[0] })]);
      users.listByWorkspace.mockResolvedValueOnce([rows.userRow({ id: 'u-1' })]);

      await service.update(admin, CRM_ID, {
        name: '  Renamed ',
        autoCreateDeal: false,
        channelIds,
        userMap: { 'u-1': '77' },
      });

      expect(crm.updateSettings).toHaveBeenCalledWith(CRM_ID, 'Renamed', {
        ...row.settings,
        autoCreateDeal: false,
        channelIds,
        userMap: { 'u-1': '77' },
      });
      expect(channels.listByWorkspace).toHaveBeenCalledWith(WS);
      expect(users.listByWorkspace).toHaveBeenCalledWith(WS);
    });

    it('answers 400 naming channelIds for a channel outside the workspace, writing nothing', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(connectionRow());
      channels.listByWorkspace.mockResolvedValueOnce([rows.channelRow({ id: 'ch-own' })]);

      const err = await rejectionOf(
        service.update(admin, CRM_ID, { channelIds: ['ch-own', 'ch-foreign'], settings: { x: 'y' } }),
      );

      expectApiError(err, 400, 'validation_failed');
      expect(err.details).toEqual([{ field: 'channelIds', message: 'names a channel that does not exist' }]);
      expect(crm.updateSealed).not.toHaveBeenCalled();
      expect(crm.updateSettings).not.toHaveBeenCalled();
    });

    it('answers 400 naming userMap for a user outside the workspace or a malformed CRM user id', async () => {
      const maps: Record<string, string>[] = [{ 'u-foreign': '77' }, { 'u-1': 'not a crm id!' }];
      for (const userMap of maps) {
        crm.findInWorkspace.mockResolvedValueOnce(connectionRow());
        users.listByWorkspace.mockResolvedValueOnce([rows.userRow({ id: 'u-1' })]);

        const err = await rejectionOf(service.update(admin, CRM_ID, { userMap }));

        expectApiError(err, 400, 'validation_failed');
        expect(err.details?.map((d) => d.field)).toEqual(['userMap']);
      }
      expect(crm.updateSettings).not.toHaveBeenCalled();
    });

    it('answers 400 naming pipelineId when the pipeline is not in the catalog', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(connectionRow());
      catalog.pipelines.mockResolvedValueOnce(PIPELINES);

      const err = await rejectionOf(service.update(admin, CRM_ID, { pipelineId: 'p-nope', stageId: 's-lead' }));

      expectApiError(err, 400, 'validation_failed');
      expect(err.details).toEqual([{ field: 'pipelineId', message: expect.any(String) }]);
      expect(crm.updateSettings).not.toHaveBeenCalled();
    });

    it('answers 400 naming stageId when the stage belongs to another pipeline', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(connectionRow());
      catalog.pipelines.mockResolvedValueOnce(PIPELINES);

      const err = await rejectionOf(service.update(admin, CRM_ID, { stageId: 's-talk' }));

      expectApiError(err, 400, 'validation_failed');
      expect(err.details).toEqual([{ field: 'stageId', message: expect.any(String) }]);
      expect(crm.updateSettings).not.toHaveBeenCalled();
    });

    it('answers 404 for a connection that is not the workspace’s', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.update(admin, CRM_ID, { name: 'x' })), 404, 'not_found');
      expect(crm.updateSettings).not.toHaveBeenCalled();
    });

    it.each([
      ['a temporary CRM error', new CrmError('temporary', 'HTTP 503')],
      ['a network error', new Error('ECONNREFUSED')],
    ])('answers 502 crm_unavailable when the catalog cannot be read on %s, and changes nothing', async (_, error) => {
      const row = connectionRow();
      crm.findInWorkspace.mockResolvedValueOnce(row);
      catalog.pipelines.mockRejectedValueOnce(error);

      const err = await rejectionOf(service.update(admin, CRM_ID, { stageId: 's-offer' }));

      expectApiError(err, 502, 'crm_unavailable');
      expect(err.message).toContain(error.message);
      expect(catalog.pipelines).toHaveBeenCalledWith(row);
      expect(crm.updateSettings).not.toHaveBeenCalled();
    });

    it('answers 400 invalid_credentials when the CRM refuses the stored settings while reading the catalog', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(connectionRow());
      catalog.pipelines.mockRejectedValueOnce(new CrmError('invalid_credentials', 'Token expired', undefined, 401));

      const err = await rejectionOf(service.update(admin, CRM_ID, { pipelineId: 'p-sales', stageId: 's-new' }));

      expectApiError(err, 400, 'invalid_credentials');
      expect(err.details).toEqual([{ field: 'settings', message: 'Token expired' }]);
      expect(crm.updateSettings).not.toHaveBeenCalled();
    });

    describe('with new settings', () => {
      const STORED = { baseUrl: 'https://acme.amocrm.ru', accessToken: 'tok-1', webhookSecret: 'hook-secret' };

      function stubStored(row: CrmConnectionRow): void {
        crm.findInWorkspace.mockResolvedValueOnce(row);
        registry.connect.mockReturnValueOnce({ adapter, settings: { ...STORED }, ctx: CTX });
        registry.adapter.mockReturnValueOnce(adapter);
      }

      it('merges the change into the stored settings (without the webhook secret), validates, seals and stores them', async () => {
        const row = connectionRow();
        stubStored(row);
        registry.seal.mockReturnValueOnce('resealed');
        crm.updateSealed.mockResolvedValueOnce(undefined);
        crm.updateSettings.mockResolvedValueOnce(row);
        crm.syncStats.mockResolvedValueOnce(SYNC);

        await service.update(admin, CRM_ID, { settings: { accessToken: '  tok-2 ', note: 'hi' } });

        expect(registry.connect).toHaveBeenCalledWith(row);
        expect(registry.adapter).toHaveBeenCalledWith('amocrm');
        expect(registry.seal).toHaveBeenCalledWith({
          baseUrl: 'https://acme.amocrm.ru',
          accessToken: 'tok-2',
          note: 'hi',
        });
        expect(crm.updateSealed).toHaveBeenCalledWith(CRM_ID, 'resealed');
        expect(crm.updateSettings).toHaveBeenCalledWith(CRM_ID, 'Our amoCRM', row.settings);
      });

      it('answers 400 naming a changed address that is private or local, and stores nothing', async () => {
        stubStored(connectionRow());
        registry.refusedAddress.mockResolvedValueOnce({ field: 'baseUrl', reason: '10.0.0.5 is a private address' });

        const err = await rejectionOf(
          service.update(admin, CRM_ID, { settings: { baseUrl: 'https://intranet.amocrm.ru' } }),
        );

        expectApiError(err, 400, 'validation_failed');
        expect(err.details).toEqual([{ field: 'settings.baseUrl', message: expect.stringContaining('10.0.0.5') }]);
        expect(registry.refusedAddress).toHaveBeenCalledWith('amocrm', {
          baseUrl: 'https://intranet.amocrm.ru',
          accessToken: 'tok-1',
        });
        expect(crm.updateSealed).not.toHaveBeenCalled();
      });

      it('stores the sealed settings before the other changes', async () => {
        const row = connectionRow();
        const calls: string[] = [];
        stubStored(row);
        registry.seal.mockReturnValueOnce('resealed');
        crm.updateSealed.mockImplementationOnce(async () => {
          calls.push('updateSealed');
        });
        crm.updateSettings.mockImplementationOnce(async () => {
          calls.push('updateSettings');
          return row;
        });
        crm.syncStats.mockResolvedValueOnce(SYNC);

        await service.update(admin, CRM_ID, { name: ' Renamed ', settings: { accessToken: 'tok-2' } });

        expect(calls).toEqual(['updateSealed', 'updateSettings']);
        expect(crm.updateSettings).toHaveBeenCalledWith(CRM_ID, 'Renamed', row.settings);
      });

      it('answers 400 naming a setting the CRM does not have, and stores nothing', async () => {
        stubStored(connectionRow());

        const err = await rejectionOf(service.update(admin, CRM_ID, { settings: { extra: '1' } }));

        expectApiError(err, 400, 'validation_failed');
        expect(err.details).toEqual([{ field: 'settings.extra', message: 'is not a setting of this CRM' }]);
        expect(registry.seal).not.toHaveBeenCalled();
        expect(crm.updateSealed).not.toHaveBeenCalled();
        expect(crm.updateSettings).not.toHaveBeenCalled();
      });

      it('answers 400 for a value that does not match the field’s pattern, and stores nothing', async () => {
        stubStored(connectionRow());

        const err = await rejectionOf(
          service.update(admin, CRM_ID, { settings: { baseUrl: 'http://evil.example.com' } }),
        );

        expectApiError(err, 400, 'validation_failed');
        expect(err.details).toEqual([{ field: 'settings.baseUrl', message: 'does not look right' }]);
        expect(registry.seal).not.toHaveBeenCalled();
        expect(crm.updateSealed).not.toHaveBeenCalled();
        expect(crm.updateSettings).not.toHaveBeenCalled();
      });

      it('answers 400 when the change blanks a required setting', async () => {
        stubStored(connectionRow());

        const err = await rejectionOf(service.update(admin, CRM_ID, { settings: { accessToken: '  ' } }));

        expectApiError(err, 400, 'validation_failed');
        expect(err.details).toEqual([{ field: 'settings.accessToken', message: 'is required' }]);
        expect(crm.updateSealed).not.toHaveBeenCalled();
      });
    });
  });

  describe('remove', () => {
    it('soft-deletes the connection and forgets its catalog', async () => {
      crm.softDelete.mockResolvedValueOnce(true);
      catalog.forget.mockReturnValueOnce(undefined);

      await service.remove(admin, CRM_ID);

      expect(crm.softDelete).toHaveBeenCalledWith(WS, CRM_ID);
      expect(catalog.forget).toHaveBeenCalledWith(CRM_ID);
    });

    it('answers 404 for an unknown connection and forgets nothing', async () => {
      crm.softDelete.mockResolvedValueOnce(false);

      expectApiError(await rejectionOf(service.remove(admin, CRM_ID)), 404, 'not_found');
      expect(catalog.forget).not.toHaveBeenCalled();
    });
  });

  describe('retry', () => {
    it('re-queues the failed CRM jobs and nudges the worker', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(connectionRow());
      crm.retryFailed.mockResolvedValueOnce(3);
      worker.nudge.mockReturnValueOnce(undefined);

      await service.retry(admin, CRM_ID);

      expect(crm.retryFailed).toHaveBeenCalledWith(WS);
      expect(worker.nudge).toHaveBeenCalledTimes(1);
    });

    it('does not nudge when nothing was re-queued', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(connectionRow());
      crm.retryFailed.mockResolvedValueOnce(0);

      await service.retry(admin, CRM_ID);

      expect(worker.nudge).not.toHaveBeenCalled();
    });

    it('answers 404 for an unknown connection', async () => {
      crm.findInWorkspace.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.retry(admin, CRM_ID)), 404, 'not_found');
      expect(crm.retryFailed).not.toHaveBeenCalled();
    });
  });
});
