import type { BotSettings, ConversationDetail, ConversationListResponse, MessageListResponse } from '@onebox/contracts';
import type { Socket } from 'socket.io-client';
import { api, connectVisitor, createWorkspace, eventually, login, startTestApp, type TestApp } from './test-app';

const RULES = {
  enabled: true,
  rules: [
    { id: 'delivery', phrases: ['доставка', 'delivery time'], answer: 'Доставка занимает 1–3 дня.' },
    { id: 'price', phrases: ['цена', 'price'], answer: 'Цены — на сайте.' },
  ],
  fallbackText: 'Не понял вопрос. Напишите «оператор».',
  handoffText: 'Зову менеджера.',
};

describe('FAQ bot (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let manager: string;
  let workspaceId: string;
  let widgetKey: string;
  let channelId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const workspace = await createWorkspace(t.db, 'bot');
    ({ workspaceId, widgetKey } = workspace);
    admin = await login(t.url, workspace.email, workspace.password);
    const created = await api(t.url, '/api/users', {
      token: admin,
      body: { email: 'bot-manager@onebox.test', name: 'Bora', password: 'manager-pass-1', role: 'manager' },
    });
    expect(created.status).toBe(201);
    manager = await login(t.url, 'bot-manager@onebox.test', 'manager-pass-1');
    [{ id: channelId }] = await t.db.query('SELECT id FROM channels WHERE widget_key = $1', [widgetKey]);
  });

  afterAll(() => t.close());

  /** A visitor's socket that collects what the bot (or anyone) sends back. */
  async function visitor(): Promise<{ socket: Socket; say: (text: string) => Promise<string>; heard: string[] }> {
    const { socket } = await connectVisitor(t.url, widgetKey);
    const heard: string[] = [];
    socket.on('message.created', (m: { direction: string; text: string }) => {
      if (m.direction === 'out') heard.push(m.text);
    });
    let n = 0;
    const say = async (text: string) => {
      const ack = (await socket.emitWithAck('message.send', { clientMessageId: `c-${n++}`, text })) as { id: string };
      return ack.id;
    };
    return { socket, say, heard };
  }

  const botEvents = async (conversationId: string) =>
    (await t.db.query(
      `SELECT type, actor_type, cycle, payload FROM conversation_events
       WHERE workspace_id = $1 AND conversation_id = $2 AND type IN ('bot_reply', 'bot_handoff', 'resolved') ORDER BY id`,
      [workspaceId, conversationId],
    )) as { type: string; actor_type: string; cycle: number; payload: Record<string, unknown> }[];

  const botJobsFor = async (messageId: string): Promise<number> =>
    (
      await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE queue = 'bot' AND payload->>'messageId' = $1`, [
        messageId,
      ])
    )[0].n;

  const conversationOf = async (messageId: string): Promise<string> =>
    (await t.db.query('SELECT conversation_id FROM messages WHERE id = $1', [messageId]))[0].conversation_id;

  it('lets admins configure the bot per channel, validating every field', async () => {
    const initial = await api<BotSettings>(t.url, `/api/channels/${channelId}/bot`, { token: admin });
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ enabled: false, rules: [] });
    expect(initial.body.handoffPhrases).toContain('оператор');

    const bad = await api<{ code: string; details: { field: string }[] }>(t.url, `/api/channels/${channelId}/bot`, {
      token: admin,
      method: 'PUT',
      body: {
        enabled: 'yes',
        rules: [
          { phrases: [], answer: '' },
          { id: 'x', phrases: ['a'], answer: 'b', extra: 1 },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.body.details.map((d) => d.field)).toEqual(
      expect.arrayContaining(['enabled', 'rules[0].phrases', 'rules[0].answer', 'rules[1].extra']),
    );
    expect(
      (await api(t.url, `/api/channels/${channelId}/bot`, { token: manager, method: 'PUT', body: RULES })).status,
    ).toBe(403);
    expect((await api(t.url, `/api/channels/${channelId}/bot`, { token: manager })).status).toBe(403);
    const foreign = await createWorkspace(t.db, 'bot-foreign');
    const [{ id: foreignChannel }] = await t.db.query('SELECT id FROM channels WHERE widget_key = $1', [
      foreign.widgetKey,
    ]);
    expect((await api(t.url, `/api/channels/${foreignChannel}/bot`, { token: admin })).status).toBe(404);

    const saved = await api<BotSettings>(t.url, `/api/channels/${channelId}/bot`, {
      token: admin,
      method: 'PUT',
      body: RULES,
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ enabled: true, rules: RULES.rules, handoffText: 'Зову менеджера.' });
    const [{ settings }] = await t.db.query('SELECT settings FROM channels WHERE id = $1', [channelId]);
    expect(settings.bot.rules).toHaveLength(2);
  });

  it('answers a matching question, counts a fallback, hands over on «оператор» and then stays silent', async () => {
    const v = await visitor();
    const first = await v.say('Сколько идёт доставки до Казани?');
    await eventually(async () => v.heard.includes('Доставка занимает 1–3 дня.'));
    const conversationId = await conversationOf(first);

    await v.say('What is the price?');
    await eventually(async () => v.heard.includes('Цены — на сайте.'));
    await v.say('Какая у вас погода?');
    await eventually(async () => v.heard.includes('Не понял вопрос. Напишите «оператор».'));
    await v.say('Позовите оператора, пожалуйста');
    await eventually(async () => v.heard.includes('Зову менеджера.'));

    expect(await botEvents(conversationId)).toEqual([
      expect.objectContaining({
        type: 'bot_reply',
        actor_type: 'bot',
        payload: expect.objectContaining({ ruleId: 'delivery', matched: true, inReplyTo: first }),
      }),
      expect.objectContaining({
        type: 'bot_reply',
        payload: expect.objectContaining({ ruleId: 'price', matched: true }),
      }),
      expect.objectContaining({
        type: 'bot_reply',
        payload: expect.objectContaining({ ruleId: null, matched: false }),
      }),
      expect.objectContaining({ type: 'bot_handoff', payload: expect.objectContaining({ reason: 'request' }) }),
    ]);

    // Handed over: the next question is for a person — no bot job is even enqueued.
    const after = await v.say('Так сколько стоит доставка?');
    expect(await botJobsFor(after)).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(v.heard).toHaveLength(4);

    // Bot messages are the bot's, never a human reply.
    const messages = await api<MessageListResponse>(t.url, `/api/conversations/${conversationId}/messages`, {
      token: admin,
    });
    expect(messages.body.items.filter((m) => m.author.type === 'bot').map((m) => m.text)).toEqual([
      'Доставка занимает 1–3 дня.',
      'Цены — на сайте.',
      'Не понял вопрос. Напишите «оператор».',
      'Зову менеджера.',
    ]);
    const detail = await api<ConversationDetail>(t.url, `/api/conversations/${conversationId}`, { token: admin });
    expect(detail.body.firstHumanReplyAt).toBeNull();
    const humanReplies = await t.db.query(
      `SELECT count(*)::int AS n FROM conversation_events WHERE conversation_id = $1 AND type = 'human_reply'`,
      [conversationId],
    );
    expect(humanReplies[0].n).toBe(0);
    v.socket.close();
  });

  it('stops after a human reply (recording the hand-off once) and starts over in a new cycle', async () => {
    const v = await visitor();
    const first = await v.say('delivery time to Berlin?');
    await eventually(async () => v.heard.includes('Доставка занимает 1–3 дня.'));
    const conversationId = await conversationOf(first);

    const reply = await api(t.url, `/api/conversations/${conversationId}/messages`, {
      token: manager,
      body: { text: 'Hi, I am Bora, let me check.' },
    });
    expect(reply.status).toBe(201);
    const later = await v.say('And the price?');
    expect(await botJobsFor(later)).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(v.heard.filter((text) => text === 'Цены — на сайте.')).toHaveLength(0);
    expect((await botEvents(conversationId)).map((e) => [e.type, e.payload['reason'] ?? e.payload['ruleId']])).toEqual([
      ['bot_reply', 'delivery'],
      ['bot_handoff', 'human_reply'],
    ]);
    v.socket.close();
  });

  it('marks a bot-only resolution and answers again in the next cycle', async () => {
    const v = await visitor();
    const first = await v.say('цена?');
    await eventually(async () => v.heard.includes('Цены — на сайте.'));
    const conversationId = await conversationOf(first);
    expect(
      (await api(t.url, `/api/conversations/${conversationId}/status`, { token: admin, body: { status: 'resolved' } }))
        .status,
    ).toBe(204);
    const resolved = (await botEvents(conversationId)).find((e) => e.type === 'resolved');
    expect(resolved?.payload).toMatchObject({ botOnly: true });

    await v.say('А доставка?');
    await eventually(async () => v.heard.includes('Доставка занимает 1–3 дня.'));
    const events = await botEvents(conversationId);
    expect(events.filter((e) => e.type === 'bot_reply').map((e) => e.cycle)).toEqual([1, 2]);
    const list = await api<ConversationListResponse>(t.url, '/api/conversations?status=all', { token: admin });
    expect(list.body.items.find((c) => c.id === conversationId)?.status).toBe('open');
    v.socket.close();
  });

  it('stays silent on channels without the bot', async () => {
    await api(t.url, `/api/channels/${channelId}/bot`, {
      token: admin,
      method: 'PUT',
      body: { ...RULES, enabled: false },
    });
    const v = await visitor();
    const id = await v.say('доставка?');
    expect(await botJobsFor(id)).toBe(0);
    const again = await v.say('доставка!');
    expect(await botJobsFor(again)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(v.heard).toEqual([]);
    v.socket.close();
  });
});
