import type { CannedResponseDto, ConversationDetail, ConversationListResponse, TagDto } from '@onebox/contracts';
import { api, connectVisitor, createWorkspace, login, startTestApp, type TestApp } from './test-app';

describe('tags and canned responses (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let maria: string;
  let ivan: string;
  let conversationId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const workspace = await createWorkspace(t.db, 'workflow');
    admin = await login(t.url, workspace.email, workspace.password);
    for (const [email, name] of [
      ['maria.wf@onebox.test', 'Maria'],
      ['ivan.wf@onebox.test', 'Ivan'],
    ]) {
      expect(
        (
          await api(t.url, '/api/users', {
            token: admin,
            body: { email, name, password: 'manager-pass-1', role: 'manager' },
          })
        ).status,
      ).toBe(201);
    }
    maria = await login(t.url, 'maria.wf@onebox.test', 'manager-pass-1');
    ivan = await login(t.url, 'ivan.wf@onebox.test', 'manager-pass-1');
    const { socket } = await connectVisitor(t.url, workspace.widgetKey);
    await socket.emitWithAck('message.send', { clientMessageId: 'wf-1', text: 'Do you have a discount?' });
    socket.close();
    const list = await api<ConversationListResponse>(t.url, '/api/conversations?status=all', { token: admin });
    conversationId = list.body.items[0].id;
  });

  afterAll(() => t.close());

  it('lets admins manage tags and managers tag conversations, filtering the list by tag', async () => {
    const vip = await api<TagDto>(t.url, '/api/tags', { token: admin, body: { name: 'VIP', color: '#FF0000' } });
    expect(vip).toMatchObject({ status: 201, body: { name: 'VIP', color: '#ff0000' } });
    expect(
      (await api<{ code: string }>(t.url, '/api/tags', { token: admin, body: { name: 'vip', color: '#00ff00' } })).body
        .code,
    ).toBe('tag_exists');
    const badColor = await api<{ details: { field: string }[] }>(t.url, '/api/tags', {
      token: admin,
      body: { name: 'Lead', color: 'red' },
    });
    expect(badColor.status).toBe(400);
    expect(badColor.body.details.map((d) => d.field)).toEqual(['color']);
    expect((await api(t.url, '/api/tags', { token: maria, body: { name: 'Mine', color: '#000000' } })).status).toBe(
      403,
    );

    expect(
      (
        await api(t.url, `/api/conversations/${conversationId}/tags`, {
          token: maria,
          method: 'PUT',
          body: { tags: ['vip'] },
        })
      ).status,
    ).toBe(204);
    expect(
      (await api<ConversationDetail>(t.url, `/api/conversations/${conversationId}`, { token: admin })).body.tags,
    ).toEqual(['VIP']);
    const unknown = await api<{ details: { field: string }[] }>(t.url, `/api/conversations/${conversationId}/tags`, {
      token: maria,
      method: 'PUT',
      body: { tags: ['nope'] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details[0].field).toBe('tags');
    const tagged = await api<ConversationListResponse>(t.url, '/api/conversations?status=all&tag=VIP', {
      token: admin,
    });
    expect(tagged.body.items.map((c) => c.id)).toEqual([conversationId]);
    const events = await t.db.query(
      `SELECT type, payload FROM conversation_events WHERE conversation_id = $1 AND type LIKE 'tag_%'`,
      [conversationId],
    );
    expect(events).toEqual([{ type: 'tag_added', payload: { tag: 'VIP' } }]);

    expect(
      (
        await api<TagDto>(t.url, `/api/tags/${vip.body.id}`, {
          token: admin,
          method: 'PATCH',
          body: { name: 'Key account' },
        })
      ).body.name,
    ).toBe('Key account');
    expect(
      (await api<ConversationDetail>(t.url, `/api/conversations/${conversationId}`, { token: admin })).body.tags,
    ).toEqual(['Key account']);
    expect((await api(t.url, `/api/tags/${vip.body.id}`, { token: admin, method: 'DELETE' })).status).toBe(204);
    expect(
      (await api<ConversationDetail>(t.url, `/api/conversations/${conversationId}`, { token: admin })).body.tags,
    ).toEqual([]);
  });

  it('keeps personal canned responses personal, shares the team’s, and records which one a reply used', async () => {
    const personal = await api<CannedResponseDto>(t.url, '/api/canned-responses', {
      token: maria,
      body: { title: 'Greeting', shortcut: 'hi', text: 'Hello {{contact.name}}, {{manager.name}} here!' },
    });
    expect(personal).toMatchObject({ status: 201, body: { shared: false, shortcut: 'hi' } });
    expect(
      (await api(t.url, '/api/canned-responses', { token: maria, body: { title: 'Team', text: 'x', shared: true } }))
        .status,
    ).toBe(403);
    const shared = await api<CannedResponseDto>(t.url, '/api/canned-responses', {
      token: admin,
      body: { title: 'Delivery', shortcut: 'delivery', text: 'We deliver in 2 days.', shared: true },
    });
    expect(shared.body.shared).toBe(true);

    expect(
      (await api<CannedResponseDto[]>(t.url, '/api/canned-responses', { token: maria })).body
        .map((c) => c.shortcut)
        .sort(),
    ).toEqual(['delivery', 'hi']);
    expect(
      (await api<CannedResponseDto[]>(t.url, '/api/canned-responses?q=deliv', { token: maria })).body.map(
        (c) => c.title,
      ),
    ).toEqual(['Delivery']);
    expect(
      (await api<CannedResponseDto[]>(t.url, '/api/canned-responses', { token: ivan })).body.map((c) => c.title),
    ).toEqual(['Delivery']);
    expect(
      (
        await api(t.url, `/api/canned-responses/${personal.body.id}`, {
          token: ivan,
          method: 'PATCH',
          body: { title: 'stolen' },
        })
      ).status,
    ).toBe(404);
    expect(
      (await api(t.url, `/api/canned-responses/${shared.body.id}`, { token: ivan, method: 'DELETE' })).status,
    ).toBe(404);
    expect(
      (await api(t.url, `/api/canned-responses/${shared.body.id}`, { token: maria, body: {}, method: 'PATCH' })).status,
    ).toBe(404);

    const sent = await api<{ id: string }>(t.url, `/api/conversations/${conversationId}/messages`, {
      token: maria,
      body: { text: 'We deliver in 2 days.', cannedResponseId: shared.body.id },
    });
    expect(sent.status).toBe(201);
    const [row] = await t.db.query('SELECT canned_response_id FROM messages WHERE id = $1', [sent.body.id]);
    expect(row.canned_response_id).toBe(shared.body.id);
    expect(
      (await api(t.url, `/api/canned-responses/${personal.body.id}`, { token: maria, method: 'DELETE' })).status,
    ).toBe(204);
  });
});
