import type { DealDto } from '@onebox/contracts';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { ConversationsRepository, type ConversationListRow } from '../conversations/conversations.repository';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { CRM_MAX_ATTEMPTS } from './crm.constants';
import { CrmRepository, type CrmConnectionRow } from './crm.repository';
import { DealPublisher } from './deal-publisher.service';
import { DealsRepository, type DealRow } from './deals.repository';
import { DealsService } from './deals.service';

const WS = 'ws-1';
const CONVERSATION_ID = '0b7c1f0e-3a51-4d7e-9a59-6f3c1b2d4e01';
const CRM_ID = 'crm-1';

const manager: AuthUser = {
  id: 'u-manager',
  workspaceId: WS,
  role: 'manager',
  name: 'Mia Manager',
  email: 'mia@example.com',
};
const head: AuthUser = { id: 'u-head', workspaceId: WS, role: 'head', name: 'Hal Head', email: 'hal@example.com' };

const conversationRow = (o: Partial<ConversationListRow> = {}): ConversationListRow =>
  rows.listRow({
    id: CONVERSATION_ID,
    cycle: 3,
    last_message_text: 'Hi',
    unread_count: 0,
    channel_type: 'telegram',
    channel_name: 'Telegram bot',
    ...o,
  });

const connectionRow = (): CrmConnectionRow =>
  rows.crmConnectionRow({
    settings: { pipelineId: 'p-main', stageId: 's-lead', autoCreateDeal: true, channelIds: null, userMap: {} },
  });

const dealRow = (o: Partial<DealRow> = {}): DealRow =>
  rows.dealRow({ conversation_id: CONVERSATION_ID, cycle: 3, origin: 'manual', ...o });

/** What the publisher would build; its content is the publisher's business, tested there. */
function dealDto(id = 'deal-1'): DealDto {
  return { id } as DealDto;
}

async function rejectionOf(promise: Promise<unknown>): Promise<ApiException> {
  return promise.then(
    () => {
      throw new Error('Expected the call to be rejected');
    },
    (err: unknown) => err as ApiException,
  );
}

function expectApiError(err: ApiException, status: number, code: string, field?: string): void {
  expect(err).toBeInstanceOf(ApiException);
  expect(err.getStatus()).toBe(status);
  expect(err.code).toBe(code);
  if (field) expect(err.details).toEqual([{ field, message: expect.any(String) }]);
}

