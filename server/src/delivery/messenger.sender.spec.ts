import { ChannelError, type AdapterContext, type ChannelAdapter } from '@onebox/channels';
import { DELIVERY_ERROR_CODES } from '@onebox/contracts';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { AttachmentsService } from '../attachments/attachments.service';
import { ChannelsRepository, type ChannelRow } from '../channels/channels.repository';
import { RateGate } from '../common/rate-gate';
import type { MessageRow } from '../conversations/messages.repository';
import { MessengerRegistry } from '../messengers/messenger-registry.service';
import { DeliveryError, type Recipient } from './channel-sender';
import { MessengerSender } from './messenger.sender';

const AT = new Date('2024-11-21T10:00:00.000Z');
const CTX: AdapterContext = { apiRoot: 'http://fake-telegram.test', timeoutMs: 15_000 };
const CREDENTIALS = { botToken: '1:secret' };

const channelRow = rows.telegramChannelRow;

const messageRow = (o: Partial<MessageRow> = {}): MessageRow =>
  rows.outboundMessageRow({ channel_id: 'ch-tg', text: 'Your order is ready', ...o });

const attachmentRow = rows.attachmentRow;

type FakeAdapter = ChannelAdapter & { send: jest.Mock };

/** A hand-made adapter: any call the test did not stub fails it. */
function fakeAdapter(type: ChannelAdapter['type'] = 'telegram'): FakeAdapter {
  const unexpected = (method: string) =>
    jest.fn((...args: unknown[]) => {
      throw new Error(`Unexpected call: ${type} adapter.${method}(${JSON.stringify(args)})`);
    });
  return {
    type,
    credentialFields: [],
    capabilities: {
      maxTextLength: 4096,
      splitsLongText: true,
      media: ['image', 'document'],
      messagingWindowHours: type === 'whatsapp' ? 24 : null,
      templates: type === 'whatsapp',
      webhook: true,
      polling: type !== 'whatsapp',
    },
    checkCredentials: unexpected('checkCredentials'),
    registerWebhook: unexpected('registerWebhook'),
    unregisterWebhook: unexpected('unregisterWebhook'),
    verifyWebhook: unexpected('verifyWebhook'),
    answerHandshake: unexpected('answerHandshake'),
    normalizeInbound: unexpected('normalizeInbound'),
    send: unexpected('send'),
    fetchMedia: unexpected('fetchMedia'),
  } as FakeAdapter;
}

async function deliveryErrorOf(promise: Promise<unknown>): Promise<DeliveryError> {
  return promise.then(
    () => {
      throw new Error('Expected the send to fail');
    },
    (err: unknown) => err as DeliveryError,
  );
}

