import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Telegraf, TelegramError } from 'telegraf';
import { FakeTelegram } from './fake-telegram';

const ivan = { chatId: 123456789, firstName: 'Ivan', lastName: 'Petrov', username: 'ivanp' };
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** Drives the fake with telegraf, unchanged but for its apiRoot. */
describe(FakeTelegram.name, () => {
  let fake: FakeTelegram;
  let bot: Telegraf;

  beforeEach(async () => {
    fake = new FakeTelegram();
    await fake.start();
    bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.url, webhookReply: false } });
  });

  afterEach(async () => {
    await fake.stop();
  });

  async function rejection(promise: Promise<unknown>): Promise<TelegramError> {
    try {
      await promise;
    } catch (err) {
      return err as TelegramError;
    }
    throw new Error('expected a rejection');
  }

  async function until(check: () => boolean, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  describe('methods', () => {
    it('answers getMe with the bot user', async () => {
      const me = await bot.telegram.getMe();

      expect(me).toMatchObject({
        id: 123456789,
        is_bot: true,
        username: 'onebox_test_bot',
        can_connect_to_business: true,
      });
      expect(fake.callsTo('getMe')[0]).toMatchObject({ method: 'POST', path: `/bot${fake.token}/getMe` });
    });

    it('answers 401 Unauthorized to a wrong token', async () => {
      const stranger = new Telegraf('42:AAwrongwrongwrongwrongwrongwrongwrong', { telegram: { apiRoot: fake.url } });

      const err = await rejection(stranger.telegram.getMe());

      expect(err).toBeInstanceOf(TelegramError);
      expect(err.response).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
    });

    it('answers 404 Not Found to an unknown method', async () => {
      const err = await rejection(bot.telegram.callApi('sendTelepathy' as 'getMe', {}));

      expect(err.response).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
    });

    it('sends a message to a chat a customer opened and lets the test read it', async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });

      const message = await bot.telegram.sendMessage(ivan.chatId, 'Hello, Ivan');

      expect(message).toMatchObject({
        message_id: 2,
        from: { id: fake.botId, is_bot: true, username: 'onebox_test_bot' },
        chat: { id: ivan.chatId, type: 'private', first_name: 'Ivan' },
        text: 'Hello, Ivan',
      });
      expect(typeof message.date).toBe('number');
      expect(fake.sentMessages(ivan.chatId)).toEqual([message]);
    });

    it('refuses a message to an unknown chat, an empty one and one over 4096 characters', async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });

      expect((await rejection(bot.telegram.sendMessage(999, 'x'))).response).toEqual({
        ok: false,
        error_code: 400,
        description: 'Bad Request: chat not found',
      });
      expect((await rejection(bot.telegram.sendMessage(ivan.chatId, ''))).response.description).toBe(
        'Bad Request: message text is empty',
      );
      expect((await rejection(bot.telegram.sendMessage(ivan.chatId, 'x'.repeat(4097)))).response.description).toBe(
        'Bad Request: message is too long',
      );
      await expect(bot.telegram.sendMessage(ivan.chatId, 'x'.repeat(4096))).resolves.toBeDefined();
    });

    it('keeps an inline keyboard on the sent message and refuses callback_data over 64 bytes', async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });
      const keyboard = [[{ text: '5', callback_data: 'survey:0b3c2a4e-0000-4000-8000-000000000000:5' }]];

      const message = await bot.telegram.sendMessage(ivan.chatId, 'Rate us', {
        reply_markup: { inline_keyboard: keyboard },
      });

      expect(message.reply_markup).toEqual({ inline_keyboard: keyboard });
      const tooLong = [[{ text: '5', callback_data: 'x'.repeat(65) }]];
      expect(
        (
          await rejection(
            bot.telegram.sendMessage(ivan.chatId, 'Rate us', { reply_markup: { inline_keyboard: tooLong } }),
          )
        ).response,
      ).toEqual({ ok: false, error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' });
    });

    it('answers 403 once the user blocked the bot', async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });
      fake.blockUser(ivan.chatId);

      const err = await rejection(bot.telegram.sendMessage(ivan.chatId, 'Still there?'));

      expect(err.response).toEqual({
        ok: false,
        error_code: 403,
        description: 'Forbidden: bot was blocked by the user',
      });
    });

    it('answers 429 with retry_after while throttled', async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });
      fake.throttle(1, 7);

      const err = await rejection(bot.telegram.sendMessage(ivan.chatId, 'one'));

      expect(err.response).toEqual({
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 7',
        parameters: { retry_after: 7 },
      });
      await expect(bot.telegram.sendMessage(ivan.chatId, 'two')).resolves.toMatchObject({ text: 'two' });
    });

    it('takes a photo uploaded as multipart and serves it back through getFile', async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });

      const message = await bot.telegram.sendPhoto(ivan.chatId, { source: PNG }, { caption: 'Your invoice' });

      expect(message.caption).toBe('Your invoice');
      const largest = message.photo[message.photo.length - 1];
      expect(fake.fileContent(largest.file_id)).toEqual(PNG);
      const link = await bot.telegram.getFileLink(largest.file_id);
      expect(link.href).toMatch(new RegExp(`^${fake.url}/file/bot${fake.token}/photos/file_\\d+\\.jpg$`));
      const download = await fetch(link);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
    });

    it('takes a document uploaded as multipart, keeping its name', async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });

      const message = await bot.telegram.sendDocument(ivan.chatId, {
        source: Buffer.from('%PDF-1.4'),
        filename: 'offer.pdf',
      });

      expect(message.document).toMatchObject({ file_name: 'offer.pdf', mime_type: 'application/pdf', file_size: 8 });
    });

    it('refuses an unknown file_id', async () => {
      await fake.customerWrites({ ...ivan, text: 'Hi' });

      const err = await rejection(bot.telegram.sendPhoto(ivan.chatId, 'AgACnope'));

      expect(err.response.description).toBe('Bad Request: wrong file identifier/HTTP URL specified');
      expect((await rejection(bot.telegram.getFile('AgACnope'))).response.description).toBe(
        'Bad Request: invalid file_id',
      );
    });
  });

  describe('webhook management', () => {
    it('sets, describes and deletes the webhook', async () => {
      await expect(
        bot.telegram.setWebhook('https://onebox.example/hook', {
          secret_token: 's3cr3t_-',
          allowed_updates: ['message'],
        }),
      ).resolves.toBe(true);

      expect(await bot.telegram.getWebhookInfo()).toEqual({
        url: 'https://onebox.example/hook',
        has_custom_certificate: false,
        pending_update_count: 0,
        max_connections: 40,
        ip_address: '127.0.0.1',
        allowed_updates: ['message'],
      });
      await expect(bot.telegram.deleteWebhook()).resolves.toBe(true);
      expect(await bot.telegram.getWebhookInfo()).toEqual({
        url: '',
        has_custom_certificate: false,
        pending_update_count: 0,
      });
    });

    it("words setWebhook's outcome as Telegram does", async () => {
      const said = async (method: 'setWebhook' | 'deleteWebhook', body: object) =>
        (
          (await (
            await fetch(`${fake.url}/bot${fake.token}/${method}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            })
          ).json()) as { description: string }
        ).description;

      expect(await said('setWebhook', { url: 'https://onebox.example/hook' })).toBe('Webhook was set');
      expect(await said('setWebhook', { url: 'https://onebox.example/hook' })).toBe('Webhook is already set');
      expect(await said('deleteWebhook', {})).toBe('Webhook was deleted');
      expect(await said('deleteWebhook', {})).toBe('Webhook is already deleted');
    });

    it('refuses a secret token outside A-Za-z0-9_-', async () => {
      const err = await rejection(bot.telegram.setWebhook('https://onebox.example/hook', { secret_token: 'a+b/c=' }));

      expect(err.response).toEqual({
        ok: false,
        error_code: 400,
        description: 'Bad Request: secret token contains unallowed characters',
      });
    });

    it('refuses getUpdates with 409 while a webhook is set', async () => {
      await bot.telegram.setWebhook('https://onebox.example/hook');

      const err = await rejection(bot.telegram.getUpdates(0, 100, 0, undefined));

      expect(err.response).toEqual({
        ok: false,
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      });
    });
  });

  describe('long polling', () => {
    it('serves a telegraf bot launched with polling: the update arrives, the reply reaches the fake', async () => {
      bot.on('text', (ctx) => ctx.reply(`You said: ${ctx.message.text}`));
      const running = bot.launch();

      await until(() => fake.callsTo('getUpdates').length > 0);
      const { queued } = await fake.customerWrites({ ...ivan, text: 'Hello, I want to order' });
      await until(() => fake.sentMessages(ivan.chatId).length > 0);
      bot.stop('test over');
      await running;

      expect(queued).toBe(true);
      expect(fake.sentMessages(ivan.chatId).map((m) => m.text)).toEqual(['You said: Hello, I want to order']);
      expect(fake.callsTo('deleteWebhook')).toHaveLength(1);
      expect(fake.pendingUpdates).toEqual([]);
    });

    it('resolves a waiting getUpdates as soon as an update arrives and forgets it once confirmed', async () => {
      const started = Date.now();
      const waiting = bot.telegram.getUpdates(30, 100, 0, undefined);
      await until(() => fake.callsTo('getUpdates').length === 1);
      const { update } = await fake.customerWrites({ ...ivan, text: 'Hi' });

      const updates = await waiting;

      expect(Date.now() - started).toBeLessThan(2000);
      expect(updates).toEqual([update]);
      expect(await bot.telegram.getUpdates(0, 100, 0, undefined)).toEqual([update]);
      expect(await bot.telegram.getUpdates(0, 100, update.update_id + 1, undefined)).toEqual([]);
    });

    it('terminates a waiting getUpdates with 409 when another one starts', async () => {
      const first = rejection(bot.telegram.getUpdates(30, 100, 0, undefined));
      await until(() => fake.callsTo('getUpdates').length === 1);

      await bot.telegram.getUpdates(0, 100, 0, undefined);

      expect((await first).response).toMatchObject({
        error_code: 409,
        description: expect.stringMatching(/^Conflict: terminated by other getUpdates/),
      });
    });
  });

  describe('webhook delivery', () => {
    let server: Server;
    let hookUrl: string;
    const secret = 'onebox_secret-123';

    beforeEach(async () => {
      server = createServer(bot.webhookCallback('/telegram/hook', { secretToken: secret }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/hook`;
    });

    afterEach(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('POSTs the update with the secret header; the telegraf handler runs and replies', async () => {
      bot.on('text', (ctx) => ctx.reply(`Got: ${ctx.message.text}`));
      await bot.telegram.setWebhook(hookUrl, { secret_token: secret });

      const delivery = await fake.customerWrites({ ...ivan, text: 'Hello' });

      expect(delivery.status).toBe(200);
      expect(delivery.update).toMatchObject({
        message: {
          message_id: 1,
          from: { id: ivan.chatId, is_bot: false, first_name: 'Ivan' },
          chat: { id: ivan.chatId, type: 'private' },
          text: 'Hello',
        },
      });
      expect(fake.sentMessages(ivan.chatId).map((m) => m.text)).toEqual(['Got: Hello']);
    });

    it('carries the secret telegraf checks: a webhook set with another secret is refused with 403', async () => {
      bot.on('text', (ctx) => ctx.reply('never'));
      await bot.telegram.setWebhook(hookUrl, { secret_token: 'another_secret' });

      const delivery = await fake.customerWrites({ ...ivan, text: 'Hello' });

      expect(delivery.status).toBe(403);
      expect(fake.sentMessages()).toEqual([]);
      expect((await bot.telegram.getWebhookInfo()).last_error_message).toBe(
        'Wrong response from the webhook: 403 Forbidden',
      );
    });

    it('redelivers the very same update', async () => {
      const seen: number[] = [];
      bot.on('message', (ctx) => void seen.push(ctx.update.update_id));
      await bot.telegram.setWebhook(hookUrl, { secret_token: secret });

      const { update } = await fake.customerWrites({ ...ivan, text: 'Hello' });
      await fake.redeliver(update.update_id);

      expect(seen).toEqual([update.update_id, update.update_id]);
    });

    it('delivers a button press that telegraf answers with answerCbQuery', async () => {
      bot.on('callback_query', (ctx) => ctx.answerCbQuery('Thanks!'));
      await bot.telegram.setWebhook(hookUrl, { secret_token: secret });
      await fake.customerWrites({ ...ivan, text: 'Hi' });
      await bot.telegram.sendMessage(ivan.chatId, 'Rate our support', {
        reply_markup: { inline_keyboard: [[{ text: '5', callback_data: 'csat:5' }]] },
      });

      const { status, update } = await fake.customerPressesButton({ chatId: ivan.chatId, data: 'csat:5' });

      expect(status).toBe(200);
      const query = update['callback_query'] as { id: string; message: { text: string } };
      expect(query.message.text).toBe('Rate our support');
      expect(fake.answeredCallbackQueries()).toEqual([{ id: query.id, text: 'Thanks!' }]);
    });

    it('drops update types the webhook did not ask for', async () => {
      await bot.telegram.setWebhook(hookUrl, { secret_token: secret, allowed_updates: ['callback_query'] });

      const delivery = await fake.customerWrites({ ...ivan, text: 'Hello' });

      expect(delivery).toMatchObject({ status: null, queued: false });
    });
  });
});
