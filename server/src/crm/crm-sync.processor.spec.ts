import { CrmError, type CrmAdapter, type CrmDeal } from '@onebox/crm';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { RateGate } from '../common/rate-gate';
import { ContactsRepository, type ContactRow } from '../contacts/contacts.repository';
import { ConversationsRepository, type ConversationListRow } from '../conversations/conversations.repository';
import { MessagesRepository, type MessageRow } from '../conversations/messages.repository';
import { JobError } from '../jobs/job-processor';
import type { JobRow } from '../jobs/jobs.repository';
import { CrmCatalog } from './crm-catalog.service';
import { CrmSessions } from './crm-sessions.service';
import { CrmSyncProcessor } from './crm-sync.processor';
import type { CrmJob } from './crm.constants';
import { CrmRepository, type CrmConnectionRow } from './crm.repository';
import { DealPublisher } from './deal-publisher.service';
import { DealsRepository, type DealRow } from './deals.repository';

const WS = 'ws-1';
const CRM_ID = 'crm-1';
const CONVERSATION_ID = 'cv-1';
const CHANNEL_ID = 'ch-1';
const AT = new Date('2024-11-21T10:00:00.000Z');
const CRM_UPDATED_AT = new Date('2024-11-21T10:30:00.000Z');
const SETTINGS = { baseUrl: 'https://acme.amocrm.ru', accessToken: 'tok-1', webhookSecret: 'hook-secret' };
const CTX = { timeoutMs: 15_000 };