describe(MessengerSender.name, () => {
  let messengers: ReturnType<typeof strictMock<MessengerRegistry>>;
  let files: ReturnType<typeof strictMock<AttachmentsService>>;
  let channels: ReturnType<typeof strictMock<ChannelsRepository>>;
  let adapter: FakeAdapter;
  let sender: MessengerSender;
  const recipient: Recipient = { externalId: '1001', meta: {} };

  function createSender(): MessengerSender {
    return new MessengerSender(
      messengers as unknown as MessengerRegistry,
      files as unknown as AttachmentsService,
      channels as unknown as ChannelsRepository,
      new RateGate(),
    );
  }

  beforeEach(() => {
    messengers = strictMock(MessengerRegistry);
    files = strictMock(AttachmentsService);
    channels = strictMock(ChannelsRepository);
    adapter = fakeAdapter();
    messengers.connect.mockReturnValue({ adapter, credentials: CREDENTIALS, ctx: CTX });
    sender = createSender();
  });

  it('serves the messenger channel types', () => {
    expect(sender.types).toEqual(['telegram', 'whatsapp', 'max']);
  });

  it('sends the text and the stored files to the recipient and answers the first provider id', async () => {
    const channel = channelRow();
    const pdf = Buffer.from('%PDF');
    const png = Buffer.from('\x89PNG');
    files.readBytes.mockResolvedValueOnce({ row: attachmentRow(), data: pdf }).mockResolvedValueOnce({
      row: attachmentRow({ id: 'a-2', name: 'sofa.png', mime_type: 'image/png' }),
      data: png,
    });
    adapter.send.mockResolvedValueOnce({ externalIds: ['777', '778'] });
    const message = messageRow({
      attachments: [
        { id: 'a-1', name: 'price-list.pdf', mimeType: 'application/pdf', size: 4, url: '/files/a-1/price-list.pdf' },
        { id: 'a-2', name: 'sofa.png', mimeType: 'image/png', size: 4, url: '/files/a-2/sofa.png' },
      ],
    });

    const result = await sender.send({
      channel,
      recipient: { externalId: '1001', meta: { businessConnectionId: 'bc-7' } },
      message,
    });

    expect(result).toEqual({ externalId: '777' });
    expect(messengers.connect).toHaveBeenCalledWith(channel);
    expect(files.readBytes.mock.calls).toEqual([['a-1'], ['a-2']]);
    expect(adapter.send).toHaveBeenCalledTimes(1);
    expect(adapter.send).toHaveBeenCalledWith(
      CREDENTIALS,
      {
        recipient: '1001',
        text: 'Your order is ready',
        attachments: [
          { fileName: 'price-list.pdf', mimeType: 'application/pdf', data: pdf },
          { fileName: 'sofa.png', mimeType: 'image/png', data: png },
        ],
        template: undefined,
        businessConnectionId: 'bc-7',
      },
      CTX,
    );
  });

  it('sends no business connection when the identity has none (or not as text)', async () => {
    adapter.send.mockResolvedValue({ externalIds: ['1'] });

    await sender.send({ channel: channelRow(), recipient: { externalId: '2001', meta: {} }, message: messageRow() });
    await sender.send({
      channel: channelRow(),
      recipient: { externalId: '2002', meta: { businessConnectionId: 42 } },
      message: messageRow(),
    });

    expect(adapter.send.mock.calls.map(([, out]) => out.businessConnectionId)).toEqual([undefined, undefined]);
  });

  it('sends the message’s reply buttons (a survey prompt) with its text', async () => {
    adapter.send.mockResolvedValueOnce({ externalIds: ['1001:9'] });
    const buttons = [
      { id: 'survey:s-1:1', text: '1' },
      { id: 'survey:s-1:2', text: '2' },
    ];

    await sender.send({ channel: channelRow(), recipient, message: messageRow({ text: 'Rate us', buttons }) });

    expect(adapter.send).toHaveBeenCalledWith(
      CREDENTIALS,
      expect.objectContaining({ recipient: '1001', text: 'Rate us', buttons }),
      CTX,
    );
  });

  it('sends a template message as the template with no free text', async () => {
    adapter = fakeAdapter('whatsapp');
    messengers.connect.mockReturnValue({ adapter, credentials: CREDENTIALS, ctx: CTX });
    const template = { name: 'order_ready', language: 'ru', parameters: ['A-17'] };
    adapter.send.mockResolvedValueOnce({ externalIds: ['wamid.1'] });

    const result = await sender.send({
      channel: channelRow({ type: 'whatsapp' }),
      recipient: { externalId: '79990001122', meta: {} },
      message: messageRow({ text: 'Template order_ready (ru): A-17', template }),
    });

    expect(result).toEqual({ externalId: 'wamid.1' });
    expect(adapter.send).toHaveBeenCalledWith(
      CREDENTIALS,
      { recipient: '79990001122', text: '', attachments: [], template, businessConnectionId: undefined },
      CTX,
    );
  });

  it('fails as unsupported_content when a file is no longer stored, sending nothing', async () => {
    files.readBytes.mockResolvedValueOnce(null);

    const err = await deliveryErrorOf(
      sender.send({
        channel: channelRow(),
        recipient,
        message: messageRow({
          attachments: [
            { id: 'a-gone', name: 'old.pdf', mimeType: 'application/pdf', size: 1, url: '/files/a-gone/old.pdf' },
          ],
        }),
      }),
    );

    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({
      code: 'unsupported_content',
      retryable: false,
      message: 'The file old.pdf is no longer available',
    });
    expect(files.readBytes).toHaveBeenCalledWith('a-gone');
    expect(adapter.send).not.toHaveBeenCalled();
  });

  it('fails as temporary when the platform answers no message id', async () => {
    adapter.send.mockResolvedValueOnce({ externalIds: [] });

    const err = await deliveryErrorOf(sender.send({ channel: channelRow(), recipient, message: messageRow() }));

    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ code: 'temporary', retryable: true });
  });

  it('keeps the provider’s wait of a rate limit', async () => {
    adapter.send.mockRejectedValueOnce(
      new ChannelError('rate_limited', 'Too Many Requests: retry after 30', 30_000, 429),
    );

    const err = await deliveryErrorOf(sender.send({ channel: channelRow(), recipient, message: messageRow() }));

    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({
      code: 'rate_limited',
      message: 'Too Many Requests: retry after 30',
      retryAfterMs: 30_000,
      retryable: true,
    });
  });

  it.each(DELIVERY_ERROR_CODES)('maps ChannelError %s onto a DeliveryError with the same code', async (code) => {
    adapter.send.mockRejectedValueOnce(new ChannelError(code, `provider said ${code}`));
    if (code === 'invalid_credentials') channels.setStatus.mockResolvedValueOnce(true);

    const err = await deliveryErrorOf(sender.send({ channel: channelRow(), recipient, message: messageRow() }));

    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ code, message: `provider said ${code}`, retryAfterMs: undefined });
    expect(err.retryable).toBe(new ChannelError(code, '').retryable);
  });

  it('marks the channel in error when the platform refuses its credentials', async () => {
    adapter.send.mockRejectedValueOnce(
      new ChannelError('invalid_credentials', 'Unauthorized: token revoked', undefined, 401),
    );
    channels.setStatus.mockResolvedValueOnce(true);

    const err = await deliveryErrorOf(sender.send({ channel: channelRow(), recipient, message: messageRow() }));

    expect(err).toMatchObject({ code: 'invalid_credentials', retryable: false });
    expect(channels.setStatus).toHaveBeenCalledWith('ch-tg', 'error', 'Unauthorized: token revoked');
  });

  it('leaves the channel’s status alone for other failures', async () => {
    adapter.send.mockRejectedValueOnce(
      new ChannelError('recipient_unreachable', 'Forbidden: bot was blocked by the user'),
    );

    await deliveryErrorOf(sender.send({ channel: channelRow(), recipient, message: messageRow() }));

    expect(channels.setStatus).not.toHaveBeenCalled();
  });

  it('passes an unclassified error through unchanged', async () => {
    const boom = new TypeError('fetch failed');
    adapter.send.mockRejectedValueOnce(boom);

    await expect(sender.send({ channel: channelRow(), recipient, message: messageRow() })).rejects.toBe(boom);
  });

  describe('send limits', () => {
    beforeEach(() => {
      jest.useFakeTimers({ now: AT });
      sender = createSender(); // its rate gate reads the fake clock
      adapter.send.mockResolvedValue({ externalIds: ['1'] });
    });

    afterEach(() => jest.useRealTimers());

    /** Starts a send and reports whether it has reached the platform. */
    function start(channel: ChannelRow, externalId: string) {
      const calls = adapter.send.mock.calls.length;
      const done = sender.send({ channel, recipient: { externalId, meta: {} }, message: messageRow() });
      return { done, sent: () => adapter.send.mock.calls.length > calls };
    }

    it('spaces Telegram messages to one chat by a second', async () => {
      const channel = channelRow();
      await start(channel, '1001').done;

      const second = start(channel, '1001');
      await jest.advanceTimersByTimeAsync(999);
      expect(second.sent()).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await second.done;
      expect(second.sent()).toBe(true);
    });

    it('spaces Telegram messages to different chats only by the bot’s rate', async () => {
      const channel = channelRow();
      await start(channel, '1001').done;

      const other = start(channel, '1002');
      await jest.advanceTimersByTimeAsync(34);
      await other.done;
      expect(other.sent()).toBe(true);
    });

    it('does not hold one bot’s messages behind another’s', async () => {
      await start(channelRow(), '1001').done;

      const otherBot = start(channelRow({ id: 'ch-tg-2' }), '1001');
      await jest.advanceTimersByTimeAsync(0);
      await otherBot.done;
      expect(otherBot.sent()).toBe(true);
    });

    it('does not space WhatsApp messages per customer', async () => {
      adapter = fakeAdapter('whatsapp');
      adapter.send.mockResolvedValue({ externalIds: ['wamid'] });
      messengers.connect.mockReturnValue({ adapter, credentials: CREDENTIALS, ctx: CTX });
      const channel = channelRow({ type: 'whatsapp' });
      await start(channel, '7999').done;

      const second = start(channel, '7999');
      await jest.advanceTimersByTimeAsync(13);
      await second.done;
      expect(second.sent()).toBe(true);
    });
  });
});
