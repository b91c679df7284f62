import { DELIVERY_ERROR_CODES, type DeliveryErrorCode } from '@onebox/contracts';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { ChannelsRepository, type ChannelRow } from '../channels/channels.repository';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { ConversationsRepository, type ConversationListRow } from '../conversations/conversations.repository';
import { MessagesRepository, type MessageRow } from '../conversations/messages.repository';
import { JobError } from '../jobs/job-processor';
import { MetricsService } from '../observability/metrics.service';
import type { JobRow } from '../jobs/jobs.repository';
import { DeliveryError, type ChannelSender } from './channel-sender';
import { DeliveryProcessor } from './delivery.processor';

const jobRow = (o: Partial<JobRow> = {}): JobRow =>
  rows.jobRow({ payload: { messageId: 'm-1', conversationId: 'cv-1' }, ...o });

const messageRow = rows.outboundMessageRow;

const channelRow = rows.channelRow;

function conversationRow(): ConversationListRow {
  return { id: 'cv-1', contact_id: 'ct-1', channel_id: 'ch-1' } as ConversationListRow;
}

/** A sender whose `send` fails the test unless stubbed. */
function strictSender(...types: ChannelRow['type'][]): ChannelSender & { send: jest.Mock } {
  return {
    types,
    send: jest.fn((...args: unknown[]) => {
      throw new Error(`Unexpected call: ${types.join('/')} sender.send(${JSON.stringify(args)})`);
    }),
  };
}

/** A promise the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets every pending promise callback run. */
const flush = () => new Promise((r) => setImmediate(r));

