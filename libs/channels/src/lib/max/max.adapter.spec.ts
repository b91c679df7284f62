import { FakeMax, recordingAgents } from '@onebox/fakes';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InboundMessageEvent } from '../channel-adapter';
import { ChannelError } from '../channel-error';
import { MaxAdapter } from './max.adapter';

const TOKEN = 'f9LHodD0cOJf4_DkJGeq8BkDgc5vgSwZocVrn44oirfMzUQ4mv5k';
const credentials = { token: TOKEN };

// Samples from shared/contracts/EXTERNAL-APIS.md §3 and max-bot-api-client-go's recorded stubs.
const MESSAGE_CREATED = {
  update_type: 'message_created',
  timestamp: 1767225600123,
  user_locale: 'ru',
  message: {
    sender: {
      user_id: 123456789,
      first_name: 'John',
      last_name: 'Doe',
      name: 'John Doe',
      is_bot: false,
      last_activity_time: 1767225599000,
    },
    recipient: { chat_id: 182182182, chat_type: 'dialog', user_id: 229229229 },
    timestamp: 1767225600100,
    body: {
      mid: 'mid.000000000adf429c019d47d58f2b3d9e',
      seq: 116328147937082,
      text: 'Hello! I need help with delivery',
    },
  },
};
const BOT_STARTED = {
  update_type: 'bot_started',
  timestamp: 1767225500000,
  chat_id: 182182182,
  user: { user_id: 123456789, first_name: 'John', name: 'John Doe', is_bot: false, last_activity_time: 1767225499000 },
  payload: 'utm_site_widget',
  user_locale: 'ru',
};
const GROUP_MESSAGE = {
  update_type: 'message_created',
  timestamp: 1775025604499,
  message: {
    recipient: { chat_id: -70801090403050, chat_type: 'chat' },
    timestamp: 1775053255737,
    body: { mid: 'mid.ffffbdb48e6c3775019d496b34394b84', seq: 116327994376978, text: '...' },
    sender: {
      user_id: 123456789,
      first_name: 'John',
      last_name: 'Doe',
      is_bot: false,
      last_activity_time: 1775053249000,
      name: 'John Doe',
    },
  },
};
const MESSAGE_EDITED = {
  update_type: 'message_edited',
  timestamp: 1775025604499,
  message: {
    recipient: { chat_id: 182182182, chat_type: 'dialog', user_id: 229229229 },
    timestamp: 1775025603399,
    body: { mid: 'mid.000000000adf429c019d47b1ce4600ff', seq: 116327994376978, text: 'hi bot' },
    sender: {
      user_id: 123456789,
      first_name: 'John',
      last_name: 'Doe',
      is_bot: false,
      last_activity_time: 1775024330000,
      name: 'John Doe',
    },
  },
};
const MESSAGE_CALLBACK = {
  update_type: 'message_callback',
  timestamp: 1775025604499,
  user_locale: 'ru',
  callback: {
    timestamp: 1775026702210,
    callback_id: 'f9LHodD0cOJf4_DkJGeq8BkDgc5vgSwZocVrn44oirfMzUQ4mv5k_h1',
    user: {
      user_id: 123456789,
      first_name: 'John',
      last_name: 'Doe',
      is_bot: false,
      last_activity_time: 1775026693000,
      name: 'John Doe',
    },
    payload: 'picture',
  },
  message: {
    recipient: { chat_id: 182182182, chat_type: 'dialog', user_id: 123456789 },
    timestamp: 1775026671403,
    body: { mid: 'mid.000000000adf429c019d47d58f2b3d9e', seq: 116328147937082, text: 'Pick one' },
    sender: {
      user_id: 229229229,
      first_name: 'UniBot',
      username: 'unit_bot',
      is_bot: true,
      last_activity_time: 1775026702261,
      name: 'UniBot',
    },
  },
};

function withBody(body: Record<string, unknown>) {
  return {
    ...MESSAGE_CREATED,
    message: { ...MESSAGE_CREATED.message, body: { mid: 'mid.0000000000000000000000000000abcd', seq: 1, ...body } },
  };
}

