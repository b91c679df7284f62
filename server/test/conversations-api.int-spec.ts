import type { ConversationListResponse, MessageDto, MessageListResponse } from '@onebox/contracts';
import { api, connectVisitor, createWorkspace, login, startTestApp, type TestApp } from './test-app';

describe('conversations API (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let widgetKey: string;

  /** Opens a conversation the way customers do: through the widget. */
  async function visitorWrites(key: string, texts: string[]): Promise<void> {
    const { socket } = await connectVisitor(t.url, key);
    for (const [i, text] of texts.entries())
      await socket.emitWithAck('message.send', { clientMessageId: `m-${i}`, text });
    socket.close();
  }

  async function conversationWith(text: string, token = admin): Promise<string> {
    const list = await api<ConversationListResponse>(
      t.url,
      `/api/conversations?status=all&q=${encodeURIComponent(text)}`,
      { token },
    );
    return list.body.items[0].id;
  }

  const countMessages = async (): Promise<number> => (await t.db.query('SELECT count(*)::int AS n FROM messages'))[0].n;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await login(t.url, 'admin@onebox.test', 'admin-password-1');
    widgetKey = (await api<{ widgetKey?: string }[]>(t.url, '/api/channels', { token: admin })).body.find(
      (c) => c.widgetKey,
    )!.widgetKey!;
  });

  afterAll(() => t.close());

  it('stores one message for the same clientMessageId sent twice', async () => {
    await visitorWrites(widgetKey, ['idempotency please']);
    const id = await conversationWith('idempotency please');
    const body = { text: 'answer once', clientMessageId: 'same-key' };
    const [a, b] = await Promise.all([
      api<MessageDto>(t.url, `/api/conversations/${id}/messages`, { token: admin, body }),
      api<MessageDto>(t.url, `/api/conversations/${id}/messages`, { token: admin, body }),
    ]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    const rows = await t.db.query(
      `SELECT id FROM messages WHERE conversation_id = $1 AND client_message_id = 'same-key'`,
      [id],
    );
    expect(rows).toHaveLength(1);
    const jobs = await t.db.query(`SELECT id FROM jobs WHERE payload->>'messageId' = $1`, [a.body.id]);
    expect(jobs).toHaveLength(1);
  });

  it('answers 400 naming the field for bad payloads, and writes nothing', async () => {
    await visitorWrites(widgetKey, ['validate me']);
    const id = await conversationWith('validate me');
    const before = await countMessages();
    const cases: [unknown, string][] = [
      [{ text: 42 }, 'text'],
      [{ text: 'x'.repeat(10_001) }, 'text'],
      [{ text: 'ok', private: 'yes' }, 'private'],
      [{ text: 'ok', attachmentIds: ['not-a-uuid'] }, 'attachmentIds'],
      [{ text: 'ok', unexpected: true }, 'unexpected'],
      [{ text: '   ' }, 'text'],
    ];
    for (const [body, field] of cases) {
      const res = await api<{ code: string; details: { field: string }[] }>(
        t.url,
        `/api/conversations/${id}/messages`,
        { token: admin, body },
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.details.map((d) => d.field)).toContain(field);
    }
    const malformed = await api<{ code: string }>(t.url, `/api/conversations/${id}/messages`, {
      token: admin,
      body: '{"text":',
    });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'invalid_json' } });
    expect(
      (await api(t.url, `/api/conversations/${id}/status`, { token: admin, body: { status: 'closed' } })).status,
    ).toBe(400);
    expect((await api(t.url, '/api/conversations?limit=1000', { token: admin })).status).toBe(400);
    expect((await api(t.url, '/api/conversations?cursor=garbage', { token: admin })).status).toBe(400);
    expect(await countMessages()).toBe(before);
  });

  it('hides another workspace’s conversation exactly like a missing one', async () => {
    const other = await createWorkspace(t.db, 'rival');
    await visitorWrites(other.widgetKey, ['secret rival lead']);
    const rivalToken = await login(t.url, other.email, other.password);
    const foreignId = await conversationWith('secret rival lead', rivalToken);
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const path of ['', '/messages']) {
      const foreign = await api(t.url, `/api/conversations/${foreignId}${path}`, { token: admin });
      const absent = await api(t.url, `/api/conversations/${missing}${path}`, { token: admin });
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual(absent.body);
    }
    const before = await countMessages();
    const write = await api(t.url, `/api/conversations/${foreignId}/messages`, {
      token: admin,
      body: { text: 'hijack' },
    });
    expect(write.status).toBe(404);
    expect(
      (await api(t.url, `/api/conversations/${foreignId}/status`, { token: admin, body: { status: 'resolved' } }))
        .status,
    ).toBe(404);
    expect(await countMessages()).toBe(before);
    const mine = await api<ConversationListResponse>(t.url, '/api/conversations?status=all&q=secret%20rival', {
      token: admin,
    });
    expect(mine.body.items).toEqual([]);
  });

  it('shows managers their own and unassigned conversations only', async () => {
    const created = await api(t.url, '/api/users', {
      token: admin,
      body: { email: 'm1@onebox.test', name: 'Maria', password: 'manager-pass-1', role: 'manager' },
    });
    expect(created.status).toBe(201);
    await api(t.url, '/api/users', {
      token: admin,
      body: { email: 'm2@onebox.test', name: 'Ivan', password: 'manager-pass-2', role: 'manager' },
    });
    const maria = await login(t.url, 'm1@onebox.test', 'manager-pass-1');
    const ivan = await login(t.url, 'm2@onebox.test', 'manager-pass-2');
    await visitorWrites(widgetKey, ['manager visibility check']);
    const id = await conversationWith('manager visibility check');
    expect((await api(t.url, `/api/conversations/${id}`, { token: ivan })).status).toBe(200);
    const me = await api<{ id: string }>(t.url, '/api/me', { token: maria });
    expect(
      (await api(t.url, `/api/conversations/${id}/assign`, { token: maria, body: { assigneeId: me.body.id } })).status,
    ).toBe(204);
    expect((await api(t.url, `/api/conversations/${id}`, { token: ivan })).status).toBe(404);
    expect((await api(t.url, `/api/conversations/${id}`, { token: maria })).status).toBe(200);
    const mine = await api<ConversationListResponse>(t.url, '/api/conversations?assignee=me', { token: maria });
    expect(mine.body.items.map((c) => c.id)).toContain(id);
    const forbidden = await api(t.url, `/api/conversations/${id}/assign`, {
      token: maria,
      body: { assigneeId: (await api<{ id: string }>(t.url, '/api/me', { token: ivan })).body.id },
    });
    expect(forbidden.status).toBe(403);
    expect(
      (
        await api(t.url, '/api/users', {
          token: maria,
          body: { email: 'x@onebox.test', name: 'X', password: 'password-x-1', role: 'admin' },
        })
      ).status,
    ).toBe(403);
  });

  it('pages the list with a keyset cursor and the thread with before', async () => {
    for (let i = 0; i < 5; i++) await visitorWrites(widgetKey, [`paging-${i}`]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query = `/api/conversations?status=all&q=paging-&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { body: ConversationListResponse } = await api<ConversationListResponse>(t.url, query, {
        token: admin,
      });
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((c) => c.lastMessage!.text));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['paging-4', 'paging-3', 'paging-2', 'paging-1', 'paging-0']);

    await visitorWrites(widgetKey, ['t1', 't2', 't3', 't4', 't5']);
    const id = await conversationWith('t5');
    const newest = await api<MessageListResponse>(t.url, `/api/conversations/${id}/messages?limit=2`, { token: admin });
    expect(newest.body).toMatchObject({ hasMore: true });
    expect(newest.body.items.map((m) => m.text)).toEqual(['t4', 't5']);
    const older = await api<MessageListResponse>(
      t.url,
      `/api/conversations/${id}/messages?limit=10&before=${newest.body.items[0].id}`,
      { token: admin },
    );
    expect(older.body.items.map((m) => m.text)).toEqual(['t1', 't2', 't3']);
    expect(older.body.hasMore).toBe(false);
  });

  it('delivers a job left queued by a previous process', async () => {
    await visitorWrites(widgetKey, ['left behind']);
    const id = await conversationWith('left behind');
    const [conversation] = await t.db.query('SELECT * FROM conversations WHERE id = $1', [id]);
    const [message] = await t.db.query(
      `INSERT INTO messages (workspace_id, conversation_id, channel_id, cycle, direction, author_type, author_name, text, status)
       VALUES ($1, $2, $3, 1, 'out', 'agent', 'Admin', 'sent after restart', 'queued') RETURNING id`,
      [conversation.workspace_id, id, conversation.channel_id],
    );
    // A crashed worker's lease: claimed, never finished, lease already run out.
    await t.db.query(
      `INSERT INTO jobs (workspace_id, queue, payload, attempts, locked_until) VALUES ($1, 'deliver', $2, 1, now() - interval '1 second')`,
      [conversation.workspace_id, JSON.stringify({ messageId: message.id })],
    );
    const deadline = Date.now() + 5000;
    let status = 'queued';
    while (status === 'queued' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      [{ status }] = await t.db.query('SELECT status FROM messages WHERE id = $1', [message.id]);
    }
    expect(status).toBe('sent');
  });

  it('rejects bad logins and rate-limits repeated failures per account', async () => {
    const wrong = await api<{ code: string }>(t.url, '/api/auth/login', {
      body: { email: 'admin@onebox.test', password: 'nope' },
    });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
    expect((await api(t.url, '/api/auth/login', { body: { email: 'admin@onebox.test' } })).status).toBe(400);
    for (let i = 0; i < 5; i++)
      await api(t.url, '/api/auth/login', { body: { email: 'target@onebox.test', password: 'guess' } });
    const limited = await api<{ code: string }>(t.url, '/api/auth/login', {
      body: { email: 'target@onebox.test', password: 'guess' },
    });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api(t.url, '/api/me')).status).toBe(401);
    expect((await api(t.url, '/api/me', { token: 'forged.token.value' })).status).toBe(401);
  });

  it('serves the OpenAPI document and health', async () => {
    expect(await api(t.url, '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const doc = await api<{ paths: Record<string, unknown> }>(t.url, '/api/docs-json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/conversations/{id}/messages']),
    );
  });
});