describe(DealsService.name, () => {
  const fakeTx = {} as Db;
  let conversations: ReturnType<typeof strictMock<ConversationsRepository>>;
  let deals: ReturnType<typeof strictMock<DealsRepository>>;
  let crm: ReturnType<typeof strictMock<CrmRepository>>;
  let jobs: ReturnType<typeof strictMock<JobsRepository>>;
  let worker: ReturnType<typeof strictMock<JobWorkerService>>;
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let publisher: ReturnType<typeof strictMock<DealPublisher>>;
  let service: DealsService;
  /** Whether the code runs inside `tx.run` right now. */
  let inTransaction: boolean;

  beforeEach(() => {
    conversations = strictMock(ConversationsRepository);
    deals = strictMock(DealsRepository);
    crm = strictMock(CrmRepository);
    jobs = strictMock(JobsRepository);
    worker = strictMock(JobWorkerService);
    tx = strictMock(TransactionService);
    publisher = strictMock(DealPublisher);
    inTransaction = false;
    tx.run.mockImplementation(async (work) => {
      inTransaction = true;
      try {
        return await work(fakeTx);
      } finally {
        inTransaction = false;
      }
    });
    service = new DealsService(
      conversations as unknown as ConversationsRepository,
      deals as unknown as DealsRepository,
      crm as unknown as CrmRepository,
      jobs as unknown as JobsRepository,
      worker as unknown as JobWorkerService,
      tx as unknown as TransactionService,
      publisher as unknown as DealPublisher,
    );
  });

  describe('get', () => {
    it('answers the conversation’s latest deal as the publisher maps it', async () => {
      const deal = dealRow();
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      deals.latestForConversation.mockResolvedValueOnce(deal);
      publisher.dto.mockResolvedValueOnce(dealDto());

      await expect(service.get(manager, CONVERSATION_ID)).resolves.toEqual(dealDto());

      expect(conversations.findVisible).toHaveBeenCalledWith(
        { workspaceId: WS, restrictToUserId: manager.id },
        CONVERSATION_ID,
      );
      expect(deals.latestForConversation).toHaveBeenCalledWith(WS, CONVERSATION_ID);
      expect(publisher.dto).toHaveBeenCalledWith(deal);
    });

    it('answers null when the conversation has no deal', async () => {
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      deals.latestForConversation.mockResolvedValueOnce(null);

      await expect(service.get(head, CONVERSATION_ID)).resolves.toBeNull();
      expect(conversations.findVisible).toHaveBeenCalledWith(
        { workspaceId: WS, restrictToUserId: null },
        CONVERSATION_ID,
      );
    });

    it('answers 404 for a conversation the user cannot see', async () => {
      conversations.findVisible.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.get(manager, CONVERSATION_ID)), 404, 'not_found');
      expect(deals.latestForConversation).not.toHaveBeenCalled();
    });
  });

  describe('create', () => {
    it('stores a pending manual deal and its create-deal job in one transaction, then nudges and publishes', async () => {
      const deal = dealRow();
      const calls: string[] = [];
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(connectionRow());
      deals.insertPending.mockImplementationOnce(async () => {
        calls.push(`insert:${inTransaction}`);
        return deal;
      });
      jobs.enqueue.mockImplementationOnce(async () => {
        calls.push(`enqueue:${inTransaction}`);
      });
      worker.nudge.mockImplementationOnce(() => {
        calls.push(`nudge:${inTransaction}`);
      });
      publisher.changed.mockResolvedValueOnce(undefined);
      publisher.dto.mockResolvedValueOnce(dealDto());

      await expect(service.create(manager, CONVERSATION_ID, {})).resolves.toEqual(dealDto());

      expect(crm.findActive).toHaveBeenCalledWith(WS);
      expect(deals.insertPending).toHaveBeenCalledWith(
        {
          workspace_id: WS,
          crm_connection_id: CRM_ID,
          conversation_id: CONVERSATION_ID,
          cycle: 3,
          origin: 'manual',
          title: 'Carl Customer — Telegram bot',
          external_id: null,
        },
        fakeTx,
      );
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: WS,
        queue: 'crm',
        payload: { action: 'create-deal', dealId: 'deal-1' },
        maxAttempts: CRM_MAX_ATTEMPTS,
      });
      expect(calls).toEqual(['insert:true', 'enqueue:true', 'nudge:false']);
      expect(publisher.changed).toHaveBeenCalledWith(deal);
      expect(publisher.dto).toHaveBeenCalledWith(deal);
    });

    it('links an existing CRM deal by id with a link-deal job, keeping a given title (trimmed)', async () => {
      const deal = dealRow({ origin: 'linked', external_id: '9001', title: 'Sofa order' });
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(connectionRow());
      deals.insertPending.mockResolvedValueOnce(deal);
      jobs.enqueue.mockResolvedValueOnce(undefined);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.changed.mockResolvedValueOnce(undefined);
      publisher.dto.mockResolvedValueOnce(dealDto());

      await service.create(manager, CONVERSATION_ID, { externalId: '9001', title: '  Sofa order ' });

      expect(deals.insertPending).toHaveBeenCalledWith(
        expect.objectContaining({ origin: 'linked', external_id: '9001', title: 'Sofa order' }),
        fakeTx,
      );
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: WS,
        queue: 'crm',
        payload: { action: 'link-deal', dealId: 'deal-1' },
        maxAttempts: CRM_MAX_ATTEMPTS,
      });
      expect(worker.nudge).toHaveBeenCalledTimes(1);
    });

    it('answers 409 deal_linked when the CRM deal is already linked, enqueuing nothing', async () => {
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(connectionRow());
      deals.insertPending.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.create(manager, CONVERSATION_ID, { externalId: '9001' }));

      expectApiError(err, 409, 'deal_linked', 'externalId');
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.changed).not.toHaveBeenCalled();
    });

    it('answers 409 no_crm when the workspace has no CRM connected', async () => {
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.create(manager, CONVERSATION_ID, {})), 409, 'no_crm');
      expect(tx.run).not.toHaveBeenCalled();
    });

    it('answers 404 for a conversation the user cannot see', async () => {
      conversations.findVisible.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.create(manager, CONVERSATION_ID, {})), 404, 'not_found');
      expect(crm.findActive).not.toHaveBeenCalled();
    });

    it('neither nudges nor publishes when the job cannot be enqueued', async () => {
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(connectionRow());
      deals.insertPending.mockResolvedValueOnce(dealRow());
      jobs.enqueue.mockRejectedValueOnce(new Error('connection lost'));

      await expect(service.create(manager, CONVERSATION_ID, {})).rejects.toThrow('connection lost');
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.changed).not.toHaveBeenCalled();
    });
  });

  describe('update', () => {
    it('enqueues an update-deal job, marks the deal pending, nudges and publishes it pending', async () => {
      const deal = dealRow({ external_id: '9001', sync_state: 'failed', sync_error: 'HTTP 500' });
      const pending = { ...deal, sync_state: 'pending' as const, sync_error: null };
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(connectionRow());
      deals.latestForConversation.mockResolvedValueOnce(deal);
      const enqueuedInTransaction: boolean[] = [];
      jobs.enqueue.mockImplementationOnce(async () => {
        enqueuedInTransaction.push(inTransaction);
      });
      deals.markPending.mockResolvedValueOnce(undefined);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.changed.mockResolvedValueOnce(undefined);
      publisher.dto.mockResolvedValueOnce(dealDto());

      await expect(
        service.update(manager, CONVERSATION_ID, { stageId: 's-offer', amount: '15000.00', currency: 'RUB' }),
      ).resolves.toEqual(dealDto());

      expect(deals.latestForConversation).toHaveBeenCalledWith(WS, CONVERSATION_ID);
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: WS,
        queue: 'crm',
        payload: { action: 'update-deal', dealId: 'deal-1', stageId: 's-offer', amount: '15000.00', currency: 'RUB' },
        maxAttempts: CRM_MAX_ATTEMPTS,
      });
      expect(enqueuedInTransaction).toEqual([true]);
      expect(deals.markPending).toHaveBeenCalledWith('deal-1', fakeTx);
      expect(worker.nudge).toHaveBeenCalledTimes(1);
      expect(publisher.changed).toHaveBeenCalledWith(pending);
      expect(publisher.dto).toHaveBeenCalledWith(pending);
    });

    it('marks the deal pending in the same transaction as its update-deal job, before enqueuing it', async () => {
      const calls: string[] = [];
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(connectionRow());
      deals.latestForConversation.mockResolvedValueOnce(dealRow({ external_id: '9001' }));
      deals.markPending.mockImplementationOnce(async () => {
        calls.push(`markPending:${inTransaction}`);
      });
      jobs.enqueue.mockImplementationOnce(async () => {
        calls.push(`enqueue:${inTransaction}`);
      });
      worker.nudge.mockImplementationOnce(() => {
        calls.push(`nudge:${inTransaction}`);
      });
      publisher.changed.mockImplementationOnce(async () => {
        calls.push(`publish:${inTransaction}`);
      });
      publisher.dto.mockResolvedValueOnce(dealDto());

      await service.update(manager, CONVERSATION_ID, { stageId: 's-offer' });

      expect(deals.markPending).toHaveBeenCalledWith('deal-1', fakeTx);
      expect(calls).toEqual(['markPending:true', 'enqueue:true', 'nudge:false', 'publish:false']);
    });

    it('neither nudges nor publishes when the transaction fails', async () => {
      const error = new Error('database is down');
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(connectionRow());
      deals.latestForConversation.mockResolvedValueOnce(dealRow({ external_id: '9001' }));
      deals.markPending.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockRejectedValueOnce(error);

      await expect(service.update(manager, CONVERSATION_ID, { stageId: 's-offer' })).rejects.toBe(error);

      expect(deals.markPending).toHaveBeenCalledWith('deal-1', fakeTx);
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.changed).not.toHaveBeenCalled();
    });

    it('accepts an amount alone', async () => {
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(connectionRow());
      deals.latestForConversation.mockResolvedValueOnce(dealRow());
      jobs.enqueue.mockResolvedValueOnce(undefined);
      deals.markPending.mockResolvedValueOnce(undefined);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.changed.mockResolvedValueOnce(undefined);
      publisher.dto.mockResolvedValueOnce(dealDto());

      await service.update(manager, CONVERSATION_ID, { amount: '99' });

      expect(jobs.enqueue).toHaveBeenCalledWith(
        fakeTx,
        expect.objectContaining({ payload: expect.objectContaining({ action: 'update-deal', amount: '99' }) }),
      );
    });

    it('answers 400 when neither a stage nor an amount is given', async () => {
      conversations.findVisible.mockResolvedValueOnce(conversationRow());

      expectApiError(
        await rejectionOf(service.update(manager, CONVERSATION_ID, { currency: 'RUB' })),
        400,
        'validation_failed',
        'stageId',
      );
      expect(crm.findActive).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
    });

    it('answers 404 when the conversation has no deal', async () => {
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(connectionRow());
      deals.latestForConversation.mockResolvedValueOnce(null);

      expectApiError(
        await rejectionOf(service.update(manager, CONVERSATION_ID, { stageId: 's-offer' })),
        404,
        'not_found',
      );
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(deals.markPending).not.toHaveBeenCalled();
    });

    it('answers 409 no_crm when the workspace has no CRM connected', async () => {
      conversations.findVisible.mockResolvedValueOnce(conversationRow());
      crm.findActive.mockResolvedValueOnce(null);

      expectApiError(
        await rejectionOf(service.update(manager, CONVERSATION_ID, { stageId: 's-offer' })),
        409,
        'no_crm',
      );
      expect(deals.latestForConversation).not.toHaveBeenCalled();
    });

    it('answers 404 for a conversation the user cannot see', async () => {
      conversations.findVisible.mockResolvedValueOnce(null);

      expectApiError(
        await rejectionOf(service.update(manager, CONVERSATION_ID, { stageId: 's-offer' })),
        404,
        'not_found',
      );
      expect(jobs.enqueue).not.toHaveBeenCalled();
    });
  });
});
