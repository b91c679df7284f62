import type { MentionDto, MentionListResponse, MessageDto } from '@onebox/contracts';
import {
  api,
  connectAgent,
  connectVisitor,
  createWorkspace,
  login,
  nextEvent,
  startTestApp,
  type TestApp,
} from './test-app';

describe('private notes with @mentions (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let maria: string;
  let mariaId: string;
  let petrId: string;
  let conversationId: string;
  let workspaceId: string;
  let foreignUserId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const workspace = await createWorkspace(t.db, 'notes');
    workspaceId = workspace.workspaceId;
    admin = await login(t.url, workspace.email, workspace.password);
    const users: string[] = [];
    for (const [email, name] of [
      ['maria.notes@onebox.test', 'Maria Ivanova'],
      ['petr.notes@onebox.test', 'Пётр'],
    ]) {
      const created = await api<{ id: string }>(t.url, '/api/users', {
        token: admin,
        body: { email, name, password: 'manager-pass-1', role: 'manager' },
      });
      users.push(created.body.id);
    }
    [mariaId, petrId] = users;
    maria = await login(t.url, 'maria.notes@onebox.test', 'manager-pass-1');
    const { socket } = await connectVisitor(t.url, workspace.widgetKey);
    const ack = (await socket.emitWithAck('message.send', { clientMessageId: 'n-1', text: 'Need a big order' })) as {
      id: string;
    };
    socket.close();
    [{ conversation_id: conversationId }] = await t.db.query('SELECT conversation_id FROM messages WHERE id = $1', [
      ack.id,
    ]);
    const foreign = await createWorkspace(t.db, 'notes-foreign');
    [{ id: foreignUserId }] = await t.db.query('SELECT id FROM users WHERE workspace_id = $1', [foreign.workspaceId]);
  });

  afterAll(() => t.close());

  const note = (body: Record<string, unknown>, token = admin) =>
    api<MessageDto & { code?: string; details?: { field: string }[] }>(
      t.url,
      `/api/conversations/${conversationId}/messages`,
      { token, body: { private: true, ...body } },
    );

  it('notifies the mentioned user live and lists the mention until it is read', async () => {
    const socket = await connectAgent(t.url, maria);
    try {
      const live = nextEvent<MentionDto>(socket, 'mention.created');
      const sent = await note({ text: '@Maria Ivanova please call them back' });
      expect(sent.status).toBe(201);
      const mention = await live;
      expect(mention).toMatchObject({
        conversationId,
        messageId: sent.body.id,
        text: '@Maria Ivanova please call them back',
        author: { name: 'notes' },
        readAt: null,
      });

      const unread = await api<MentionListResponse>(t.url, '/api/mentions?unread=true', { token: maria });
      expect(unread.body.unreadCount).toBe(1);
      expect(unread.body.items.map((m) => m.id)).toEqual([mention.id]);
      expect((await api(t.url, `/api/mentions/${mention.id}/read`, { token: admin, body: {} })).status).toBe(404);
      expect((await api(t.url, `/api/mentions/${mention.id}/read`, { token: maria, body: {} })).status).toBe(204);
      const after = await api<MentionListResponse>(t.url, '/api/mentions?unread=true', { token: maria });
      expect(after.body).toEqual({ items: [], unreadCount: 0 });
      const all = await api<MentionListResponse>(t.url, '/api/mentions', { token: maria });
      expect(all.body.items[0].readAt).not.toBeNull();

      const [event] = await t.db.query(
        `SELECT payload FROM conversation_events WHERE workspace_id = $1 AND conversation_id = $2 AND type = 'note_added'`,
        [workspaceId, conversationId],
      );
      expect(event.payload).toEqual({ messageId: sent.body.id, mentionedUserIds: [mariaId] });
    } finally {
      socket.close();
    }
  });

  it('takes structured mentionedUserIds too, and the note stays private', async () => {
    const sent = await note({ text: 'Пётр, глянь', mentionedUserIds: [petrId] });
    expect(sent.status).toBe(201);
    expect(sent.body.private).toBe(true);
    const rows = await t.db.query('SELECT user_id FROM mentions WHERE message_id = $1', [sent.body.id]);
    expect(rows.map((r: { user_id: string }) => r.user_id)).toEqual([petrId]);
  });

  it('rejects unknown, foreign and public mentions with 400 naming the field, writing nothing', async () => {
    const count = async () =>
      (await t.db.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conversationId]))[0].n;
    const before = await count();
    for (const body of [
      { text: 'x', mentionedUserIds: [foreignUserId] },
      { text: 'x', mentionedUserIds: ['00000000-0000-4000-8000-000000000000'] },
      { text: 'x', mentionedUserIds: ['not-a-uuid'] },
      { text: 'x', mentionedUserIds: [mariaId], private: false },
    ]) {
      const res = await note(body);
      expect(res.status).toBe(400);
      expect(res.body.details?.map((d) => d.field)).toEqual(['mentionedUserIds']);
    }
    expect(await count()).toBe(before);
  });
});