function unexpected(name: string): jest.Mock {
  return jest.fn((...args: unknown[]) => {
    throw new Error(`Unexpected call: adapter.${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
  });
}

/** A hand-made adapter with a high rate so that the processor's RateGate never makes a test wait. */
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

const connectionRow = (settings: Partial<CrmConnectionRow['settings']> = {}): CrmConnectionRow =>
  rows.crmConnectionRow({ settings: rows.crmSettings({ userMap: { 'u-agent': '77' }, ...settings }) });

const conversationRow = (o: Partial<ConversationListRow> = {}): ConversationListRow =>
  rows.listRow({
    assignee_id: 'u-agent',
    cycle: 3,
    last_message_text: 'Hi',
    channel_type: 'telegram',
    channel_name: 'Telegram bot',
    assignee_name: 'Mia Manager',
    ...o,
  });

const contactRow = (o: Partial<ContactRow> = {}): ContactRow =>
  rows.contactRow({ email: 'carl@example.com', phone: '+79990001122', ...o });

const dealRow = (o: Partial<DealRow> = {}): DealRow => rows.dealRow({ cycle: 3, ...o });

function crmDeal(overrides: Partial<CrmDeal> = {}): CrmDeal {
  return {
    id: '9001',
    title: 'Carl Customer — Telegram bot',
    pipelineId: 'p-main',
    stageId: 's-lead',
    semantic: 'open',
    amount: '15000.00',
    currency: 'RUB',
    responsibleUserId: '77',
    closedAt: null,
    updatedAt: CRM_UPDATED_AT,
    ...overrides,
  };
}

const messageRow = (o: Partial<MessageRow> = {}): MessageRow => rows.messageRow({ cycle: 3, ...o });

const job = (payload: CrmJob, workspaceId: string | null = WS): JobRow =>
  rows.jobRow({
    workspace_id: workspaceId,
    queue: 'crm',
    payload: payload as unknown as Record<string, unknown>,
    max_attempts: 40,
  });

/** What the processor stores for `crmDeal()` read back. */
const STORED_STATE = {
  pipelineId: 'p-main',
  stageId: 's-lead',
  stageName: 'Lead',
  semantic: 'open',
  amount: '15000.00',
  currency: 'RUB',
  responsibleExternalId: '77',
  closedAt: null,
};

describe(CrmSyncProcessor.name, () => {
  let crm: ReturnType<typeof strictMock<CrmRepository>>;
  let deals: ReturnType<typeof strictMock<DealsRepository>>;
  let sessions: ReturnType<typeof strictMock<CrmSessions>>;
  let catalog: ReturnType<typeof strictMock<CrmCatalog>>;
  let conversations: ReturnType<typeof strictMock<ConversationsRepository>>;
  let contacts: ReturnType<typeof strictMock<ContactsRepository>>;
  let messages: ReturnType<typeof strictMock<MessagesRepository>>;
  let publisher: ReturnType<typeof strictMock<DealPublisher>>;
  let adapter: jest.Mocked<CrmAdapter>;
  let processor: CrmSyncProcessor;

  beforeEach(() => {
    crm = strictMock(CrmRepository);
    deals = strictMock(DealsRepository);
    sessions = strictMock(CrmSessions);
    catalog = strictMock(CrmCatalog);
    conversations = strictMock(ConversationsRepository);
    contacts = strictMock(ContactsRepository);
    messages = strictMock(MessagesRepository);
    publisher = strictMock(DealPublisher);
    adapter = fakeAdapter();
    processor = new CrmSyncProcessor(
      crm as unknown as CrmRepository,
      deals as unknown as DealsRepository,
      sessions as unknown as CrmSessions,
      catalog as unknown as CrmCatalog,
      conversations as unknown as ConversationsRepository,
      contacts as unknown as ContactsRepository,
      messages as unknown as MessagesRepository,
      publisher as unknown as DealPublisher,
      new RateGate(),
    );
  });

  function stubConnect(): void {
    sessions.ready.mockResolvedValueOnce({ adapter, settings: SETTINGS, ctx: CTX });
  }

  /** The deal read back from the CRM and stored: stage name from the catalog, sync recorded, published. */
  function stubReadBack(
    updated: DealRow | null = dealRow({ external_id: '9001', sync_state: 'synced' }),
    state = crmDeal(),
  ): void {
    adapter.getDeal.mockResolvedValueOnce(state);
    catalog.stageName.mockResolvedValueOnce('Lead');
    deals.applyState.mockResolvedValueOnce(updated);
    crm.recordSync.mockResolvedValueOnce(undefined);
    if (updated) publisher.changed.mockResolvedValueOnce(undefined);
  }

  function expectReadBack(connection: CrmConnectionRow, dealId: string, updated: DealRow | null): void {
    expect(adapter.getDeal).toHaveBeenCalledWith(SETTINGS, '9001', CTX);
    expect(catalog.stageName).toHaveBeenCalledWith(connection, 's-lead');
    expect(deals.applyState).toHaveBeenCalledWith(dealId, STORED_STATE, CRM_UPDATED_AT);
    expect(crm.recordSync).toHaveBeenCalledWith(CRM_ID, null);
    if (updated) expect(publisher.changed).toHaveBeenLastCalledWith(updated);
  }

  it('serves the crm queue', () => {
    expect(processor.queue).toBe('crm');
  });

  describe('cycle-started', () => {
    const cycleStarted = job({ action: 'cycle-started', conversationId: CONVERSATION_ID, cycle: 3 });

    it('creates the contact and an automatic deal in the CRM, then stores what the CRM answers', async () => {
      const connection = connectionRow();
      const deal = dealRow();
      const updated = dealRow({ external_id: '9001', stage_id: 's-lead', stage_name: 'Lead', sync_state: 'synced' });
      crm.findActive.mockResolvedValueOnce(connection);
      conversations.findById.mockResolvedValueOnce(conversationRow());
      deals.insertPending.mockResolvedValueOnce(deal);
      publisher.changed.mockResolvedValueOnce(undefined);
      stubConnect();
      contacts.findInWorkspace.mockResolvedValueOnce(contactRow());
      crm.findContactLink.mockResolvedValueOnce(null);
      adapter.findOrCreateContact.mockResolvedValueOnce({ id: 'c-500', created: true });
      crm.linkContact.mockResolvedValueOnce(undefined);
      adapter.createDeal.mockResolvedValueOnce({ id: '9001' });
      deals.setExternalId.mockResolvedValueOnce(undefined);
      stubReadBack(updated);

      await processor.process(cycleStarted);

      expect(crm.findActive).toHaveBeenCalledWith(WS);
      expect(conversations.findById).toHaveBeenCalledWith(CONVERSATION_ID);
      expect(deals.insertPending).toHaveBeenCalledWith({
        workspace_id: WS,
        crm_connection_id: CRM_ID,
        conversation_id: CONVERSATION_ID,
        cycle: 3,
        origin: 'auto',
        title: 'Carl Customer — Telegram bot',
      });
      expect(publisher.changed).toHaveBeenNthCalledWith(1, deal);
      expect(sessions.ready).toHaveBeenCalledWith(connection);
      expect(contacts.findInWorkspace).toHaveBeenCalledWith(WS, 'ct-1');
      expect(crm.findContactLink).toHaveBeenCalledWith(CRM_ID, 'ct-1');
      expect(adapter.findOrCreateContact).toHaveBeenCalledWith(
        SETTINGS,
        { name: 'Carl Customer', phone: '+79990001122', email: 'carl@example.com', responsibleUserId: '77' },
        CTX,
      );
      expect(crm.linkContact).toHaveBeenCalledWith(WS, CRM_ID, 'ct-1', 'c-500');
      expect(adapter.createDeal).toHaveBeenCalledWith(
        SETTINGS,
        {
          title: 'Carl Customer — Telegram bot',
          contactId: 'c-500',
          pipelineId: 'p-main',
          stageId: 's-lead',
          responsibleUserId: '77',
          source: 'telegram',
        },
        CTX,
      );
      expect(deals.setExternalId).toHaveBeenCalledWith('deal-1', '9001');
      expectReadBack(connection, 'deal-1', updated);
      expect(publisher.changed).toHaveBeenCalledTimes(2);
    });

    it('reuses a known contact link, and leaves the responsible user out when the assignee is not mapped', async () => {
      const connection = connectionRow({ pipelineId: null, stageId: null, userMap: {} });
      crm.findActive.mockResolvedValueOnce(connection);
      conversations.findById.mockResolvedValueOnce(conversationRow());
      deals.insertPending.mockResolvedValueOnce(dealRow());
      publisher.changed.mockResolvedValueOnce(undefined);
      stubConnect();
      contacts.findInWorkspace.mockResolvedValueOnce(contactRow());
      crm.findContactLink.mockResolvedValueOnce('c-500');
      adapter.createDeal.mockResolvedValueOnce({ id: '9001' });
      deals.setExternalId.mockResolvedValueOnce(undefined);
      stubReadBack();

      await processor.process(cycleStarted);

      expect(adapter.findOrCreateContact).not.toHaveBeenCalled();
      expect(crm.linkContact).not.toHaveBeenCalled();
      expect(adapter.createDeal).toHaveBeenCalledWith(
        SETTINGS,
        { title: 'Carl Customer — Telegram bot', contactId: 'c-500', source: 'telegram' },
        CTX,
      );
    });

    it('on a second run finds the existing automatic deal and finishes creating it', async () => {
      const existing = dealRow();
      crm.findActive.mockResolvedValueOnce(connectionRow());
      conversations.findById.mockResolvedValueOnce(conversationRow());
      deals.insertPending.mockResolvedValueOnce(null);
      deals.findAutoForCycle.mockResolvedValueOnce(existing);
      publisher.changed.mockResolvedValueOnce(undefined);
      stubConnect();
      contacts.findInWorkspace.mockResolvedValueOnce(contactRow());
      crm.findContactLink.mockResolvedValueOnce('c-500');
      adapter.createDeal.mockResolvedValueOnce({ id: '9001' });
      deals.setExternalId.mockResolvedValueOnce(undefined);
      stubReadBack();

      await processor.process(cycleStarted);

      expect(deals.findAutoForCycle).toHaveBeenCalledWith(CONVERSATION_ID, 3);
      expect(adapter.createDeal).toHaveBeenCalledTimes(1);
      expect(deals.setExternalId).toHaveBeenCalledWith('deal-1', '9001');
    });

    it('does nothing more when the existing automatic deal is already in the CRM', async () => {
      crm.findActive.mockResolvedValueOnce(connectionRow());
      conversations.findById.mockResolvedValueOnce(conversationRow());
      deals.insertPending.mockResolvedValueOnce(null);
      deals.findAutoForCycle.mockResolvedValueOnce(dealRow({ external_id: '9001', sync_state: 'synced' }));

      await processor.process(cycleStarted);

      expect(publisher.changed).not.toHaveBeenCalled();
      expect(sessions.ready).not.toHaveBeenCalled();
      expect(adapter.createDeal).not.toHaveBeenCalled();
    });

    it('does nothing without a CRM connection', async () => {
      crm.findActive.mockResolvedValueOnce(null);

      await processor.process(cycleStarted);

      expect(conversations.findById).not.toHaveBeenCalled();
      expect(deals.insertPending).not.toHaveBeenCalled();
    });

    it('does nothing when automatic deals are switched off', async () => {
      crm.findActive.mockResolvedValueOnce(connectionRow({ autoCreateDeal: false }));

      await processor.process(cycleStarted);

      expect(conversations.findById).not.toHaveBeenCalled();
      expect(deals.insertPending).not.toHaveBeenCalled();
    });

    it('does nothing for a channel outside the connection’s channels', async () => {
      crm.findActive.mockResolvedValueOnce(connectionRow({ channelIds: ['ch-other'] }));
      conversations.findById.mockResolvedValueOnce(conversationRow());

      await processor.process(cycleStarted);

      expect(deals.insertPending).not.toHaveBeenCalled();
    });

    it('creates the deal for a channel listed in the connection’s channels', async () => {
      crm.findActive.mockResolvedValueOnce(connectionRow({ channelIds: ['ch-other', CHANNEL_ID] }));
      conversations.findById.mockResolvedValueOnce(conversationRow());
      deals.insertPending.mockResolvedValueOnce(dealRow({ external_id: '9001' }));

      await processor.process(cycleStarted);

      expect(deals.insertPending).toHaveBeenCalledTimes(1);
    });

    it('does nothing for a job without a workspace or a conversation that is gone', async () => {
      await processor.process(job({ action: 'cycle-started', conversationId: CONVERSATION_ID, cycle: 3 }, null));
      expect(crm.findActive).not.toHaveBeenCalled();

      crm.findActive.mockResolvedValueOnce(connectionRow());
      conversations.findById.mockResolvedValueOnce(null);
      await processor.process(cycleStarted);
      expect(deals.insertPending).not.toHaveBeenCalled();
    });

    it('marks the automatic deal failed and publishes it when its cycle-started job is given up', async () => {
      const failed = dealRow({ sync_state: 'failed', sync_error: 'Token expired' });
      deals.findAutoForCycle.mockResolvedValueOnce(dealRow());
      deals.markFailed.mockResolvedValueOnce(undefined);
      deals.findById.mockResolvedValueOnce(failed);
      publisher.changed.mockResolvedValueOnce(undefined);
      crm.findActive.mockResolvedValueOnce(connectionRow());
      crm.recordSync.mockResolvedValueOnce(undefined);

      await processor.onGiveUp(cycleStarted, new JobError('Token expired', false));

      expect(deals.findAutoForCycle).toHaveBeenCalledWith(CONVERSATION_ID, 3);
      expect(deals.markFailed).toHaveBeenCalledWith('deal-1', 'Token expired');
      expect(deals.findById).toHaveBeenCalledWith('deal-1');
      expect(publisher.changed).toHaveBeenCalledWith(failed);
      expect(crm.findActive).toHaveBeenCalledWith(WS);
      expect(crm.recordSync).toHaveBeenCalledWith(CRM_ID, 'Token expired');
    });

    it('only records the error on the connection when a given-up cycle-started job made no deal', async () => {
      deals.findAutoForCycle.mockResolvedValueOnce(null);
      crm.findActive.mockResolvedValueOnce(connectionRow());
      crm.recordSync.mockResolvedValueOnce(undefined);

      await processor.onGiveUp(cycleStarted, new JobError('HTTP 500', true));

      expect(deals.findAutoForCycle).toHaveBeenCalledWith(CONVERSATION_ID, 3);
      expect(deals.markFailed).not.toHaveBeenCalled();
      expect(publisher.changed).not.toHaveBeenCalled();
      expect(crm.recordSync).toHaveBeenCalledWith(CRM_ID, 'HTTP 500');
    });

    it('gives up, without retrying, when the conversation’s contact no longer exists', async () => {
      crm.findActive.mockResolvedValueOnce(connectionRow());
      conversations.findById.mockResolvedValueOnce(conversationRow());
      deals.insertPending.mockResolvedValueOnce(dealRow());
      publisher.changed.mockResolvedValueOnce(undefined);
      stubConnect();
      contacts.findInWorkspace.mockResolvedValueOnce(null);

      const err = await processor.process(cycleStarted).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({
        message: 'The conversation’s contact no longer exists',
        retryable: false,
        deferred: false,
      });
      expect(crm.findContactLink).not.toHaveBeenCalled();
      expect(adapter.createDeal).not.toHaveBeenCalled();
      expect(deals.setExternalId).not.toHaveBeenCalled();
    });
  });

  describe('create-deal', () => {
    it('creates a manual deal in the CRM for its conversation', async () => {
      const connection = connectionRow();
      const deal = dealRow({ origin: 'manual', title: 'Sofa order' });
      deals.findById.mockResolvedValueOnce(deal);
      crm.findById.mockResolvedValueOnce(connection);
      conversations.findById.mockResolvedValueOnce(conversationRow());
      stubConnect();
      contacts.findInWorkspace.mockResolvedValueOnce(contactRow());
      crm.findContactLink.mockResolvedValueOnce('c-500');
      adapter.createDeal.mockResolvedValueOnce({ id: '9001' });
      deals.setExternalId.mockResolvedValueOnce(undefined);
      stubReadBack();

      await processor.process(job({ action: 'create-deal', dealId: 'deal-1' }));

      expect(deals.findById).toHaveBeenCalledWith('deal-1');
      expect(crm.findById).toHaveBeenCalledWith(CRM_ID);
      expect(adapter.createDeal).toHaveBeenCalledWith(
        SETTINGS,
        expect.objectContaining({ title: 'Sofa order', contactId: 'c-500' }),
        CTX,
      );
      expect(deals.setExternalId).toHaveBeenCalledWith('deal-1', '9001');
    });

    it('does nothing for a deal that is already in the CRM', async () => {
      deals.findById.mockResolvedValueOnce(dealRow({ external_id: '9001' }));

      await processor.process(job({ action: 'create-deal', dealId: 'deal-1' }));

      expect(crm.findById).not.toHaveBeenCalled();
    });
  });

  describe('link-deal', () => {
    it('reads a linked deal from the CRM and stores its state', async () => {
      const connection = connectionRow();
      const updated = dealRow({ origin: 'linked', external_id: '9001', sync_state: 'synced' });
      deals.findById.mockResolvedValueOnce(dealRow({ origin: 'linked', external_id: '9001' }));
      crm.findById.mockResolvedValueOnce(connection);
      stubConnect();
      stubReadBack(updated);

      await processor.process(job({ action: 'link-deal', dealId: 'deal-1' }));

      expectReadBack(connection, 'deal-1', updated);
    });
  });

  describe('update-deal', () => {
    it('writes the stage and amount to the CRM, then reads the deal back', async () => {
      const connection = connectionRow();
      const updated = dealRow({ external_id: '9001', sync_state: 'synced' });
      deals.findById.mockResolvedValueOnce(dealRow({ external_id: '9001' }));
      crm.findById.mockResolvedValueOnce(connection);
      stubConnect();
      adapter.updateDeal.mockResolvedValueOnce(undefined);
      stubReadBack(updated);

      await processor.process(
        job({ action: 'update-deal', dealId: 'deal-1', stageId: 's-offer', amount: '15000.00', currency: 'USD' }),
      );

      expect(adapter.updateDeal).toHaveBeenCalledWith(
        SETTINGS,
        '9001',
        { stageId: 's-offer', amount: { value: '15000.00', currency: 'USD' } },
        CTX,
      );
      expectReadBack(connection, 'deal-1', updated);
    });

    it('takes the currency from the deal, then the connection, then RUB', async () => {
      for (const [dealCurrency, connectionCurrency, expected] of [
        ['EUR', 'USD', 'EUR'],
        [null, 'USD', 'USD'],
        [null, undefined, 'RUB'],
      ] as const) {
        deals.findById.mockResolvedValueOnce(dealRow({ external_id: '9001', currency: dealCurrency }));
        crm.findById.mockResolvedValueOnce(connectionRow({ currency: connectionCurrency }));
        stubConnect();
        adapter.updateDeal.mockResolvedValueOnce(undefined);
        stubReadBack();

        await processor.process(job({ action: 'update-deal', dealId: 'deal-1', amount: '10' }));

        expect(adapter.updateDeal).toHaveBeenLastCalledWith(
          SETTINGS,
          '9001',
          { amount: { value: '10', currency: expected } },
          CTX,
        );
      }
    });

    it('sends no amount when only the stage changes', async () => {
      deals.findById.mockResolvedValueOnce(dealRow({ external_id: '9001' }));
      crm.findById.mockResolvedValueOnce(connectionRow());
      stubConnect();
      adapter.updateDeal.mockResolvedValueOnce(undefined);
      stubReadBack();

      await processor.process(job({ action: 'update-deal', dealId: 'deal-1', stageId: 's-offer' }));

      const [, , change] = adapter.updateDeal.mock.calls[0];
      expect(change).toEqual({ stageId: 's-offer' });
      expect(change.amount).toBeUndefined();
    });

    it('defers, without spending an attempt, while the deal is still being created in the CRM', async () => {
      deals.findById.mockResolvedValueOnce(dealRow({ external_id: null }));
      crm.findById.mockResolvedValueOnce(connectionRow());

      const err = await processor
        .process(job({ action: 'update-deal', dealId: 'deal-1', stageId: 's-offer' }))
        .catch((e: unknown) => e);

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({ deferred: true, retryable: true, retryAfterMs: 2000 });
      expect(sessions.ready).not.toHaveBeenCalled();
      expect(adapter.updateDeal).not.toHaveBeenCalled();
    });

    it('gives up instead of deferring forever when the deal’s creation was given up', async () => {
      deals.findById.mockResolvedValueOnce(
        dealRow({ external_id: null, sync_state: 'failed', sync_error: 'Token expired' }),
      );
      crm.findById.mockResolvedValueOnce(connectionRow());

      const err = await processor
        .process(job({ action: 'update-deal', dealId: 'deal-1', stageId: 's-offer' }))
        .catch((e: unknown) => e);

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({
        message: 'The deal was never created in the CRM: Token expired',
        retryable: false,
        deferred: false,
      });
      expect(sessions.ready).not.toHaveBeenCalled();
      expect(adapter.updateDeal).not.toHaveBeenCalled();
    });

    it('says "failed" when a deal whose creation was given up has no sync error', async () => {
      deals.findById.mockResolvedValueOnce(dealRow({ external_id: null, sync_state: 'failed', sync_error: null }));
      crm.findById.mockResolvedValueOnce(connectionRow());

      await expect(
        processor.process(job({ action: 'update-deal', dealId: 'deal-1', amount: '10' })),
      ).rejects.toMatchObject({
        message: 'The deal was never created in the CRM: failed',
        retryable: false,
        deferred: false,
      });
    });
  });

  describe('assigned', () => {
    const assigned = (assigneeId: string | null = 'u-agent') =>
      job({ action: 'assigned', conversationId: CONVERSATION_ID, cycle: 3, assigneeId });

    it('makes the mapped CRM user responsible for the cycle’s deal, then reads it back', async () => {
      const connection = connectionRow();
      const updated = dealRow({ external_id: '9001', responsible_external_id: '77' });
      deals.findForCycle.mockResolvedValueOnce(dealRow({ external_id: '9001', responsible_external_id: '12' }));
      crm.findById.mockResolvedValueOnce(connection);
      stubConnect();
      adapter.updateDeal.mockResolvedValueOnce(undefined);
      stubReadBack(updated);

      await processor.process(assigned());

      expect(deals.findForCycle).toHaveBeenCalledWith(WS, CONVERSATION_ID, 3);
      expect(crm.findById).toHaveBeenCalledWith(CRM_ID);
      expect(adapter.updateDeal).toHaveBeenCalledWith(SETTINGS, '9001', { responsibleUserId: '77' }, CTX);
      expectReadBack(connection, 'deal-1', updated);
    });

    it('does nothing when the manager is not mapped, or is already responsible', async () => {
      deals.findForCycle.mockResolvedValueOnce(dealRow({ external_id: '9001' }));
      crm.findById.mockResolvedValueOnce(connectionRow({ userMap: {} }));
      await processor.process(assigned());

      deals.findForCycle.mockResolvedValueOnce(dealRow({ external_id: '9001', responsible_external_id: '77' }));
      crm.findById.mockResolvedValueOnce(connectionRow());
      await processor.process(assigned());

      expect(sessions.ready).not.toHaveBeenCalled();
      expect(adapter.updateDeal).not.toHaveBeenCalled();
    });

    it('does nothing for an unassignment or a cycle without a deal', async () => {
      await processor.process(assigned(null));
      expect(deals.findForCycle).not.toHaveBeenCalled();

      deals.findForCycle.mockResolvedValueOnce(null);
      await processor.process(assigned());
      expect(crm.findById).not.toHaveBeenCalled();
    });

    it('defers while the deal is still being created in the CRM', async () => {
      deals.findForCycle.mockResolvedValueOnce(dealRow({ external_id: null }));
      crm.findById.mockResolvedValueOnce(connectionRow());

      await expect(processor.process(assigned())).rejects.toMatchObject({ deferred: true, retryAfterMs: 2000 });
      expect(adapter.updateDeal).not.toHaveBeenCalled();
    });

    it('gives up, without retrying, when the deal’s creation was given up', async () => {
      deals.findForCycle.mockResolvedValueOnce(
        dealRow({ external_id: null, sync_state: 'failed', sync_error: 'Token expired' }),
      );
      crm.findById.mockResolvedValueOnce(connectionRow());

      const err = await processor.process(assigned()).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({
        message: 'The deal was never created in the CRM: Token expired',
        retryable: false,
        deferred: false,
      });
      expect(sessions.ready).not.toHaveBeenCalled();
      expect(adapter.updateDeal).not.toHaveBeenCalled();
    });
  });

  describe('sync-deal', () => {
    it('reads the deal once and stores its state on every local row that links it', async () => {
      const connection = connectionRow();
      const first = dealRow({ id: 'deal-1', external_id: '9001' });
      const second = dealRow({ id: 'deal-2', external_id: '9001', conversation_id: 'cv-2' });
      const updatedFirst = { ...first, sync_state: 'synced' as const };
      crm.findById.mockResolvedValueOnce(connection);
      deals.findByExternalId.mockResolvedValueOnce([first, second]);
      stubConnect();
      adapter.getDeal.mockResolvedValueOnce(crmDeal());
      catalog.stageName.mockResolvedValueOnce('Lead').mockResolvedValueOnce('Lead');
      deals.applyState.mockResolvedValueOnce(updatedFirst).mockResolvedValueOnce(null);
      crm.recordSync.mockResolvedValue(undefined);
      publisher.changed.mockResolvedValueOnce(undefined);

      await processor.process(job({ action: 'sync-deal', connectionId: CRM_ID, externalId: '9001' }));

      expect(crm.findById).toHaveBeenCalledWith(CRM_ID);
      expect(deals.findByExternalId).toHaveBeenCalledWith(CRM_ID, '9001');
      expect(adapter.getDeal).toHaveBeenCalledTimes(1);
      expect(deals.applyState).toHaveBeenNthCalledWith(1, 'deal-1', STORED_STATE, CRM_UPDATED_AT);
      expect(deals.applyState).toHaveBeenNthCalledWith(2, 'deal-2', STORED_STATE, CRM_UPDATED_AT);
      expect(crm.recordSync).toHaveBeenCalledTimes(2);
      expect(publisher.changed).toHaveBeenCalledTimes(1);
      expect(publisher.changed).toHaveBeenCalledWith(updatedFirst);
    });

    it('stores a won deal with no stage name known and no CRM timestamp at the current time', async () => {
      const connection = connectionRow();
      const closedAt = new Date('2024-11-22T09:00:00.000Z');
      crm.findById.mockResolvedValueOnce(connection);
      deals.findByExternalId.mockResolvedValueOnce([dealRow({ external_id: '9001' })]);
      stubConnect();
      adapter.getDeal.mockResolvedValueOnce(
        crmDeal({ stageId: '142', semantic: 'won', closedAt, updatedAt: null, responsibleUserId: null }),
      );
      catalog.stageName.mockResolvedValueOnce(null);
      deals.applyState.mockResolvedValueOnce(null);
      crm.recordSync.mockResolvedValueOnce(undefined);
      const before = Date.now();

      await processor.process(job({ action: 'sync-deal', connectionId: CRM_ID, externalId: '9001' }));

      expect(catalog.stageName).toHaveBeenCalledWith(connection, '142');
      expect(deals.applyState).toHaveBeenCalledWith(
        'deal-1',
        { ...STORED_STATE, stageId: '142', stageName: null, semantic: 'won', closedAt, responsibleExternalId: null },
        expect.any(Date),
      );
      expect(deals.applyState.mock.calls[0][2].getTime()).toBeGreaterThanOrEqual(before);
      expect(publisher.changed).not.toHaveBeenCalled();
    });

    it('does nothing when no local deal links the CRM deal', async () => {
      crm.findById.mockResolvedValueOnce(connectionRow());
      deals.findByExternalId.mockResolvedValueOnce([]);

      await processor.process(job({ action: 'sync-deal', connectionId: CRM_ID, externalId: '9001' }));

      expect(sessions.ready).not.toHaveBeenCalled();
      expect(adapter.getDeal).not.toHaveBeenCalled();
    });

    it('does nothing when the connection is gone', async () => {
      crm.findById.mockResolvedValueOnce(null);

      await processor.process(job({ action: 'sync-deal', connectionId: CRM_ID, externalId: '9001' }));

      expect(deals.findByExternalId).not.toHaveBeenCalled();
    });
  });

  describe('transcript', () => {
    const transcript = job({ action: 'transcript', conversationId: CONVERSATION_ID, cycle: 3 });

    it('adds the cycle’s messages as one note on the deal, then marks it sent', async () => {
      const connection = connectionRow();
      deals.findForCycle.mockResolvedValueOnce(dealRow({ external_id: '9001' }));
      crm.findById.mockResolvedValueOnce(connection);
      messages.listCycle.mockResolvedValueOnce([
        messageRow(),
        messageRow({
          id: 'm-2',
          direction: 'out',
          author_type: 'agent',
          author_name: 'Mia Manager',
          text: '',
          attachments: [
            { id: 'a-1', name: 'price.pdf', mimeType: 'application/pdf', size: 10, url: '/files/a-1/price.pdf' },
            { id: 'a-2', name: 'photo.jpg', mimeType: 'image/jpeg', size: 10, url: '/files/a-2/photo.jpg' },
          ],
          created_at: new Date('2024-11-21T10:05:59.000Z'),
        }),
      ]);
      stubConnect();
      adapter.addNote.mockResolvedValueOnce(undefined);
      deals.markTranscriptSent.mockResolvedValueOnce(undefined);

      await processor.process(transcript);

      expect(deals.findForCycle).toHaveBeenCalledWith(WS, CONVERSATION_ID, 3);
      expect(crm.findById).toHaveBeenCalledWith(CRM_ID);
      expect(messages.listCycle).toHaveBeenCalledWith(WS, CONVERSATION_ID, 3);
      expect(adapter.addNote).toHaveBeenCalledWith(
        SETTINGS,
        '9001',
        'Onebox transcript (cycle 3)\n' +
          '[2024-11-21 10:00] Carl Customer: Is the sofa in stock?\n' +
          '[2024-11-21 10:05] Mia Manager: price.pdf, photo.jpg',
        CTX,
      );
      expect(deals.markTranscriptSent).toHaveBeenCalledWith('deal-1');
    });

    it('cuts a long transcript to 20 000 characters', async () => {
      deals.findForCycle.mockResolvedValueOnce(dealRow({ external_id: '9001' }));
      crm.findById.mockResolvedValueOnce(connectionRow());
      messages.listCycle.mockResolvedValueOnce(
        Array.from({ length: 30 }, (_, i) => messageRow({ id: `m-${i}`, text: 'x'.repeat(1000) })),
      );
      stubConnect();
      adapter.addNote.mockResolvedValueOnce(undefined);
      deals.markTranscriptSent.mockResolvedValueOnce(undefined);

      await processor.process(transcript);

      expect(adapter.addNote.mock.calls[0][2]).toHaveLength(20_000);
    });

    it('defers while the deal is still being created in the CRM', async () => {
      deals.findForCycle.mockResolvedValueOnce(dealRow({ external_id: null }));

      const err = await processor.process(transcript).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({ deferred: true, retryAfterMs: 2000 });
      expect(messages.listCycle).not.toHaveBeenCalled();
    });

    it('gives up, without retrying, when the deal’s creation was given up', async () => {
      deals.findForCycle.mockResolvedValueOnce(
        dealRow({ external_id: null, sync_state: 'failed', sync_error: 'Token expired' }),
      );

      const err = await processor.process(transcript).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({
        message: 'The deal was never created in the CRM: Token expired',
        retryable: false,
        deferred: false,
      });
      expect(crm.findById).not.toHaveBeenCalled();
      expect(messages.listCycle).not.toHaveBeenCalled();
      expect(adapter.addNote).not.toHaveBeenCalled();
    });

    it('does nothing when the transcript was already sent', async () => {
      deals.findForCycle.mockResolvedValueOnce(dealRow({ external_id: '9001', transcript_sent_at: AT }));

      await processor.process(transcript);

      expect(crm.findById).not.toHaveBeenCalled();
      expect(adapter.addNote).not.toHaveBeenCalled();
    });

    it('does nothing when the cycle has no deal', async () => {
      deals.findForCycle.mockResolvedValueOnce(null);

      await processor.process(transcript);

      expect(adapter.addNote).not.toHaveBeenCalled();
    });

    it('adds no note and marks nothing when the cycle has no public messages', async () => {
      deals.findForCycle.mockResolvedValueOnce(dealRow({ external_id: '9001' }));
      crm.findById.mockResolvedValueOnce(connectionRow());
      messages.listCycle.mockResolvedValueOnce([]);

      await processor.process(transcript);

      expect(adapter.addNote).not.toHaveBeenCalled();
      expect(deals.markTranscriptSent).not.toHaveBeenCalled();
    });
  });

  describe('CRM errors', () => {
    function stubFailingRead(error: Error): void {
      crm.findById.mockResolvedValueOnce(connectionRow());
      deals.findByExternalId.mockResolvedValueOnce([dealRow({ external_id: '9001' })]);
      stubConnect();
      adapter.getDeal.mockRejectedValueOnce(error);
    }
    const syncDeal = job({ action: 'sync-deal', connectionId: CRM_ID, externalId: '9001' });

    it('turns a rate limit into a retryable job error that keeps the CRM’s Retry-After', async () => {
      stubFailingRead(new CrmError('rate_limited', 'Too many requests', 3000, 429));

      const err = await processor.process(syncDeal).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({
        message: 'Too many requests',
        retryable: true,
        retryAfterMs: 3000,
        code: 'rate_limited',
        deferred: false,
      });
      expect(deals.applyState).not.toHaveBeenCalled();
    });

    it('turns a temporary error into a retryable job error', async () => {
      stubFailingRead(new CrmError('temporary', 'HTTP 503'));

      await expect(processor.process(syncDeal)).rejects.toMatchObject({ retryable: true, code: 'temporary' });
    });

    it.each(['invalid_credentials', 'not_found', 'validation'] as const)(
      'turns %s into a job error that is not retried',
      async (code) => {
        stubFailingRead(new CrmError(code, `CRM said ${code}`));

        const err = await processor.process(syncDeal).catch((e: unknown) => e);

        expect(err).toBeInstanceOf(JobError);
        expect(err).toMatchObject({ message: `CRM said ${code}`, retryable: false, code });
      },
    );

    it('turns a connection whose OAuth access was revoked (refresh refused) into a job error that is not retried', async () => {
      const connection = connectionRow();
      crm.findById.mockResolvedValueOnce(connection);
      deals.findByExternalId.mockResolvedValueOnce([dealRow({ external_id: '9001' })]);
      sessions.ready.mockRejectedValueOnce(
        new CrmError('invalid_credentials', 'Access was revoked or expired: authorize Onebox in the CRM again (x)'),
      );

      const err = await processor.process(syncDeal).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({
        message: 'Access was revoked or expired: authorize Onebox in the CRM again (x)',
        retryable: false,
        code: 'invalid_credentials',
      });
      expect(sessions.ready).toHaveBeenCalledWith(connection);
      expect(adapter.getDeal).not.toHaveBeenCalled();
      expect(deals.applyState).not.toHaveBeenCalled();
    });

    it('passes other errors through unchanged', async () => {
      const error = new Error('database is down');
      crm.findById.mockRejectedValueOnce(error);

      await expect(processor.process(syncDeal)).rejects.toBe(error);
    });
  });

  describe('onGiveUp', () => {
    it('marks the deal failed, publishes it and records the error on the connection', async () => {
      const failed = dealRow({ sync_state: 'failed', sync_error: 'Token expired' });
      deals.markFailed.mockResolvedValueOnce(undefined);
      deals.findById.mockResolvedValueOnce(failed);
      publisher.changed.mockResolvedValueOnce(undefined);
      crm.findActive.mockResolvedValueOnce(connectionRow());
      crm.recordSync.mockResolvedValueOnce(undefined);

      await processor.onGiveUp(job({ action: 'create-deal', dealId: 'deal-1' }), new JobError('Token expired', false));

      expect(deals.markFailed).toHaveBeenCalledWith('deal-1', 'Token expired');
      expect(deals.findById).toHaveBeenCalledWith('deal-1');
      expect(publisher.changed).toHaveBeenCalledWith(failed);
      expect(crm.findActive).toHaveBeenCalledWith(WS);
      expect(crm.recordSync).toHaveBeenCalledWith(CRM_ID, 'Token expired');
    });

    it('records the error on the connection for a job without a deal', async () => {
      crm.findActive.mockResolvedValueOnce(connectionRow());
      crm.recordSync.mockResolvedValueOnce(undefined);

      await processor.onGiveUp(
        job({ action: 'sync-deal', connectionId: CRM_ID, externalId: '9001' }),
        new JobError('HTTP 500', true),
      );

      expect(deals.markFailed).not.toHaveBeenCalled();
      expect(crm.recordSync).toHaveBeenCalledWith(CRM_ID, 'HTTP 500');
    });

    it('records nothing when the connection was removed or the job has no workspace', async () => {
      deals.markFailed.mockResolvedValueOnce(undefined);
      deals.findById.mockResolvedValueOnce(null);
      crm.findActive.mockResolvedValueOnce(null);

      await processor.onGiveUp(
        job({ action: 'update-deal', dealId: 'deal-1', stageId: 's-x' }),
        new JobError('gone', false),
      );
      await processor.onGiveUp(
        job({ action: 'transcript', conversationId: CONVERSATION_ID, cycle: 3 }, null),
        new JobError('x', false),
      );

      expect(publisher.changed).not.toHaveBeenCalled();
      expect(crm.findActive).toHaveBeenCalledTimes(1);
      expect(crm.recordSync).not.toHaveBeenCalled();
    });
  });
});
