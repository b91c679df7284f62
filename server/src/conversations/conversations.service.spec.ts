import type { AttachmentDto, ChannelType } from '@onebox/contracts';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { AttachmentsRepository } from '../attachments/attachments.repository';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { ContactsRepository, type ContactRow } from '../contacts/contacts.repository';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { CRM_MAX_ATTEMPTS } from '../crm/crm.constants';
import { DELIVERY_MAX_ATTEMPTS } from '../delivery/delivery.constants';
import { JobWorkerService } from '../jobs/job-worker.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { MessengerRegistry } from '../messengers/messenger-registry.service';
import { TagsRepository } from '../tags/tags.repository';
import { BotService } from '../bot/bot.service';
import { NotesService } from '../notes/notes.service';
import { UsersRepository, type UserRow } from '../users/users.repository';
import { ConversationEventsRepository } from './conversation-events.repository';
import { ConversationPublisher } from './conversation-publisher.service';
import { encodeCursor } from './conversations.dto';
import { ConversationsRepository, type ConversationListRow, type ConversationRow } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { resolutionJobs } from '../workflow/resolution-jobs';
import { RoutingChanges } from '../routing/offer-router';
import { CannedResponsesRepository } from '../canned/canned-responses.repository';
import { OfferSettlement } from '../routing/offer-settlement.service';
import { MessagesRepository, type MessageRow } from './messages.repository';

const WS = 'ws-1';
const CONVERSATION_ID = '0b7c1f0e-3a51-4d7e-9a59-6f3c1b2d4e01';
const CHANNEL_ID = 'c1a2b3c4-0000-4000-8000-000000000001';
const CONTACT_ID = 'c0c0c0c0-0000-4000-8000-000000000001';
const NOW = new Date('2024-11-21T10:00:00.000Z');

const manager: AuthUser = {
  id: 'u-manager',
  workspaceId: WS,
  role: 'manager',
  name: 'Mia Manager',
  email: 'mia@example.com',
};
const head: AuthUser = { id: 'u-head', workspaceId: WS, role: 'head', name: 'Hal Head', email: 'hal@example.com' };
const admin: AuthUser = { id: 'u-admin', workspaceId: WS, role: 'admin', name: 'Ada Admin', email: 'ada@example.com' };

type LockedConversation = ConversationRow & { channel_type: ChannelType };

/** A conversation as `lockVisible` answers it: with its channel's type. */
function conversationRow(overrides: Partial<LockedConversation> = {}): LockedConversation {
  const at = new Date('2024-11-20T09:00:00.000Z');
  return {
    channel_type: 'webchat',
    ...rows.conversationRow({
      id: CONVERSATION_ID,
      channel_id: CHANNEL_ID,
      contact_id: CONTACT_ID,
      cycle: 2,
      cycle_started_at: at,
      first_customer_message_at: at,
      last_customer_message_at: at,
      last_message_at: at,
      last_message_text: 'Hi, is the sofa in stock?',
      created_at: new Date('2024-11-01T08:00:00.000Z'),
      updated_at: at,
    }),
    ...overrides,
  };
}

const listRow = (o: Partial<ConversationListRow> = {}): ConversationListRow =>
  rows.listRow({ ...conversationRow(), cursor_at: '2024-11-20 09:00:00+00', ...o });

const messageRow = (o: Partial<MessageRow> = {}): MessageRow =>
  rows.outboundMessageRow({
    conversation_id: CONVERSATION_ID,
    channel_id: CHANNEL_ID,
    cycle: 2,
    author_id: manager.id,
    author_name: manager.name,
    ...o,
  });

const userRow = (o: Partial<UserRow> = {}): UserRow =>
  rows.userRow({
    id: 'u-other',
    email: 'olga@example.com',
    name: 'Olga Other',
    created_at: new Date('2024-01-01T00:00:00.000Z'),
    ...o,
  });

const attachment: AttachmentDto = {
  id: 'a-1',
  name: 'price-list.pdf',
  mimeType: 'application/pdf',
  size: 1200,
  url: '/files/a-1/price-list.pdf',
};

/** Settles `promise` and answers what it was rejected with. */
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

