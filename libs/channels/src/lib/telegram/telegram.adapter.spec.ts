import { FakeTelegram } from '@onebox/fakes';
import type { AdapterContext, InboundMessageEvent } from '../channel-adapter';
import { ChannelError } from '../channel-error';
import { splitText, TelegramAdapter } from './telegram.adapter';

const ivan = { chatId: 123456789, firstName: 'Ivan', lastName: 'Petrov', username: 'ivanp' };
const ALLOWED = [
  'message',
  'edited_message',
  'callback_query',
  'business_connection',
  'business_message',
  'edited_business_message',
];
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
const PRESSED_AT = new Date('2026-01-01T00:03:00Z');

/** The samples of EXTERNAL-APIS.md §1. */
const samples = {
  text: {
    update_id: 815200001,
    message: {
      message_id: 42,
      from: {
        id: 123456789,
        is_bot: false,
        first_name: 'Ivan',
        last_name: 'Petrov',
        username: 'ivanp',
        language_code: 'ru',
      },
      chat: { id: 123456789, first_name: 'Ivan', last_name: 'Petrov', username: 'ivanp', type: 'private' },
      date: 1767225600,
      text: 'Hello, I want to order',
    },
  },
  photo: {
    update_id: 815200002,
    message: {
      message_id: 43,
      from: { id: 123456789, is_bot: false, first_name: 'Ivan' },
      chat: { id: 123456789, first_name: 'Ivan', type: 'private' },
      date: 1767225660,
      photo: [
        { file_id: 'AgACsmall', file_unique_id: 'AQADsmall', file_size: 1453, width: 90, height: 67 },
        { file_id: 'AgAClarge', file_unique_id: 'AQADlarge', file_size: 81234, width: 1280, height: 960 },
      ],
      caption: 'Here is the invoice',
    },
  },
  edit: {
    update_id: 815200003,
    edited_message: {
      message_id: 42,
      from: { id: 123456789, is_bot: false, first_name: 'Ivan' },
      chat: { id: 123456789, first_name: 'Ivan', type: 'private' },
      date: 1767225600,
      edit_date: 1767225720,
      text: 'Hello, I want to order 2 items',
    },
  },
  callback: {
    update_id: 815200004,
    callback_query: {
      id: '4382bfdwdsb323b2d9',
      from: { id: 123456789, is_bot: false, first_name: 'Ivan' },
      message: {
        message_id: 44,
        from: { id: 987654321, is_bot: true, first_name: 'ShopBot', username: 'shop_bot' },
        chat: { id: 123456789, type: 'private' },
        date: 1767225780,
        text: 'Rate our support',
        reply_markup: { inline_keyboard: [[{ text: '5', callback_data: 'csat:5' }]] },
      },
      chat_instance: '-5123456789012345678',
      data: 'csat:5',
    },
  },
};

const privateChat = { id: 123456789, first_name: 'Ivan', type: 'private' };
const ivanUser = { id: 123456789, is_bot: false, first_name: 'Ivan' };

