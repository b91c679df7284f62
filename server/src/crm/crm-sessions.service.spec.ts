import { CrmError, type CrmAdapter, type CrmOAuth } from '@onebox/crm';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { CrmRegistry, type ConnectedCrm } from './crm-registry.service';
import { CrmSessions } from './crm-sessions.service';
import { CrmRepository, type CrmConnectionRow } from './crm.repository';

const CRM_ID = 'crm-1';
const NOW = new Date('2024-11-21T10:00:00.000Z');
const CTX = { timeoutMs: 15_000 };
const MINUTE = 60_000;

function unexpected(name: string): jest.Mock {
  return jest.fn((...args: unknown[]) => {
    throw new Error(`Unexpected call: adapter.${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
  });
}

/** An adapter whose OAuth knows the access token's expiry from the `expiresAt` setting (as amoCRM and Bitrix24 do). */
function fakeAdapter(withOAuth = true): jest.Mocked<CrmAdapter> & { oauth: jest.Mocked<CrmOAuth> } {
  const oauth: jest.Mocked<CrmOAuth> = {
    settingsFields: [],
    wants: unexpected('oauth.wants'),
    authorizeUrl: unexpected('oauth.authorizeUrl'),
    exchangeCode: unexpected('oauth.exchangeCode'),
    refresh: unexpected('oauth.refresh'),
    expiresAt: jest.fn((s: Record<string, string>) => (s['expiresAt'] ? new Date(s['expiresAt']) : null)),
  } as jest.Mocked<CrmOAuth>;
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
    ...(withOAuth ? { oauth } : {}),
  } as jest.Mocked<CrmAdapter> & { oauth: jest.Mocked<CrmOAuth> };
}

const connectionRow = (o: Partial<CrmConnectionRow> = {}): CrmConnectionRow =>
  rows.crmConnectionRow({
    settings_enc: 'sealed-1',
    settings: { accountId: '42', accountName: 'Acme', pipelineId: 'p-main', stageId: 's-lead', userMap: {} },
    ...o,
  });

/** Stored OAuth settings whose access token expires `inMs` from now. */
function tokens(accessToken: string, inMs: number): Record<string, string> {
  return {
    baseUrl: 'https://acme.amocrm.ru',
    clientId: 'app-1',
    clientSecret: 'app-secret',
    accessToken,
    refreshToken: `refresh-of-${accessToken}`,
    expiresAt: new Date(NOW.getTime() + inMs).toISOString(),
  };
}

describe(CrmSessions.name, () => {
  const fakeTx = {} as Db;
  let registry: ReturnType<typeof strictMock<CrmRegistry>>;
  let crm: ReturnType<typeof strictMock<CrmRepository>>;
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let adapter: ReturnType<typeof fakeAdapter>;
  let inTransaction: boolean;
  let sessions: CrmSessions;

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate'] });
    registry = strictMock(CrmRegistry);
    crm = strictMock(CrmRepository);
    tx = strictMock(TransactionService);
    adapter = fakeAdapter();
    inTransaction = false;
    tx.run.mockImplementation(async (work) => {
      inTransaction = true;
      try {
        return await work(fakeTx);
      } finally {
        inTransaction = false;
      }
    });
    sessions = new CrmSessions(
      registry as unknown as CrmRegistry,
      crm as unknown as CrmRepository,
      tx as unknown as TransactionService,
    );
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  function connected(settings: Record<string, string>, a: CrmAdapter = adapter): ConnectedCrm {
    return { adapter: a, settings: { ...settings, webhookSecret: 'hook-secret' }, ctx: CTX };
  }

  describe('without a refresh', () => {
    it.each([
      ['a CRM without OAuth', () => fakeAdapter(false), { accessToken: 'tok-1' }],
      ['a connection with a long-lived token (no expiry)', () => adapter, { accessToken: 'tok-1' }],
      ['a token that expires in more than 5 minutes', () => adapter, tokens('acc-1', 5 * MINUTE + 1000)],
    ])('answers the connection as stored for %s, without a transaction', async (_, pick, settings) => {
      const row = connectionRow();
      const ready = connected(settings, pick());
      registry.connect.mockReturnValueOnce(ready);

      await expect(sessions.ready(row)).resolves.toBe(ready);

      expect(registry.connect).toHaveBeenCalledTimes(1);
      expect(registry.connect).toHaveBeenCalledWith(row);
      expect(tx.run).not.toHaveBeenCalled();
      expect(crm.lock).not.toHaveBeenCalled();
      expect(adapter.oauth.refresh).not.toHaveBeenCalled();
    });
  });

  describe('with a token about to expire', () => {
    const EXPIRING = tokens('acc-1', 4 * MINUTE);

    it('refreshes under the row lock, stores the new tokens sealed in the same transaction, and answers them', async () => {
      const row = connectionRow();
      const locked = connectionRow({ settings_enc: 'sealed-1-locked' });
      const renewed = tokens('acc-2', 24 * 60 * MINUTE);
      const calls: string[] = [];
      registry.connect.mockReturnValueOnce(connected(EXPIRING)).mockReturnValueOnce(connected(EXPIRING));
      crm.lock.mockImplementationOnce(async () => {
        calls.push(`lock:${inTransaction}`);
        return locked;
      });
      adapter.oauth.refresh.mockImplementationOnce(async () => {
        calls.push(`refresh:${inTransaction}`);
        return renewed;
      });
      registry.seal.mockReturnValueOnce('sealed-2');
      crm.updateSealed.mockImplementationOnce(async () => {
        calls.push(`updateSealed:${inTransaction}`);
      });

      await expect(sessions.ready(row)).resolves.toEqual({
        adapter,
        settings: { ...renewed, webhookSecret: 'hook-secret' },
        ctx: CTX,
      });

      expect(registry.connect).toHaveBeenNthCalledWith(1, row);
      expect(tx.run).toHaveBeenCalledTimes(1);
      expect(crm.lock).toHaveBeenCalledWith(fakeTx, CRM_ID);
      expect(registry.connect).toHaveBeenNthCalledWith(2, locked);
      expect(adapter.oauth.refresh).toHaveBeenCalledWith(EXPIRING, CTX);
      expect(registry.seal).toHaveBeenCalledWith(renewed);
      expect(crm.updateSealed).toHaveBeenCalledWith(CRM_ID, 'sealed-2', fakeTx);
      expect(calls).toEqual(['lock:true', 'refresh:true', 'updateSealed:true']);
      expect(crm.setStatus).not.toHaveBeenCalled();
    });

    it('refreshes a token that has already expired', async () => {
      const renewed = tokens('acc-2', 60 * MINUTE);
      registry.connect
        .mockReturnValueOnce(connected(tokens('acc-1', -MINUTE)))
        .mockReturnValueOnce(connected(tokens('acc-1', -MINUTE)));
      crm.lock.mockResolvedValueOnce(connectionRow());
      adapter.oauth.refresh.mockResolvedValueOnce(renewed);
      registry.seal.mockReturnValueOnce('sealed-2');
      crm.updateSealed.mockResolvedValueOnce(undefined);

      await expect(sessions.ready(connectionRow())).resolves.toMatchObject({
        settings: { ...renewed, webhookSecret: 'hook-secret' },
      });
    });

    it('answers the tokens another worker refreshed meanwhile, without refreshing again', async () => {
      const locked = connectionRow({ settings_enc: 'sealed-2' });
      const fresh = connected(tokens('acc-2', 60 * MINUTE));
      registry.connect.mockReturnValueOnce(connected(EXPIRING)).mockReturnValueOnce(fresh);
      crm.lock.mockResolvedValueOnce(locked);

      await expect(sessions.ready(connectionRow())).resolves.toBe(fresh);

      expect(crm.lock).toHaveBeenCalledWith(fakeTx, CRM_ID);
      expect(registry.connect).toHaveBeenLastCalledWith(locked);
      expect(adapter.oauth.refresh).not.toHaveBeenCalled();
      expect(registry.seal).not.toHaveBeenCalled();
      expect(crm.updateSealed).not.toHaveBeenCalled();
    });

    it('marks the connection as needing authorization again when the CRM refuses the refresh token', async () => {
      registry.connect.mockReturnValueOnce(connected(EXPIRING)).mockReturnValueOnce(connected(EXPIRING));
      crm.lock.mockResolvedValueOnce(connectionRow());
      adapter.oauth.refresh.mockRejectedValueOnce(
        new CrmError('invalid_credentials', 'Refresh token revoked', undefined, 400),
      );
      crm.setStatus.mockResolvedValueOnce(undefined);

      const err = await sessions.ready(connectionRow()).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(CrmError);
      expect(err).toMatchObject({ code: 'invalid_credentials', retryable: false });
      const message = (err as CrmError).message;
      expect(message).toContain('authorize Onebox in the CRM again');
      expect(message).toContain('Refresh token revoked');
      expect(crm.setStatus).toHaveBeenCalledWith(CRM_ID, 'error', message);
      expect(registry.seal).not.toHaveBeenCalled();
      expect(crm.updateSealed).not.toHaveBeenCalled();
    });

    it.each([
      ['a temporary CRM error', new CrmError('temporary', 'HTTP 503')],
      ['a rate limit', new CrmError('rate_limited', 'Too many requests', 1000)],
      ['a network error', new Error('ECONNRESET')],
    ])('lets %s through unchanged and keeps the connection’s status', async (_, error) => {
      registry.connect.mockReturnValueOnce(connected(EXPIRING)).mockReturnValueOnce(connected(EXPIRING));
      crm.lock.mockResolvedValueOnce(connectionRow());
      adapter.oauth.refresh.mockRejectedValueOnce(error);

      await expect(sessions.ready(connectionRow())).rejects.toBe(error);

      expect(crm.updateSealed).not.toHaveBeenCalled();
      expect(crm.setStatus).not.toHaveBeenCalled();
    });

    it('lets a failure to store the new tokens through unchanged and keeps the connection’s status', async () => {
      const error = new Error('database is down');
      registry.connect.mockReturnValueOnce(connected(EXPIRING)).mockReturnValueOnce(connected(EXPIRING));
      crm.lock.mockResolvedValueOnce(connectionRow());
      adapter.oauth.refresh.mockResolvedValueOnce(tokens('acc-2', 60 * MINUTE));
      registry.seal.mockReturnValueOnce('sealed-2');
      crm.updateSealed.mockRejectedValueOnce(error);

      await expect(sessions.ready(connectionRow())).rejects.toBe(error);

      expect(crm.setStatus).not.toHaveBeenCalled();
    });

    it('answers not_found when the connection was removed meanwhile, and refreshes nothing', async () => {
      registry.connect.mockReturnValueOnce(connected(EXPIRING));
      crm.lock.mockResolvedValueOnce(null);

      const err = await sessions.ready(connectionRow()).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(CrmError);
      expect(err).toMatchObject({ code: 'not_found' });
      expect(registry.connect).toHaveBeenCalledTimes(1);
      expect(adapter.oauth.refresh).not.toHaveBeenCalled();
      expect(crm.setStatus).not.toHaveBeenCalled();
    });
  });
});
