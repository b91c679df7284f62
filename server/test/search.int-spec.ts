import type { ConversationListResponse, SearchResponse } from '@onebox/contracts';
import { api, connectVisitor, createWorkspace, login, startTestApp, type TestApp } from './test-app';

describe('search (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let manager: string;
  let managerId: string;
  let foreignAdmin: string;
  let workspace: Awaited<ReturnType<typeof createWorkspace>>;

  /** A visitor of `widgetKey` who gives a profile and writes `texts`; answers their conversation's id. */
  async function visitorWrites(
    widgetKey: string,
    profile: { name: string; phone?: string; email?: string },
    texts: string[],
  ): Promise<string> {
    const { socket } = await connectVisitor(t.url, widgetKey);
    await socket.emitWithAck('profile.update', profile);
    let last = '';
    for (const [i, text] of texts.entries()) {
      const ack = (await socket.emitWithAck('message.send', { clientMessageId: `s-${i}`, text })) as { id: string };
      last = ack.id;
    }
    socket.close();
    return (await t.db.query('SELECT conversation_id FROM messages WHERE id = $1', [last]))[0].conversation_id;
  }

  const search = (q: string, token = admin) =>
    api<SearchResponse>(t.url, `/api/search?q=${encodeURIComponent(q)}`, { token });

  let deliveryConv: string;
  let shippingConv: string;
  let xssConv: string;

  beforeAll(async () => {
    t = await startTestApp();
    workspace = await createWorkspace(t.db, 'search');
    admin = await login(t.url, workspace.email, workspace.password);
    const created = await api<{ id: string }>(t.url, '/api/users', {
      token: admin,
      body: { email: 'search-manager@onebox.test', name: 'Sima', password: 'manager-pass-1', role: 'manager' },
    });
    managerId = created.body.id;
    manager = await login(t.url, 'search-manager@onebox.test', 'manager-pass-1');
    deliveryConv = await visitorWrites(workspace.widgetKey, { name: 'Ольга Смирнова', phone: '+7 (916) 555-12-34' }, [
      'Здравствуйте! Когда будет доставка дивана?',
    ]);
    shippingConv = await visitorWrites(workspace.widgetKey, { name: 'John Carter', email: 'john@carter.test' }, [
      'Are you shipping sofas to Berlin?',
    ]);
    xssConv = await visitorWrites(workspace.widgetKey, { name: 'Mallory' }, [
      'Цена < 100 & <script>alert(1)</script> доставкой',
    ]);
    const foreign = await createWorkspace(t.db, 'search-foreign');
    foreignAdmin = await login(t.url, foreign.email, foreign.password);
    await visitorWrites(foreign.widgetKey, { name: 'Ольга Чужая', phone: '+7 916 555 99 99' }, [
      'Секретная доставка конкурента',
    ]);
  });

  afterAll(() => t.close());

  it('finds Russian word forms ("доставки" finds "доставка") with a highlighted snippet', async () => {
    const res = await search('доставки');
    expect(res.status).toBe(200);
    const ids = res.body.messages.map((m) => m.conversationId);
    expect(ids).toEqual(expect.arrayContaining([deliveryConv, xssConv]));
    expect(ids).toHaveLength(2);
    const hit = res.body.messages.find((m) => m.conversationId === deliveryConv)!;
    expect(hit.snippet).toContain('<mark>доставка</mark>');
    expect(hit).toMatchObject({
      author: { type: 'contact', name: 'Ольга Смирнова' },
      contact: { name: 'Ольга Смирнова' },
    });
    expect(res.body.conversations.map((c) => c.id)).toEqual(expect.arrayContaining([deliveryConv, xssConv]));
  });

  it('stems English words and matches prefixes as the user types', async () => {
    const shipped = await search('shipped sofa');
    expect(shipped.body.messages.map((m) => m.conversationId)).toEqual([shippingConv]);
    expect((await search('достав')).body.messages).toHaveLength(2);
  });

  it('finds contacts by name, e-mail and phone digits', async () => {
    expect((await search('смирнов')).body.contacts.map((c) => c.name)).toEqual(['Ольга Смирнова']);
    expect((await search('carter.test')).body.contacts.map((c) => c.conversationId)).toEqual([shippingConv]);
    const byPhone = await search('9165551234');
    expect(byPhone.body.contacts.map((c) => c.name)).toEqual(['Ольга Смирнова']);
    expect(byPhone.body.conversations.map((c) => c.id)).toEqual([deliveryConv]);
  });

  it('never shows another workspace’s data', async () => {
    const mine = await search('Ольга');
    expect(mine.body.contacts.map((c) => c.name)).toEqual(['Ольга Смирнова']);
    expect((await search('секретная')).body).toEqual({ conversations: [], contacts: [], messages: [] });
    const theirs = await search('доставка', foreignAdmin);
    expect(theirs.body.messages.map((m) => m.snippet)).toEqual([expect.stringContaining('конкурента')]);
    expect(theirs.body.contacts).toEqual([]);
  });

  it('shows managers only their own and unassigned conversations', async () => {
    const ivan = await api<{ id: string }>(t.url, '/api/users', {
      token: admin,
      body: { email: 'search-other@onebox.test', name: 'Ivan', password: 'manager-pass-1', role: 'manager' },
    });
    expect(
      (
        await api(t.url, `/api/conversations/${deliveryConv}/assign`, {
          token: admin,
          body: { assigneeId: ivan.body.id },
        })
      ).status,
    ).toBe(204);
    expect(
      (await api(t.url, `/api/conversations/${xssConv}/assign`, { token: admin, body: { assigneeId: managerId } }))
        .status,
    ).toBe(204);
    const res = await search('доставка', manager);
    expect(res.body.messages.map((m) => m.conversationId)).toEqual([xssConv]);
    expect(res.body.conversations.map((c) => c.id)).toEqual([xssConv]);
    expect((await search('Смирнова', manager)).body.contacts).toEqual([]);
    expect((await search('доставка')).body.messages).toHaveLength(2);
  });

  it('escapes customer text in snippets', async () => {
    const res = await search('цена');
    const hit = res.body.messages.find((m) => m.conversationId === xssConv)!;
    expect(hit.snippet).not.toContain('<script');
    expect(hit.snippet).toContain('&lt; 100 &amp;');
    expect(hit.snippet).toContain('<mark>Цена</mark>');
    expect(hit.snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
  });

  it('uses full-text search in the conversation list filter and validates the query', async () => {
    const list = await api<ConversationListResponse>(
      t.url,
      '/api/conversations?status=all&q=%D0%B4%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B8',
      {
        token: admin,
      },
    );
    expect(list.body.items.map((c) => c.id).sort()).toEqual([deliveryConv, xssConv].sort());
    const bad = await api<{ details: { field: string }[] }>(t.url, '/api/search?q=x&limit=500', { token: admin });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d) => d.field)).toEqual(['limit']);
    expect((await api(t.url, '/api/search?limit=5', { token: admin })).status).toBe(400);
    expect((await search('  ?! ')).body).toEqual({ conversations: [], contacts: [], messages: [] });
  });
});