describe(MaxAdapter.name, () => {
  let fake: FakeMax;
  let adapter: MaxAdapter;
  let ctx: { apiRoot: string; timeoutMs: number };

  beforeEach(async () => {
    fake = new FakeMax({ token: TOKEN, botUserId: 229229229, botName: 'Onebox Bot', botUsername: 'onebox_bot' });
    ctx = { apiRoot: await fake.start(), timeoutMs: 2000 };
    adapter = new MaxAdapter({ attachmentRetryDelaysMs: [5, 5, 5] });
  });

  afterEach(() => fake.stop());

  describe('checkCredentials', () => {
    it('GETs /me with the bare token and answers the bot', async () => {
      await expect(adapter.checkCredentials(credentials, ctx)).resolves.toEqual({
        accountId: '229229229',
        accountName: '@onebox_bot',
      });
      const [call] = fake.calls;
      expect([call.method, call.path, call.headers.authorization]).toEqual(['GET', '/me', TOKEN]);
    });

    it('names a bot without a username by its first name', async () => {
      fake.inject({
        pathEndsWith: '/me',
        times: 1,
        reply: { status: 200, body: { user_id: 7, first_name: 'Shop', username: null, is_bot: true } },
      });
      await expect(adapter.checkCredentials(credentials, ctx)).resolves.toEqual({
        accountId: '7',
        accountName: 'Shop',
      });
    });
  });

  describe('webhooks', () => {
    let receiver: Server;
    let received: { headers: IncomingHttpHeaders; rawBody: Buffer }[];
    let hookUrl: string;

    beforeEach(async () => {
      received = [];
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, rawBody: Buffer.concat(chunks) });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/max/ch_1`;
    });

    afterEach(() => new Promise((resolve) => receiver.close(resolve)));

    it('subscribes with the url, the four update types and the secret', async () => {
      await adapter.registerWebhook(credentials, { url: hookUrl, secret: 'Wh_secret-123' }, ctx);

      const [call] = fake.callsTo('/subscriptions');
      expect([call.method, call.headers.authorization, call.headers['content-type']]).toEqual([
        'POST',
        TOKEN,
        'application/json',
      ]);
      expect(call.body).toEqual({
        url: hookUrl,
        update_types: ['message_created', 'message_edited', 'message_callback', 'bot_started'],
        secret: 'Wh_secret-123',
      });
      expect(fake.subscriptions()).toHaveLength(1);
    });

    it('verifies a delivery by its X-Max-Bot-Api-Secret header and normalizes its body', async () => {
      await adapter.registerWebhook(credentials, { url: hookUrl, secret: 'Wh_secret-123' }, ctx);

      expect(await fake.customerWrites({ userId: 123456789, name: 'John Doe', text: 'Hello' })).toBe(200);

      const [delivery] = received;
      expect(adapter.verifyWebhook(delivery, credentials, 'Wh_secret-123')).toBe(true);
      expect(adapter.verifyWebhook(delivery, credentials, 'Wh_secret-124')).toBe(false);
      expect(adapter.verifyWebhook({ headers: {}, rawBody: delivery.rawBody }, credentials, 'Wh_secret-123')).toBe(
        false,
      );
      expect(adapter.normalizeInbound(JSON.parse(delivery.rawBody.toString('utf8')))).toEqual([
        expect.objectContaining({
          kind: 'message',
          externalUserId: '123456789',
          text: 'Hello',
          contactName: 'John Doe',
        }),
      ]);
    });

    it('refuses a secret MAX would reject before calling it', async () => {
      await expect(adapter.registerWebhook(credentials, { url: hookUrl, secret: 'a b' }, ctx)).rejects.toMatchObject({
        code: 'unsupported_content',
      });
      expect(fake.calls).toHaveLength(0);
    });

    it('raises the message of a {"success":false} answer', async () => {
      fake.inject({
        pathEndsWith: '/subscriptions',
        times: 1,
        reply: { status: 200, body: { success: false, message: 'Invalid url' } },
      });
      await expect(
        adapter.registerWebhook(credentials, { url: hookUrl, secret: 'Wh_secret-123' }, ctx),
      ).rejects.toMatchObject({
        code: 'unsupported_content',
        message: 'Invalid url',
      });
    });

    it('unsubscribes with DELETE /subscriptions?url=', async () => {
      await adapter.registerWebhook(credentials, { url: hookUrl, secret: 'Wh_secret-123' }, ctx);
      await adapter.unregisterWebhook(credentials, { url: hookUrl }, ctx);

      const call = fake.callsTo('/subscriptions')[1];
      expect([call.method, call.query, call.headers.authorization]).toEqual(['DELETE', { url: hookUrl }, TOKEN]);
      expect(fake.subscriptions()).toEqual([]);
    });

    it('has no GET handshake', () => {
      expect(adapter.answerHandshake()).toBeNull();
    });
  });

  describe('poll', () => {
    it('GETs /updates and hands back the marker as the cursor, which commits on the next poll', async () => {
      await fake.customerStartsBot({ userId: 1, name: 'Ann Lee', payload: 'promo' });
      await fake.customerWrites({ userId: 1, name: 'Ann Lee', text: 'hi' });

      const first = await adapter.poll(credentials, null, { ...ctx, timeoutSec: 0 });
      const second = await adapter.poll(credentials, first.cursor, { ...ctx, timeoutSec: 0 });

      const [call1, call2] = fake.callsTo('/updates');
      expect([call1.method, call1.headers.authorization]).toEqual(['GET', TOKEN]);
      expect(call1.query).toEqual({
        limit: '100',
        timeout: '0',
        types: 'message_created,message_edited,message_callback,bot_started',
      });
      expect(first.updates.map((u) => (u as { update_type: string }).update_type)).toEqual([
        'bot_started',
        'message_created',
      ]);
      expect(first.cursor).toMatch(/^\d+$/);
      expect(call2.query.marker).toBe(first.cursor);
      expect(second).toEqual({ updates: [], cursor: first.cursor });
      expect(fake.pendingUpdates()).toEqual([]);
    });

    it('waits for an update up to the long-poll timeout', async () => {
      const polled = adapter.poll(credentials, null, { ...ctx, timeoutSec: 5 });
      setTimeout(() => void fake.customerWrites({ userId: 1, name: 'Ann', text: 'late' }), 50);
      const result = await polled;
      expect(adapter.normalizeInbound(result.updates[0])).toEqual([expect.objectContaining({ text: 'late' })]);
    });
  });

  describe('normalizeInbound', () => {
    it('turns a dialog message into a message event (timestamps in milliseconds)', () => {
      expect(adapter.normalizeInbound(MESSAGE_CREATED)).toEqual([
        {
          kind: 'message',
          externalUserId: '123456789',
          externalMessageId: 'mid.000000000adf429c019d47d58f2b3d9e',
          contactName: 'John Doe',
          text: 'Hello! I need help with delivery',
          media: [],
          sentAt: new Date(1767225600100),
        },
      ]);
    });

    it('accepts the raw body bytes too', () => {
      expect(adapter.normalizeInbound(Buffer.from(JSON.stringify(MESSAGE_CREATED)))[0]).toMatchObject({
        kind: 'message',
      });
    });

    it('opens the conversation on bot_started, keeping the deep-link payload as the source', () => {
      expect(adapter.normalizeInbound(BOT_STARTED)).toEqual([
        {
          kind: 'message',
          externalUserId: '123456789',
          externalMessageId: 'bot_started:123456789:1767225500000',
          contactName: 'John Doe',
          text: '/start',
          media: [],
          sentAt: new Date(1767225500000),
          source: 'utm_site_widget',
        },
      ]);
    });

    it('turns an edit into an edit event', () => {
      expect(adapter.normalizeInbound(MESSAGE_EDITED)).toEqual([
        {
          kind: 'edit',
          externalUserId: '123456789',
          externalMessageId: 'mid.000000000adf429c019d47b1ce4600ff',
          text: 'hi bot',
          editedAt: new Date(1775025604499),
        },
      ]);
    });

    it('turns a button press into a message carrying its payload', () => {
      expect(adapter.normalizeInbound(MESSAGE_CALLBACK)).toEqual([
        {
          kind: 'message',
          externalUserId: '123456789',
          externalMessageId: 'cb:f9LHodD0cOJf4_DkJGeq8BkDgc5vgSwZocVrn44oirfMzUQ4mv5k_h1',
          contactName: 'John Doe',
          text: 'picture',
          callbackData: 'picture',
          media: [],
          sentAt: new Date(1775026702210),
        },
      ]);
    });

    it('keeps the username when the customer has one', () => {
      const update = withBody({ text: 'hi' });
      (update.message as { sender: Record<string, unknown> }).sender = {
        ...MESSAGE_CREATED.message.sender,
        username: 'johnd',
      };
      expect(adapter.normalizeInbound(update)[0]).toMatchObject({ username: 'johnd' });
    });

    it('maps image, file, video and audio attachments onto media refs', () => {
      const [event] = adapter.normalizeInbound(
        withBody({
          text: null,
          attachments: [
            { type: 'image', payload: { photo_id: 1, token: 'tI', url: 'https://i.oneme.ru/i?r=abc' } },
            {
              type: 'file',
              payload: { url: 'https://fd.oneme.ru/getfile?id=9', token: 'tF' },
              filename: 'invoice.pdf',
              size: 5120,
            },
            { type: 'video', payload: { token: 'tV' } },
            { type: 'audio', payload: { url: 'https://fd.oneme.ru/getfile?id=10', token: 'tA' } },
          ],
        }),
      ) as InboundMessageEvent[];
      expect(event.text).toBe('');
      expect(event.media).toEqual([
        { ref: 'https://i.oneme.ru/i?r=abc', kind: 'image' },
        { ref: 'https://fd.oneme.ru/getfile?id=9', kind: 'document', fileName: 'invoice.pdf', size: 5120 },
        { ref: 'tV', kind: 'video' },
        { ref: 'https://fd.oneme.ru/getfile?id=10', kind: 'audio' },
      ]);
    });

    it('writes a shared contact as text and keeps the card in meta', () => {
      const vcf = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane Roe\r\nTEL;TYPE=cell:+79001234567\r\nEND:VCARD';
      const [event] = adapter.normalizeInbound(
        withBody({ text: '', attachments: [{ type: 'contact', payload: { vcf_info: vcf, max_info: null } }] }),
      ) as InboundMessageEvent[];
      expect(event.text).toBe('👤 Jane Roe +79001234567');
      expect(event.meta).toEqual({ contact: { name: 'Jane Roe', phone: '+79001234567', vcf } });
    });

    it('writes a location as text and keeps the coordinates in meta', () => {
      const [event] = adapter.normalizeInbound(
        withBody({ text: null, attachments: [{ type: 'location', latitude: 55.7558, longitude: 37.6173 }] }),
      ) as InboundMessageEvent[];
      expect(event.text).toBe('📍 55.7558, 37.6173');
      expect(event.meta).toEqual({ location: { latitude: 55.7558, longitude: 37.6173 } });
    });

    it('drops a sticker but keeps the text that came with it', () => {
      const sticker = {
        type: 'sticker',
        payload: { url: 'https://st.oneme.ru/s.webp', code: 'c1' },
        width: 128,
        height: 128,
      };
      expect(adapter.normalizeInbound(withBody({ text: null, attachments: [sticker] }))).toEqual([
        { kind: 'ignored', reason: 'message with nothing to show (sticker)' },
      ]);
      expect(adapter.normalizeInbound(withBody({ text: 'lol', attachments: [sticker] }))[0]).toMatchObject({
        kind: 'message',
        text: 'lol',
        media: [],
      });
    });

    it('shows the content of a forwarded message', () => {
      const update = withBody({ text: '' });
      (update.message as Record<string, unknown>).link = {
        type: 'forward',
        message: { mid: 'mid.x', seq: 2, text: 'Order #15' },
      };
      expect(adapter.normalizeInbound(update)[0]).toMatchObject({ text: 'Order #15', meta: { forwarded: true } });
    });

    it.each([
      ['a group chat message', GROUP_MESSAGE, 'message in a chat chat'],
      [
        'a channel post',
        { ...GROUP_MESSAGE, message: { ...GROUP_MESSAGE.message, recipient: { chat_id: -1, chat_type: 'channel' } } },
        'message in a channel chat',
      ],
      [
        'a message from a bot',
        {
          ...MESSAGE_CREATED,
          message: { ...MESSAGE_CREATED.message, sender: { user_id: 5, first_name: 'B', is_bot: true } },
        },
        'message from a bot',
      ],
      [
        'an edit in a group chat',
        { ...MESSAGE_EDITED, message: { ...MESSAGE_EDITED.message, recipient: { chat_id: -5, chat_type: 'chat' } } },
        'edit in a chat chat',
      ],
      [
        'a removed message',
        { update_type: 'message_removed', timestamp: 1, message_id: 'mid.1', chat_id: 182182182, user_id: 123456789 },
        'message removed by its author',
      ],
      [
        'a stopped bot',
        { update_type: 'bot_stopped', timestamp: 1, chat_id: 1, user: BOT_STARTED.user },
        'customer stopped the bot',
      ],
      [
        'a member added',
        { update_type: 'user_added', timestamp: 1, chat_id: -1, user: BOT_STARTED.user, is_channel: false },
        'member added to a group chat',
      ],
      [
        'the bot added to a chat',
        { update_type: 'bot_added', timestamp: 1, chat_id: -1, user: BOT_STARTED.user, is_channel: false },
        'bot added to a group chat',
      ],
      [
        'an unknown update type',
        { update_type: 'something_new', timestamp: 1 },
        'unsupported update type something_new',
      ],
      ['an empty text', withBody({ text: '' }), 'empty message'],
    ])('ignores %s', (_name, update, reason) => {
      expect(adapter.normalizeInbound(update)).toEqual([{ kind: 'ignored', reason }]);
    });

    it.each([
      ['null', null],
      ['a string that is not JSON', 'not json'],
      ['an object without update_type', { timestamp: 1 }],
      ['an array', [MESSAGE_CREATED]],
      [
        'a message_created without a body',
        { update_type: 'message_created', timestamp: 1, message: { recipient: { chat_type: 'dialog' } } },
      ],
      [
        'a callback without an id',
        { update_type: 'message_callback', timestamp: 1, callback: { user: BOT_STARTED.user } },
      ],
      ['a bot_started without a user', { update_type: 'bot_started', timestamp: 1, chat_id: 1 }],
    ])('reports %s as malformed', (_name, update) => {
      const [event] = adapter.normalizeInbound(update);
      expect(event.kind).toBe('ignored');
      expect((event as { reason: string }).reason).toMatch(/malformed/);
    });
  });

  describe('send', () => {
    beforeEach(() => fake.addCustomer({ userId: 123456789, name: 'John Doe' }));

    it('POSTs /messages?user_id= with the text and answers the mid', async () => {
      const result = await adapter.send(
        credentials,
        { recipient: '123456789', text: 'Your order ships today', attachments: [] },
        ctx,
      );

      const [call] = fake.callsTo('/messages');
      expect([call.method, call.query, call.headers.authorization]).toEqual(['POST', { user_id: '123456789' }, TOKEN]);
      expect(call.body).toEqual({ text: 'Your order ships today' });
      expect(result).toEqual({ externalIds: [fake.sentMessages()[0].mid] });
      expect(result.externalIds[0]).toMatch(/^mid\.[0-9a-f]{32}$/);
    });

    it('sends buttons as an inline_keyboard attachment of callback buttons, at most six a row', async () => {
      const buttons = Array.from({ length: 11 }, (_, score) => ({ id: `survey:s1:${score}`, text: String(score) }));
      await adapter.send(credentials, { recipient: '123456789', text: 'Rate us', attachments: [], buttons }, ctx);

      const row = (from: number, to: number) =>
        buttons.slice(from, to).map((b) => ({ type: 'callback', text: b.text, payload: b.id }));
      const [call] = fake.callsTo('/messages');
      expect(call.body).toEqual({
        text: 'Rate us',
        attachments: [{ type: 'inline_keyboard', payload: { buttons: [row(0, 6), row(6, 11)] } }],
      });
    });

    it('a press arrives as message_callback and is normalized with the button payload', async () => {
      await adapter.send(
        credentials,
        { recipient: '123456789', text: 'Rate us', attachments: [], buttons: [{ id: 'survey:s1:5', text: '5' }] },
        ctx,
      );
      await fake.customerPressesButton({ userId: 123456789, name: 'John Doe', payload: 'survey:s1:5' });
      const events = fake.pendingUpdates().flatMap((u) => adapter.normalizeInbound(u));
      expect(events).toEqual([
        expect.objectContaining({ kind: 'message', externalUserId: '123456789', callbackData: 'survey:s1:5' }),
      ]);
    });

    it('splits a text above 4000 characters into several messages', async () => {
      const text = `${'a'.repeat(3000)} ${'b'.repeat(3000)} ${'c'.repeat(2500)}`;
      const result = await adapter.send(credentials, { recipient: '123456789', text, attachments: [] }, ctx);

      const texts = fake.callsTo('/messages').map((c) => c.body.text as string);
      expect(texts).toEqual(['a'.repeat(3000), 'b'.repeat(3000), 'c'.repeat(2500)]);
      expect(result.externalIds).toHaveLength(3);
    });

    it('posts the file to the upload URL MAX answered through the media agents', async () => {
      const agents = recordingAgents();
      await adapter.send(
        credentials,
        {
          recipient: '123456789',
          text: '',
          attachments: [{ fileName: 'photo.png', mimeType: 'image/png', data: Buffer.from('png') }],
        },
        { ...ctx, mediaAgents: agents },
      );

      expect(agents.connections).toEqual([new URL(fake.url).host]);
    });

    it('uploads an image and a document, then sends them by token', async () => {
      const png = Buffer.from('\x89PNG image');
      const pdf = Buffer.from('%PDF-1.7 contract');
      const result = await adapter.send(
        credentials,
        {
          recipient: '123456789',
          text: 'Invoice and photo',
          attachments: [
            { fileName: 'photo.png', mimeType: 'image/png', data: png },
            { fileName: 'invoice.pdf', mimeType: 'application/pdf', data: pdf },
          ],
        },
        ctx,
      );

      const uploads = fake.callsTo('/uploads');
      expect(uploads.map((c) => [c.method, c.query.type, c.headers.authorization])).toEqual([
        ['POST', 'image', TOKEN],
        ['POST', 'file', TOKEN],
      ]);
      const parts = fake.callsTo('/upload.do').map((c) => c.files[0]);
      expect(parts).toEqual([
        { field: 'data', fileName: 'photo.png', mimeType: 'image/png', data: png },
        { field: 'data', fileName: 'invoice.pdf', mimeType: 'application/pdf', data: pdf },
      ]);
      const [first, second] = fake
        .callsTo('/messages')
        .map((c) => c.body as { text?: string; attachments: { payload: { token: string } }[] });
      expect(first).toEqual({
        text: 'Invoice and photo',
        attachments: [{ type: 'image', payload: { token: expect.any(String) } }],
      });
      expect(second).toEqual({ attachments: [{ type: 'file', payload: { token: expect.any(String) } }] });
      expect(fake.file(first.attachments[0].payload.token)?.data).toEqual(png);
      expect(fake.file(second.attachments[0].payload.token)).toMatchObject({ fileName: 'invoice.pdf', data: pdf });
      expect(result.externalIds).toHaveLength(2);
    });

    it('re-sends while MAX answers attachment.not.ready', async () => {
      fake.failAttachmentNotReady(2);
      const attachments = [{ fileName: 'a.pdf', mimeType: 'application/pdf', data: Buffer.from('pdf') }];

      const result = await adapter.send(credentials, { recipient: '123456789', text: '', attachments }, ctx);

      expect(fake.callsTo('/messages')).toHaveLength(3);
      expect(result.externalIds).toEqual([fake.sentMessages()[0].mid]);
    });
  });

  describe('fetchMedia', () => {
    it('downloads an inbound photo from its payload url', async () => {
      await fake.customerSendsImage({
        userId: 1,
        name: 'Ann',
        data: Buffer.from('jpeg bytes'),
        mimeType: 'image/jpeg',
      });
      const { updates } = await adapter.poll(credentials, null, { ...ctx, timeoutSec: 0 });
      const [event] = adapter.normalizeInbound(updates[0]) as InboundMessageEvent[];

      const media = await adapter.fetchMedia(credentials, event.media[0], ctx);

      expect(media).toEqual({ data: Buffer.from('jpeg bytes'), mimeType: 'image/jpeg', fileName: 'image.jpg' });
    });

    it('keeps the file name of an inbound document', async () => {
      await fake.customerSendsFile({
        userId: 1,
        name: 'Ann',
        fileName: 'spec.docx',
        data: Buffer.from('doc'),
        mimeType: 'application/msword',
      });
      const { updates } = await adapter.poll(credentials, null, { ...ctx, timeoutSec: 0 });
      const [event] = adapter.normalizeInbound(updates[0]) as InboundMessageEvent[];

      await expect(adapter.fetchMedia(credentials, event.media[0], ctx)).resolves.toEqual({
        data: Buffer.from('doc'),
        mimeType: 'application/msword',
        fileName: 'spec.docx',
      });
    });

    it('downloads through the media agents it is given', async () => {
      const agents = recordingAgents();
      await fake.customerSendsImage({ userId: 1, name: 'Ann', data: Buffer.from('jpeg bytes') });
      const { updates } = await adapter.poll(credentials, null, { ...ctx, timeoutSec: 0 });
      const [event] = adapter.normalizeInbound(updates[0]) as InboundMessageEvent[];

      await adapter.fetchMedia(credentials, event.media[0], { ...ctx, mediaAgents: agents });

      expect(agents.connections).toEqual([new URL(event.media[0].ref).host]);
    });

    it('refuses media that only has a token', async () => {
      await expect(adapter.fetchMedia(credentials, { ref: 'tV', kind: 'video' }, ctx)).rejects.toMatchObject({
        code: 'unsupported_content',
      });
    });

    it('reports a media URL that no longer resolves as unsupported content', async () => {
      await expect(
        adapter.fetchMedia(credentials, { ref: `${ctx.apiRoot}/i?r=gone`, kind: 'image' }, ctx),
      ).rejects.toMatchObject({
        code: 'unsupported_content',
      });
    });
  });

  describe('answerCallback', () => {
    it('POSTs /answers?callback_id= with an empty notification', async () => {
      await fake.customerPressesButton({ userId: 1, name: 'Ann', payload: 'plan_pro' });
      const { updates } = await adapter.poll(credentials, null, { ...ctx, timeoutSec: 0 });
      const callbackId = (updates[0] as { callback: { callback_id: string } }).callback.callback_id;

      await adapter.answerCallback(credentials, callbackId, ctx);

      const [call] = fake.callsTo('/answers');
      expect([call.method, call.query, call.body, call.headers.authorization]).toEqual([
        'POST',
        { callback_id: callbackId },
        { notification: '' },
        TOKEN,
      ]);
    });
  });

  describe('error mapping', () => {
    const send = () => adapter.send(credentials, { recipient: '123456789', text: 'hi', attachments: [] }, ctx);
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => {
          throw new Error('expected a ChannelError');
        },
        (e: unknown) => e as ChannelError,
      );

    beforeEach(() => fake.addCustomer({ userId: 123456789, name: 'John Doe' }));

    it('401 verify.token → invalid_credentials', async () => {
      const error = await failure(adapter.checkCredentials({ token: 'revoked' }, ctx));
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).toMatchObject({ code: 'invalid_credentials', providerCode: 'verify.token' });
    });

    it('a "Bearer " token → invalid_credentials (MAX wants the bare token)', async () => {
      const error = await failure(adapter.checkCredentials({ token: `Bearer ${TOKEN}` }, ctx));
      expect(error).toMatchObject({ code: 'invalid_credentials' });
    });

    it('429 with Retry-After → rate_limited after that many seconds', async () => {
      fake.throttle(1, 3);
      expect(await failure(send())).toMatchObject({
        code: 'rate_limited',
        retryAfterMs: 3000,
        providerCode: 'too.many.requests',
      });
    });

    it('429 without Retry-After → rate_limited after 1 s', async () => {
      fake.throttle(1);
      expect(await failure(send())).toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
    });

    it('404 chat.not.found (never wrote to the bot) → recipient_unreachable', async () => {
      const error = await failure(adapter.send(credentials, { recipient: '999', text: 'hi', attachments: [] }, ctx));
      expect(error).toMatchObject({ code: 'recipient_unreachable', providerCode: 'chat.not.found' });
    });

    it('403 chat.denied (customer blocked the bot) → recipient_unreachable', async () => {
      fake.blockBot(123456789);
      const error = await failure(send());
      expect(error).toMatchObject({ code: 'recipient_unreachable', providerCode: 'chat.denied' });
      expect(error.message).toContain('error.dialog.suspended');
    });

    it('400 text too long → unsupported_content', async () => {
      fake.inject({
        pathEndsWith: '/messages',
        times: 1,
        reply: { status: 400, body: { code: 'proto.payload', message: 'text: size must be between 0 and 4000' } },
      });
      expect(await failure(send())).toMatchObject({ code: 'unsupported_content', providerCode: 'proto.payload' });
    });

    it('400 bad attachment → unsupported_content', async () => {
      fake.inject({
        pathEndsWith: '/messages',
        times: 1,
        reply: {
          status: 400,
          body: { code: 'proto.payload', message: 'No `photos`, `url` or `token` provided. Check payload.' },
        },
      });
      const attachments = [{ fileName: 'p.png', mimeType: 'image/png', data: Buffer.from('png') }];
      const error = await failure(adapter.send(credentials, { recipient: '123456789', text: '', attachments }, ctx));
      expect(error).toMatchObject({ code: 'unsupported_content' });
    });

    it('attachment.not.ready after every retry → temporary', async () => {
      fake.failAttachmentNotReady(10);
      const attachments = [{ fileName: 'a.pdf', mimeType: 'application/pdf', data: Buffer.from('pdf') }];
      const error = await failure(adapter.send(credentials, { recipient: '123456789', text: '', attachments }, ctx));
      expect(error).toMatchObject({ code: 'temporary', providerCode: 'attachment.not.ready' });
      expect(fake.callsTo('/messages')).toHaveLength(4);
    });

    it('500 internal error → temporary', async () => {
      fake.inject({
        pathEndsWith: '/messages',
        times: 1,
        reply: { status: 500, body: { code: 'internal.error', message: 'Internal error' } },
      });
      expect(await failure(send())).toMatchObject({ code: 'temporary', providerCode: 'internal.error' });
    });

    it('503 service unavailable (not JSON) → temporary', async () => {
      fake.inject({
        pathEndsWith: '/messages',
        times: 1,
        reply: { status: 503, body: '<html>503</html>', headers: { 'content-type': 'text/html' } },
      });
      expect(await failure(send())).toMatchObject({ code: 'temporary', providerCode: 503 });
    });

    it('a dropped connection → temporary', async () => {
      fake.inject({ pathEndsWith: '/messages', times: 1, drop: true });
      expect(await failure(send())).toMatchObject({ code: 'temporary' });
    });

    it('a timeout → temporary', async () => {
      fake.inject({ pathEndsWith: '/me', times: 1, delayMs: 500 });
      const error = await failure(adapter.checkCredentials(credentials, { ...ctx, timeoutMs: 100 }));
      expect(error).toMatchObject({ code: 'temporary' });
    });

    it('405 on /updates while a webhook is subscribed → temporary', async () => {
      await adapter.registerWebhook(credentials, { url: 'https://onebox.example/hook', secret: 'Wh_secret-123' }, ctx);
      const error = await failure(adapter.poll(credentials, null, { ...ctx, timeoutSec: 0 }));
      expect(error).toMatchObject({ code: 'temporary', providerCode: 'method.not.allowed' });
    });
  });
});
