import type { ChannelDto, ConversationListItem, MessageDto, MessageListResponse } from '@onebox/contracts';
import { FakeMax } from '@onebox/fakes';
import type { Socket } from 'socket.io-client';
import { api, connectAgent, eventually, login, nextEvent, startTestApp, type TestApp } from './test-app';

const TOKEN = 'f9LHodD0cOI_max_bot_token_0123456789abcdef';

describe('MAX through the running product (fake MAX API, long polling)', () => {
  const max = new FakeMax({ token: TOKEN, botUsername: 'shop_max_bot' });
  let t: TestApp;
  let token: string;
  let agent: Socket;
  let channel: ChannelDto;

  const messageCount = async (): Promise<number> =>
    (await t.db.query('SELECT count(*)::int AS n FROM messages WHERE channel_id = $1', [channel.id]))[0].n;

  beforeAll(async () => {
    await max.start();
    t = await startTestApp({ MAX_API_ROOT: max.url, ONEBOX_UPDATE_MODE: 'polling', ONEBOX_POLL_TIMEOUT_SEC: '1' });
    token = await login(t.url, 'admin@onebox.test', 'admin-password-1');
    agent = await connectAgent(t.url, token);
  });

  afterAll(async () => {
    agent.close();
    await t.close();
    await max.stop();
  });

  it('connects a bot: GET /me with the bare token, no webhook, then long polling', async () => {
    const created = await api<ChannelDto>(t.url, '/api/channels', {
      token,
      body: { type: 'max', name: 'MAX shop', credentials: { token: TOKEN } },
    });
    expect(created.status).toBe(201);
    channel = created.body;
    expect(channel).toMatchObject({
      type: 'max',
      mode: 'polling',
      accountName: expect.stringContaining('shop_max_bot'),
    });
    const [me] = max.callsTo('/me');
    expect(me.headers['authorization']).toBe(TOKEN);
    expect(max.subscriptions()).toEqual([]);
    await eventually(async () => max.callsTo('/updates').length > 0);
  });

  it('opens the conversation from bot_started and carries messages both ways', async () => {
    const created = nextEvent<ConversationListItem>(agent, 'conversation.created', (c) => c.channel.id === channel.id);
    await max.customerStartsBot({ userId: 123456789, name: 'John Doe', payload: 'utm_site_widget' });
    const conversation = await created;
    expect(conversation.contact.name).toBe('John Doe');

    const inbound = nextEvent<MessageDto>(
      agent,
      'message.created',
      (m) => m.text === 'Hello! I need help with delivery',
    );
    await max.customerWrites({ userId: 123456789, name: 'John Doe', text: 'Hello! I need help with delivery' });
    await inbound;

    const sentEvent = nextEvent<MessageDto>(agent, 'message.updated', (m) => m.status === 'sent');
    const reply = await api<MessageDto>(t.url, `/api/conversations/${conversation.id}/messages`, {
      token,
      body: { text: 'We deliver tomorrow', clientMessageId: 'max-1' },
    });
    expect(reply.status).toBe(201);
    await sentEvent;
    const out = max
      .callsTo('/messages')
      .filter((c) => c.method === 'POST')
      .at(-1)!;
    expect(out.query).toEqual({ user_id: '123456789' });
    expect(out.headers['authorization']).toBe(TOKEN);
    expect(out.body).toMatchObject({ text: 'We deliver tomorrow' });

    const thread = await api<MessageListResponse>(t.url, `/api/conversations/${conversation.id}/messages`, { token });
    expect(thread.body.items.map((m) => m.text)).toEqual([
      '/start',
      'Hello! I need help with delivery',
      'We deliver tomorrow',
    ]);
    const [saved] = await t.db.query('SELECT poll_cursor FROM channels WHERE id = $1', [channel.id]);
    expect(saved.poll_cursor).not.toBeNull();
  });

  it('answers button presses so the customer’s app stops waiting', async () => {
    await max.customerPressesButton({ userId: 123456789, name: 'John Doe', payload: 'csat:5' });
    await eventually(async () => max.callbackAnswers().length > 0);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE text = 'csat:5'`);
    expect(n).toBe(1);
  });

  it('stores a re-sent update once, and delivers through a 429 storm (polls and sends alike)', async () => {
    await max.customerWrites({ userId: 123456789, name: 'John Doe', text: 'Is it in stock?' });
    await eventually(
      async () => (await t.db.query(`SELECT 1 FROM messages WHERE text = 'Is it in stock?'`)).length > 0,
    );
    const before = await messageCount();
    await max.redeliverLast();
    await eventually(async () => max.pendingUpdates().length === 0);
    const polls = max.callsTo('/updates').length;
    await eventually(async () => max.callsTo('/updates').length > polls + 1);
    expect(await messageCount()).toBe(before);

    const [conversation] = await t.db.query(
      `SELECT conversation_id AS id FROM messages WHERE text = 'Is it in stock?'`,
    );
    max.throttle(4, 1);
    for (const text of ['storm A', 'storm B']) {
      expect(
        (await api(t.url, `/api/conversations/${conversation.id}/messages`, { token, body: { text } })).status,
      ).toBe(201);
    }
    await eventually(async () => {
      const rows: { status: string }[] = await t.db.query(
        `SELECT status FROM messages WHERE text LIKE 'storm _' AND channel_id = $1`,
        [channel.id],
      );
      return rows.length === 2 && rows.every((r) => r.status === 'sent');
    }, 20_000);
    const texts = max.sentMessages().map((m) => m.text);
    expect(texts.filter((x) => x?.startsWith('storm'))).toEqual(['storm A', 'storm B']);
  }, 30_000);

  it('refuses a forged webhook POST for the channel, writing nothing', async () => {
    const before = await messageCount();
    const body = JSON.stringify({
      update_type: 'message_created',
      timestamp: Date.now(),
      message: {
        sender: { user_id: 5, name: 'Eve', is_bot: false },
        recipient: { chat_id: 1, chat_type: 'dialog' },
        timestamp: Date.now(),
        body: { mid: 'mid.forged', seq: 1, text: 'forged' },
      },
    });
    for (const headers of [{}, { 'X-Max-Bot-Api-Secret': 'wrong-secret' }] as Record<string, string>[]) {
      const res = await fetch(`${t.url}/webhooks/max/${channel.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect(res.status).toBe(401);
    }
    expect(await messageCount()).toBe(before);
  });
});
