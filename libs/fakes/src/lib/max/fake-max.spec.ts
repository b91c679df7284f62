import { Bot, ImageAttachment, Keyboard, MaxError } from '@maxhub/max-bot-api';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeMax } from './fake-max';

/**
 * Proves the fake faithful by driving it with MAX's official TypeScript client, unchanged but
 * for its base URL.
 */
describe(FakeMax.name, () => {
  const token = 'f9LHodD0cOJf4_DkJGeq8BkDgc5vgSwZ';
  let fake: FakeMax;
  let bot: Bot;

  beforeEach(async () => {
    fake = new FakeMax({ token, botUserId: 229229229, botName: 'Onebox Bot', botUsername: 'onebox_bot' });
    await fake.start();
    bot = new Bot(token, { clientOptions: { baseUrl: fake.url } });
    bot.catch((error) => {
      throw error;
    });
  });

  afterEach(async () => {
    bot.stop();
    await fake.stop();
  });

  it('answers getMyInfo with the bot user', async () => {
    const me = await bot.api.getMyInfo();
    expect(me).toMatchObject({ user_id: 229229229, first_name: 'Onebox Bot', username: 'onebox_bot', is_bot: true });
    expect(fake.callsTo('/me')[0].headers.authorization).toBe(token);
  });

  it('refuses a wrong token and a Bearer prefix with 401 verify.token', async () => {
    const wrong = new Bot('nope', { clientOptions: { baseUrl: fake.url } });
    await expect(wrong.api.getMyInfo()).rejects.toMatchObject({ status: 401, code: 'verify.token' });

    const bearer = await fetch(`${fake.url}/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(401);
    expect(await bearer.json()).toEqual({ code: 'verify.token', message: 'Invalid access_token' });
  });

  it('sends to a user and to a dialog chat, returning the created message', async () => {
    await fake.customerWrites({ userId: 123456789, name: 'John Doe', text: 'hi' });
    const chatId = fake.dialogChatId(123456789)!;

    const toUser = await bot.api.sendMessageToUser(123456789, 'Hello, John!');
    const toChat = await bot.api.sendMessageToChat(chatId, 'Second', { format: 'markdown' });

    expect(toUser.body.mid).toMatch(/^mid\.[0-9a-f]{32}$/);
    expect(toUser).toMatchObject({
      sender: { user_id: 229229229, is_bot: true },
      recipient: { chat_id: chatId, chat_type: 'dialog', user_id: 123456789 },
      body: { text: 'Hello, John!' },
    });
    expect(toChat.body.seq).toBeGreaterThan(toUser.body.seq);
    expect(fake.sentMessages().map((m) => [m.userId, m.text])).toEqual([
      [123456789, 'Hello, John!'],
      [123456789, 'Second'],
    ]);
    expect(fake.callsTo('/messages')[1].query).toEqual({ chat_id: String(chatId) });
    expect(fake.callsTo('/messages')[1].body).toEqual({ text: 'Second', format: 'markdown' });
  });

  it('answers the documented errors for unknown, blocked and over-long sends', async () => {
    await expect(bot.api.sendMessageToUser(555, 'x')).rejects.toMatchObject({ status: 404, code: 'chat.not.found' });

    fake.addCustomer({ userId: 42, name: 'Ann' });
    await expect(bot.api.sendMessageToUser(42, 'x'.repeat(4001))).rejects.toMatchObject({ status: 400 });
    fake.blockBot(42);
    await expect(bot.api.sendMessageToUser(42, 'x')).rejects.toMatchObject({ status: 403, code: 'chat.denied' });
  });

  it('answers 429 too.many.requests when throttled', async () => {
    fake.throttle(1, 3);
    const error = await bot.api.getMyInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxError);
    expect(error).toMatchObject({ status: 429, code: 'too.many.requests' });
    await expect(bot.api.getMyInfo()).resolves.toMatchObject({ user_id: 229229229 });
  });

  it('takes an image through the client upload helper and serves it back from the message', async () => {
    fake.addCustomer({ userId: 42, name: 'Ann' });
    const bytes = Buffer.from('\x89PNG fake image bytes');

    const image = await bot.api.uploadImage({ source: bytes });
    const message = await bot.api.sendMessageToUser(42, 'Your invoice', { attachments: [image.toJson()] });

    expect(image).toBeInstanceOf(ImageAttachment);
    expect(image.toJson().payload).toHaveProperty('photos');
    const uploadCall = fake.callsTo('/upload.do')[0];
    expect(uploadCall.files[0]).toMatchObject({ field: 'data', data: bytes });
    expect(uploadCall.headers.authorization).toBeUndefined();
    const attachment = message.body.attachments![0] as { type: string; payload: { url: string; token: string } };
    expect(attachment.type).toBe('image');
    const download = await fetch(attachment.payload.url);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
  });

  it('takes a file upload and retries through attachment.not.ready like the client expects', async () => {
    fake.addCustomer({ userId: 42, name: 'Ann' });
    const file = await bot.api.uploadFile({ source: Buffer.from('%PDF-1.7') });
    fake.failAttachmentNotReady(1);

    const message = await bot.api.sendMessageToUser(42, 'Contract', { attachments: [file.toJson()] });

    const sends = fake.callsTo('/messages');
    expect(sends).toHaveLength(2);
    expect(sends[0].body).toEqual({
      text: 'Contract',
      attachments: [{ type: 'file', payload: { token: file.token } }],
    });
    expect(message.body.attachments![0]).toMatchObject({ type: 'file', payload: { token: file.token }, size: 8 });
  });

  it('hands out video tokens with the upload URL and answers the upload with retval', async () => {
    fake.addCustomer({ userId: 42, name: 'Ann' });
    const video = await bot.api.uploadVideo({ source: Buffer.from('fake mp4') });

    await bot.api.sendMessageToUser(42, '', { attachments: [video.toJson()] });

    expect(fake.file(video.token!)).toMatchObject({ type: 'video' });
  });

  it('keeps subscriptions made through the client and refuses long polling meanwhile', async () => {
    await bot.api.subscribe('https://onebox.example/webhooks/max/1', 'S3cret_value', [
      'message_created',
      'bot_started',
    ]);

    const subscriptions = await bot.api.getSubscriptions();
    expect(subscriptions).toEqual([
      expect.objectContaining({
        url: 'https://onebox.example/webhooks/max/1',
        updateTypes: ['message_created', 'bot_started'],
      }),
    ]);
    await expect(bot.api.getUpdates([], { timeout: 0 } as never)).rejects.toMatchObject({ status: 405 });
    await expect(bot.api.subscribe('https://onebox.example/x', 'bad secret!')).rejects.toMatchObject({ status: 400 });

    await bot.api.unsubscribe('https://onebox.example/webhooks/max/1');
    expect(await bot.api.getSubscriptions()).toEqual([]);
  });

  it('feeds long polling: bot.start() receives a queued message and its reply reaches the fake', async () => {
    bot.on('message_created', (ctx) => ctx.reply(`echo: ${ctx.message.body.text}`));
    await fake.customerWrites({ userId: 123456789, name: 'John Doe', text: 'Hello! I need help with delivery' });

    // Under Jest's realms the client misreads the abort of its in-flight poll and logs it.
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    void bot.start();
    await until(() => fake.sentMessages().length > 0 && fake.callsTo('/updates').length > 1);
    bot.stop();
    await new Promise((r) => setTimeout(r, 20));
    consoleError.mockRestore();

    expect(fake.sentMessages()[0]).toMatchObject({
      chatId: fake.dialogChatId(123456789),
      userId: 123456789,
      text: 'echo: Hello! I need help with delivery',
    });
    const polls = fake.callsTo('/updates');
    expect(polls[0].query).toEqual({});
    expect(polls[1].query.marker).toBeDefined();
    expect(fake.pendingUpdates()).toEqual([]);
  });

  it('commits updates by marker and filters by types', async () => {
    await fake.customerStartsBot({ userId: 1, name: 'Ann', payload: 'utm_site' });
    await fake.customerWrites({ userId: 1, name: 'Ann', text: 'one' });

    const first = await bot.api.getUpdates(['message_created'], { timeout: 0 } as never);
    expect(first.updates.map((u) => u.update_type)).toEqual(['message_created']);
    const again = await bot.api.getUpdates([], { timeout: 0 } as never);
    expect(again.updates).toHaveLength(2);
    // The client drops falsy query values, so `timeout: 0` would not reach the server.
    const after = await bot.api.getUpdates([], { marker: again.marker, timeout: 1 } as never);
    expect(after).toEqual({ updates: [], marker: again.marker });
    expect(fake.pendingUpdates()).toEqual([]);
  });

  it('pushes updates to a webhook with the secret header the client checks', async () => {
    bot.on('message_created', (ctx) => ctx.reply('got it'));
    const callback = bot.webhookCallback({ secret: 'S3cret_value', path: '/hook' } as never);
    const server = await listen(createServer(callback));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      await bot.api.subscribe(url, 'S3cret_value', ['message_created']);

      const status = await fake.customerWrites({ userId: 7, name: 'Kate', text: 'hi' });
      await until(() => fake.sentMessages().length > 0);

      expect(status).toBe(200);
      expect(fake.deliveries()[0].headers['x-max-bot-api-secret']).toBe('S3cret_value');
      expect(fake.sentMessages()[0]).toMatchObject({ userId: 7, text: 'got it' });
      expect(await fake.customerStartsBot({ userId: 7, name: 'Kate' })).toBeNull();

      await bot.api.subscribe(url, 'Wrong_secret', ['message_created']);
      expect(await fake.customerWrites({ userId: 7, name: 'Kate', text: 'again' })).toBe(404);
      expect(await fake.redeliverLast()).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps an inline keyboard built with the client and delivers a press on it as message_callback', async () => {
    fake.addCustomer({ userId: 9, name: 'Ivan' });
    const keyboard = Keyboard.inlineKeyboard([
      [Keyboard.button.callback('1', 'survey:s1:1'), Keyboard.button.callback('5', 'survey:s1:5')],
    ]);
    const sent = await bot.api.sendMessageToUser(9, 'Rate us', { attachments: [keyboard] });

    expect(fake.sentMessages()[0].attachments).toEqual([keyboard]);
    await fake.customerPressesButton({ userId: 9, name: 'Ivan', payload: 'survey:s1:5' });
    const { updates } = await bot.api.getUpdates([], { timeout: 0 } as never);
    expect(updates[0]).toMatchObject({
      update_type: 'message_callback',
      callback: { payload: 'survey:s1:5', user: { user_id: 9 } },
      message: { body: { mid: sent.body.mid } },
    });

    const bad = Keyboard.inlineKeyboard([
      Array.from({ length: 8 }, (_, i) => Keyboard.button.callback(`${i}`, `${i}`)),
    ]);
    await expect(bot.api.sendMessageToUser(9, 'Too wide', { attachments: [bad] })).rejects.toMatchObject({
      status: 400,
      code: 'proto.payload',
    });
  });

  it('answers callbacks and serves a customer photo without a token', async () => {
    fake.addCustomer({ userId: 9, name: 'Ivan' });
    await bot.api.sendMessageToUser(9, 'Pick one');
    await fake.customerPressesButton({ userId: 9, name: 'Ivan', payload: 'plan_pro' });
    await fake.customerSendsImage({ userId: 9, name: 'Ivan', data: Buffer.from('jpeg!') });

    const { updates } = await bot.api.getUpdates([], { timeout: 0 } as never);
    const callback = updates[0] as { callback: { callback_id: string; payload: string } };
    expect(callback.callback.payload).toBe('plan_pro');
    await expect(
      bot.api.answerOnCallback(callback.callback.callback_id, { notification: '' } as never),
    ).resolves.toEqual({
      success: true,
    });

    const photo = updates[1] as { message: { body: { attachments: { payload: { url: string } }[] } } };
    const response = await fetch(photo.message.body.attachments[0].payload.url);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await response.arrayBuffer()).toString()).toBe('jpeg!');
  });
});

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
