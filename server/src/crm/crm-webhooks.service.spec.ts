import { CrmError, type CrmAdapter } from '@onebox/crm';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { ApiException } from '../common/api.exception';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { CrmRegistry } from './crm-registry.service';
import { CrmWebhooksService } from './crm-webhooks.service';
import { CRM_MAX_ATTEMPTS } from './crm.constants';
import { CrmRepository, type CrmConnectionRow } from './crm.repository';

const WS = 'ws-1';
const CRM_ID = 'crm-1';
const SETTINGS = { baseUrl: 'https://acme.amocrm.ru', accessToken: 'tok-1', webhookSecret: 'hook-secret' };
const CTX = { timeoutMs: 15_000 };

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

const connectionRow = (o: Partial<CrmConnectionRow> = {}): CrmConnectionRow =>
  rows.crmConnectionRow({ settings: {}, ...o });

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

describe(CrmWebhooksService.name, () => {
  const fakeTx = {} as Db;
  const body = Buffer.from('leads%5Bstatus%5D%5B0%5D%5Bid%5D=9001');
  const request = {
    pathSecret: 'hook-secret',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    rawBody: body,
  };
  let crm: ReturnType<typeof strictMock<CrmRepository>>;
  let registry: ReturnType<typeof strictMock<CrmRegistry>>;
  let jobs: ReturnType<typeof strictMock<JobsRepository>>;
  let worker: ReturnType<typeof strictMock<JobWorkerService>>;
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let adapter: jest.Mocked<CrmAdapter>;
  let service: CrmWebhooksService;

  beforeEach(() => {
    crm = strictMock(CrmRepository);
    registry = strictMock(CrmRegistry);
    jobs = strictMock(JobsRepository);
    worker = strictMock(JobWorkerService);
    tx = strictMock(TransactionService);
    adapter = fakeAdapter();
    tx.run.mockImplementation((work) => work(fakeTx));
    service = new CrmWebhooksService(
      crm as unknown as CrmRepository,
      registry as unknown as CrmRegistry,
      jobs as unknown as JobsRepository,
      worker as unknown as JobWorkerService,
      tx as unknown as TransactionService,
    );
  });

  function stubConnection(row = connectionRow()): void {
    crm.findById.mockResolvedValueOnce(row);
    registry.connect.mockReturnValueOnce({ adapter, settings: SETTINGS, ctx: CTX });
  }

  it('enqueues one sync-deal job per distinct deal in one transaction, then nudges the worker', async () => {
    const row = connectionRow();
    stubConnection(row);
    adapter.parseWebhook.mockReturnValueOnce([
      { dealId: '9001', kind: 'status', stageId: 's-2' },
      { dealId: '9002', kind: 'added' },
      { dealId: '9001', kind: 'responsible', responsibleUserId: '77' },
    ]);
    jobs.enqueueOnce.mockResolvedValue(true);
    worker.nudge.mockReturnValueOnce(undefined);

    await expect(service.receive('amocrm', CRM_ID, request)).resolves.toEqual({ ok: true });

    expect(crm.findById).toHaveBeenCalledWith(CRM_ID);
    expect(registry.connect).toHaveBeenCalledWith(row);
    expect(adapter.parseWebhook).toHaveBeenCalledWith(SETTINGS, request);
    expect(tx.run).toHaveBeenCalledTimes(1);
    expect(jobs.enqueueOnce).toHaveBeenCalledTimes(2);
    for (const [n, externalId] of [
      [1, '9001'],
      [2, '9002'],
    ] as const) {
      expect(jobs.enqueueOnce).toHaveBeenNthCalledWith(n, fakeTx, {
        workspaceId: WS,
        queue: 'crm',
        payload: { action: 'sync-deal', connectionId: CRM_ID, externalId },
        maxAttempts: CRM_MAX_ATTEMPTS,
      });
    }
    expect(worker.nudge).toHaveBeenCalledTimes(1);
  });

  it('passes an empty body to the adapter when the raw body is not a buffer', async () => {
    stubConnection(connectionRow({ type: 'bitrix24' }));
    adapter.parseWebhook.mockReturnValueOnce([]);

    await service.receive('bitrix24', CRM_ID, { headers: {}, rawBody: { parsed: true } });

    expect(adapter.parseWebhook).toHaveBeenCalledWith(SETTINGS, {
      pathSecret: undefined,
      headers: {},
      rawBody: Buffer.alloc(0),
    });
  });

  it('enqueues nothing and does not nudge when the webhook names no deal', async () => {
    stubConnection();
    adapter.parseWebhook.mockReturnValueOnce([]);

    await expect(service.receive('amocrm', CRM_ID, request)).resolves.toEqual({ ok: true });

    expect(tx.run).not.toHaveBeenCalled();
    expect(jobs.enqueueOnce).not.toHaveBeenCalled();
    expect(worker.nudge).not.toHaveBeenCalled();
  });

  it('answers 404 for an unknown connection', async () => {
    crm.findById.mockResolvedValueOnce(null);

    expectApiError(await rejectionOf(service.receive('amocrm', CRM_ID, request)), 404, 'not_found');
    expect(registry.connect).not.toHaveBeenCalled();
  });

  it('answers 404 when the connection is of another CRM type', async () => {
    crm.findById.mockResolvedValueOnce(connectionRow({ type: 'bitrix24' }));

    expectApiError(await rejectionOf(service.receive('amocrm', CRM_ID, request)), 404, 'not_found');
    expect(registry.connect).not.toHaveBeenCalled();
  });

  it('answers 401 invalid_signature for a forged request and enqueues nothing', async () => {
    stubConnection();
    adapter.parseWebhook.mockImplementationOnce(() => {
      throw new CrmError('invalid_credentials', 'secret mismatch');
    });

    expectApiError(await rejectionOf(service.receive('amocrm', CRM_ID, request)), 401, 'invalid_signature');
    expect(tx.run).not.toHaveBeenCalled();
    expect(jobs.enqueueOnce).not.toHaveBeenCalled();
    expect(worker.nudge).not.toHaveBeenCalled();
  });

  it.each([
    ['another CRM error', new CrmError('validation', 'no leads key')],
    ['a plain error', new SyntaxError('Unexpected token')],
  ])('answers 400 malformed_webhook for %s and enqueues nothing', async (_, error) => {
    stubConnection();
    adapter.parseWebhook.mockImplementationOnce(() => {
      throw error;
    });

    const err = await rejectionOf(service.receive('amocrm', CRM_ID, request));

    expectApiError(err, 400, 'malformed_webhook');
    expect(err.message).toContain(error.message);
    expect(jobs.enqueueOnce).not.toHaveBeenCalled();
  });
});
