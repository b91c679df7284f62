import type { OfferDto } from '@onebox/contracts';
import { io } from 'socket.io-client';
import { api, connectVisitor, createWorkspace, eventually, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The FAQ bot, routing and the missed-chat clock together: while the bot holds a cycle nobody is
 * offered it and it cannot be missed; its hand-off offers it to a manager and starts the clock.
 */
describe('bot hand-off to routing and the missed-chat clock (real PostgreSQL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  }, 30_000);

  afterAll(() => t.close());

  it('offers and times a bot-held cycle only from its hand-off', async () => {
    const workspace = await createWorkspace(t.db, 'handoff');
    const admin = await login(t.url, workspace.email, workspace.password);
    const [{ id: channelId }] = await t.db.query('SELECT id FROM channels WHERE widget_key = $1', [
      workspace.widgetKey,
    ]);
    const settings = [
      api(t.url, `/api/channels/${channelId}/bot`, {
        token: admin,
        method: 'PUT',
        body: {
          enabled: true,
          rules: [{ id: 'hours', phrases: ['часы работы'], answer: 'Мы работаем с 9 до 21.' }],
          fallbackText: 'Не понял. Напишите «оператор».',
          handoffText: 'Зову менеджера.',
        },
      }),
      api(t.url, `/api/channels/${channelId}/routing`, {
        token: admin,
        method: 'PUT',
        body: { mode: 'round_robin', offerTimeoutSec: 60 },
      }),
      api(t.url, '/api/workspace/settings', { token: admin, method: 'PUT', body: { missedChatThresholdSec: 2 } }),
    ];
    for (const res of await Promise.all(settings)) expect(res.status).toBeLessThan(300);
    const created = await api<{ id: string }>(t.url, '/api/users', {
      token: admin,
      body: { email: 'handoff-mgr@onebox.test', name: 'Hana', password: 'manager-pass-1', role: 'manager' },
    });
    const managerToken = await login(t.url, 'handoff-mgr@onebox.test', 'manager-pass-1');
    const offers: OfferDto[] = [];
    const agent = io(`${t.url}/agent`, {
      auth: { token: managerToken },
      transports: ['websocket'],
      reconnection: false,
    });
    agent.on('offer.created', (offer: OfferDto) => offers.push(offer));
    await new Promise((resolve) => agent.once('connect', () => resolve(null)));

    const { socket } = await connectVisitor(t.url, workspace.widgetKey);
    await socket.emitWithAck('message.send', { clientMessageId: 'h-1', text: 'Какие у вас часы работы?' });
    const [{ id: conversationId }] = await t.db.query(
      `SELECT conversation_id AS id FROM messages WHERE channel_id = $1 AND client_message_id = 'h-1'`,
      [channelId],
    );
    const events = async () =>
      (
        (await t.db.query(
          `SELECT type, at FROM conversation_events WHERE conversation_id = $1 AND type IN ('bot_reply', 'bot_handoff', 'missed', 'offer_made') ORDER BY id`,
          [conversationId],
        )) as { type: string; at: Date }[]
      ).map((e) => e.type);
    await eventually(async () => (await events()).includes('bot_reply'));
    // Past the 2 s threshold with only the bot answering: no offer, not missed.
    await sleep(3000);
    expect(await events()).toEqual(['bot_reply']);
    expect(offers).toEqual([]);

    await socket.emitWithAck('message.send', { clientMessageId: 'h-2', text: 'Позовите оператора' });
    await eventually(async () => offers.length === 1);
    expect(offers[0].conversationId).toBe(conversationId);
    expect(offers[0].userId).toBe(created.body.id);
    // Nobody answers: missed 2 s after the hand-off, not after the first message.
    await eventually(async () => (await events()).includes('missed'), 10_000);
    const rows: { type: string; at: Date }[] = await t.db.query(
      `SELECT type, at FROM conversation_events WHERE conversation_id = $1 AND type IN ('bot_handoff', 'missed') ORDER BY id`,
      [conversationId],
    );
    expect(rows.map((r) => r.type)).toEqual(['bot_handoff', 'missed']);
    expect(rows[1].at.getTime() - rows[0].at.getTime()).toBe(2000);
    socket.close();
    agent.close();
  });
});
