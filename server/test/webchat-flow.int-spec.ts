import type { ConversationListItem, ConversationListResponse, MessageDto, WebchatMessage } from '@onebox/contracts';
import type { Socket } from 'socket.io-client';
import { api, connectAgent, connectVisitor, login, nextEvent, startTestApp, type TestApp } from './test-app';

describe('website chat end to end (real PostgreSQL, socket.io)', () => {
  let t: TestApp;
  let token: string;
  let widgetKey: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    token = await login(t.url, 'admin@onebox.test', 'admin-password-1');
    const channels = await api<{ type: string; widgetKey?: string }[]>(t.url, '/api/channels', { token });
    widgetKey = channels.body.find((c) => c.type === 'webchat')!.widgetKey!;
  });

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t.close();
  });

  it('carries a visitor message to the agent live, and the reply back to the visitor as sent', async () => {
    const agent = await connectAgent(t.url, token);
    const { socket: visitor, session } = await connectVisitor(t.url, widgetKey);
    sockets.push(agent, visitor);
    expect(session.history).toEqual([]);

    const created = nextEvent<ConversationListItem>(agent, 'conversation.created');
    const inbound = nextEvent<MessageDto>(agent, 'message.created', (m) => m.direction === 'in');
    const ack = await visitor.emitWithAck('message.send', {
      clientMessageId: 'v-1',
      text: 'Hello, is the sofa in stock?',
    });
    expect(ack).toEqual({ id: expect.any(String) });
    const conversation = await created;
    expect(conversation).toMatchObject({
      channel: { type: 'webchat' },
      status: 'open',
      unreadCount: 1,
      lastMessage: { direction: 'in' },
    });
    expect((await inbound).text).toBe('Hello, is the sofa in stock?');

    const toVisitor = nextEvent<WebchatMessage>(visitor, 'message.created', (m) => m.direction === 'out');
    const statusSent = nextEvent<MessageDto>(agent, 'message.updated', (m) => m.status === 'sent');
    const sent = await api<MessageDto>(t.url, `/api/conversations/${conversation.id}/messages`, {
      token,
      body: { text: 'Yes, we have it!', clientMessageId: 'a-1' },
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ status: 'queued', direction: 'out', author: { type: 'agent' } });
    expect((await toVisitor).text).toBe('Yes, we have it!');
    expect(await statusSent).toMatchObject({ id: sent.body.id, status: 'sent' });

    const thread = await api<{ items: MessageDto[] }>(t.url, `/api/conversations/${conversation.id}/messages`, {
      token,
    });
    expect(thread.body.items.map((m) => [m.direction, m.status, m.text])).toEqual([
      ['in', 'received', 'Hello, is the sofa in stock?'],
      ['out', 'sent', 'Yes, we have it!'],
    ]);

    // Reconnecting with the stored token resumes the same visitor and history.
    const again = await connectVisitor(t.url, widgetKey, session.visitorToken);
    sockets.push(again.socket);
    expect(again.session.history.map((m) => m.text)).toEqual(['Hello, is the sofa in stock?', 'Yes, we have it!']);
  });

  it('stores a redelivered visitor message once', async () => {
    const { socket: visitor } = await connectVisitor(t.url, widgetKey);
    sockets.push(visitor);
    const first = await visitor.emitWithAck('message.send', { clientMessageId: 'dup-1', text: 'once' });
    const second = await visitor.emitWithAck('message.send', { clientMessageId: 'dup-1', text: 'once' });
    expect(second).toEqual(first);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE text = 'once'`);
    expect(n).toBe(1);
  });

  it('refuses empty messages and unknown widget keys', async () => {
    const { socket: visitor } = await connectVisitor(t.url, widgetKey);
    sockets.push(visitor);
    expect(await visitor.emitWithAck('message.send', { clientMessageId: 'e-1', text: '   ' })).toEqual({
      error: { code: 'validation_failed', message: 'text: must not be empty' },
    });
    await expect(connectVisitor(t.url, 'no-such-widget')).rejects.toThrow('This chat is not available');
  });

  it('starts a new cycle when a resolved conversation hears from the customer again', async () => {
    const { socket: visitor } = await connectVisitor(t.url, widgetKey);
    sockets.push(visitor);
    await visitor.emitWithAck('message.send', { clientMessageId: 'c-1', text: 'first question' });
    const list = await api<ConversationListResponse>(t.url, '/api/conversations?q=first%20question', { token });
    const id = list.body.items[0].id;
    expect((await api(t.url, `/api/conversations/${id}/status`, { token, body: { status: 'resolved' } })).status).toBe(
      204,
    );
    await visitor.emitWithAck('message.send', { clientMessageId: 'c-2', text: 'one more thing' });
    const detail = await api<{ status: string; cycle: number }>(t.url, `/api/conversations/${id}`, { token });
    expect(detail.body).toMatchObject({ status: 'open', cycle: 2 });
    const events: { type: string; cycle: number }[] = await t.db.query(
      'SELECT type, cycle FROM conversation_events WHERE conversation_id = $1 ORDER BY id',
      [id],
    );
    expect(events.map((e) => `${e.cycle}:${e.type}`)).toEqual([
      '1:cycle_started',
      '1:message_in',
      '1:resolved',
      '2:reopened',
      '2:cycle_started',
      '2:message_in',
    ]);
  });
});
