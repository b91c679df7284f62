import { BotService } from '../bot/bot.service';
import { Logger } from '@nestjs/common';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import {
  ConversationsRepository,
  type ConversationListRow,
  type ConversationRow,
} from '../conversations/conversations.repository';
import { MessagesRepository, type MessageRow } from '../conversations/messages.repository';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { CRM_MAX_ATTEMPTS } from '../crm/crm.constants';
import { JobsRepository } from '../jobs/jobs.repository';
import { cycleStartJobs } from '../workflow/cycle-start-jobs';
import { IngestRepository } from './ingest.repository';
import { MetricsService } from '../observability/metrics.service';
import { IngestService, type InboundMessage } from './ingest.service';

const WS = 'ws-1';
const CHANNEL_ID = 'ch-1';
const SENT_AT = new Date('2024-11-21T10:00:00.000Z');

function inbound(overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: { id: CHANNEL_ID, workspace_id: WS, type: 'telegram' },
    externalUserId: 'visitor-42',
    contactName: 'Carl Customer',
    username: 'carl',
    externalMessageId: 'ext-100',
    clientMessageId: 'client-7',
    text: 'Is the sofa in stock?',
    attachments: [],
    sentAt: SENT_AT,
    ...overrides,
  };
}

const contactRow = rows.contactRow;

/** A conversation just opened, before its first message is appended. */
const conversationRow = (o: Partial<ConversationRow> = {}): ConversationRow =>
  rows.conversationRow({
    first_customer_message_at: null,
    last_customer_message_at: null,
    last_message_text: null,
    last_message_direction: null,
    unread_count: 0,
    ...o,
  });

/** The conversation as the list shows it: what recordCustomerMessage and the fast path answer. */
const listRow = rows.listRow;

const messageRow = (o: Partial<MessageRow> = {}): MessageRow =>
  rows.messageRow({ external_id: 'ext-100', client_message_id: 'client-7', ...o });

