import type { AdapterContext, ChannelAdapter, InboundEvent } from '@onebox/channels';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { ChannelsRepository, type ChannelRow } from '../channels/channels.repository';
import { ApiException } from '../common/api.exception';
import { InboundService } from '../inbound/inbound.service';
import { MessengerRegistry, type ConnectedChannel } from '../messengers/messenger-registry.service';
import { WebhooksService } from './webhooks.service';

const CHANNEL_ID = 'c1a2b3c4-0000-4000-8000-000000000001';
const CTX: AdapterContext = { apiRoot: 'http://fake-telegram.test', timeoutMs: 15_000 };
const CREDENTIALS = { botToken: '1:secret' };
const HEADERS = { 'x-telegram-bot-api-secret-token': 'whsec' };

const channelRow = (o: Partial<ChannelRow> = {}): ChannelRow => rows.telegramChannelRow({ id: CHANNEL_ID, ...o });

type FakeAdapter = ChannelAdapter & { [K in 'verifyWebhook' | 'normalizeInbound' | 'answerHandshake']: jest.Mock };

/** A hand-made adapter: any call the test did not stub fails it. */
function fakeAdapter(): FakeAdapter {
  const unexpected = (method: string) =>
    jest.fn((...args: unknown[]) => {
      throw new Error(`Unexpected call: adapter.${method}(${JSON.stringify(args)})`);
    });
  return {
    type: 'telegram',
    credentialFields: [],
    capabilities: {
      maxTextLength: 4096,
      splitsLongText: true,
      media: ['image'],
      messagingWindowHours: null,
      templates: false,
      webhook: true,
      polling: true,
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

describe(WebhooksService.name, () => {
  let channels: ReturnType<typeof strictMock<ChannelsRepository>>;
  let messengers: ReturnType<typeof strictMock<MessengerRegistry>>;
  let inbound: ReturnType<typeof strictMock<InboundService>>;
  let adapter: FakeAdapter;
  let connected: ConnectedChannel;
  let service: WebhooksService;

  beforeEach(() => {
    channels = strictMock(ChannelsRepository);
    messengers = strictMock(MessengerRegistry);
    // Rows in these tests hold the secret plain; the registry opens sealed ones (its own spec).
    messengers.webhookSecret.mockImplementation((channel) => channel.webhook_secret);
    inbound = strictMock(InboundService);
    adapter = fakeAdapter();
    connected = { adapter, credentials: CREDENTIALS, ctx: CTX };
    service = new WebhooksService(
      channels as unknown as ChannelsRepository,
      messengers as unknown as MessengerRegistry,
      inbound as unknown as InboundService,
    );
  });

  function stubChannel(channel = channelRow()): ChannelRow {
    channels.findById.mockResolvedValueOnce(channel);
    messengers.connect.mockReturnValueOnce(connected);
    return channel;
  }

  describe('receive', () => {
    const update = { update_id: 1, message: { message_id: 5, text: 'Hi' } };
    const body = Buffer.from(JSON.stringify(update));
    const events: InboundEvent[] = [{ kind: 'ignored', reason: 'test' }];

    it('verifies the raw bytes, applies the normalized events and answers ok', async () => {
      const channel = stubChannel();
      adapter.verifyWebhook.mockReturnValueOnce(true);
      adapter.normalizeInbound.mockReturnValueOnce(events);
      inbound.apply.mockResolvedValueOnce(undefined);

      const result = await service.receive('telegram', CHANNEL_ID, HEADERS, body);

      expect(result).toEqual({ ok: true });
      expect(channels.findById).toHaveBeenCalledWith(CHANNEL_ID);
      expect(messengers.connect).toHaveBeenCalledWith(channel);
      expect(adapter.verifyWebhook).toHaveBeenCalledWith({ headers: HEADERS, rawBody: body }, CREDENTIALS, 'whsec');
      expect(adapter.normalizeInbound).toHaveBeenCalledWith(update);
      expect(inbound.apply).toHaveBeenCalledWith(channel, connected, events);
    });

    it('does not answer ok before the events are applied (the platform retries a failure)', async () => {
      stubChannel();
      adapter.verifyWebhook.mockReturnValueOnce(true);
      adapter.normalizeInbound.mockReturnValueOnce(events);
      inbound.apply.mockRejectedValueOnce(new Error('connection lost'));

      await expect(service.receive('telegram', CHANNEL_ID, HEADERS, body)).rejects.toThrow('connection lost');
    });

    it.each([
      ['an unknown channel', null, 'telegram'],
      ['a webchat channel', channelRow({ type: 'webchat', credentials_enc: null }), 'webchat'],
    ])('answers 404 for %s, touching nothing', async (_, channel, type) => {
      channels.findById.mockResolvedValueOnce(channel);

      const err = await rejectionOf(service.receive(type, CHANNEL_ID, HEADERS, body));

      expectApiError(err, 404, 'not_found');
      expect(channels.findById).toHaveBeenCalledWith(CHANNEL_ID);
      expect(messengers.connect).not.toHaveBeenCalled();
      expect(inbound.apply).not.toHaveBeenCalled();
    });

    it('answers 404 for a messenger channel of another type, neither verifying nor applying anything', async () => {
      // The channel is connected (and cached under its id) before the type is compared.
      const channel = stubChannel(channelRow({ type: 'max' }));

      const err = await rejectionOf(service.receive('telegram', CHANNEL_ID, HEADERS, body));

      expectApiError(err, 404, 'not_found');
      expect(channels.findById).toHaveBeenCalledWith(CHANNEL_ID);
      expect(messengers.connect).toHaveBeenCalledTimes(1);
      expect(messengers.connect).toHaveBeenCalledWith(channel);
      expect(adapter.verifyWebhook).not.toHaveBeenCalled();
      expect(adapter.normalizeInbound).not.toHaveBeenCalled();
      expect(inbound.apply).not.toHaveBeenCalled();
    });

    it('answers 401 invalid_signature when the request does not verify, reading nothing', async () => {
      stubChannel();
      adapter.verifyWebhook.mockReturnValueOnce(false);

      const err = await rejectionOf(
        service.receive('telegram', CHANNEL_ID, { 'x-telegram-bot-api-secret-token': 'guess' }, body),
      );

      expectApiError(err, 401, 'invalid_signature');
      expect(adapter.normalizeInbound).not.toHaveBeenCalled();
      expect(inbound.apply).not.toHaveBeenCalled();
    });

    it('verifies an empty body when the body is not raw bytes (so a signature cannot match)', async () => {
      stubChannel();
      adapter.verifyWebhook.mockReturnValueOnce(false);

      const err = await rejectionOf(service.receive('telegram', CHANNEL_ID, HEADERS, update));

      expectApiError(err, 401, 'invalid_signature');
      expect(adapter.verifyWebhook).toHaveBeenCalledWith(
        { headers: HEADERS, rawBody: Buffer.alloc(0) },
        CREDENTIALS,
        'whsec',
      );
      expect(inbound.apply).not.toHaveBeenCalled();
    });

    it('answers 400 invalid_json for a verified body that is not JSON', async () => {
      stubChannel();
      adapter.verifyWebhook.mockReturnValueOnce(true);

      const err = await rejectionOf(service.receive('telegram', CHANNEL_ID, HEADERS, Buffer.from('{"update_id":')));

      expectApiError(err, 400, 'invalid_json');
      expect(adapter.normalizeInbound).not.toHaveBeenCalled();
      expect(inbound.apply).not.toHaveBeenCalled();
    });

    it('answers 400 malformed_update when the adapter cannot read the update', async () => {
      stubChannel();
      adapter.verifyWebhook.mockReturnValueOnce(true);
      adapter.normalizeInbound.mockImplementationOnce(() => {
        throw new TypeError('message.chat is undefined');
      });

      const err = await rejectionOf(service.receive('telegram', CHANNEL_ID, HEADERS, body));

      expectApiError(err, 400, 'malformed_update');
      expect(err.message).toBe('The update could not be read: message.chat is undefined');
      expect(inbound.apply).not.toHaveBeenCalled();
    });
  });

  describe('channel cache', () => {
    const body = Buffer.from(JSON.stringify({ update_id: 1 }));
    const events: InboundEvent[] = [{ kind: 'ignored', reason: 'test' }];
    const T0 = Date.parse('2024-11-21T10:00:00.000Z');
    let now: jest.SpyInstance<number, []>;

    beforeEach(() => {
      now = jest.spyOn(Date, 'now').mockReturnValue(T0);
    });

    afterEach(() => {
      now.mockRestore();
    });

    /** Stubs one verified webhook's handling after the channel lookup. */
    function stubDelivery(): void {
      adapter.verifyWebhook.mockReturnValueOnce(true);
      adapter.normalizeInbound.mockReturnValueOnce(events);
      inbound.apply.mockResolvedValueOnce(undefined);
    }

    it('keeps the cache for 2 seconds', () => {
      expect(WebhooksService.CACHE_MS).toBe(2000);
    });

    it('looks a channel up and decrypts its credentials once for two webhooks within the TTL', async () => {
      const channel = stubChannel();
      stubDelivery();
      stubDelivery();

      await expect(service.receive('telegram', CHANNEL_ID, HEADERS, body)).resolves.toEqual({ ok: true });
      now.mockReturnValue(T0 + WebhooksService.CACHE_MS - 1);
      await expect(service.receive('telegram', CHANNEL_ID, HEADERS, body)).resolves.toEqual({ ok: true });

      expect(channels.findById).toHaveBeenCalledTimes(1);
      expect(messengers.connect).toHaveBeenCalledTimes(1);
      expect(adapter.verifyWebhook).toHaveBeenCalledTimes(2);
      expect(inbound.apply).toHaveBeenCalledTimes(2);
      expect(inbound.apply).toHaveBeenNthCalledWith(1, channel, connected, events);
      expect(inbound.apply).toHaveBeenNthCalledWith(2, channel, connected, events);
    });

    it('looks the channel up again after the TTL, answering with the fresh row', async () => {
      stubChannel();
      const renamed = channelRow({ name: 'Renamed bot', webhook_secret: 'whsec-2' });
      stubDelivery();
      stubDelivery();

      await service.receive('telegram', CHANNEL_ID, HEADERS, body);
      now.mockReturnValue(T0 + WebhooksService.CACHE_MS + 1);
      stubChannel(renamed);
      await service.receive('telegram', CHANNEL_ID, HEADERS, body);

      expect(channels.findById).toHaveBeenCalledTimes(2);
      expect(channels.findById).toHaveBeenNthCalledWith(2, CHANNEL_ID);
      expect(messengers.connect).toHaveBeenCalledTimes(2);
      expect(messengers.connect).toHaveBeenNthCalledWith(2, renamed);
      expect(adapter.verifyWebhook).toHaveBeenNthCalledWith(
        2,
        { headers: HEADERS, rawBody: body },
        CREDENTIALS,
        'whsec-2',
      );
      expect(inbound.apply).toHaveBeenNthCalledWith(2, renamed, connected, events);
    });

    it('caches each channel id on its own', async () => {
      const OTHER_ID = 'c1a2b3c4-0000-4000-8000-000000000002';
      const first = stubChannel();
      const second = stubChannel(channelRow({ id: OTHER_ID }));
      stubDelivery();
      stubDelivery();

      await service.receive('telegram', CHANNEL_ID, HEADERS, body);
      await service.receive('telegram', OTHER_ID, HEADERS, body);

      expect(channels.findById.mock.calls).toEqual([[CHANNEL_ID], [OTHER_ID]]);
      expect(messengers.connect.mock.calls).toEqual([[first], [second]]);
    });

    it('caches an unknown channel too: 404 again within the TTL without a second lookup', async () => {
      channels.findById.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.receive('telegram', CHANNEL_ID, HEADERS, body)), 404, 'not_found');
      now.mockReturnValue(T0 + WebhooksService.CACHE_MS - 1);
      expectApiError(await rejectionOf(service.receive('telegram', CHANNEL_ID, HEADERS, body)), 404, 'not_found');

      expect(channels.findById).toHaveBeenCalledTimes(1);
      expect(messengers.connect).not.toHaveBeenCalled();
      expect(inbound.apply).not.toHaveBeenCalled();
    });

    it('finds a channel created after an unknown answer once the TTL has passed', async () => {
      channels.findById.mockResolvedValueOnce(null);
      stubDelivery();

      expectApiError(await rejectionOf(service.receive('telegram', CHANNEL_ID, HEADERS, body)), 404, 'not_found');
      now.mockReturnValue(T0 + WebhooksService.CACHE_MS + 1);
      const channel = stubChannel();
      await expect(service.receive('telegram', CHANNEL_ID, HEADERS, body)).resolves.toEqual({ ok: true });

      expect(channels.findById).toHaveBeenCalledTimes(2);
      expect(inbound.apply).toHaveBeenCalledWith(channel, connected, events);
    });
  });

  describe('handshake', () => {
    const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'vt', 'hub.challenge': '1158201444' };

    it('answers what the adapter answers', async () => {
      stubChannel(channelRow({ type: 'whatsapp' }));
      adapter.answerHandshake.mockReturnValueOnce('1158201444');

      await expect(service.handshake('whatsapp', CHANNEL_ID, query)).resolves.toBe('1158201444');
      expect(adapter.answerHandshake).toHaveBeenCalledWith(query, CREDENTIALS);
    });

    it('answers 403 when the adapter refuses', async () => {
      stubChannel(channelRow({ type: 'whatsapp' }));
      adapter.answerHandshake.mockReturnValueOnce(null);

      expectApiError(await rejectionOf(service.handshake('whatsapp', CHANNEL_ID, query)), 403, 'forbidden');
    });

    it('answers 404 for an unknown channel', async () => {
      channels.findById.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.handshake('whatsapp', CHANNEL_ID, query)), 404, 'not_found');
      expect(messengers.connect).not.toHaveBeenCalled();
    });
  });
});
