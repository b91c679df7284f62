import type {
  ChannelDto,
  ConversationListItem,
  ConversationListResponse,
  MessageDto,
  MessageListResponse,
} from '@onebox/contracts';
import { FakeTelegram } from '@onebox/fakes';
import type { Socket } from 'socket.io-client';
import { api, connectAgent, eventually, login, nextEvent, startTestApp, type TestApp } from './test-app';

describe('Telegram through the running product (fake Bot API, webhook mode)', () => {
  const telegram = new FakeTelegram();
  let t: TestApp;
  let token: string;
  let agent: Socket;
  let channel: ChannelDto;

  const messageCount = async (): Promise<number> =>
    (await t.db.query('SELECT count(*)::int AS n FROM messages WHERE channel_id = $1', [channel.id]))[0].n;

  async function conversationOf(chatId: number): Promise<string> {
    const list = await api<ConversationListResponse>(t.url, '/api/conversations?status=all&channelId=' + channel.id, {
      token,
    });
    const identity = await t.db.query(
      `SELECT c.id FROM conversations c JOIN contact_identities ci ON ci.contact_id = c.contact_id AND ci.channel_id = c.channel_id
       WHERE c.channel_id = $1 AND ci.external_id = $2`,
      [channel.id, String(chatId)],
    );
    expect(list.body.items.map((i) => i.id)).toContain(identity[0].id);
    return identity[0].id;
  }

  beforeAll(async () => {
    await telegram.start();
    t = await startTestApp({ TELEGRAM_API_ROOT: telegram.url, ONEBOX_UPDATE_MODE: 'webhook' });
    token = await login(t.url, 'admin@onebox.test', 'admin-password-1');
    agent = await connectAgent(t.url, token);
  });

  afterAll(async () => {
    agent.close();
    await t.close();
    await telegram.stop();
  });

  it('connects a bot: getMe, then setWebhook to the channel URL with a secret token', async () => {
    const bad = await api<{ code: string; details: { field: string }[] }>(t.url, '/api/channels', {
      token,
      body: { type: 'telegram', name: 'Shop bot', credentials: { botToken: 'not a token' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d) => d.field)).toEqual(['credentials.botToken']);

    const created = await api<ChannelDto>(t.url, '/api/channels', {
      token,
      body: { type: 'telegram', name: 'Shop bot', credentials: { botToken: telegram.token } },
    });
    expect(created.status).toBe(201);
    channel = created.body;
    expect(channel).toMatchObject({
      type: 'telegram',
      status: 'active',
      mode: 'webhook',
      accountName: expect.stringContaining(telegram.botUsername),
    });
    expect(channel.webhookUrl).toBe(`${t.url}/webhooks/telegram/${channel.id}`);
    expect(JSON.stringify(channel)).not.toContain(telegram.token);
    expect(telegram.callsTo('getMe')).toHaveLength(1);
    const [setWebhook] = telegram.callsTo('setWebhook');
    expect(setWebhook.body).toMatchObject({
      url: channel.webhookUrl,
      secret_token: expect.stringMatching(/^[A-Za-z0-9_-]{16,256}$/),
    });
    expect(telegram.webhookUrl).toBe(channel.webhookUrl);
    const [row] = await t.db.query('SELECT credentials_enc FROM channels WHERE id = $1', [channel.id]);
    expect(row.credentials_enc).not.toContain(telegram.token);
  });

  it('refuses a token Telegram does not know, storing nothing', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM channels'))[0].n;
    const res = await api<{ code: string }>(t.url, '/api/channels', {
      token,
      body: {
        type: 'telegram',
        name: 'Wrong',
        credentials: { botToken: '999999:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      },
    });
    expect(res).toMatchObject({ status: 400, body: { code: 'invalid_credentials' } });
    expect((await t.db.query('SELECT count(*)::int AS n FROM channels'))[0].n).toBe(before);
  });

  it('brings a customer message into the inbox live, and the reply back as a sendMessage call', async () => {
    const created = nextEvent<ConversationListItem>(agent, 'conversation.created', (c) => c.channel.id === channel.id);
    const delivery = await telegram.customerWrites({
      chatId: 123456789,
      firstName: 'Ivan',
      lastName: 'Petrov',
      username: 'ivanp',
      text: 'Hello, I want to order',
    });
    expect(delivery.status).toBe(200);
    const conversation = await created;
    expect(conversation).toMatchObject({
      contact: { name: 'Ivan Petrov' },
      channel: { type: 'telegram', name: 'Shop bot' },
      lastMessage: { text: 'Hello, I want to order' },
    });

    const sent = nextEvent<MessageDto>(
      agent,
      'message.updated',
      (m) => m.status === 'sent' && m.conversationId === conversation.id,
    );
    const reply = await api<MessageDto>(t.url, `/api/conversations/${conversation.id}/messages`, {
      token,
      body: { text: 'Hi Ivan! Which size?', clientMessageId: 'tg-1' },
    });
    expect(reply.status).toBe(201);
    await sent;
    const out = telegram.callsTo('sendMessage').at(-1)!;
    expect(out.method).toBe('POST');
    expect(out.body).toMatchObject({ chat_id: 123456789, text: 'Hi Ivan! Which size?' });
    expect(telegram.sentMessages(123456789).map((m) => m['text'])).toContain('Hi Ivan! Which size?');
  });

  it('stores a redelivered update once, and refuses forged requests writing nothing', async () => {
    const delivery = await telegram.customerWrites({ chatId: 123456789, firstName: 'Ivan', text: 'Only once please' });
    await eventually(async () => (await messageCount()) > 0);
    const before = await messageCount();
    expect(await telegram.redeliver(delivery.update.update_id)).toBe(200);
    expect(await messageCount()).toBe(before);

    const body = JSON.stringify({
      update_id: 1,
      message: {
        message_id: 999,
        date: 1767225600,
        chat: { id: 5, type: 'private', first_name: 'Eve' },
        from: { id: 5, is_bot: false, first_name: 'Eve' },
        text: 'forged',
      },
    });
    const attempts: Record<string, string>[] = [{}, { 'X-Telegram-Bot-Api-Secret-Token': 'wrong-secret' }];
    for (const headers of attempts) {
      const res = await fetch(channel.webhookUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect(res.status).toBe(401);
    }
    expect(await messageCount()).toBe(before);
    const missing = await fetch(`${t.url}/webhooks/telegram/00000000-0000-4000-8000-000000000000`, {
      method: 'POST',
      body,
    });
    expect(missing.status).toBe(404);
  });

  it('stores a burst into open conversations once per message, each conversation counting all of them', async () => {
    const chats = [7001, 7002, 7003];
    for (const chatId of chats) await telegram.customerWrites({ chatId, firstName: `C${chatId}`, text: 'Hello' });
    const ids = await Promise.all(chats.map(async (chatId) => eventually(async () => conversationOf(chatId))));
    const before = await t.db.query(`SELECT id, unread_count FROM conversations WHERE id = ANY ($1) ORDER BY id`, [
      ids,
    ]);

    // Forty messages at once: they arrive while earlier ones are being stored, and go in batches.
    const burst = Array.from({ length: 40 }, (_, i) => ({ chatId: chats[i % 3], text: `burst ${i}` }));
    const answers = await Promise.all(burst.map((m) => telegram.customerWrites({ ...m, firstName: `C${m.chatId}` })));
    expect(answers.map((a) => a.status)).toEqual(burst.map(() => 200));
    expect(await telegram.redeliver(answers[5].update.update_id)).toBe(200);

    const stored = await t.db.query(
      `SELECT conversation_id, count(*)::int AS n, max(created_at) AS last FROM messages
       WHERE conversation_id = ANY ($1) AND text LIKE 'burst %' GROUP BY 1 ORDER BY 1`,
      [ids],
    );
    const events = await t.db.query(
      `SELECT e.conversation_id, count(*)::int AS n FROM conversation_events e JOIN messages m ON m.id = (e.payload->>'messageId')::uuid
       WHERE e.type = 'message_in' AND m.text LIKE 'burst %' AND e.conversation_id = ANY ($1) GROUP BY 1 ORDER BY 1`,
      [ids],
    );
    const after = await t.db.query(
      `SELECT id, unread_count, last_message_at, last_message_text FROM conversations WHERE id = ANY ($1) ORDER BY id`,
      [ids],
    );
    const perChat = (id: string) => burst.filter((_, i) => ids[i % 3] === id).length;
    expect(stored.map((r: { n: number }) => r.n)).toEqual(after.map((c: { id: string }) => perChat(c.id)));
    expect(events.map((r: { n: number }) => r.n)).toEqual(stored.map((r: { n: number }) => r.n));
    after.forEach(
      (c: { id: string; unread_count: number; last_message_at: Date; last_message_text: string }, i: number) => {
        expect(c.unread_count).toBe(before[i].unread_count + perChat(c.id));
        expect(c.last_message_at).toEqual(stored[i].last);
        expect(c.last_message_text).toMatch(/^burst \d+$/);
      },
    );
  });

  it('ignores group chats and applies edits to the stored text', async () => {
    const before = await messageCount();
    expect(
      (
        await telegram.groupMessage({
          chatId: -100123,
          title: 'Team',
          from: { chatId: 77, firstName: 'Olga' },
          text: 'in a group',
        })
      ).status,
    ).toBe(200);
    expect(await messageCount()).toBe(before);

    const original = await telegram.customerWrites({ chatId: 555000111, firstName: 'Olga', text: 'I want 2 items' });
    const messageId = Number((original.update['message'] as { message_id: number }).message_id);
    await eventually(async () => (await t.db.query(`SELECT 1 FROM messages WHERE text = 'I want 2 items'`)).length > 0);
    expect((await telegram.customerEdits({ chatId: 555000111, messageId, text: 'I want 3 items' })).status).toBe(200);
    const [edited] = await t.db.query(`SELECT text, original_text, edited_at FROM messages WHERE external_id = $1`, [
      `555000111:${messageId}`,
    ]);
    expect(edited).toMatchObject({ text: 'I want 3 items', original_text: 'I want 2 items' });
    expect(edited.edited_at).not.toBeNull();
  });

  it('downloads a customer photo into Onebox storage', async () => {
    const bytes = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    await telegram.customerSendsPhoto({ chatId: 123456789, firstName: 'Ivan', bytes, caption: 'Here is the invoice' });
    const id = await conversationOf(123456789);
    const photo = await eventually(async () => {
      const thread = await api<MessageListResponse>(t.url, `/api/conversations/${id}/messages`, { token });
      const message = thread.body.items.find((m) => m.text === 'Here is the invoice');
      if (!message?.attachments[0]) return null;
      const file = await fetch(t.url + message.attachments[0].url);
      return file.status === 200 ? Buffer.from(await file.arrayBuffer()) : null;
    });
    expect(photo.equals(bytes)).toBe(true);
  });

  it('delays but delivers everything through a 429 storm, honouring retry_after', async () => {
    const id = await conversationOf(123456789);
    telegram.throttle(3, 1);
    const started = Date.now();
    const texts = ['storm 1', 'storm 2', 'storm 3'];
    for (const [i, text] of texts.entries()) {
      expect(
        (
          await api(t.url, `/api/conversations/${id}/messages`, {
            token,
            body: { text, clientMessageId: `storm-${i}` },
          })
        ).status,
      ).toBe(201);
    }
    await eventually(async () => {
      const rows: { status: string }[] = await t.db.query(`SELECT status FROM messages WHERE text LIKE 'storm %'`);
      return rows.length === 3 && rows.every((r) => r.status === 'sent');
    }, 15000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const delivered = telegram
      .sentMessages(123456789)
      .map((m) => m['text'])
      .filter((text) => String(text).startsWith('storm'));
    expect(delivered).toEqual(texts);
  }, 30_000);

  it('answers Telegram Business customers through the manager’s business connection', async () => {
    const connectionId = await telegram.businessConnect({ chatId: 42424242, firstName: 'Maria', lastName: 'Manager' });
    const created = nextEvent<ConversationListItem>(agent, 'conversation.created', (c) => c.contact.name === 'Pavel');
    expect(
      (
        await telegram.businessMessage({
          chatId: 31313131,
          firstName: 'Pavel',
          text: 'Is the sofa available?',
          connectionId,
        })
      ).status,
    ).toBe(200);
    const conversation = await created;
    const sent = nextEvent<MessageDto>(
      agent,
      'message.updated',
      (m) => m.status === 'sent' && m.conversationId === conversation.id,
    );
    await api(t.url, `/api/conversations/${conversation.id}/messages`, {
      token,
      body: { text: 'Yes, in grey and blue' },
    });
    await sent;
    expect(telegram.callsTo('sendMessage').at(-1)!.body).toMatchObject({
      chat_id: 31313131,
      text: 'Yes, in grey and blue',
      business_connection_id: connectionId,
    });
  });

  it('marks a message to a customer who blocked the bot as failed with the reason', async () => {
    await telegram.customerWrites({ chatId: 777000777, firstName: 'Gone', text: 'bye' });
    const id = await eventually(async () => {
      const rows = await t.db.query(
        `SELECT c.id FROM conversations c JOIN contact_identities ci ON ci.contact_id = c.contact_id WHERE ci.external_id = '777000777'`,
      );
      return rows[0]?.id as string | undefined;
    });
    telegram.blockUser(777000777);
    const sent = await api<MessageDto>(t.url, `/api/conversations/${id}/messages`, {
      token,
      body: { text: 'are you there?' },
    });
    const failed = await eventually(async () => {
      const [row] = await t.db.query('SELECT status, error_code, error_message FROM messages WHERE id = $1', [
        sent.body.id,
      ]);
      return row.status === 'failed' ? row : null;
    });
    expect(failed).toMatchObject({
      error_code: 'recipient_unreachable',
      error_message: expect.stringContaining('blocked'),
    });
  });
});
