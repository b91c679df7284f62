import type { CrmAdapter, CrmPipeline, CrmUser } from '@onebox/crm';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { CrmCatalog } from './crm-catalog.service';
import { CrmSessions } from './crm-sessions.service';
import type { CrmConnectionRow } from './crm.repository';

const CRM_ID = 'crm-1';
const NOW = new Date('2024-11-21T10:00:00.000Z');
const SETTINGS = { baseUrl: 'https://acme.amocrm.ru', accessToken: 'acc-2', webhookSecret: 'hook-secret' };
const CTX = { timeoutMs: 15_000 };
const PIPELINES: CrmPipeline[] = [
  {
    id: 'p-main',
    name: 'Main',
    isMain: true,
    stages: [
      { id: 's-lead', name: 'Lead', sort: 10, semantic: 'open' },
      { id: 's-won', name: 'Won', sort: 20, semantic: 'won' },
    ],
  },
];
const USERS: CrmUser[] = [{ id: '77', name: 'Mia Manager', email: 'mia@example.com' }];

function unexpected(name: string): jest.Mock {
  return jest.fn((...args: unknown[]) => {
    throw new Error(`Unexpected call: adapter.${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
  });
}

function fakeAdapter(): jest.Mocked<CrmAdapter> {
  return {
    type: 'amocrm',
    settingsFields: [],
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

const connectionRow = (): CrmConnectionRow =>
  rows.crmConnectionRow({ settings: { pipelineId: 'p-main', stageId: 's-lead', userMap: {} } });

describe(CrmCatalog.name, () => {
  let sessions: ReturnType<typeof strictMock<CrmSessions>>;
  let adapter: jest.Mocked<CrmAdapter>;
  let catalog: CrmCatalog;

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate'] });
    sessions = strictMock(CrmSessions);
    adapter = fakeAdapter();
    catalog = new CrmCatalog(sessions as unknown as CrmSessions);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  function stubReady(): void {
    sessions.ready.mockResolvedValueOnce({ adapter, settings: SETTINGS, ctx: CTX });
  }

  it('reads the pipelines with the session’s (possibly refreshed) settings once, then from memory for a minute', async () => {
    const connection = connectionRow();
    stubReady();
    adapter.listPipelines.mockResolvedValueOnce(PIPELINES);

    await expect(catalog.pipelines(connection)).resolves.toBe(PIPELINES);
    jest.advanceTimersByTime(60_000);
    await expect(catalog.pipelines(connection)).resolves.toBe(PIPELINES);

    expect(sessions.ready).toHaveBeenCalledTimes(1);
    expect(sessions.ready).toHaveBeenCalledWith(connection);
    expect(adapter.listPipelines).toHaveBeenCalledTimes(1);
    expect(adapter.listPipelines).toHaveBeenCalledWith(SETTINGS, CTX);
  });

  it('reads the pipelines again after a minute, and after being told to forget', async () => {
    stubReady();
    stubReady();
    stubReady();
    adapter.listPipelines.mockResolvedValue(PIPELINES);

    await catalog.pipelines(connectionRow());
    jest.advanceTimersByTime(60_001);
    await catalog.pipelines(connectionRow());
    catalog.forget(CRM_ID);
    await catalog.pipelines(connectionRow());

    expect(sessions.ready).toHaveBeenCalledTimes(3);
    expect(adapter.listPipelines).toHaveBeenCalledTimes(3);
  });

  it('reads the pipelines again once the connection’s credentials were sealed anew (by any process)', async () => {
    stubReady();
    stubReady();
    adapter.listPipelines.mockResolvedValue(PIPELINES);

    await catalog.pipelines(rows.crmConnectionRow({ settings_enc: 'v1.iv-one.tag.data' }));
    await catalog.pipelines(rows.crmConnectionRow({ settings_enc: 'v1.iv-one.tag.data' }));
    await catalog.pipelines(rows.crmConnectionRow({ settings_enc: 'v1.iv-two.tag.data' }));

    expect(adapter.listPipelines).toHaveBeenCalledTimes(2);
  });

  it('reads the users with the session’s settings once', async () => {
    const connection = connectionRow();
    stubReady();
    adapter.listUsers.mockResolvedValueOnce(USERS);

    await expect(catalog.users(connection)).resolves.toBe(USERS);
    await expect(catalog.users(connection)).resolves.toBe(USERS);

    expect(sessions.ready).toHaveBeenCalledTimes(1);
    expect(sessions.ready).toHaveBeenCalledWith(connection);
    expect(adapter.listUsers).toHaveBeenCalledWith(SETTINGS, CTX);
  });

  it('lets a session failure through and remembers nothing', async () => {
    const error = new Error('Access was revoked or expired: authorize Onebox in the CRM again (x)');
    sessions.ready.mockRejectedValueOnce(error);

    await expect(catalog.pipelines(connectionRow())).rejects.toBe(error);

    stubReady();
    adapter.listPipelines.mockResolvedValueOnce(PIPELINES);
    await expect(catalog.pipelines(connectionRow())).resolves.toBe(PIPELINES);
    expect(adapter.listPipelines).toHaveBeenCalledTimes(1);
  });

  describe('stageName', () => {
    it('answers the stage’s name from the pipelines', async () => {
      stubReady();
      adapter.listPipelines.mockResolvedValueOnce(PIPELINES);

      await expect(catalog.stageName(connectionRow(), 's-won')).resolves.toBe('Won');
      await expect(catalog.stageName(connectionRow(), 's-gone')).resolves.toBeNull();
    });

    it('answers null without asking the CRM when there is no stage', async () => {
      await expect(catalog.stageName(connectionRow(), null)).resolves.toBeNull();

      expect(sessions.ready).not.toHaveBeenCalled();
    });

    it('answers null when the session cannot be made ready', async () => {
      sessions.ready.mockRejectedValueOnce(new Error('revoked'));

      await expect(catalog.stageName(connectionRow(), 's-lead')).resolves.toBeNull();
    });
  });
});