describe(ConversationsService.name, () => {
  const fakeTx = {} as Db;
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let conversations: ReturnType<typeof strictMock<ConversationsRepository>>;
  let messages: ReturnType<typeof strictMock<MessagesRepository>>;
  let events: ReturnType<typeof strictMock<ConversationEventsRepository>>;
  let contacts: ReturnType<typeof strictMock<ContactsRepository>>;
  let users: ReturnType<typeof strictMock<UsersRepository>>;
  let attachments: ReturnType<typeof strictMock<AttachmentsRepository>>;
  let jobs: ReturnType<typeof strictMock<JobsRepository>>;
  let worker: ReturnType<typeof strictMock<JobWorkerService>>;
  let publisher: ReturnType<typeof strictMock<ConversationPublisher>>;
  let messengers: ReturnType<typeof strictMock<MessengerRegistry>>;
  let tags: ReturnType<typeof strictMock<TagsRepository>>;
  let bot: ReturnType<typeof strictMock<BotService>>;
  let notes: ReturnType<typeof strictMock<NotesService>>;
  let offers: ReturnType<typeof strictMock<OfferSettlement>>;
  let canned: ReturnType<typeof strictMock<CannedResponsesRepository>>;
  let service: ConversationsService;

  beforeEach(() => {
    jest.useFakeTimers({
      now: NOW,
      doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'setTimeout', 'setInterval'],
    });
    tx = strictMock(TransactionService);
    conversations = strictMock(ConversationsRepository);
    messages = strictMock(MessagesRepository);
    events = strictMock(ConversationEventsRepository);
    contacts = strictMock(ContactsRepository);
    users = strictMock(UsersRepository);
    attachments = strictMock(AttachmentsRepository);
    jobs = strictMock(JobsRepository);
    worker = strictMock(JobWorkerService);
    publisher = strictMock(ConversationPublisher);
    messengers = strictMock(MessengerRegistry);
    tags = strictMock(TagsRepository);
    bot = strictMock(BotService);
    notes = strictMock(NotesService);
    // A pending routing offer is settled wherever the assignee changes; no offers unless a test says so.
    offers = strictMock(OfferSettlement);
    canned = strictMock(CannedResponsesRepository);
    offers.assigneeChanged.mockResolvedValue(new RoutingChanges());
    offers.publish.mockResolvedValue(undefined);
    // The bot and notes hooks have their own specs; here they only must not get in the way.
    bot.onHumanReply.mockResolvedValue(undefined);
    notes.recordNote.mockResolvedValue([]);
    tx.run.mockImplementation((work) => work(fakeTx));
    service = new ConversationsService(
      tx as unknown as TransactionService,
      conversations as unknown as ConversationsRepository,
      messages as unknown as MessagesRepository,
      events as unknown as ConversationEventsRepository,
      contacts as unknown as ContactsRepository,
      users as unknown as UsersRepository,
      attachments as unknown as AttachmentsRepository,
      jobs as unknown as JobsRepository,
      worker as unknown as JobWorkerService,
      publisher as unknown as ConversationPublisher,
      messengers as unknown as MessengerRegistry,
      tags as unknown as TagsRepository,
      bot as unknown as BotService,
      notes as unknown as NotesService,
      offers as unknown as OfferSettlement,
      canned as unknown as CannedResponsesRepository,
    );
  });

  afterEach(() => jest.useRealTimers());

  describe('list', () => {
    it('lists open conversations, 30 at a time, by default', async () => {
      conversations.list.mockResolvedValueOnce([listRow()]);

      const result = await service.list(head, {});

      expect(conversations.list).toHaveBeenCalledTimes(1);
      expect(conversations.list).toHaveBeenCalledWith(
        { workspaceId: WS, restrictToUserId: null },
        { status: 'open', limit: 30 },
      );
      const filter = conversations.list.mock.calls[0][1];
      expect(filter).not.toHaveProperty('q');
      expect(filter).not.toHaveProperty('assignee');
      expect(filter).not.toHaveProperty('after');
      expect(result.items.map((i) => i.id)).toEqual([CONVERSATION_ID]);
      expect(result.items[0]).toMatchObject({
        channel: { id: CHANNEL_ID, type: 'webchat', name: 'Website' },
        contact: { id: CONTACT_ID, name: 'Carl Customer' },
        assignee: null,
        lastMessage: {
          text: 'Hi, is the sofa in stock?',
          direction: 'in',
          author: null,
          createdAt: '2024-11-20T09:00:00.000Z',
        },
      });
      expect(result.nextCursor).toBeNull();
    });

    it.each([
      ['manager', manager, manager.id],
      ['head', head, null],
      ['admin', admin, null],
    ])('restricts a %s to own and unassigned conversations only when a manager', async (_, auth, restrictToUserId) => {
      conversations.list.mockResolvedValueOnce([]);

      await service.list(auth, {});

      expect(conversations.list).toHaveBeenCalledWith({ workspaceId: WS, restrictToUserId }, expect.anything());
    });

    it.each([
      ['me', { kind: 'user', id: head.id }],
      ['unassigned', { kind: 'unassigned' }],
      ['6f1c0d2e-1111-4222-8333-444455556666', { kind: 'user', id: '6f1c0d2e-1111-4222-8333-444455556666' }],
    ])('maps assignee=%s to the repository filter', async (assignee, expected) => {
      conversations.list.mockResolvedValueOnce([]);

      await service.list(head, { assignee });

      expect(conversations.list.mock.calls[0][1].assignee).toEqual(expected);
    });

    it('passes status, channel, tag, limit and the trimmed search text through', async () => {
      conversations.list.mockResolvedValueOnce([]);

      await service.list(head, { status: 'all', channelId: CHANNEL_ID, tag: 'vip', q: '  sofa  ', limit: 5 });

      expect(conversations.list).toHaveBeenCalledWith(
        { workspaceId: WS, restrictToUserId: null },
        { status: 'all', channelId: CHANNEL_ID, tag: 'vip', q: 'sofa', limit: 5 },
      );
    });

    it('leaves out a blank search text', async () => {
      conversations.list.mockResolvedValueOnce([]);

      await service.list(head, { q: '   ' });

      expect(conversations.list.mock.calls[0][1]).not.toHaveProperty('q');
    });

    it('continues after the position a cursor names', async () => {
      const cursor = encodeCursor({ cursor_at: '2024-11-19 08:30:00.123456+00', id: CONVERSATION_ID });
      conversations.list.mockResolvedValueOnce([]);

      await service.list(head, { cursor });

      expect(conversations.list.mock.calls[0][1].after).toEqual({
        at: '2024-11-19 08:30:00.123456+00',
        id: CONVERSATION_ID,
      });
    });

    it('answers 400 naming `cursor` for a cursor it did not issue, without querying', async () => {
      const err = await rejectionOf(service.list(head, { cursor: 'not-a-cursor' }));

      expectApiError(err, 400, 'validation_failed', 'cursor');
      expect(conversations.list).not.toHaveBeenCalled();
    });

    it('returns a next cursor pointing at the last item when the repository returned one extra row', async () => {
      const rows = [
        listRow({ id: 'aaaaaaaa-0000-4000-8000-000000000003', cursor_at: '2024-11-20 09:00:03.5+00' }),
        listRow({ id: 'aaaaaaaa-0000-4000-8000-000000000002', cursor_at: '2024-11-20 09:00:02.5+00' }),
        listRow({ id: 'aaaaaaaa-0000-4000-8000-000000000001', cursor_at: '2024-11-20 09:00:01.5+00' }),
      ];
      conversations.list.mockResolvedValueOnce(rows);

      const result = await service.list(head, { limit: 2 });

      expect(result.items.map((i) => i.id)).toEqual([rows[0].id, rows[1].id]);
      expect(result.nextCursor).toBe(encodeCursor(rows[1]));
      expect(JSON.parse(Buffer.from(result.nextCursor!, 'base64url').toString('utf8'))).toEqual([
        rows[1].cursor_at,
        rows[1].id,
      ]);
    });

    it('returns no next cursor when exactly a page came back', async () => {
      conversations.list.mockResolvedValueOnce([listRow({ id: 'aaaaaaaa-0000-4000-8000-000000000002' }), listRow()]);

      const result = await service.list(head, { limit: 2 });

      expect(result.items).toHaveLength(2);
      expect(result.nextCursor).toBeNull();
    });

    it('accepts the next cursor it handed out for the following page', async () => {
      const rows = [
        listRow({ id: 'aaaaaaaa-0000-4000-8000-000000000002', cursor_at: '2024-11-20 09:00:02.123456+00' }),
        listRow({ id: 'aaaaaaaa-0000-4000-8000-000000000001', cursor_at: '2024-11-20 09:00:01.5+00' }),
      ];
      conversations.list.mockResolvedValueOnce(rows).mockResolvedValueOnce([]);

      const first = await service.list(head, { limit: 1 });
      await service.list(head, { limit: 1, cursor: first.nextCursor! });

      expect(conversations.list.mock.calls[1][1].after).toEqual({
        at: '2024-11-20 09:00:02.123456+00',
        id: rows[0].id,
      });
    });
  });

  describe('get', () => {
    const contact: ContactRow = {
      id: CONTACT_ID,
      workspace_id: WS,
      name: 'Carl Customer',
      email: 'carl@example.com',
      phone: null,
      created_at: new Date('2024-11-01T08:00:00.000Z'),
    };

    it('answers 404 when the conversation is not visible, and looks up nothing else', async () => {
      conversations.findVisible.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.get(manager, CONVERSATION_ID));

      expectApiError(err, 404, 'not_found');
      expect(conversations.findVisible).toHaveBeenCalledWith(
        { workspaceId: WS, restrictToUserId: manager.id },
        CONVERSATION_ID,
      );
      expect(contacts.findInWorkspace).not.toHaveBeenCalled();
      expect(conversations.listOfContact).not.toHaveBeenCalled();
    });

    it('answers the conversation with its contact, identities, cycle and visible past conversations', async () => {
      const visibility = { workspaceId: WS, restrictToUserId: manager.id };
      conversations.findVisible.mockResolvedValueOnce(
        listRow({ first_human_reply_at: new Date('2024-11-20T09:05:00.000Z') }),
      );
      contacts.findInWorkspace.mockResolvedValueOnce(contact);
      contacts.listIdentities.mockResolvedValueOnce([
        { channel_id: CHANNEL_ID, channel_type: 'webchat', external_id: 'visitor-1', username: null },
      ]);
      const past = listRow({
        id: 'bbbbbbbb-0000-4000-8000-000000000001',
        channel_type: 'telegram',
        channel_name: 'TG',
        status: 'resolved',
      });
      conversations.listOfContact.mockResolvedValueOnce([past]);
      messengers.messagingWindow.mockReturnValueOnce(null);

      const detail = await service.get(manager, CONVERSATION_ID);

      expect(contacts.findInWorkspace).toHaveBeenCalledWith(WS, CONTACT_ID);
      expect(messengers.messagingWindow).toHaveBeenCalledWith('webchat', new Date('2024-11-20T09:00:00.000Z'), NOW);
      expect(contacts.listIdentities).toHaveBeenCalledWith(WS, CONTACT_ID);
      expect(conversations.listOfContact).toHaveBeenCalledWith(visibility, CONTACT_ID, CONVERSATION_ID);
      expect(detail).toMatchObject({
        id: CONVERSATION_ID,
        contact: {
          id: CONTACT_ID,
          name: 'Carl Customer',
          email: 'carl@example.com',
          phone: null,
          identities: [{ channelId: CHANNEL_ID, channelType: 'webchat', externalId: 'visitor-1' }],
          createdAt: '2024-11-01T08:00:00.000Z',
        },
        cycle: 2,
        cycleStartedAt: '2024-11-20T09:00:00.000Z',
        firstCustomerMessageAt: '2024-11-20T09:00:00.000Z',
        firstHumanReplyAt: '2024-11-20T09:05:00.000Z',
        resolvedAt: null,
        messagingWindow: null,
        pastConversations: [
          {
            id: past.id,
            channel: { id: CHANNEL_ID, type: 'telegram', name: 'TG' },
            status: 'resolved',
            lastMessageAt: '2024-11-20T09:00:00.000Z',
          },
        ],
      });
    });

    it('answers the messaging window of a WhatsApp conversation', async () => {
      const lastCustomerMessageAt = new Date('2024-11-21T08:00:00.000Z');
      const window = { hours: 24, closesAt: '2024-11-22T08:00:00.000Z', open: true };
      conversations.findVisible.mockResolvedValueOnce(
        listRow({ channel_type: 'whatsapp', last_customer_message_at: lastCustomerMessageAt }),
      );
      contacts.findInWorkspace.mockResolvedValueOnce(contact);
      contacts.listIdentities.mockResolvedValueOnce([]);
      conversations.listOfContact.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(window);

      const detail = await service.get(head, CONVERSATION_ID);

      expect(messengers.messagingWindow).toHaveBeenCalledWith('whatsapp', lastCustomerMessageAt, NOW);
      expect(detail.messagingWindow).toEqual(window);
    });

    it('answers 404 when the contact is gone', async () => {
      conversations.findVisible.mockResolvedValueOnce(listRow());
      contacts.findInWorkspace.mockResolvedValueOnce(null);
      contacts.listIdentities.mockResolvedValueOnce([]);
      conversations.listOfContact.mockResolvedValueOnce([]);

      expectApiError(await rejectionOf(service.get(head, CONVERSATION_ID)), 404, 'not_found');
    });
  });

  describe('listMessages', () => {
    it('answers 404 when the conversation is not visible, without reading messages', async () => {
      conversations.findVisible.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.listMessages(manager, CONVERSATION_ID, {})), 404, 'not_found');
      expect(messages.listThread).not.toHaveBeenCalled();
    });

    it('asks for one row more than the page and answers the page oldest first with hasMore', async () => {
      conversations.findVisible.mockResolvedValueOnce(listRow());
      messages.listThread.mockResolvedValueOnce([
        messageRow({ id: 'm-3' }),
        messageRow({ id: 'm-2' }),
        messageRow({ id: 'm-1' }),
      ]);

      const result = await service.listMessages(head, CONVERSATION_ID, { limit: 2, before: 'm-4' });

      expect(messages.listThread).toHaveBeenCalledWith(WS, CONVERSATION_ID, {
        beforeId: 'm-4',
        limit: 3,
        includePrivate: true,
      });
      expect(result.items.map((m) => m.id)).toEqual(['m-2', 'm-3']);
      expect(result.hasMore).toBe(true);
    });

    it('says there is no more when the rows fit in the page', async () => {
      conversations.findVisible.mockResolvedValueOnce(listRow());
      messages.listThread.mockResolvedValueOnce([messageRow({ id: 'm-2' }), messageRow({ id: 'm-1' })]);

      const result = await service.listMessages(head, CONVERSATION_ID, {});

      expect(messages.listThread).toHaveBeenCalledWith(WS, CONVERSATION_ID, {
        beforeId: undefined,
        limit: 31,
        includePrivate: true,
      });
      expect(result.items.map((m) => m.id)).toEqual(['m-1', 'm-2']);
      expect(result.hasMore).toBe(false);
    });
  });

  describe('send', () => {
    it("rejects a cannedResponseId the sender cannot use (another's personal one, another workspace's), writing nothing", async () => {
      canned.findUsable.mockResolvedValueOnce(null);
      await expect(
        service.send(manager, CONVERSATION_ID, { text: 'Hi', cannedResponseId: 'cr-x' }),
      ).rejects.toMatchObject({ response: { details: [expect.objectContaining({ field: 'cannedResponseId' })] } });
      expect(tx.run).not.toHaveBeenCalled();
    });

    const visibility = { workspaceId: WS, restrictToUserId: manager.id };

    /** A public reply is published with one read: the message and the conversation it changed. */
    function stubPublishing(): void {
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.messageAdded.mockResolvedValueOnce(undefined);
    }

    it('answers 400 naming `text` for an empty message without opening a transaction', async () => {
      const err = await rejectionOf(service.send(manager, CONVERSATION_ID, { text: '   ' }));

      expectApiError(err, 400, 'validation_failed', 'text');
      expect(tx.run).not.toHaveBeenCalled();
    });

    it('answers 404 when the conversation is not visible and writes nothing', async () => {
      conversations.lockVisible.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.send(manager, CONVERSATION_ID, { text: 'Hello', clientMessageId: 'c-1' }));

      expectApiError(err, 404, 'not_found');
      expect(conversations.lockVisible).toHaveBeenCalledWith(fakeTx, visibility, CONVERSATION_ID);
      expect(messages.insertUnlessDuplicate).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(events.append).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.messageAdded).not.toHaveBeenCalled();
      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });

    it('answers the stored message for a repeated clientMessageId and writes, enqueues and publishes nothing', async () => {
      const stored = messageRow({ id: 'm-stored', status: 'sent', client_message_id: 'c-1' });
      conversations.lockVisible.mockResolvedValueOnce(conversationRow());
      messages.findByClientMessageId.mockResolvedValueOnce(stored);

      const result = await service.send(manager, CONVERSATION_ID, { text: 'Hello', clientMessageId: 'c-1' });

      expect(messages.findByClientMessageId).toHaveBeenCalledWith(fakeTx, WS, CONVERSATION_ID, 'c-1');
      expect(result).toMatchObject({ id: 'm-stored', status: 'sent', clientMessageId: 'c-1' });
      expect(attachments.findOwned).not.toHaveBeenCalled();
      expect(messages.insertUnlessDuplicate).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.messageAdded).not.toHaveBeenCalled();
      expect(publisher.messageChanged).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
    });

    it('stores a public reply queued with its delivery job, takes the unassigned conversation and publishes', async () => {
      const inserted = messageRow({
        id: 'm-new',
        text: 'Hello there',
        client_message_id: 'c-1',
        canned_response_id: 'cr-1',
      });
      conversations.lockVisible.mockResolvedValueOnce(
        conversationRow({ assignee_id: null, first_human_reply_at: null }),
      );
      messages.findByClientMessageId.mockResolvedValueOnce(null);
      attachments.findOwned.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(null);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(inserted);
      jobs.enqueue.mockResolvedValueOnce(undefined).mockResolvedValueOnce(undefined);
      conversations.recordAgentMessage.mockResolvedValueOnce(undefined);
      conversations.setAssignee.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      stubPublishing();
      canned.findUsable.mockResolvedValueOnce({ id: 'cr-1' } as Awaited<
        ReturnType<CannedResponsesRepository['findUsable']>
      >);

      const result = await service.send(manager, CONVERSATION_ID, {
        text: '  Hello there ',
        clientMessageId: 'c-1',
        cannedResponseId: 'cr-1',
      });

      expect(canned.findUsable).toHaveBeenCalledWith(WS, manager.id, 'cr-1');

      expect(tx.run).toHaveBeenCalledTimes(1);
      // The FAQ bot learns of the human reply in the same transaction (it hands over if it was answering).
      expect(bot.onHumanReply).toHaveBeenCalledWith(fakeTx, expect.objectContaining({ id: CONVERSATION_ID }), NOW);
      expect(attachments.findOwned).toHaveBeenCalledWith(WS, { type: 'agent', ref: manager.id }, [], fakeTx);
      expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(fakeTx, {
        workspace_id: WS,
        conversation_id: CONVERSATION_ID,
        channel_id: CHANNEL_ID,
        cycle: 2,
        direction: 'out',
        author_type: 'agent',
        author_id: manager.id,
        author_name: manager.name,
        text: 'Hello there',
        attachments: [],
        status: 'queued',
        private: false,
        external_id: null,
        client_message_id: 'c-1',
        canned_response_id: 'cr-1',
        template: null,
        created_at: NOW,
      });
      expect(messengers.messagingWindow).toHaveBeenCalledWith('webchat', new Date('2024-11-20T09:00:00.000Z'), NOW);
      expect(jobs.enqueue).toHaveBeenCalledTimes(2);
      expect(jobs.enqueue).toHaveBeenNthCalledWith(1, fakeTx, {
        workspaceId: WS,
        queue: 'deliver',
        maxAttempts: DELIVERY_MAX_ATTEMPTS,
        payload: { messageId: 'm-new', conversationId: CONVERSATION_ID },
      });
      expect(conversations.recordAgentMessage).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, NOW, 'Hello there', true, {
        id: 'u-manager',
        name: 'Mia Manager',
      });
      expect(conversations.setAssignee).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, manager.id);
      // Taking the conversation on first reply: its CRM deal follows the new manager.
      expect(jobs.enqueue).toHaveBeenNthCalledWith(2, fakeTx, {
        workspaceId: WS,
        queue: 'crm',
        payload: { action: 'assigned', conversationId: CONVERSATION_ID, cycle: 2, assigneeId: manager.id },
        maxAttempts: CRM_MAX_ATTEMPTS,
      });
      const base = {
        workspaceId: WS,
        conversationId: CONVERSATION_ID,
        channelId: CHANNEL_ID,
        cycle: 2,
        at: NOW,
        actorType: 'agent',
        actorId: manager.id,
      };
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        { ...base, type: 'assigned', payload: { from: null, to: manager.id, reason: 'first_reply' } },
        { ...base, type: 'human_reply', payload: { messageId: 'm-new', cannedResponseId: 'cr-1', firstInCycle: true } },
      ]);
      expect(worker.nudge).toHaveBeenCalledTimes(1);
      expect(publisher.messageAdded).toHaveBeenCalledTimes(1);
      expect(publisher.messageAdded).toHaveBeenCalledWith(inserted, 'updated');
      expect(publisher.messageChanged).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
      expect(result).toEqual({
        id: 'm-new',
        conversationId: CONVERSATION_ID,
        direction: 'out',
        author: { type: 'agent', id: manager.id, name: manager.name },
        text: 'Hello there',
        attachments: [],
        status: 'queued',
        error: null,
        private: false,
        clientMessageId: 'c-1',
        editedAt: null,
        template: null,
        createdAt: NOW.toISOString(),
      });
    });

    it('leaves an assigned conversation with its assignee and records a later reply as not first in cycle', async () => {
      conversations.lockVisible.mockResolvedValueOnce(
        conversationRow({ assignee_id: 'u-other', first_human_reply_at: new Date('2024-11-20T09:01:00.000Z') }),
      );
      attachments.findOwned.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(null);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(messageRow({ id: 'm-new' }));
      jobs.enqueue.mockResolvedValueOnce(undefined);
      conversations.recordAgentMessage.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      stubPublishing();

      await service.send(head, CONVERSATION_ID, { text: 'Hello' });

      expect(messages.findByClientMessageId).not.toHaveBeenCalled();
      expect(conversations.setAssignee).not.toHaveBeenCalled();
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        expect.objectContaining({
          type: 'human_reply',
          payload: { messageId: 'm-new', cannedResponseId: null, firstInCycle: false },
        }),
      ]);
    });

    it('stores a private note as sent, with no job, no conversation update and no conversation broadcast', async () => {
      const note = messageRow({ id: 'm-note', status: 'sent', private: true, text: 'Call him tomorrow' });
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ assignee_id: null }));
      attachments.findOwned.mockResolvedValueOnce([]);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(note);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      const result = await service.send(manager, CONVERSATION_ID, { text: 'Call him tomorrow', private: true });

      expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(
        fakeTx,
        expect.objectContaining({ status: 'sent', private: true, text: 'Call him tomorrow', client_message_id: null }),
      );
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(conversations.recordAgentMessage).not.toHaveBeenCalled();
      expect(conversations.setAssignee).not.toHaveBeenCalled();
      expect(events.append).not.toHaveBeenCalled();
      expect(publisher.messageChanged).toHaveBeenCalledTimes(1);
      expect(publisher.messageChanged).toHaveBeenCalledWith(note, 'created');
      expect(publisher.messageAdded).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
      expect(result).toMatchObject({ id: 'm-note', status: 'sent', private: true });
    });

    it('records a private note’s mentions in its transaction and notifies them after the commit', async () => {
      const note = messageRow({ id: 'm-note', status: 'sent', private: true, text: '@Anna look' });
      const conversation = conversationRow();
      const stored = [{ id: 'mn-1', user_id: 'u-anna' }] as Awaited<ReturnType<NotesService['recordNote']>>;
      conversations.lockVisible.mockResolvedValueOnce(conversation);
      attachments.findOwned.mockResolvedValueOnce([]);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(note);
      notes.recordNote.mockReset().mockResolvedValueOnce(stored);
      notes.notify.mockReturnValueOnce(undefined);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      await service.send(manager, CONVERSATION_ID, { text: '@Anna look', private: true, mentionedUserIds: ['u-anna'] });

      expect(notes.recordNote).toHaveBeenCalledWith(fakeTx, manager, conversation, note, ['u-anna']);
      expect(notes.notify).toHaveBeenCalledWith(stored);
      expect(bot.onHumanReply).not.toHaveBeenCalled();
    });

    it('answers 400 naming `mentionedUserIds` on a public reply, before opening a transaction', async () => {
      const err = await rejectionOf(
        service.send(manager, CONVERSATION_ID, { text: 'hi', mentionedUserIds: ['u-anna'] }),
      );

      expectApiError(err, 400, 'validation_failed', 'mentionedUserIds');
      expect(tx.run).not.toHaveBeenCalled();
    });

    it('answers 400 naming `attachmentIds` when one is not the agent’s own upload, and inserts nothing', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow());
      attachments.findOwned.mockResolvedValueOnce([attachment]);

      const err = await rejectionOf(
        service.send(manager, CONVERSATION_ID, { text: 'See attached', attachmentIds: ['a-1', 'a-unknown'] }),
      );

      expectApiError(err, 400, 'validation_failed', 'attachmentIds');
      expect(attachments.findOwned).toHaveBeenCalledWith(
        WS,
        { type: 'agent', ref: manager.id },
        ['a-1', 'a-unknown'],
        fakeTx,
      );
      expect(messages.insertUnlessDuplicate).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
    });

    it('sends attachments without text, asking once per distinct id, and previews the first file name', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ assignee_id: manager.id }));
      attachments.findOwned.mockResolvedValueOnce([attachment]);
      messengers.messagingWindow.mockReturnValueOnce(null);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(
        messageRow({ id: 'm-new', text: '', attachments: [attachment] }),
      );
      jobs.enqueue.mockResolvedValueOnce(undefined);
      conversations.recordAgentMessage.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      stubPublishing();

      const result = await service.send(manager, CONVERSATION_ID, { text: '', attachmentIds: ['a-1', 'a-1'] });

      expect(attachments.findOwned).toHaveBeenCalledWith(WS, { type: 'agent', ref: manager.id }, ['a-1'], fakeTx);
      expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(
        fakeTx,
        expect.objectContaining({ text: '', attachments: [attachment] }),
      );
      expect(conversations.recordAgentMessage).toHaveBeenCalledWith(
        fakeTx,
        CONVERSATION_ID,
        NOW,
        '📎 price-list.pdf',
        true,
        { id: 'u-manager', name: 'Mia Manager' },
      );
      expect(result.attachments).toEqual([attachment]);
    });

    it('answers the concurrently stored message when the insert lost the clientMessageId race', async () => {
      const winner = messageRow({ id: 'm-winner', client_message_id: 'c-1' });
      conversations.lockVisible.mockResolvedValueOnce(conversationRow());
      messages.findByClientMessageId.mockResolvedValueOnce(null).mockResolvedValueOnce(winner);
      attachments.findOwned.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(null);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(null);

      const result = await service.send(manager, CONVERSATION_ID, { text: 'Hello', clientMessageId: 'c-1' });

      expect(messages.findByClientMessageId).toHaveBeenCalledTimes(2);
      expect(messages.findByClientMessageId).toHaveBeenNthCalledWith(2, fakeTx, WS, CONVERSATION_ID, 'c-1');
      expect(result.id).toBe('m-winner');
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.messageAdded).not.toHaveBeenCalled();
      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });

    it('publishes nothing when the transaction fails', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow());
      attachments.findOwned.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(null);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(messageRow());
      jobs.enqueue.mockRejectedValueOnce(new Error('connection lost'));

      await expect(service.send(manager, CONVERSATION_ID, { text: 'Hello' })).rejects.toThrow('connection lost');

      expect(conversations.recordAgentMessage).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.messageAdded).not.toHaveBeenCalled();
      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });
  });

  describe('send through a messaging window (WhatsApp)', () => {
    const lastCustomerMessageAt = new Date('2024-11-19T09:00:00.000Z');
    const closed = { hours: 24, closesAt: '2024-11-20T09:00:00.000Z', open: false };
    const open = { hours: 24, closesAt: '2024-11-22T09:00:00.000Z', open: true };
    const template = { name: 'order_ready', language: 'ru', parameters: ['A-17', 'tomorrow'] };

    function whatsappConversation(): LockedConversation {
      return conversationRow({
        channel_type: 'whatsapp',
        assignee_id: manager.id,
        first_human_reply_at: new Date('2024-11-19T09:05:00.000Z'),
        last_customer_message_at: lastCustomerMessageAt,
      });
    }

    /** Stubs the writes after the message insert of a public reply to an assigned conversation. */
    function stubReplyWrites(): void {
      jobs.enqueue.mockResolvedValueOnce(undefined);
      conversations.recordAgentMessage.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.messageAdded.mockResolvedValueOnce(undefined);
    }

    it('answers 409 window_closed naming `template` for free text after the window closed, and writes nothing', async () => {
      conversations.lockVisible.mockResolvedValueOnce(whatsappConversation());
      attachments.findOwned.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(closed);

      const err = await rejectionOf(service.send(manager, CONVERSATION_ID, { text: 'Are you still there?' }));

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(409);
      expect(err.code).toBe('window_closed');
      expect(err.details).toEqual([{ field: 'template', message: expect.any(String) }]);
      expect(err.message).toContain('24-hour window');
      expect(messengers.messagingWindow).toHaveBeenCalledWith('whatsapp', lastCustomerMessageAt, NOW);
      expect(messages.insertUnlessDuplicate).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(conversations.recordAgentMessage).not.toHaveBeenCalled();
      expect(events.append).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.messageAdded).not.toHaveBeenCalled();
      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });

    it('sends free text while the window is open', async () => {
      const inserted = messageRow({ id: 'm-new', text: 'Yes, in stock' });
      conversations.lockVisible.mockResolvedValueOnce(whatsappConversation());
      attachments.findOwned.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(open);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(inserted);
      stubReplyWrites();

      const result = await service.send(manager, CONVERSATION_ID, { text: 'Yes, in stock' });

      expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(
        fakeTx,
        expect.objectContaining({ text: 'Yes, in stock', template: null, status: 'queued' }),
      );
      expect(publisher.messageAdded).toHaveBeenCalledWith(inserted, 'updated');
      expect(result.id).toBe('m-new');
    });

    it('accepts a template after the window closed: stored with the template and a text summary, then queued', async () => {
      const inserted = messageRow({ id: 'm-tpl', text: 'Template order_ready (ru): A-17, tomorrow', template });
      conversations.lockVisible.mockResolvedValueOnce(whatsappConversation());
      attachments.findOwned.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(closed);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(inserted);
      stubReplyWrites();

      const result = await service.send(manager, CONVERSATION_ID, { text: '', template });

      expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(fakeTx, {
        workspace_id: WS,
        conversation_id: CONVERSATION_ID,
        channel_id: CHANNEL_ID,
        cycle: 2,
        direction: 'out',
        author_type: 'agent',
        author_id: manager.id,
        author_name: manager.name,
        text: 'Template order_ready (ru): A-17, tomorrow',
        attachments: [],
        status: 'queued',
        private: false,
        external_id: null,
        client_message_id: null,
        canned_response_id: null,
        template,
        created_at: NOW,
      });
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: WS,
        queue: 'deliver',
        maxAttempts: DELIVERY_MAX_ATTEMPTS,
        payload: { messageId: 'm-tpl', conversationId: CONVERSATION_ID },
      });
      expect(conversations.recordAgentMessage).toHaveBeenCalledWith(
        fakeTx,
        CONVERSATION_ID,
        NOW,
        'Template order_ready (ru): A-17, tomorrow',
        true,
        { id: 'u-manager', name: 'Mia Manager' },
      );
      expect(publisher.messageAdded).toHaveBeenCalledWith(inserted, 'updated');
      expect(result).toMatchObject({ id: 'm-tpl', template, status: 'queued' });
    });

    it('summarizes a template without parameters by name and language', async () => {
      conversations.lockVisible.mockResolvedValueOnce(whatsappConversation());
      attachments.findOwned.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(closed);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(messageRow({ id: 'm-tpl' }));
      stubReplyWrites();

      await service.send(manager, CONVERSATION_ID, {
        text: '  ',
        template: { name: 'hello_world', language: 'en_US' },
      });

      expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(
        fakeTx,
        expect.objectContaining({
          text: 'Template hello_world (en_US)',
          template: { name: 'hello_world', language: 'en_US', parameters: [] },
        }),
      );
    });

    it('answers 400 naming `template` for a template on a channel without templates, and writes nothing', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ channel_type: 'telegram' }));
      attachments.findOwned.mockResolvedValueOnce([]);
      messengers.messagingWindow.mockReturnValueOnce(null);

      const err = await rejectionOf(service.send(manager, CONVERSATION_ID, { text: '', template }));

      expectApiError(err, 400, 'validation_failed', 'template');
      expect(messengers.messagingWindow).toHaveBeenCalledWith('telegram', new Date('2024-11-20T09:00:00.000Z'), NOW);
      expect(messages.insertUnlessDuplicate).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
    });

    it('answers 400 naming `template` for a private note sent as a template, before opening a transaction', async () => {
      const err = await rejectionOf(service.send(manager, CONVERSATION_ID, { text: '', template, private: true }));

      expectApiError(err, 400, 'validation_failed', 'template');
      expect(tx.run).not.toHaveBeenCalled();
    });

    it('stores a private note whatever the window, without asking for it', async () => {
      const note = messageRow({ id: 'm-note', status: 'sent', private: true, text: 'Window closed, call instead' });
      conversations.lockVisible.mockResolvedValueOnce(whatsappConversation());
      attachments.findOwned.mockResolvedValueOnce([]);
      messages.insertUnlessDuplicate.mockResolvedValueOnce(note);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      const result = await service.send(manager, CONVERSATION_ID, {
        text: 'Window closed, call instead',
        private: true,
      });

      expect(messengers.messagingWindow).not.toHaveBeenCalled();
      expect(messages.insertUnlessDuplicate).toHaveBeenCalledWith(
        fakeTx,
        expect.objectContaining({ private: true, status: 'sent', template: null }),
      );
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(publisher.messageChanged).toHaveBeenCalledWith(note, 'created');
      expect(publisher.messageAdded).not.toHaveBeenCalled();
      expect(result).toMatchObject({ id: 'm-note', private: true });
    });
  });

  describe('retry', () => {
    const MESSAGE_ID = 'aaaaaaaa-1111-4222-8333-444455556666';

    it('requeues a failed message with a new delivery job, nudges the worker and publishes it', async () => {
      const requeued = messageRow({ id: MESSAGE_ID, status: 'queued' });
      conversations.lockVisible.mockResolvedValueOnce(conversationRow());
      messages.requeueFailed.mockResolvedValueOnce(requeued);
      jobs.enqueue.mockResolvedValueOnce(undefined);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      const result = await service.retry(manager, CONVERSATION_ID, MESSAGE_ID);

      expect(tx.run).toHaveBeenCalledTimes(1);
      expect(conversations.lockVisible).toHaveBeenCalledWith(
        fakeTx,
        { workspaceId: WS, restrictToUserId: manager.id },
        CONVERSATION_ID,
      );
      expect(messages.requeueFailed).toHaveBeenCalledWith(fakeTx, WS, CONVERSATION_ID, MESSAGE_ID);
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: WS,
        queue: 'deliver',
        maxAttempts: DELIVERY_MAX_ATTEMPTS,
        payload: { messageId: MESSAGE_ID, conversationId: CONVERSATION_ID },
      });
      expect(worker.nudge).toHaveBeenCalledTimes(1);
      expect(publisher.messageChanged).toHaveBeenCalledWith(requeued, 'updated');
      expect(result).toMatchObject({ id: MESSAGE_ID, status: 'queued', error: null });
    });

    it('answers 409 not_failed for a message that has not failed, and enqueues nothing', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow());
      messages.requeueFailed.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.retry(manager, CONVERSATION_ID, MESSAGE_ID));

      expectApiError(err, 409, 'not_failed');
      expect(messages.requeueFailed).toHaveBeenCalledWith(fakeTx, WS, CONVERSATION_ID, MESSAGE_ID);
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });

    it('answers 404 when the conversation is not visible, and touches no message', async () => {
      conversations.lockVisible.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.retry(manager, CONVERSATION_ID, MESSAGE_ID));

      expectApiError(err, 404, 'not_found');
      expect(messages.requeueFailed).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });
  });

  describe('assign', () => {
    it('answers 403 when a manager assigns someone else, before opening a transaction', async () => {
      const err = await rejectionOf(service.assign(manager, CONVERSATION_ID, { assigneeId: 'u-other' }));

      expectApiError(err, 403, 'forbidden');
      expect(tx.run).not.toHaveBeenCalled();
    });

    it('answers 404 when the conversation is not visible', async () => {
      conversations.lockVisible.mockResolvedValueOnce(null);

      expectApiError(
        await rejectionOf(service.assign(manager, CONVERSATION_ID, { assigneeId: manager.id })),
        404,
        'not_found',
      );
      expect(conversations.lockVisible).toHaveBeenCalledWith(
        fakeTx,
        { workspaceId: WS, restrictToUserId: manager.id },
        CONVERSATION_ID,
      );
    });

    it('answers 400 naming `assigneeId` for a user outside the workspace, and changes nothing', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow());
      users.findInWorkspace.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.assign(head, CONVERSATION_ID, { assigneeId: 'u-stranger' }));

      expectApiError(err, 400, 'validation_failed', 'assigneeId');
      expect(users.findInWorkspace).toHaveBeenCalledWith(WS, 'u-stranger', fakeTx);
      expect(conversations.setAssignee).not.toHaveBeenCalled();
      expect(events.append).not.toHaveBeenCalled();
    });

    it('does nothing when the conversation already has that assignee', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ assignee_id: 'u-other' }));
      users.findInWorkspace.mockResolvedValueOnce(userRow());

      await service.assign(head, CONVERSATION_ID, { assigneeId: 'u-other' });

      expect(conversations.setAssignee).not.toHaveBeenCalled();
      expect(events.append).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
    });

    it('nudges the job worker after commit when the CRM assignment job was enqueued', async () => {
      const calls: string[] = [];
      tx.run.mockImplementationOnce(async (work) => {
        calls.push('begin');
        const result = await work(fakeTx);
        calls.push('commit');
        return result;
      });
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ assignee_id: 'u-previous' }));
      users.findInWorkspace.mockResolvedValueOnce(userRow());
      conversations.setAssignee.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockImplementationOnce(async () => {
        calls.push('enqueue');
      });
      worker.nudge.mockImplementationOnce(() => {
        calls.push('nudge');
      });
      publisher.conversationChanged.mockImplementationOnce(async () => {
        calls.push('publish');
      });

      await service.assign(head, CONVERSATION_ID, { assigneeId: 'u-other' });

      expect(worker.nudge).toHaveBeenCalledTimes(1);
      expect(calls).toEqual(['begin', 'enqueue', 'commit', 'nudge', 'publish']);
    });

    it('settles a pending routing offer in the transaction and publishes it after commit', async () => {
      const calls: string[] = [];
      const settled = new RoutingChanges();
      tx.run.mockImplementationOnce(async (work) => {
        const result = await work(fakeTx);
        calls.push('commit');
        return result;
      });
      const row = conversationRow({ assignee_id: null });
      conversations.lockVisible.mockResolvedValueOnce(row);
      users.findInWorkspace.mockResolvedValueOnce(userRow());
      conversations.setAssignee.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockResolvedValueOnce(undefined);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.conversationChanged.mockResolvedValueOnce(undefined);
      offers.assigneeChanged.mockImplementationOnce(async () => {
        calls.push('settle');
        return settled;
      });
      offers.publish.mockImplementationOnce(async () => {
        calls.push('publish offers');
      });

      await service.assign(head, CONVERSATION_ID, { assigneeId: 'u-other' });

      expect(offers.assigneeChanged).toHaveBeenCalledWith(fakeTx, row, 'u-other');
      expect(offers.publish).toHaveBeenCalledWith(settled);
      expect(calls).toEqual(['settle', 'commit', 'publish offers']);
    });

    it('does not nudge the job worker when the transaction fails', async () => {
      const error = new Error('database is down');
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ assignee_id: 'u-previous' }));
      users.findInWorkspace.mockResolvedValueOnce(userRow());
      conversations.setAssignee.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockRejectedValueOnce(error);

      await expect(service.assign(head, CONVERSATION_ID, { assigneeId: 'u-other' })).rejects.toBe(error);

      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
    });

    it('reassigns, records the assigned event and tells the previous assignee', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ assignee_id: 'u-previous' }));
      users.findInWorkspace.mockResolvedValueOnce(userRow());
      conversations.setAssignee.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockResolvedValueOnce(undefined);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.conversationChanged.mockResolvedValueOnce(undefined);

      await service.assign(head, CONVERSATION_ID, { assigneeId: 'u-other' });

      expect(conversations.setAssignee).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, 'u-other');
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        {
          workspaceId: WS,
          conversationId: CONVERSATION_ID,
          channelId: CHANNEL_ID,
          cycle: 2,
          type: 'assigned',
          actorType: 'agent',
          actorId: head.id,
          at: NOW,
          payload: { from: 'u-previous', to: 'u-other' },
        },
      ]);
      expect(jobs.enqueue).toHaveBeenCalledTimes(1);
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: WS,
        queue: 'crm',
        payload: { action: 'assigned', conversationId: CONVERSATION_ID, cycle: 2, assigneeId: 'u-other' },
        maxAttempts: CRM_MAX_ATTEMPTS,
      });
      expect(worker.nudge).toHaveBeenCalledTimes(1);
      expect(publisher.conversationChanged).toHaveBeenCalledWith(CONVERSATION_ID, 'updated', 'u-previous');
    });

    it('lets a manager take a conversation', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ assignee_id: null }));
      users.findInWorkspace.mockResolvedValueOnce(userRow({ id: manager.id }));
      conversations.setAssignee.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockResolvedValueOnce(undefined);
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.conversationChanged.mockResolvedValueOnce(undefined);

      await service.assign(manager, CONVERSATION_ID, { assigneeId: manager.id });

      expect(conversations.setAssignee).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, manager.id);
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: WS,
        queue: 'crm',
        payload: { action: 'assigned', conversationId: CONVERSATION_ID, cycle: 2, assigneeId: manager.id },
        maxAttempts: CRM_MAX_ATTEMPTS,
      });
      expect(worker.nudge).toHaveBeenCalledTimes(1);
      expect(publisher.conversationChanged).toHaveBeenCalledWith(CONVERSATION_ID, 'updated', null);
    });

    it('unassigns without looking up a user', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ assignee_id: manager.id }));
      conversations.setAssignee.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      publisher.conversationChanged.mockResolvedValueOnce(undefined);

      await service.assign(manager, CONVERSATION_ID, { assigneeId: null });

      expect(users.findInWorkspace).not.toHaveBeenCalled();
      expect(conversations.setAssignee).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, null);
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        expect.objectContaining({ type: 'assigned', payload: { from: manager.id, to: null } }),
      ]);
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).toHaveBeenCalledWith(CONVERSATION_ID, 'updated', manager.id);
    });
  });

  describe('setStatus', () => {
    /** The CRM job a resolution enqueues: the cycle's transcript goes to its deal. */
    const transcriptJob = {
      workspaceId: WS,
      queue: 'crm',
      payload: { action: 'transcript', conversationId: CONVERSATION_ID, cycle: 2 },
      maxAttempts: CRM_MAX_ATTEMPTS,
    };

    function stubChange(resolving: boolean): void {
      conversations.setStatus.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      if (resolving) jobs.enqueue.mockResolvedValue(undefined); // every resolution job
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.conversationChanged.mockResolvedValueOnce(undefined);
    }

    it('marks the resolution of a cycle only the FAQ bot answered as botOnly (containment)', async () => {
      conversations.lockVisible.mockResolvedValueOnce(
        conversationRow({ status: 'open', first_human_reply_at: null, bot_state: 'active', bot_cycle: 2 }),
      );
      stubChange(true);

      await service.setStatus(head, CONVERSATION_ID, { status: 'resolved' });

      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        expect.objectContaining({ type: 'resolved', payload: { from: 'open', to: 'resolved', botOnly: true } }),
      ]);
    });

    it('resolves an open conversation with a resolved event and the transcript job in the transaction, nudging after commit', async () => {
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
      const nudgedInTransaction: boolean[] = [];
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ status: 'open' }));
      conversations.setStatus.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockImplementation(async () => {
        enqueuedInTransaction.push(inTransaction);
      });
      worker.nudge.mockImplementationOnce(() => {
        nudgedInTransaction.push(inTransaction);
      });
      publisher.conversationChanged.mockResolvedValueOnce(undefined);
      const expectedJobs = resolutionJobs({
        workspaceId: WS,
        conversationId: CONVERSATION_ID,
        channelId: CHANNEL_ID,
        cycle: 2,
        at: NOW,
      });

      await service.setStatus(manager, CONVERSATION_ID, { status: 'resolved' });

      expect(conversations.lockVisible).toHaveBeenCalledWith(
        fakeTx,
        { workspaceId: WS, restrictToUserId: manager.id },
        CONVERSATION_ID,
      );
      expect(conversations.setStatus).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, 'resolved', NOW);
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        {
          workspaceId: WS,
          conversationId: CONVERSATION_ID,
          channelId: CHANNEL_ID,
          cycle: 2,
          type: 'resolved',
          actorType: 'agent',
          actorId: manager.id,
          at: NOW,
          payload: { from: 'open', to: 'resolved' },
        },
      ]);
      expect(jobs.enqueue.mock.calls).toEqual(expectedJobs.map((job) => [fakeTx, job]));
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, transcriptJob);
      expect(enqueuedInTransaction).toEqual(expectedJobs.map(() => true));
      expect(worker.nudge).toHaveBeenCalledTimes(1);
      expect(nudgedInTransaction).toEqual([false]);
      expect(publisher.conversationChanged).toHaveBeenCalledWith(CONVERSATION_ID);
    });

    it.each([
      ['resolved', 'open', 'reopened'],
      ['open', 'pending', 'status_changed'],
      ['snoozed', 'open', 'status_changed'],
      ['pending', 'resolved', 'resolved'],
    ] as const)('records %s → %s as %s', async (from, to, type) => {
      const resolving = type === 'resolved';
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ status: from }));
      stubChange(resolving);

      await service.setStatus(head, CONVERSATION_ID, { status: to });

      expect(conversations.setStatus).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, to, NOW);
      expect(events.append).toHaveBeenCalledWith(fakeTx, [expect.objectContaining({ type, payload: { from, to } })]);
      if (resolving) expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, transcriptJob);
      else expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(worker.nudge).toHaveBeenCalledTimes(1);
      expect(publisher.conversationChanged).toHaveBeenCalledWith(CONVERSATION_ID);
    });

    it('changes, records, enqueues, nudges and publishes nothing when the status is unchanged', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ status: 'pending' }));

      await service.setStatus(head, CONVERSATION_ID, { status: 'pending' });

      expect(conversations.setStatus).not.toHaveBeenCalled();
      expect(events.append).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
    });

    it('neither nudges nor publishes when enqueuing the transcript fails (the transaction rolls back)', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ status: 'open' }));
      conversations.setStatus.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      jobs.enqueue.mockRejectedValueOnce(new Error('connection lost'));

      await expect(service.setStatus(manager, CONVERSATION_ID, { status: 'resolved' })).rejects.toThrow(
        'connection lost',
      );
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
    });

    it('answers 404 when the conversation is not visible', async () => {
      conversations.lockVisible.mockResolvedValueOnce(null);

      expectApiError(
        await rejectionOf(service.setStatus(manager, CONVERSATION_ID, { status: 'resolved' })),
        404,
        'not_found',
      );
      expect(conversations.setStatus).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
    });
  });

  describe('setTags', () => {
    const tagRow = (name: string) => rows.tagRow({ id: `tag-${name.toLowerCase()}`, name });
    const tagEvent = (type: 'tag_added' | 'tag_removed', tag: string, actorId = manager.id) => ({
      workspaceId: WS,
      conversationId: CONVERSATION_ID,
      channelId: CHANNEL_ID,
      cycle: 2,
      type,
      actorType: 'agent',
      actorId,
      at: NOW,
      payload: { tag },
    });

    it('writes the stored spellings in one transaction, records each change and publishes after commit', async () => {
      const calls: string[] = [];
      tx.run.mockImplementationOnce(async (work) => {
        calls.push('begin');
        const result = await work(fakeTx);
        calls.push('commit');
        return result;
      });
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ tags: ['Billing', 'VIP'] }));
      tags.findByNames.mockResolvedValueOnce([tagRow('VIP'), tagRow('Urgent')]);
      conversations.setTags.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      publisher.conversationChanged.mockImplementationOnce(async () => {
        calls.push('publish');
      });

      await service.setTags(manager, CONVERSATION_ID, [' vip ', 'URGENT', 'Vip']);

      expect(tx.run).toHaveBeenCalledTimes(1);
      expect(conversations.lockVisible).toHaveBeenCalledWith(
        fakeTx,
        { workspaceId: WS, restrictToUserId: manager.id },
        CONVERSATION_ID,
      );
      expect(tags.findByNames).toHaveBeenCalledTimes(1);
      expect(tags.findByNames).toHaveBeenCalledWith(WS, ['vip', 'urgent'], fakeTx);
      expect(conversations.setTags).toHaveBeenCalledTimes(1);
      expect(conversations.setTags).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, ['Urgent', 'VIP']);
      expect(events.append).toHaveBeenCalledTimes(1);
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        tagEvent('tag_added', 'Urgent'),
        tagEvent('tag_removed', 'Billing'),
      ]);
      expect(publisher.conversationChanged).toHaveBeenCalledTimes(1);
      expect(publisher.conversationChanged).toHaveBeenCalledWith(CONVERSATION_ID);
      expect(calls).toEqual(['begin', 'commit', 'publish']);
    });

    it('stores the tags sorted whatever order they were asked for and found in', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ tags: [] }));
      tags.findByNames.mockResolvedValueOnce([tagRow('VIP'), tagRow('billing'), tagRow('Urgent')]);
      conversations.setTags.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      publisher.conversationChanged.mockResolvedValueOnce(undefined);

      await service.setTags(head, CONVERSATION_ID, ['vip', 'urgent', 'billing']);

      expect(conversations.lockVisible).toHaveBeenCalledWith(
        fakeTx,
        { workspaceId: WS, restrictToUserId: null },
        CONVERSATION_ID,
      );
      expect(conversations.setTags).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, ['billing', 'Urgent', 'VIP']);
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        tagEvent('tag_added', 'billing', head.id),
        tagEvent('tag_added', 'Urgent', head.id),
        tagEvent('tag_added', 'VIP', head.id),
      ]);
      expect(publisher.conversationChanged).toHaveBeenCalledWith(CONVERSATION_ID);
    });

    it.each([
      ['no names', []],
      ['only blank names', ['  ', '']],
    ])('clears every tag given %s', async (_, names) => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ tags: ['Billing', 'VIP'] }));
      tags.findByNames.mockResolvedValueOnce([]);
      conversations.setTags.mockResolvedValueOnce(undefined);
      events.append.mockResolvedValueOnce(undefined);
      publisher.conversationChanged.mockResolvedValueOnce(undefined);

      await service.setTags(manager, CONVERSATION_ID, names);

      expect(tags.findByNames).toHaveBeenCalledWith(WS, [], fakeTx);
      expect(conversations.setTags).toHaveBeenCalledWith(fakeTx, CONVERSATION_ID, []);
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        tagEvent('tag_removed', 'Billing'),
        tagEvent('tag_removed', 'VIP'),
      ]);
      expect(publisher.conversationChanged).toHaveBeenCalledWith(CONVERSATION_ID);
    });

    it('writes, records and publishes nothing when the tags are unchanged', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ tags: ['Urgent', 'VIP'] }));
      tags.findByNames.mockResolvedValueOnce([tagRow('VIP'), tagRow('Urgent')]);

      await service.setTags(manager, CONVERSATION_ID, ['vip', 'urgent']);

      expect(tags.findByNames).toHaveBeenCalledWith(WS, ['vip', 'urgent'], fakeTx);
      expect(conversations.setTags).not.toHaveBeenCalled();
      expect(events.append).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
    });

    it('answers 400 naming `tags` and the unknown names, changing nothing', async () => {
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ tags: [] }));
      tags.findByNames.mockResolvedValueOnce([tagRow('VIP')]);

      const err = await rejectionOf(service.setTags(manager, CONVERSATION_ID, ['VIP', ' Nope ', 'gone']));

      expectApiError(err, 400, 'validation_failed', 'tags');
      expect(err.details).toEqual([{ field: 'tags', message: 'unknown tag: nope, gone' }]);
      expect(tags.findByNames).toHaveBeenCalledWith(WS, ['vip', 'nope', 'gone'], fakeTx);
      expect(conversations.setTags).not.toHaveBeenCalled();
      expect(events.append).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
    });

    it('answers 404 when the conversation is not visible, without looking up tags', async () => {
      conversations.lockVisible.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.setTags(manager, CONVERSATION_ID, ['vip'])), 404, 'not_found');
      expect(conversations.lockVisible).toHaveBeenCalledWith(
        fakeTx,
        { workspaceId: WS, restrictToUserId: manager.id },
        CONVERSATION_ID,
      );
      expect(tags.findByNames).not.toHaveBeenCalled();
      expect(conversations.setTags).not.toHaveBeenCalled();
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
    });

    it('does not publish when the transaction fails', async () => {
      const error = new Error('connection lost');
      conversations.lockVisible.mockResolvedValueOnce(conversationRow({ tags: [] }));
      tags.findByNames.mockResolvedValueOnce([tagRow('VIP')]);
      conversations.setTags.mockResolvedValueOnce(undefined);
      events.append.mockRejectedValueOnce(error);

      await expect(service.setTags(manager, CONVERSATION_ID, ['vip'])).rejects.toBe(error);

      expect(publisher.conversationChanged).not.toHaveBeenCalled();
    });
  });

  describe('markRead', () => {
    it('marks a visible conversation read and publishes it', async () => {
      conversations.markRead.mockResolvedValueOnce(true);
      publisher.conversationChanged.mockResolvedValueOnce(undefined);

      await service.markRead(manager, CONVERSATION_ID);

      expect(conversations.markRead).toHaveBeenCalledWith(
        { workspaceId: WS, restrictToUserId: manager.id },
        CONVERSATION_ID,
      );
      expect(publisher.conversationChanged).toHaveBeenCalledWith(CONVERSATION_ID);
    });

    it('answers 404 when nothing was visible to mark', async () => {
      conversations.markRead.mockResolvedValueOnce(false);

      expectApiError(await rejectionOf(service.markRead(manager, CONVERSATION_ID)), 404, 'not_found');
      expect(publisher.conversationChanged).not.toHaveBeenCalled();
    });
  });
});