describe(IngestService.name, () => {
  const fakeTx = {} as Db;
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let contacts: ReturnType<typeof strictMock<ContactsRepository>>;
  let conversations: ReturnType<typeof strictMock<ConversationsRepository>>;
  let messages: ReturnType<typeof strictMock<MessagesRepository>>;
  let events: ReturnType<typeof strictMock<ConversationEventsRepository>>;
  let publisher: ReturnType<typeof strictMock<ConversationPublisher>>;
  let jobs: ReturnType<typeof strictMock<JobsRepository>>;
  let fastPath: ReturnType<typeof strictMock<IngestRepository>>;
  let bot: ReturnType<typeof strictMock<BotService>>;
  let service: IngestService;

  beforeEach(() => {
    tx = strictMock(TransactionService);
    contacts = strictMock(ContactsRepository);
    conversations = strictMock(ConversationsRepository);
    messages = strictMock(MessagesRepository);
    events = strictMock(ConversationEventsRepository);
    publisher = strictMock(ConversationPublisher);
    jobs = strictMock(JobsRepository);
    fastPath = strictMock(IngestRepository);
    bot = strictMock(BotService);
    // No channel in these specs has the FAQ bot on: the slow path asks once per stored message.
    bot.enqueueForCustomerMessage.mockResolvedValue(false);
    tx.run.mockImplementation((work) => work(fakeTx));
    service = new IngestService(
      tx as unknown as TransactionService,
      contacts as unknown as ContactsRepository,
      conversations as unknown as ConversationsRepository,
      messages as unknown as MessagesRepository,
      events as unknown as ConversationEventsRepository,
      publisher as unknown as ConversationPublisher,
      jobs as unknown as JobsRepository,
      fastPath as unknown as IngestRepository,
      bot as unknown as BotService,
      new MetricsService(),
    );
  });

  function stubPublishing(): void {
    publisher.messageAdded.mockResolvedValueOnce(undefined);
  }

  /** The fast path misses and the customer is not known on the channel: contact upsert and openOrLock follow. */
  function stubNewIdentity(): void {
    fastPath.appendToOpenConversation.mockResolvedValueOnce(null);
    conversations.lockByIdentity.mockResolvedValueOnce(null);
  }

  /** Every job a new cycle enqueues in its transaction (`cycleStartJobs`: CRM, routing, timers…). */
  function cycleJobCount(cycle: number, conversationId = 'cv-1'): number {
    return cycleStartJobs({ workspaceId: WS, conversationId, channelId: CHANNEL_ID, cycle, at: SENT_AT }).length;
  }

  /** The CRM job a new conversation or cycle enqueues in its transaction (the CRM worker decides about a deal). */
  function cycleStartedJob(cycle: number, conversationId = 'cv-1') {
    return {
      workspaceId: WS,
      queue: 'crm',
      payload: { action: 'cycle-started', conversationId, cycle },
      maxAttempts: CRM_MAX_ATTEMPTS,
    };
  }

  const base = {
    workspaceId: WS,
    conversationId: 'cv-1',
    channelId: CHANNEL_ID,
    at: SENT_AT,
    actorType: 'contact',
    actorId: 'ct-1',
  };

  it('opens a conversation for a first message: cycle_started and message_in events, published as created', async () => {
    const conversation = conversationRow();
    const message = messageRow();
    const current = listRow();
    stubNewIdentity();
    contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
    conversations.openOrLock.mockResolvedValueOnce({ conversation, created: true });
    messages.insertUnlessDuplicate.mockResolvedValueOnce(message);
    conversations.recordCustomerMessage.mockResolvedValueOnce(current);
    events.append.mockResolvedValueOnce(undefined);
    jobs.enqueue.mockResolvedValue(undefined); // every cycle-start job
    stubPublishing();

    const result = await service.ingest(inbound());

    expect(result).toEqual({ message, conversation, duplicate: false });
    expect(fastPath.appendToOpenConversation).toHaveBeenCalledTimes(1);
    expect(tx.run).toHaveBeenCalledTimes(1);
    expect(conversations.lockByIdentity).toHaveBeenCalledTimes(1);
    expect(conversations.lockByIdentity).toHaveBeenCalledWith(fakeTx, CHANNEL_ID, 'visitor-42');
    expect(contacts.upsertByIdentity).toHaveBeenCalledWith(fakeTx, {
      workspaceId: WS,
      channelId: CHANNEL_ID,
      externalId: 'visitor-42',
      name: 'Carl Customer',
      username: 'carl',
    });
    expect(conversations.openOrLock).toHaveBeenCalledWith(fakeTx, {
      workspaceId: WS,
      channelId: CHANNEL_ID,
      contactId: 'ct-1',
      at: SENT_AT,
    });
    expect(conversations.startNewCycle).not.toHaveBeenCalled();
    expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(fakeTx, {
      workspace_id: WS,
      conversation_id: 'cv-1',
      channel_id: CHANNEL_ID,
      cycle: 1,
      direction: 'in',
      author_type: 'contact',
      author_id: 'ct-1',
      author_name: 'Carl Customer',
      text: 'Is the sofa in stock?',
      attachments: [],
      status: 'received',
      private: false,
      external_id: 'ext-100',
      client_message_id: 'client-7',
      canned_response_id: null,
      created_at: SENT_AT,
    });
    expect(conversations.recordCustomerMessage).toHaveBeenCalledWith(fakeTx, 'cv-1', SENT_AT, 'Is the sofa in stock?');
    expect(events.append).toHaveBeenCalledWith(fakeTx, [
      { ...base, cycle: 1, type: 'cycle_started' },
      { ...base, cycle: 1, type: 'message_in', payload: { messageId: 'm-1' } },
    ]);
    expect(publisher.messageAdded).toHaveBeenCalledTimes(1);
    expect(publisher.messageAdded).toHaveBeenCalledWith(message, 'created', current);
    expect(jobs.enqueue).toHaveBeenCalledTimes(cycleJobCount(1));
    expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, cycleStartedJob(1));
  });

  it('enqueues the CRM cycle-started job in the transaction, before the message’s own jobs', async () => {
    let inTransaction = false;
    tx.run.mockImplementationOnce(async (work) => {
      inTransaction = true;
      try {
        return await work(fakeTx);
      } finally {
        inTransaction = false;
      }
    });
    const enqueuedInTransaction: boolean[] = [];
    conversations.lockByIdentity.mockResolvedValueOnce(null);
    contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
    conversations.openOrLock.mockResolvedValueOnce({ conversation: conversationRow(), created: true });
    messages.insertUnlessDuplicate.mockResolvedValueOnce(messageRow({ id: 'm-9' }));
    conversations.recordCustomerMessage.mockResolvedValueOnce(listRow());
    events.append.mockResolvedValueOnce(undefined);
    jobs.enqueue.mockImplementation(async () => {
      enqueuedInTransaction.push(inTransaction);
    });
    stubPublishing();

    await service.ingest(
      inbound({ jobs: [{ queue: 'fetch-media', payload: { attachmentId: 'a-1', channelId: CHANNEL_ID } }] }),
    );

    expect(jobs.enqueue).toHaveBeenCalledTimes(cycleJobCount(1) + 1);
    expect(jobs.enqueue).toHaveBeenNthCalledWith(1, fakeTx, cycleStartedJob(1));
    expect(jobs.enqueue).toHaveBeenLastCalledWith(fakeTx, {
      workspaceId: WS,
      queue: 'fetch-media',
      payload: { attachmentId: 'a-1', channelId: CHANNEL_ID, messageId: 'm-9' },
    });
    expect(enqueuedInTransaction).toEqual(Array(cycleJobCount(1) + 1).fill(true));
    expect(events.append.mock.invocationCallOrder[0]).toBeLessThan(jobs.enqueue.mock.invocationCallOrder[0]);
  });

  it('passes phone and identity meta to the contact, and enqueues the message’s jobs in the transaction with its id', async () => {
    let inTransaction = false;
    tx.run.mockImplementationOnce(async (work) => {
      inTransaction = true;
      try {
        return await work(fakeTx);
      } finally {
        inTransaction = false;
      }
    });
    const enqueuedInTransaction: boolean[] = [];
    contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
    conversations.openOrLock.mockResolvedValueOnce({ conversation: conversationRow(), created: false });
    messages.insertUnlessDuplicate.mockResolvedValueOnce(messageRow({ id: 'm-9' }));
    conversations.recordCustomerMessage.mockResolvedValueOnce(listRow());
    events.append.mockResolvedValueOnce(undefined);
    jobs.enqueue.mockImplementation(async () => {
      enqueuedInTransaction.push(inTransaction);
    });
    stubPublishing();

    await service.ingest(
      inbound({
        phone: '+79990001122',
        identityMeta: { businessConnectionId: 'bc-1' },
        jobs: [
          { queue: 'fetch-media', payload: { attachmentId: 'a-1', channelId: CHANNEL_ID } },
          { queue: 'fetch-media', payload: { attachmentId: 'a-2', channelId: CHANNEL_ID } },
        ],
      }),
    );

    expect(contacts.upsertByIdentity).toHaveBeenCalledWith(fakeTx, {
      workspaceId: WS,
      channelId: CHANNEL_ID,
      externalId: 'visitor-42',
      name: 'Carl Customer',
      username: 'carl',
      phone: '+79990001122',
      meta: { businessConnectionId: 'bc-1' },
    });
    expect(jobs.enqueue).toHaveBeenCalledTimes(2);
    expect(jobs.enqueue).toHaveBeenNthCalledWith(1, fakeTx, {
      workspaceId: WS,
      queue: 'fetch-media',
      payload: { attachmentId: 'a-1', channelId: CHANNEL_ID, messageId: 'm-9' },
    });
    expect(jobs.enqueue).toHaveBeenNthCalledWith(2, fakeTx, {
      workspaceId: WS,
      queue: 'fetch-media',
      payload: { attachmentId: 'a-2', channelId: CHANNEL_ID, messageId: 'm-9' },
    });
    expect(enqueuedInTransaction).toEqual([true, true]);
    expect(fastPath.appendToOpenConversation).not.toHaveBeenCalled();
    expect(conversations.lockByIdentity).not.toHaveBeenCalled();
  });

  it('adds a message to an open conversation with only a message_in event, published as updated', async () => {
    const message = messageRow({ cycle: 3 });
    const current = listRow({ cycle: 3 });
    stubNewIdentity();
    contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
    conversations.openOrLock.mockResolvedValueOnce({ conversation: conversationRow({ cycle: 3 }), created: false });
    messages.insertUnlessDuplicate.mockResolvedValueOnce(message);
    conversations.recordCustomerMessage.mockResolvedValueOnce(current);
    events.append.mockResolvedValueOnce(undefined);
    stubPublishing();

    await service.ingest(inbound({ clientMessageId: undefined }));

    expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(
      fakeTx,
      expect.objectContaining({ cycle: 3, client_message_id: null }),
    );
    expect(events.append).toHaveBeenCalledWith(fakeTx, [
      { ...base, cycle: 3, type: 'message_in', payload: { messageId: 'm-1' } },
    ]);
    expect(jobs.enqueue).not.toHaveBeenCalled();
    expect(publisher.messageAdded).toHaveBeenCalledTimes(1);
    expect(publisher.messageAdded).toHaveBeenCalledWith(message, 'updated', current);
  });

  it('starts a new cycle when the conversation was resolved: reopened and cycle_started before message_in', async () => {
    const resolved = conversationRow({
      status: 'resolved',
      cycle: 2,
      resolved_at: new Date('2024-11-01T00:00:00.000Z'),
    });
    const restarted = conversationRow({ status: 'open', cycle: 3, cycle_started_at: SENT_AT });
    const message = messageRow({ cycle: 3 });
    const current = listRow({ cycle: 3 });
    stubNewIdentity();
    contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
    conversations.openOrLock.mockResolvedValueOnce({ conversation: resolved, created: false });
    conversations.startNewCycle.mockResolvedValueOnce(restarted);
    messages.insertUnlessDuplicate.mockResolvedValueOnce(message);
    conversations.recordCustomerMessage.mockResolvedValueOnce(current);
    events.append.mockResolvedValueOnce(undefined);
    jobs.enqueue.mockResolvedValue(undefined); // every cycle-start job
    stubPublishing();

    const result = await service.ingest(inbound());

    expect(conversations.startNewCycle).toHaveBeenCalledWith(fakeTx, 'cv-1', SENT_AT);
    expect(jobs.enqueue).toHaveBeenCalledTimes(cycleJobCount(3));
    expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, cycleStartedJob(3));
    expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(fakeTx, expect.objectContaining({ cycle: 3 }));
    expect(events.append).toHaveBeenCalledWith(fakeTx, [
      { ...base, cycle: 3, type: 'reopened', payload: { previousCycle: 2 } },
      { ...base, cycle: 3, type: 'cycle_started' },
      { ...base, cycle: 3, type: 'message_in', payload: { messageId: 'm-1' } },
    ]);
    expect(result).toEqual({ message, conversation: restarted, duplicate: false });
    expect(conversations.recordCustomerMessage).toHaveBeenCalledWith(fakeTx, 'cv-1', SENT_AT, 'Is the sofa in stock?');
    expect(publisher.messageAdded).toHaveBeenCalledTimes(1);
    expect(publisher.messageAdded).toHaveBeenCalledWith(message, 'updated', current);
  });

  it('previews the first attachment when the message has no text', async () => {
    stubNewIdentity();
    contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
    conversations.openOrLock.mockResolvedValueOnce({ conversation: conversationRow(), created: false });
    messages.insertUnlessDuplicate.mockResolvedValueOnce(messageRow());
    conversations.recordCustomerMessage.mockResolvedValueOnce(listRow({ last_message_text: '📎 photo.jpg' }));
    events.append.mockResolvedValueOnce(undefined);
    stubPublishing();

    await service.ingest(
      inbound({
        text: '',
        attachments: [{ id: 'a-1', name: 'photo.jpg', mimeType: 'image/jpeg', size: 10, url: '/files/a-1/photo.jpg' }],
      }),
    );

    expect(fastPath.appendToOpenConversation).toHaveBeenCalledWith(
      expect.objectContaining({ text: '', preview: '📎 photo.jpg' }),
    );
    expect(conversations.recordCustomerMessage).toHaveBeenCalledWith(fakeTx, 'cv-1', SENT_AT, '📎 photo.jpg');
  });

  it('rolls back a redelivered message and answers the stored one as a duplicate, publishing nothing', async () => {
    const stored = messageRow({ id: 'm-stored' });
    const storedConversation = {
      ...conversationRow(),
      channel_type: 'webchat',
      channel_name: 'Website',
    } as ConversationListRow;
    let committed = false;
    tx.run.mockImplementationOnce(async (work) => {
      const value = await work(fakeTx); // a rejection here is a rollback
      committed = true;
      return value;
    });
    conversations.lockByIdentity.mockResolvedValueOnce(null);
    contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
    conversations.openOrLock.mockResolvedValueOnce({ conversation: conversationRow(), created: false });
    messages.insertUnlessDuplicate.mockResolvedValueOnce(null);
    messages.findByExternalId.mockResolvedValueOnce(stored);
    conversations.findById.mockResolvedValueOnce(storedConversation);

    const result = await service.ingest(
      inbound({ jobs: [{ queue: 'fetch-media', payload: { attachmentId: 'a-1', channelId: CHANNEL_ID } }] }),
    );

    expect(committed).toBe(false);
    expect(fastPath.appendToOpenConversation).not.toHaveBeenCalled();
    expect(result).toEqual({ message: stored, conversation: storedConversation, duplicate: true });
    expect(messages.findByExternalId).toHaveBeenCalledWith(CHANNEL_ID, 'ext-100');
    expect(conversations.findById).toHaveBeenCalledWith('cv-1');
    expect(conversations.recordCustomerMessage).not.toHaveBeenCalled();
    expect(events.append).not.toHaveBeenCalled();
    expect(jobs.enqueue).not.toHaveBeenCalled();
    expect(publisher.messageAdded).not.toHaveBeenCalled();
    expect(publisher.conversationChanged).not.toHaveBeenCalled();
    expect(publisher.messageChanged).not.toHaveBeenCalled();
  });

  it('fails loudly when the duplicate cannot be found afterwards', async () => {
    stubNewIdentity();
    contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
    conversations.openOrLock.mockResolvedValueOnce({ conversation: conversationRow(), created: false });
    messages.insertUnlessDuplicate.mockResolvedValueOnce(null);
    messages.findByExternalId.mockResolvedValueOnce(null);

    await expect(service.ingest(inbound())).rejects.toThrow('Duplicate inbound message could not be found');
    expect(publisher.messageAdded).not.toHaveBeenCalled();
  });

  it('passes other transaction errors through without looking for a duplicate', async () => {
    stubNewIdentity();
    contacts.upsertByIdentity.mockRejectedValueOnce(new Error('deadlock detected'));

    await expect(service.ingest(inbound())).rejects.toThrow('deadlock detected');
    expect(messages.findByExternalId).not.toHaveBeenCalled();
    expect(publisher.messageAdded).not.toHaveBeenCalled();
  });

  it('answers the platform without waiting for publishing, and a failed publish does not fail the ingest', async () => {
    const conversation = conversationRow();
    const message = messageRow();
    const current = listRow();
    stubNewIdentity();
    contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
    conversations.openOrLock.mockResolvedValueOnce({ conversation, created: false });
    messages.insertUnlessDuplicate.mockResolvedValueOnce(message);
    conversations.recordCustomerMessage.mockResolvedValueOnce(current);
    events.append.mockResolvedValueOnce(undefined);
    publisher.messageAdded.mockRejectedValueOnce(new Error('socket gone'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    try {
      await expect(service.ingest(inbound())).resolves.toEqual({ message, conversation, duplicate: false });
      expect(publisher.messageAdded).toHaveBeenCalledWith(message, 'updated', current);
      await new Promise((resolve) => setImmediate(resolve)); // let the fire-and-forget rejection settle
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('socket gone'));
    } finally {
      warn.mockRestore();
    }
  });

  describe('fast path: a returning customer writing into an open conversation', () => {
    it('wakes the job worker when the statement enqueued a bot job', async () => {
      fastPath.appendToOpenConversation.mockResolvedValueOnce({
        message: messageRow({ cycle: 2 }),
        conversation: listRow({ cycle: 2 }),
        botJob: true,
      });
      bot.wake.mockReturnValueOnce(undefined);
      stubPublishing();

      await service.ingest(inbound());

      expect(bot.wake).toHaveBeenCalledTimes(1);
      expect(bot.enqueueForCustomerMessage).not.toHaveBeenCalled();
    });

    it('appends in one statement with no transaction and publishes the answered conversation as updated', async () => {
      const message = messageRow({ cycle: 2 });
      const conversation = listRow({ cycle: 2, unread_count: 4 });
      fastPath.appendToOpenConversation.mockResolvedValueOnce({ message, conversation, botJob: false });
      stubPublishing();

      const result = await service.ingest(inbound());

      expect(result).toEqual({ message, conversation, duplicate: false });
      expect(fastPath.appendToOpenConversation).toHaveBeenCalledTimes(1);
      expect(fastPath.appendToOpenConversation).toHaveBeenCalledWith({
        channelId: CHANNEL_ID,
        externalUserId: 'visitor-42',
        externalMessageId: 'ext-100',
        clientMessageId: 'client-7',
        text: 'Is the sofa in stock?',
        attachments: [],
        sentAt: SENT_AT,
        preview: 'Is the sofa in stock?',
      });
      expect(tx.run).not.toHaveBeenCalled();
      expect(conversations.lockByIdentity).not.toHaveBeenCalled();
      expect(contacts.upsertByIdentity).not.toHaveBeenCalled();
      expect(conversations.openOrLock).not.toHaveBeenCalled();
      expect(messages.insertUnlessDuplicate).not.toHaveBeenCalled();
      expect(conversations.recordCustomerMessage).not.toHaveBeenCalled();
      expect(events.append).not.toHaveBeenCalled();
      expect(messages.findByExternalId).not.toHaveBeenCalled();
      expect(publisher.messageAdded).toHaveBeenCalledTimes(1);
      expect(publisher.messageAdded).toHaveBeenCalledWith(message, 'updated', conversation);
    });

    it('passes a missing client message id as null and previews the first attachment of a text-less message', async () => {
      const attachments = [
        { id: 'a-1', name: 'photo.jpg', mimeType: 'image/jpeg', size: 10, url: '/files/a-1/photo.jpg' },
      ];
      const message = messageRow({ text: '', attachments, client_message_id: null });
      const conversation = listRow({ last_message_text: '📎 photo.jpg' });
      fastPath.appendToOpenConversation.mockResolvedValueOnce({ message, conversation, botJob: false });
      stubPublishing();

      await service.ingest(inbound({ clientMessageId: undefined, text: '', attachments }));

      expect(fastPath.appendToOpenConversation).toHaveBeenCalledWith({
        channelId: CHANNEL_ID,
        externalUserId: 'visitor-42',
        externalMessageId: 'ext-100',
        clientMessageId: null,
        text: '',
        attachments,
        sentAt: SENT_AT,
        preview: '📎 photo.jpg',
      });
      expect(tx.run).not.toHaveBeenCalled();
    });

    it('answers without waiting for publishing, and a failed publish does not fail the ingest', async () => {
      const message = messageRow();
      const conversation = listRow();
      fastPath.appendToOpenConversation.mockResolvedValueOnce({ message, conversation, botJob: false });
      publisher.messageAdded.mockReturnValueOnce(new Promise<void>(() => undefined)); // never settles
      await expect(service.ingest(inbound())).resolves.toEqual({ message, conversation, duplicate: false });

      fastPath.appendToOpenConversation.mockResolvedValueOnce({ message, conversation, botJob: false });
      publisher.messageAdded.mockRejectedValueOnce(new Error('socket gone'));
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        await expect(service.ingest(inbound())).resolves.toEqual({ message, conversation, duplicate: false });
        await new Promise((resolve) => setImmediate(resolve)); // let the fire-and-forget rejection settle
        expect(warn).toHaveBeenCalledWith(expect.stringContaining('socket gone'));
      } finally {
        warn.mockRestore();
      }
      expect(tx.run).not.toHaveBeenCalled();
    });

    it('takes the transactional path when the fast path misses, and answers a redelivery found there as a duplicate', async () => {
      const stored = messageRow({ id: 'm-stored' });
      const storedConversation = listRow();
      fastPath.appendToOpenConversation.mockResolvedValueOnce(null);
      conversations.lockByIdentity.mockResolvedValueOnce({ ...conversationRow(), contact_name: 'Carl Customer' });
      messages.insertUnlessDuplicate.mockResolvedValueOnce(null);
      messages.findByExternalId.mockResolvedValueOnce(stored);
      conversations.findById.mockResolvedValueOnce(storedConversation);

      const result = await service.ingest(inbound());

      expect(result).toEqual({ message: stored, conversation: storedConversation, duplicate: true });
      expect(fastPath.appendToOpenConversation).toHaveBeenCalledTimes(1);
      expect(tx.run).toHaveBeenCalledTimes(1);
      expect(publisher.messageAdded).not.toHaveBeenCalled();
    });

    it('is skipped for a message with jobs: they must be enqueued in the transaction', async () => {
      const current = listRow();
      conversations.lockByIdentity.mockResolvedValueOnce({ ...conversationRow(), contact_name: 'Carl Customer' });
      messages.insertUnlessDuplicate.mockResolvedValueOnce(messageRow());
      conversations.recordCustomerMessage.mockResolvedValueOnce(current);
      events.append.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockResolvedValueOnce(undefined);
      stubPublishing();

      await service.ingest(
        inbound({ jobs: [{ queue: 'fetch-media', payload: { attachmentId: 'a-1', channelId: CHANNEL_ID } }] }),
      );

      expect(fastPath.appendToOpenConversation).not.toHaveBeenCalled();
      expect(tx.run).toHaveBeenCalledTimes(1);
      expect(conversations.lockByIdentity).toHaveBeenCalledWith(fakeTx, CHANNEL_ID, 'visitor-42');
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: WS,
        queue: 'fetch-media',
        payload: { attachmentId: 'a-1', channelId: CHANNEL_ID, messageId: 'm-1' },
      });
      expect(publisher.messageAdded).toHaveBeenCalledWith(messageRow(), 'updated', current);
    });

    it('is skipped for a message with identity meta, which goes through the contact upsert', async () => {
      const current = listRow();
      contacts.upsertByIdentity.mockResolvedValueOnce(contactRow());
      conversations.openOrLock.mockResolvedValueOnce({ conversation: conversationRow(), created: false });
      messages.insertUnlessDuplicate.mockResolvedValueOnce(messageRow());
      conversations.recordCustomerMessage.mockResolvedValueOnce(current);
      events.append.mockResolvedValueOnce(undefined);
      stubPublishing();

      await service.ingest(inbound({ identityMeta: { businessConnectionId: 'bc-1' } }));

      expect(fastPath.appendToOpenConversation).not.toHaveBeenCalled();
      expect(conversations.lockByIdentity).not.toHaveBeenCalled();
      expect(contacts.upsertByIdentity).toHaveBeenCalledWith(
        fakeTx,
        expect.objectContaining({ externalId: 'visitor-42', meta: { businessConnectionId: 'bc-1' } }),
      );
      expect(publisher.messageAdded).toHaveBeenCalledWith(messageRow(), 'updated', current);
    });
  });

  describe('transactional path: a known identity', () => {
    it('locks the conversation by identity, skipping the contact upsert and openOrLock, authored by its contact', async () => {
      const known = { ...conversationRow({ id: 'cv-7', contact_id: 'ct-7', cycle: 2 }), contact_name: 'Known Name' };
      const message = messageRow({ conversation_id: 'cv-7', cycle: 2, author_id: 'ct-7', author_name: 'Known Name' });
      const current = listRow({ id: 'cv-7', contact_id: 'ct-7', cycle: 2, contact_name: 'Known Name' });
      fastPath.appendToOpenConversation.mockResolvedValueOnce(null);
      conversations.lockByIdentity.mockResolvedValueOnce(known);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(message);
      conversations.recordCustomerMessage.mockResolvedValueOnce(current);
      events.append.mockResolvedValueOnce(undefined);
      stubPublishing();

      const result = await service.ingest(inbound());

      expect(result).toEqual({ message, conversation: known, duplicate: false });
      expect(conversations.lockByIdentity).toHaveBeenCalledTimes(1);
      expect(conversations.lockByIdentity).toHaveBeenCalledWith(fakeTx, CHANNEL_ID, 'visitor-42');
      expect(contacts.upsertByIdentity).not.toHaveBeenCalled();
      expect(conversations.openOrLock).not.toHaveBeenCalled();
      expect(conversations.startNewCycle).not.toHaveBeenCalled();
      expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(
        fakeTx,
        expect.objectContaining({
          conversation_id: 'cv-7',
          cycle: 2,
          author_type: 'contact',
          author_id: 'ct-7',
          author_name: 'Known Name',
        }),
      );
      expect(conversations.recordCustomerMessage).toHaveBeenCalledWith(
        fakeTx,
        'cv-7',
        SENT_AT,
        'Is the sofa in stock?',
      );
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        {
          ...base,
          conversationId: 'cv-7',
          actorId: 'ct-7',
          cycle: 2,
          type: 'message_in',
          payload: { messageId: 'm-1' },
        },
      ]);
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(publisher.messageAdded).toHaveBeenCalledTimes(1);
      expect(publisher.messageAdded).toHaveBeenCalledWith(message, 'updated', current);
    });

    it('starts a new cycle when the locked conversation was resolved', async () => {
      const known = {
        ...conversationRow({ status: 'resolved', cycle: 2, resolved_at: new Date('2024-11-01T00:00:00.000Z') }),
        contact_name: 'Carl Customer',
      };
      const restarted = conversationRow({ status: 'open', cycle: 3 });
      const message = messageRow({ cycle: 3 });
      const current = listRow({ cycle: 3 });
      fastPath.appendToOpenConversation.mockResolvedValueOnce(null);
      conversations.lockByIdentity.mockResolvedValueOnce(known);
      conversations.startNewCycle.mockResolvedValueOnce(restarted);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(message);
      conversations.recordCustomerMessage.mockResolvedValueOnce(current);
      events.append.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockResolvedValue(undefined); // every cycle-start job
      stubPublishing();

      const result = await service.ingest(inbound());

      expect(result).toEqual({ message, conversation: restarted, duplicate: false });
      expect(jobs.enqueue).toHaveBeenCalledTimes(cycleJobCount(3));
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, cycleStartedJob(3));
      expect(contacts.upsertByIdentity).not.toHaveBeenCalled();
      expect(conversations.openOrLock).not.toHaveBeenCalled();
      expect(conversations.startNewCycle).toHaveBeenCalledWith(fakeTx, 'cv-1', SENT_AT);
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        { ...base, cycle: 3, type: 'reopened', payload: { previousCycle: 2 } },
        { ...base, cycle: 3, type: 'cycle_started' },
        { ...base, cycle: 3, type: 'message_in', payload: { messageId: 'm-1' } },
      ]);
      expect(publisher.messageAdded).toHaveBeenCalledWith(message, 'updated', current);
    });
  });
});