describe(DeliveryProcessor.name, () => {
  let messages: ReturnType<typeof strictMock<MessagesRepository>>;
  let conversations: ReturnType<typeof strictMock<ConversationsRepository>>;
  let channels: ReturnType<typeof strictMock<ChannelsRepository>>;
  let contacts: ReturnType<typeof strictMock<ContactsRepository>>;
  let publisher: ReturnType<typeof strictMock<ConversationPublisher>>;
  let webchat: ReturnType<typeof strictSender>;
  let processor: DeliveryProcessor;

  beforeEach(() => {
    messages = strictMock(MessagesRepository);
    conversations = strictMock(ConversationsRepository);
    channels = strictMock(ChannelsRepository);
    contacts = strictMock(ContactsRepository);
    publisher = strictMock(ConversationPublisher);
    webchat = strictSender('webchat');
    processor = new DeliveryProcessor(
      messages as unknown as MessagesRepository,
      conversations as unknown as ConversationsRepository,
      channels as unknown as ChannelsRepository,
      contacts as unknown as ContactsRepository,
      publisher as unknown as ConversationPublisher,
      [webchat],
      new MetricsService(),
    );
  });

  /** Stubs everything up to the sender for a queued message on `channel`. */
  function stubQueuedMessage(channel = channelRow(), message = messageRow()): MessageRow {
    messages.findById.mockResolvedValueOnce(message);
    messages.hasEarlierQueued.mockResolvedValueOnce(false);
    conversations.findById.mockResolvedValueOnce(conversationRow());
    channels.findById.mockResolvedValueOnce(channel);
    contacts.findIdentityOnChannel.mockResolvedValueOnce({ external_id: 'visitor-42', meta: {} });
    return message;
  }

  async function jobErrorOf(promise: Promise<unknown>): Promise<JobError> {
    return promise.then(
      () => {
        throw new Error('Expected the job to fail');
      },
      (err: unknown) => err as JobError,
    );
  }

  it('serves the deliver queue', () => {
    expect(processor.queue).toBe('deliver');
  });

  describe('process', () => {
    it('sends a queued message, marks it sent with the provider’s id and publishes the change', async () => {
      const channel = channelRow();
      const message = stubQueuedMessage(channel);
      webchat.send.mockResolvedValueOnce({ externalId: 'webchat:m-1' });
      const sent = messageRow({ status: 'sent', external_id: 'webchat:m-1' });
      messages.advanceStatus.mockResolvedValueOnce(sent);
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      await processor.process(jobRow());

      expect(messages.findById).toHaveBeenCalledWith('m-1');
      expect(messages.hasEarlierQueued).toHaveBeenCalledWith(message);
      expect(conversations.findById).toHaveBeenCalledWith('cv-1');
      expect(channels.findById).toHaveBeenCalledWith('ch-1');
      expect(contacts.findIdentityOnChannel).toHaveBeenCalledWith('ch-1', 'ct-1');
      expect(webchat.send).toHaveBeenCalledWith({
        channel,
        recipient: { externalId: 'visitor-42', meta: {} },
        message,
      });
      expect(messages.advanceStatus).toHaveBeenCalledWith('m-1', 'sent', { externalId: 'webchat:m-1' });
      expect(publisher.messageChanged).toHaveBeenCalledWith(sent, 'updated');
    });

    it('routes by channel type to a sender serving several types, with the identity’s meta', async () => {
      const messenger = strictSender('telegram', 'whatsapp', 'max');
      processor = new DeliveryProcessor(
        messages as unknown as MessagesRepository,
        conversations as unknown as ConversationsRepository,
        channels as unknown as ChannelsRepository,
        contacts as unknown as ContactsRepository,
        publisher as unknown as ConversationPublisher,
        [webchat, messenger],
        new MetricsService(),
      );
      const channel = channelRow({ type: 'telegram', credentials_enc: 'v1.sealed', widget_key: null });
      const message = messageRow();
      messages.findById.mockResolvedValueOnce(message);
      messages.hasEarlierQueued.mockResolvedValueOnce(false);
      conversations.findById.mockResolvedValueOnce(conversationRow());
      channels.findById.mockResolvedValueOnce(channel);
      contacts.findIdentityOnChannel.mockResolvedValueOnce({
        external_id: '123456',
        meta: { businessConnectionId: 'bc-1' },
      });
      messenger.send.mockResolvedValueOnce({ externalId: '777' });
      messages.advanceStatus.mockResolvedValueOnce(null);

      await processor.process(jobRow());

      expect(messenger.send).toHaveBeenCalledWith({
        channel,
        recipient: { externalId: '123456', meta: { businessConnectionId: 'bc-1' } },
        message,
      });
      expect(webchat.send).not.toHaveBeenCalled();
      expect(messages.advanceStatus).toHaveBeenCalledWith('m-1', 'sent', { externalId: '777' });
    });

    it('publishes nothing when the status had already moved on', async () => {
      stubQueuedMessage();
      webchat.send.mockResolvedValueOnce({ externalId: 'webchat:m-1' });
      messages.advanceStatus.mockResolvedValueOnce(null);

      await processor.process(jobRow());

      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });

    it.each(['sent', 'delivered', 'failed'] as const)(
      'does nothing for a message already %s (an earlier run handled it)',
      async (status) => {
        messages.findById.mockResolvedValueOnce(messageRow({ status }));

        await processor.process(jobRow());

        expect(conversations.findById).not.toHaveBeenCalled();
        expect(webchat.send).not.toHaveBeenCalled();
        expect(messages.advanceStatus).not.toHaveBeenCalled();
      },
    );

    it('defers, without spending an attempt, while an earlier message of the conversation is still queued', async () => {
      const message = messageRow();
      messages.findById.mockResolvedValueOnce(message);
      messages.hasEarlierQueued.mockResolvedValueOnce(true);

      const err = await jobErrorOf(processor.process(jobRow()));

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({ deferred: true, retryable: true, retryAfterMs: 300 });
      expect(messages.hasEarlierQueued).toHaveBeenCalledWith(message);
      expect(conversations.findById).not.toHaveBeenCalled();
      expect(webchat.send).not.toHaveBeenCalled();
      expect(messages.advanceStatus).not.toHaveBeenCalled();
    });

    it('does nothing for a message that no longer exists', async () => {
      messages.findById.mockResolvedValueOnce(null);

      await processor.process(jobRow());

      expect(webchat.send).not.toHaveBeenCalled();
    });

    it('gives up as recipient_unreachable when the channel was removed', async () => {
      messages.findById.mockResolvedValueOnce(messageRow());
      messages.hasEarlierQueued.mockResolvedValueOnce(false);
      conversations.findById.mockResolvedValueOnce(conversationRow());
      channels.findById.mockResolvedValueOnce(null);

      const err = await jobErrorOf(processor.process(jobRow()));

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({ retryable: false, code: 'recipient_unreachable' });
      expect(webchat.send).not.toHaveBeenCalled();
    });

    it('gives up as recipient_unreachable when the contact has no identity on the channel', async () => {
      messages.findById.mockResolvedValueOnce(messageRow());
      messages.hasEarlierQueued.mockResolvedValueOnce(false);
      conversations.findById.mockResolvedValueOnce(conversationRow());
      channels.findById.mockResolvedValueOnce(channelRow());
      contacts.findIdentityOnChannel.mockResolvedValueOnce(null);

      const err = await jobErrorOf(processor.process(jobRow()));

      expect(err).toMatchObject({ retryable: false, code: 'recipient_unreachable' });
      expect(webchat.send).not.toHaveBeenCalled();
    });

    it('gives up as unsupported_content when no sender serves the channel type', async () => {
      stubQueuedMessage(channelRow({ type: 'telegram' }));

      const err = await jobErrorOf(processor.process(jobRow()));

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({
        retryable: false,
        code: 'unsupported_content',
        message: 'Sending through telegram is not available yet',
      });
      expect(webchat.send).not.toHaveBeenCalled();
    });

    it('turns a rate limit into a retryable JobError that keeps the provider’s wait', async () => {
      stubQueuedMessage();
      webchat.send.mockRejectedValueOnce(
        new DeliveryError('rate_limited', 'Too Many Requests: retry after 30', 30_000),
      );

      const err = await jobErrorOf(processor.process(jobRow()));

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({
        message: 'Too Many Requests: retry after 30',
        retryable: true,
        retryAfterMs: 30_000,
        code: 'rate_limited',
      });
      expect(messages.advanceStatus).not.toHaveBeenCalled();
    });

    const retryable: DeliveryErrorCode[] = ['rate_limited', 'temporary'];
    it.each(DELIVERY_ERROR_CODES.map((code) => [code, retryable.includes(code)] as const))(
      'maps DeliveryError %s to a JobError with retryable=%s',
      async (code, expected) => {
        stubQueuedMessage();
        webchat.send.mockRejectedValueOnce(new DeliveryError(code, `provider said ${code}`));

        const err = await jobErrorOf(processor.process(jobRow()));

        expect(err).toBeInstanceOf(JobError);
        expect(err).toMatchObject({
          retryable: expected,
          code,
          message: `provider said ${code}`,
          retryAfterMs: undefined,
        });
      },
    );

    it('passes an unclassified error through unchanged (the worker retries it)', async () => {
      stubQueuedMessage();
      const boom = new TypeError('socket hang up');
      webchat.send.mockRejectedValueOnce(boom);

      await expect(processor.process(jobRow())).rejects.toBe(boom);
    });
  });

  describe('ordering', () => {
    /** Queued messages by id, each in its own conversation unless given. */
    function stubMessages(rows: MessageRow[]): void {
      const byId = new Map(rows.map((m) => [m.id, m]));
      messages.findById.mockImplementation(async (id: string) => byId.get(id) ?? null);
      messages.hasEarlierQueued.mockResolvedValue(false);
      conversations.findById.mockImplementation(
        async (id: string) => ({ id, contact_id: 'ct-1', channel_id: 'ch-1' }) as ConversationListRow,
      );
      channels.findById.mockResolvedValue(channelRow());
      contacts.findIdentityOnChannel.mockResolvedValue({ external_id: 'visitor-42', meta: {} });
      messages.advanceStatus.mockResolvedValue(null);
    }

    it('delivers a conversation’s messages one at a time, in the order the jobs came', async () => {
      stubMessages([messageRow({ id: 'm-1' }), messageRow({ id: 'm-2' })]);
      const first = deferred<{ externalId: string }>();
      webchat.send.mockReturnValueOnce(first.promise).mockResolvedValueOnce({ externalId: 'webchat:m-2' });

      const one = processor.process(jobRow({ id: 'job-1', payload: { messageId: 'm-1', conversationId: 'cv-1' } }));
      const two = processor.process(jobRow({ id: 'job-2', payload: { messageId: 'm-2', conversationId: 'cv-1' } }));
      await flush();

      expect(webchat.send).toHaveBeenCalledTimes(1);
      expect(messages.findById.mock.calls).toEqual([['m-1']]);

      first.resolve({ externalId: 'webchat:m-1' });
      await Promise.all([one, two]);

      expect(webchat.send.mock.calls.map(([input]) => (input as { message: MessageRow }).message.id)).toEqual([
        'm-1',
        'm-2',
      ]);
      expect(messages.advanceStatus.mock.calls).toEqual([
        ['m-1', 'sent', { externalId: 'webchat:m-1' }],
        ['m-2', 'sent', { externalId: 'webchat:m-2' }],
      ]);
    });

    it('does not hold one conversation’s messages behind another’s', async () => {
      stubMessages([messageRow({ id: 'm-1' }), messageRow({ id: 'm-2', conversation_id: 'cv-2' })]);
      const slow = deferred<{ externalId: string }>();
      webchat.send.mockReturnValueOnce(slow.promise).mockResolvedValueOnce({ externalId: 'webchat:m-2' });

      const one = processor.process(jobRow({ id: 'job-1', payload: { messageId: 'm-1', conversationId: 'cv-1' } }));
      await processor.process(jobRow({ id: 'job-2', payload: { messageId: 'm-2', conversationId: 'cv-2' } }));

      expect(messages.advanceStatus).toHaveBeenCalledWith('m-2', 'sent', { externalId: 'webchat:m-2' });
      expect(messages.advanceStatus).not.toHaveBeenCalledWith('m-1', expect.anything(), expect.anything());

      slow.resolve({ externalId: 'webchat:m-1' });
      await one;
    });

    it('goes on with the conversation’s next message after one fails', async () => {
      stubMessages([messageRow({ id: 'm-1' }), messageRow({ id: 'm-2' })]);
      webchat.send
        .mockRejectedValueOnce(new DeliveryError('temporary', 'provider down'))
        .mockResolvedValueOnce({ externalId: 'webchat:m-2' });

      const one = jobErrorOf(processor.process(jobRow({ payload: { messageId: 'm-1', conversationId: 'cv-1' } })));
      const two = processor.process(jobRow({ payload: { messageId: 'm-2', conversationId: 'cv-1' } }));

      expect(await one).toMatchObject({ code: 'temporary', retryable: true });
      await two;
      expect(messages.advanceStatus).toHaveBeenCalledWith('m-2', 'sent', { externalId: 'webchat:m-2' });
    });

    it('delivers a job queued without a conversation id (queued before the upgrade)', async () => {
      stubMessages([messageRow({ id: 'm-1' })]);
      webchat.send.mockResolvedValueOnce({ externalId: 'webchat:m-1' });

      await processor.process(jobRow({ payload: { messageId: 'm-1' } }));

      expect(messages.advanceStatus).toHaveBeenCalledWith('m-1', 'sent', { externalId: 'webchat:m-1' });
    });
  });

  describe('onGiveUp', () => {
    it('marks the message failed with the error’s code and message and publishes it', async () => {
      const failed = messageRow({
        status: 'failed',
        error_code: 'recipient_unreachable',
        error_message: 'blocked the bot',
      });
      messages.advanceStatus.mockResolvedValueOnce(failed);
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      await processor.onGiveUp(jobRow(), new JobError('blocked the bot', false, undefined, 'recipient_unreachable'));

      expect(messages.advanceStatus).toHaveBeenCalledWith('m-1', 'failed', {
        error: { code: 'recipient_unreachable', message: 'blocked the bot' },
      });
      expect(publisher.messageChanged).toHaveBeenCalledWith(failed, 'updated');
    });

    it('records an error without a code as temporary', async () => {
      messages.advanceStatus.mockResolvedValueOnce(messageRow({ status: 'failed' }));
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      await processor.onGiveUp(jobRow(), new JobError('socket hang up', true));

      expect(messages.advanceStatus).toHaveBeenCalledWith('m-1', 'failed', {
        error: { code: 'temporary', message: 'socket hang up' },
      });
    });

    it('publishes nothing when the message can no longer fail (already sent on)', async () => {
      messages.advanceStatus.mockResolvedValueOnce(null);

      await processor.onGiveUp(jobRow(), new JobError('late', false, undefined, 'temporary'));

      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });
  });
});