describe(TelegramAdapter.name, () => {
  const adapter = new TelegramAdapter(() => PRESSED_AT);
  let fake: FakeTelegram;
  let ctx: AdapterContext;
  let credentials: { botToken: string };

  beforeEach(async () => {
    fake = new FakeTelegram();
    ctx = { apiRoot: await fake.start(), timeoutMs: 2000 };
    credentials = { botToken: fake.token };
  });

  afterEach(async () => {
    await fake.stop();
  });

  async function failure(promise: Promise<unknown>): Promise<ChannelError> {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(ChannelError);
      return err as ChannelError;
    }
    throw new Error('expected a ChannelError');
  }

  function only<T>(items: T[]): T {
    expect(items).toHaveLength(1);
    return items[0];
  }

  describe('declaration', () => {
    it('asks for a bot token whose pattern accepts real-looking tokens only', () => {
      const field = only([...adapter.credentialFields]);
      const pattern = new RegExp(field.pattern!);

      expect(field).toMatchObject({ key: 'botToken', secret: true, required: true });
      expect(field.hint?.en).toContain('@BotFather');
      expect(field.hint?.ru).toContain('@BotFather');
      expect(pattern.test(fake.token)).toBe(true);
      expect(pattern.test('123456789:short')).toBe(false);
      expect(pattern.test('bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw')).toBe(false);
    });
  });

  describe('checkCredentials', () => {
    it('calls getMe and answers the bot id and @username', async () => {
      const account = await adapter.checkCredentials(credentials, ctx);

      expect(account).toEqual({ accountId: '123456789', accountName: '@onebox_test_bot' });
      const call = only(fake.calls);
      expect(call).toMatchObject({ method: 'POST', path: `/bot${fake.token}/getMe`, body: {} });
      expect(call.headers['content-type']).toBe('application/json');
    });
  });

  describe('webhook', () => {
    it('registers the URL with the secret and the update types Onebox reads', async () => {
      await adapter.registerWebhook(
        credentials,
        { url: 'https://onebox.example/api/webhooks/telegram/ch_1', secret: 's3cret_-X' },
        ctx,
      );

      const call = only(fake.calls);
      expect(call.path).toBe(`/bot${fake.token}/setWebhook`);
      expect(call.headers['content-type']).toBe('application/json');
      expect(JSON.parse(call.rawBody.toString())).toEqual({
        url: 'https://onebox.example/api/webhooks/telegram/ch_1',
        secret_token: 's3cret_-X',
        allowed_updates: ALLOWED,
        drop_pending_updates: false,
      });
      expect(fake.webhookUrl).toBe('https://onebox.example/api/webhooks/telegram/ch_1');
    });

    it('unregisters with deleteWebhook, keeping pending updates', async () => {
      await adapter.registerWebhook(credentials, { url: 'https://onebox.example/hook', secret: 'abc' }, ctx);

      await adapter.unregisterWebhook(credentials, { url: 'https://onebox.example/hook' }, ctx);

      expect(fake.calls[1]).toMatchObject({
        method: 'POST',
        path: `/bot${fake.token}/deleteWebhook`,
        body: { drop_pending_updates: false },
      });
      expect(fake.webhookUrl).toBeNull();
    });

    it('accepts a request carrying the secret header', () => {
      const request = { headers: { 'x-telegram-bot-api-secret-token': 's3cret' }, rawBody: Buffer.from('{}') };

      expect(adapter.verifyWebhook(request, credentials, 's3cret')).toBe(true);
    });

    it('rejects a wrong, missing or empty secret', () => {
      const rawBody = Buffer.from('{}');

      expect(
        adapter.verifyWebhook(
          { headers: { 'x-telegram-bot-api-secret-token': 's3creT' }, rawBody },
          credentials,
          's3cret',
        ),
      ).toBe(false);
      expect(adapter.verifyWebhook({ headers: {}, rawBody }, credentials, 's3cret')).toBe(false);
      expect(
        adapter.verifyWebhook({ headers: { 'x-telegram-bot-api-secret-token': '' }, rawBody }, credentials, ''),
      ).toBe(false);
    });

    it('has no handshake', () => {
      expect(adapter.answerHandshake()).toBeNull();
    });
  });

  describe('poll', () => {
    it('asks getUpdates for the allowed types and answers the next offset as cursor', async () => {
      const { update } = await fake.customerWrites({ ...ivan, text: 'Hi' });

      const result = await adapter.poll!(credentials, null, { ...ctx, timeoutSec: 0 });

      expect(result).toEqual({ updates: [update], cursor: String(update.update_id + 1) });
      const call = only(fake.callsTo('getUpdates'));
      expect(call.method).toBe('POST');
      expect(JSON.parse(call.rawBody.toString())).toEqual({ timeout: 0, allowed_updates: ALLOWED });
    });

    it('confirms with the cursor, and keeps it when nothing came', async () => {
      const { update } = await fake.customerWrites({ ...ivan, text: 'Hi' });
      const first = await adapter.poll!(credentials, null, { ...ctx, timeoutSec: 0 });

      const second = await adapter.poll!(credentials, first.cursor, { ...ctx, timeoutSec: 0 });

      expect(second).toEqual({ updates: [], cursor: String(update.update_id + 1) });
      expect(fake.callsTo('getUpdates')[1].body).toMatchObject({ offset: update.update_id + 1 });
      expect(fake.pendingUpdates).toEqual([]);
    });

    it('long-polls: returns as soon as a customer writes', async () => {
      const polling = adapter.poll!(credentials, null, { ...ctx, timeoutSec: 20 });
      while (fake.callsTo('getUpdates').length === 0) await new Promise((r) => setTimeout(r, 5));

      const { update } = await fake.customerWrites({ ...ivan, text: 'Hi' });

      expect((await polling).updates).toEqual([update]);
      expect(fake.callsTo('getUpdates')[0].body).toMatchObject({ timeout: 20 });
    });

    it('maps 409 Conflict (a webhook is set) to temporary', async () => {
      await adapter.registerWebhook(credentials, { url: 'https://onebox.example/hook', secret: 'abc' }, ctx);

      const err = await failure(adapter.poll!(credentials, null, { ...ctx, timeoutSec: 0 }));

      expect(err).toMatchObject({
        code: 'temporary',
        providerCode: expect.stringMatching(/^Conflict: can't use getUpdates/),
      });
    });
  });

  describe('normalizeInbound', () => {
    it('turns a private text message into a message event', () => {
      expect(adapter.normalizeInbound(samples.text)).toEqual([
        {
          kind: 'message',
          externalUserId: '123456789',
          externalMessageId: '123456789:42',
          contactName: 'Ivan Petrov',
          username: 'ivanp',
          text: 'Hello, I want to order',
          media: [],
          sentAt: new Date(1767225600 * 1000),
        },
      ]);
    });

    it('keeps the largest photo size and the caption as text', () => {
      const event = only(adapter.normalizeInbound(samples.photo)) as InboundMessageEvent;

      expect(event).toMatchObject({
        kind: 'message',
        externalMessageId: '123456789:43',
        contactName: 'Ivan',
        text: 'Here is the invoice',
      });
      expect(event.media).toEqual([{ ref: 'AgAClarge', kind: 'image', mimeType: 'image/jpeg', size: 81234 }]);
    });

    it('turns edited_message into an edit of the same message id', () => {
      expect(adapter.normalizeInbound(samples.edit)).toEqual([
        {
          kind: 'edit',
          externalUserId: '123456789',
          externalMessageId: '123456789:42',
          text: 'Hello, I want to order 2 items',
          editedAt: new Date(1767225720 * 1000),
        },
      ]);
    });

    it('turns a button press into a message carrying the callback data, stamped on receipt', () => {
      expect(adapter.normalizeInbound(samples.callback)).toEqual([
        {
          kind: 'message',
          externalUserId: '123456789',
          externalMessageId: 'cb:4382bfdwdsb323b2d9',
          contactName: 'Ivan',
          text: 'csat:5',
          callbackData: 'csat:5',
          media: [],
          sentAt: PRESSED_AT,
          meta: { callbackQueryId: '4382bfdwdsb323b2d9', buttonMessageId: '44' },
        },
      ]);
    });

    it('takes the /start parameter as the source', () => {
      const update = {
        update_id: 1,
        message: { message_id: 1, from: ivanUser, chat: privateChat, date: 1767225600, text: '/start landing_spring' },
      };

      expect(only(adapter.normalizeInbound(update))).toMatchObject({
        kind: 'message',
        text: '/start landing_spring',
        source: 'landing_spring',
      });
    });

    it('reads documents, voice notes, audio and video as media', () => {
      const base = { message_id: 5, from: ivanUser, chat: privateChat, date: 1767225600 };
      const media = (message: object) =>
        (only(adapter.normalizeInbound({ update_id: 1, message: { ...base, ...message } })) as InboundMessageEvent)
          .media;

      expect(
        media({
          document: {
            file_id: 'BQdoc',
            file_unique_id: 'u',
            file_name: 'offer.pdf',
            mime_type: 'application/pdf',
            file_size: 10,
          },
        }),
      ).toEqual([{ ref: 'BQdoc', kind: 'document', fileName: 'offer.pdf', mimeType: 'application/pdf', size: 10 }]);
      expect(
        media({
          voice: { file_id: 'AwVoice', file_unique_id: 'u', duration: 3, mime_type: 'audio/ogg', file_size: 9 },
        }),
      ).toEqual([{ ref: 'AwVoice', kind: 'voice', mimeType: 'audio/ogg', size: 9 }]);
      expect(
        media({
          audio: { file_id: 'CQaudio', file_unique_id: 'u', duration: 3, file_name: 'a.mp3', mime_type: 'audio/mpeg' },
        }),
      ).toEqual([{ ref: 'CQaudio', kind: 'audio', fileName: 'a.mp3', mimeType: 'audio/mpeg' }]);
      expect(
        media({
          video: { file_id: 'BAvideo', file_unique_id: 'u', width: 1, height: 1, duration: 3, mime_type: 'video/mp4' },
        }),
      ).toEqual([{ ref: 'BAvideo', kind: 'video', mimeType: 'video/mp4' }]);
    });

    it('keeps a shared own contact as the phone', () => {
      const update = {
        update_id: 1,
        message: {
          message_id: 6,
          from: ivanUser,
          chat: privateChat,
          date: 1767225600,
          contact: { phone_number: '+79161234567', first_name: 'Ivan', user_id: 123456789 },
        },
      };

      expect(only(adapter.normalizeInbound(update))).toMatchObject({
        kind: 'message',
        text: '',
        phone: '+79161234567',
      });
    });

    it('prefixes business messages with the connection and keeps its id', () => {
      const update = {
        update_id: 9,
        business_message: {
          business_connection_id: 'BCid_1',
          message_id: 7,
          from: ivanUser,
          chat: privateChat,
          date: 1767225600,
          text: 'Hi manager',
        },
      };

      expect(only(adapter.normalizeInbound(update))).toMatchObject({
        kind: 'message',
        externalUserId: '123456789',
        externalMessageId: 'BCid_1:123456789:7',
        businessConnectionId: 'BCid_1',
        text: 'Hi manager',
      });
    });

    it('turns edited_business_message into an edit', () => {
      const update = {
        update_id: 10,
        edited_business_message: {
          business_connection_id: 'BCid_1',
          message_id: 7,
          from: ivanUser,
          chat: privateChat,
          date: 1767225600,
          edit_date: 1767225700,
          text: 'Hi!',
        },
      };

      expect(only(adapter.normalizeInbound(update))).toEqual({
        kind: 'edit',
        externalUserId: '123456789',
        externalMessageId: 'BCid_1:123456789:7',
        text: 'Hi!',
        editedAt: new Date(1767225700 * 1000),
      });
    });

    it('ignores group, supergroup and channel messages with a reason', () => {
      for (const type of ['group', 'supergroup', 'channel']) {
        const update = {
          update_id: 1,
          message: {
            message_id: 1,
            from: ivanUser,
            chat: { id: -100123, title: 'Team', type },
            date: 1767225600,
            text: 'hi',
          },
        };

        expect(adapter.normalizeInbound(update)).toEqual([{ kind: 'ignored', reason: `${type} chat` }]);
      }
    });

    it("ignores a bot's messages and the business owner's own messages", () => {
      const bot = { id: 987654321, is_bot: true, first_name: 'Shop' };
      const fromBot = {
        update_id: 1,
        message: { message_id: 1, from: bot, chat: privateChat, date: 1767225600, text: 'hi' },
      };
      const fromOwner = {
        update_id: 2,
        business_message: {
          business_connection_id: 'BC',
          message_id: 2,
          from: { id: 555, is_bot: false, first_name: 'Manager' },
          chat: privateChat,
          date: 1767225600,
          text: 'hello',
        },
      };

      expect(adapter.normalizeInbound(fromBot)).toEqual([{ kind: 'ignored', reason: 'sent by a bot' }]);
      expect(adapter.normalizeInbound(fromOwner)).toEqual([
        { kind: 'ignored', reason: 'sent by the business account owner' },
      ]);
    });

    it('ignores business connections, other update types and malformed bodies', () => {
      const connection = {
        update_id: 3,
        business_connection: { id: 'BC', user: ivanUser, user_chat_id: 1, date: 1, is_enabled: true },
      };

      expect(adapter.normalizeInbound(connection)).toEqual([
        { kind: 'ignored', reason: 'business connection BC enabled' },
      ]);
      expect(adapter.normalizeInbound({ update_id: 4, my_chat_member: {} })).toEqual([
        { kind: 'ignored', reason: 'unsupported update type: my_chat_member' },
      ]);
      expect(adapter.normalizeInbound({ message: {} })).toEqual([
        { kind: 'ignored', reason: 'malformed update: no update_id' },
      ]);
      expect(adapter.normalizeInbound('nonsense')).toEqual([
        { kind: 'ignored', reason: 'malformed update: no update_id' },
      ]);
    });

    it('normalizes what the fake delivers, with ids stable across redelivery', async () => {
      const first = await fake.customerWrites({ ...ivan, text: 'Hi' });
      const again = await fake.customerWrites({ ...ivan, text: 'Hi again' });

      const [a] = adapter.normalizeInbound(first.update) as InboundMessageEvent[];
      const [b] = adapter.normalizeInbound(again.update) as InboundMessageEvent[];

      expect(a.externalMessageId).toBe('123456789:1');
      expect(b.externalMessageId).toBe('123456789:2');
      expect(adapter.normalizeInbound(JSON.parse(JSON.stringify(first.update)))).toEqual([a]);
    });
  });

  describe('send', () => {
    beforeEach(async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });
    });

    it('sends text with sendMessage and answers chat:message ids', async () => {
      const result = await adapter.send(
        credentials,
        { recipient: '123456789', text: 'Hello, Ivan', attachments: [] },
        ctx,
      );

      expect(result).toEqual({ externalIds: ['123456789:2'] });
      const call = only(fake.callsTo('sendMessage'));
      expect(call).toMatchObject({ method: 'POST', path: `/bot${fake.token}/sendMessage` });
      expect(call.headers['content-type']).toBe('application/json');
      expect(JSON.parse(call.rawBody.toString())).toEqual({ chat_id: 123456789, text: 'Hello, Ivan' });
    });

    it('sends through the business connection and prefixes the ids with it', async () => {
      const connection = await fake.businessConnect({ chatId: 555000111, firstName: 'Manager' }, 'BCid_1');
      await fake.businessMessage({ ...ivan, connectionId: connection, text: 'Hi manager' });

      const result = await adapter.send(
        credentials,
        { recipient: '123456789', text: 'Hello', attachments: [], businessConnectionId: 'BCid_1' },
        ctx,
      );

      expect(JSON.parse(only(fake.callsTo('sendMessage')).rawBody.toString())).toEqual({
        chat_id: 123456789,
        text: 'Hello',
        business_connection_id: 'BCid_1',
      });
      expect(result).toEqual({ externalIds: ['BCid_1:123456789:2'] });
    });

    it('splits text over 4096 characters at whitespace, never mid-word', async () => {
      const words = Array.from({ length: 1000 }, (_, i) => `word${i}`).join(' ');

      const result = await adapter.send(credentials, { recipient: '123456789', text: words, attachments: [] }, ctx);

      const texts = fake.callsTo('sendMessage').map((c) => (c.body as { text: string }).text);
      expect(result.externalIds).toHaveLength(2);
      expect(texts.every((t) => t.length <= 4096)).toBe(true);
      expect(texts.join(' ')).toBe(words);
      expect(texts[0].endsWith(' ')).toBe(false);
    });

    it('sends an image with sendPhoto as multipart, the text as its caption', async () => {
      const result = await adapter.send(
        credentials,
        {
          recipient: '123456789',
          text: 'Your invoice',
          attachments: [{ fileName: 'invoice.png', mimeType: 'image/png', data: PNG }],
        },
        ctx,
      );

      expect(fake.callsTo('sendMessage')).toHaveLength(0);
      const call = only(fake.callsTo('sendPhoto'));
      expect(call.method).toBe('POST');
      expect(call.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      const file = only(call.files);
      expect(call.body).toEqual({ chat_id: '123456789', photo: `attach://${file.field}`, caption: 'Your invoice' });
      expect(file).toMatchObject({ fileName: 'invoice.png', data: PNG });
      expect(result).toEqual({ externalIds: ['123456789:2'] });
    });

    it('sends other files with sendDocument, the caption on the first only', async () => {
      const pdf = Buffer.from('%PDF-1.4 offer');
      const svg = Buffer.from('<svg/>');

      const result = await adapter.send(
        credentials,
        {
          recipient: '123456789',
          text: 'Two files',
          attachments: [
            { fileName: 'offer.pdf', mimeType: 'application/pdf', data: pdf },
            { fileName: 'logo.svg', mimeType: 'image/svg+xml', data: svg },
          ],
        },
        ctx,
      );

      const calls = fake.callsTo('sendDocument');
      expect(calls).toHaveLength(2);
      expect(calls[0].body).toMatchObject({ chat_id: '123456789', caption: 'Two files' });
      expect(calls[0].files[0]).toMatchObject({ fileName: 'offer.pdf', data: pdf });
      expect(calls[1].body).not.toHaveProperty('caption');
      expect(calls[1].files[0]).toMatchObject({ fileName: 'logo.svg', data: svg });
      expect(result.externalIds).toEqual(['123456789:2', '123456789:3']);
    });

    it('keeps a file name with spaces and Cyrillic letters', async () => {
      await adapter.send(
        credentials,
        {
          recipient: '123456789',
          text: '',
          attachments: [{ fileName: 'Счёт за май.pdf', mimeType: 'application/pdf', data: Buffer.from('%PDF') }],
        },
        ctx,
      );

      expect(fake.sentMessages(ivan.chatId)[0]['document']).toMatchObject({
        file_name: 'Счёт за май.pdf',
        mime_type: 'application/pdf',
        file_size: 4,
      });
    });

    it('sends text over 1024 characters as its own message before the attachment', async () => {
      const text = 'a '.repeat(600).trim();

      const result = await adapter.send(
        credentials,
        { recipient: '123456789', text, attachments: [{ fileName: 'p.jpg', mimeType: 'image/jpeg', data: PNG }] },
        ctx,
      );

      expect((only(fake.callsTo('sendMessage')).body as { text: string }).text).toBe(text);
      expect(only(fake.callsTo('sendPhoto')).body).not.toHaveProperty('caption');
      expect(result.externalIds).toEqual(['123456789:2', '123456789:3']);
    });

    it('puts buttons under the message as an inline keyboard, at most six a row', async () => {
      const buttons = Array.from({ length: 11 }, (_, score) => ({ id: `survey:s1:${score}`, text: String(score) }));

      await adapter.send(credentials, { recipient: '123456789', text: 'Rate us', attachments: [], buttons }, ctx);

      const row = (from: number, to: number) =>
        buttons.slice(from, to).map((b) => ({ text: b.text, callback_data: b.id }));
      expect(JSON.parse(only(fake.callsTo('sendMessage')).rawBody.toString())).toEqual({
        chat_id: 123456789,
        text: 'Rate us',
        reply_markup: { inline_keyboard: [row(0, 6), row(6, 11)] },
      });
      expect(fake.sentMessages(123456789).at(-1)?.['reply_markup']).toEqual({
        inline_keyboard: [row(0, 6), row(6, 11)],
      });
    });

    it('puts the keyboard on the last part of a split text only', async () => {
      const text = `${'a '.repeat(2500)}end`;
      const buttons = [{ id: 'survey:s1:5', text: '5' }];

      await adapter.send(credentials, { recipient: '123456789', text, attachments: [], buttons }, ctx);

      const bodies = fake.callsTo('sendMessage').map((c) => JSON.parse(c.rawBody.toString()));
      expect(bodies).toHaveLength(2);
      expect(bodies[0]).not.toHaveProperty('reply_markup');
      expect(bodies[1].reply_markup).toEqual({ inline_keyboard: [[{ text: '5', callback_data: 'survey:s1:5' }]] });
    });

    it('a press on the keyboard comes back as a message with the button id as callback data', async () => {
      await adapter.send(
        credentials,
        { recipient: '123456789', text: 'Rate us', attachments: [], buttons: [{ id: 'survey:s1:4', text: '4' }] },
        ctx,
      );
      const press = await fake.customerPressesButton({ chatId: 123456789, data: 'survey:s1:4' });

      const [event] = adapter.normalizeInbound(press.update) as InboundMessageEvent[];
      expect(event).toMatchObject({ kind: 'message', externalUserId: '123456789', callbackData: 'survey:s1:4' });
    });

    it('refuses an empty message without calling Telegram', async () => {
      const err = await failure(
        adapter.send(credentials, { recipient: '123456789', text: '  ', attachments: [] }, ctx),
      );

      expect(err.code).toBe('unsupported_content');
      expect(fake.callsTo('sendMessage')).toHaveLength(0);
    });
  });

  describe('fetchMedia', () => {
    it('resolves the file with getFile and downloads it from /file/bot{token}/{path}', async () => {
      const { update } = await fake.customerSendsPhoto({ ...ivan, bytes: PNG, caption: 'Look' });
      const event = only(adapter.normalizeInbound(update)) as InboundMessageEvent;

      const media = await adapter.fetchMedia(credentials, event.media[0], ctx);

      expect(media.data).toEqual(PNG);
      expect(media.mimeType).toBe('image/jpeg');
      expect(media.fileName).toMatch(/^file_\d+\.jpg$/);
      expect(JSON.parse(only(fake.callsTo('getFile')).rawBody.toString())).toEqual({ file_id: event.media[0].ref });
      expect(fake.calls[1]).toMatchObject({
        method: 'GET',
        path: expect.stringMatching(new RegExp(`^/file/bot${fake.token}/photos/file_\\d+\\.jpg$`)),
      });
    });

    it('keeps the name and type of a document', async () => {
      const { update } = await fake.customerSendsDocument({
        ...ivan,
        bytes: Buffer.from('a,b'),
        fileName: 'prices.csv',
        mimeType: 'text/csv',
      });
      const event = only(adapter.normalizeInbound(update)) as InboundMessageEvent;

      const media = await adapter.fetchMedia(credentials, event.media[0], ctx);

      expect(media).toEqual({ data: Buffer.from('a,b'), fileName: 'prices.csv', mimeType: 'text/csv' });
    });

    it('maps a failed download to temporary', async () => {
      const { update } = await fake.customerSendsPhoto({ ...ivan, bytes: PNG });
      const event = only(adapter.normalizeInbound(update)) as InboundMessageEvent;
      fake.inject({ pathEndsWith: '.jpg', times: 1, reply: { status: 502, body: 'Bad Gateway' } });

      expect(await failure(adapter.fetchMedia(credentials, event.media[0], ctx))).toMatchObject({
        code: 'temporary',
        providerCode: 502,
      });
    });
  });

  describe('answerCallback', () => {
    it('answers the callback query by id', async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });
      const { update } = await fake.customerPressesButton({ chatId: ivan.chatId, data: 'csat:5' });
      const id = (update['callback_query'] as { id: string }).id;

      await adapter.answerCallback(credentials, id, ctx);

      expect(JSON.parse(only(fake.callsTo('answerCallbackQuery')).rawBody.toString())).toEqual({
        callback_query_id: id,
      });
      expect(fake.answeredCallbackQueries()).toEqual([{ id }]);
    });
  });

  describe('errors', () => {
    const text = { recipient: '123456789', text: 'Hello', attachments: [] };
    const photo = {
      recipient: '123456789',
      text: '',
      attachments: [{ fileName: 'p.jpg', mimeType: 'image/jpeg', data: PNG }],
    };
    const telegramError = (status: number, description: string) => ({
      status,
      body: { ok: false, error_code: status, description },
    });

    beforeEach(async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });
    });

    it('429 Too Many Requests → rate_limited after retry_after', async () => {
      fake.throttle(1, 7);

      const err = await failure(adapter.send(credentials, text, ctx));

      expect(err).toMatchObject({
        code: 'rate_limited',
        retryAfterMs: 7000,
        providerCode: 'Too Many Requests: retry after 7',
      });
      expect(err.retryable).toBe(true);
    });

    it('a server error with retry_after → temporary after that wait; without → temporary at once', async () => {
      fake.inject({
        pathEndsWith: '/sendMessage',
        times: 1,
        reply: {
          status: 503,
          body: { ok: false, error_code: 503, description: 'Service Unavailable', parameters: { retry_after: 2 } },
        },
      });
      fake.inject({ pathEndsWith: '/sendMessage', times: 1, reply: telegramError(502, 'Bad Gateway') });

      expect(await failure(adapter.send(credentials, text, ctx))).toMatchObject({
        code: 'temporary',
        retryAfterMs: 2000,
      });
      expect(await failure(adapter.send(credentials, text, ctx))).toMatchObject({
        code: 'temporary',
        retryAfterMs: undefined,
        providerCode: 'Bad Gateway',
      });
    });

    it('401 Unauthorized → invalid_credentials', async () => {
      const err = await failure(
        adapter.checkCredentials({ botToken: '123456789:AAwrongwrongwrongwrongwrongwrongwrong' }, ctx),
      );

      expect(err).toMatchObject({ code: 'invalid_credentials', providerCode: 'Unauthorized' });
    });

    it('404 Not Found (a token Telegram cannot parse) → invalid_credentials', async () => {
      fake.inject({ pathEndsWith: '/getMe', times: 1, reply: telegramError(404, 'Not Found') });

      expect(await failure(adapter.checkCredentials(credentials, ctx))).toMatchObject({
        code: 'invalid_credentials',
        providerCode: 'Not Found',
      });
    });

    it('403 bot was blocked by the user → recipient_unreachable', async () => {
      fake.blockUser(ivan.chatId);

      const err = await failure(adapter.send(credentials, text, ctx));

      expect(err).toMatchObject({
        code: 'recipient_unreachable',
        providerCode: 'Forbidden: bot was blocked by the user',
      });
      expect(err.retryable).toBe(false);
    });

    it('403 user is deactivated → recipient_unreachable', async () => {
      fake.inject({
        pathEndsWith: '/sendMessage',
        times: 1,
        reply: telegramError(403, 'Forbidden: user is deactivated'),
      });

      expect(await failure(adapter.send(credentials, text, ctx))).toMatchObject({ code: 'recipient_unreachable' });
    });

    it('400 chat not found → recipient_unreachable', async () => {
      const err = await failure(adapter.send(credentials, { ...text, recipient: '42' }, ctx));

      expect(err).toMatchObject({ code: 'recipient_unreachable', providerCode: 'Bad Request: chat not found' });
    });

    it('400 message is too long → unsupported_content', async () => {
      fake.inject({
        pathEndsWith: '/sendMessage',
        times: 1,
        reply: telegramError(400, 'Bad Request: message is too long'),
      });

      expect(await failure(adapter.send(credentials, text, ctx))).toMatchObject({
        code: 'unsupported_content',
        providerCode: 'Bad Request: message is too long',
      });
    });

    it('400 wrong file identifier → unsupported_content', async () => {
      fake.inject({
        pathEndsWith: '/sendPhoto',
        times: 1,
        reply: telegramError(400, 'Bad Request: wrong file identifier/HTTP URL specified'),
      });

      expect(await failure(adapter.send(credentials, photo, ctx))).toMatchObject({ code: 'unsupported_content' });
    });

    it('400 PHOTO_INVALID_DIMENSIONS → unsupported_content', async () => {
      fake.inject({
        pathEndsWith: '/sendPhoto',
        times: 1,
        reply: telegramError(400, 'Bad Request: PHOTO_INVALID_DIMENSIONS'),
      });

      expect(await failure(adapter.send(credentials, photo, ctx))).toMatchObject({
        code: 'unsupported_content',
        providerCode: 'Bad Request: PHOTO_INVALID_DIMENSIONS',
      });
    });

    it('500 Internal Server Error (JSON) → temporary', async () => {
      fake.inject({ pathEndsWith: '/sendMessage', times: 1, reply: telegramError(500, 'Internal Server Error') });

      const err = await failure(adapter.send(credentials, text, ctx));

      expect(err).toMatchObject({ code: 'temporary', providerCode: 'Internal Server Error' });
      expect(err.retryable).toBe(true);
    });

    it('502 Bad Gateway (HTML from the proxy) → temporary', async () => {
      fake.inject({
        pathEndsWith: '/sendMessage',
        times: 1,
        reply: { status: 502, body: '<html>502 Bad Gateway</html>', headers: { 'content-type': 'text/html' } },
      });

      expect(await failure(adapter.send(credentials, text, ctx))).toMatchObject({
        code: 'temporary',
        providerCode: 'network',
      });
    });

    it('connection dropped → temporary', async () => {
      fake.inject({ pathEndsWith: '/sendMessage', times: 1, drop: true });

      expect(await failure(adapter.send(credentials, text, ctx))).toMatchObject({ code: 'temporary' });
    });

    it('no answer within timeoutMs → temporary', async () => {
      fake.inject({ pathEndsWith: '/sendMessage', times: 1, delayMs: 500 });

      expect(await failure(adapter.send(credentials, text, { ...ctx, timeoutMs: 100 }))).toMatchObject({
        code: 'temporary',
      });
    });
  });
});

describe(splitText.name, () => {
  it('leaves short text whole', () => {
    expect(splitText('hello world', 20)).toEqual(['hello world']);
  });

  it('prefers a newline in the second half of the window', () => {
    expect(splitText('first line 1\nsecond part here', 20)).toEqual(['first line 1', 'second part here']);
    expect(splitText('a\nb c d e f g h i j k l', 20)).toEqual(['a\nb c d e f g h i j', 'k l']);
  });

  it('cuts a single word longer than the limit, never inside a surrogate pair', () => {
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(splitText('abc😀def', 4)).toEqual(['abc', '😀de', 'f']);
  });
});
