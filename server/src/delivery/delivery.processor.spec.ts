import { DELIVERY_ERROR_CODES, type DeliveryErrorCode } from '@onebox/contracts';
import { strictMock } from '../../test/strict-mock';
import { ChannelsRepository, type ChannelRow } from '../channels/channels.repository';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { ConversationsRepository, type ConversationListRow } from '../conversations/conversations.repository';
import { MessagesRepository, type MessageRow } from '../conversations/messages.repository';
import { JobError } from '../jobs/job-processor';
import type { JobRow } from '../jobs/jobs.repository';
import { DeliveryError, type ChannelSender } from './channel-sender';
import { DeliveryProcessor } from './delivery.processor';

const AT = new Date('2024-11-21T10:00:00.000Z');

function jobRow(overrides: Partial<JobRow> = {}): JobRow {
  return {
    id: 'job-1',
    workspace_id: 'ws-1',
    queue: 'deliver',
    payload: { messageId: 'm-1' },
    attempts: 1,
    max_attempts: 8,
    ...overrides,
  };
}

function messageRow(overrides: Partial<MessageRow> = {}): MessageRow {
  return {
    id: 'm-1',
    workspace_id: 'ws-1',
    conversation_id: 'cv-1',
    channel_id: 'ch-1',
    cycle: 1,
    direction: 'out',
    author_type: 'agent',
    author_id: 'u-1',
    author_name: 'Mia',
    text: 'Hello',
    attachments: [],
    status: 'queued',
    error_code: null,
    error_message: null,
    private: false,
    external_id: null,
    client_message_id: null,
    canned_response_id: null,
    created_at: AT,
    ...overrides,
  };
}

function channelRow(overrides: Partial<ChannelRow> = {}): ChannelRow {
  return {
    id: 'ch-1',
    workspace_id: 'ws-1',
    type: 'webchat',
    name: 'Website',
    status: 'active',
    credentials_enc: null,
    webhook_secret: 'whsec',
    widget_key: 'wk',
    settings: {},
    created_at: AT,
    ...overrides,
  };
}

function conversationRow(): ConversationListRow {
  return { id: 'cv-1', contact_id: 'ct-1', channel_id: 'ch-1' } as ConversationListRow;
}

/** A sender whose `send` fails the test unless stubbed. */
function strictSender(type: ChannelRow['type']): ChannelSender & { send: jest.Mock } {
  return {
    type,
    send: jest.fn((...args: unknown[]) => {
      throw new Error(`Unexpected call: ${type} sender.send(${JSON.stringify(args)})`);
    }),
  };
}

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
    );
  });

  /** Stubs everything up to the sender for a queued message on `channel`. */
  function stubQueuedMessage(channel = channelRow(), message = messageRow()): MessageRow {
    messages.findById.mockResolvedValueOnce(message);
    conversations.findById.mockResolvedValueOnce(conversationRow());
    channels.findById.mockResolvedValueOnce(channel);
    contacts.findExternalId.mockResolvedValueOnce('visitor-42');
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
      expect(conversations.findById).toHaveBeenCalledWith('cv-1');
      expect(channels.findById).toHaveBeenCalledWith('ch-1');
      expect(contacts.findExternalId).toHaveBeenCalledWith('ch-1', 'ct-1');
      expect(webchat.send).toHaveBeenCalledWith({ channel, recipientExternalId: 'visitor-42', message });
      expect(messages.advanceStatus).toHaveBeenCalledWith('m-1', 'sent', { externalId: 'webchat:m-1' });
      expect(publisher.messageChanged).toHaveBeenCalledWith(sent, 'updated');
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

    it('does nothing for a message that no longer exists', async () => {
      messages.findById.mockResolvedValueOnce(null);

      await processor.process(jobRow());

      expect(webchat.send).not.toHaveBeenCalled();
    });

    it('gives up as recipient_unreachable when the channel was removed', async () => {
      messages.findById.mockResolvedValueOnce(messageRow());
      conversations.findById.mockResolvedValueOnce(conversationRow());
      channels.findById.mockResolvedValueOnce(null);

      const err = await jobErrorOf(processor.process(jobRow()));

      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({ retryable: false, code: 'recipient_unreachable' });
      expect(webchat.send).not.toHaveBeenCalled();
    });

    it('gives up as recipient_unreachable when the contact has no identity on the channel', async () => {
      messages.findById.mockResolvedValueOnce(messageRow());
      conversations.findById.mockResolvedValueOnce(conversationRow());
      channels.findById.mockResolvedValueOnce(channelRow());
      contacts.findExternalId.mockResolvedValueOnce(null);

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
