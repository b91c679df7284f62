import type { ProactiveTrigger, WebchatSession } from '@onebox/contracts';
import { api, connectVisitor, createWorkspace, eventually, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(30_000);

/** The visitor id is the `sub` of the visitor token (a JWT). */
function visitorIdOf(visitorToken: string): string {
  return JSON.parse(Buffer.from(visitorToken.split('.')[1], 'base64url').toString()).sub;
}

/** Proactive chat: triggers per webchat channel, page views, invitations shown and accepted. */
describe('Proactive chat through the running product', () => {
  let t: TestApp;
  let token: string;
  let workspaceId: string;
  let widgetKey: string;
  let channelId: string;

  const session = (s: { session: unknown }) => s.session as WebchatSession;

  beforeAll(async () => {
    t = await startTestApp();
    const ws = await createWorkspace(t.db, 'proactive');
    workspaceId = ws.workspaceId;
    widgetKey = ws.widgetKey;
    token = await login(t.url, ws.email, ws.password);
    channelId = (await t.db.query('SELECT id FROM channels WHERE widget_key = $1', [widgetKey]))[0].id;
  });

  afterAll(async () => {
    await t.close();
  });

  it('keeps triggers per webchat channel: validated, admin only, scoped to the workspace', async () => {
    const path = `/api/channels/${channelId}/proactive`;
    expect((await api(t.url, path, { token })).body).toEqual({ triggers: [] });

    const bad = await api<{ code: string; details: { field: string }[] }>(t.url, path, {
      method: 'PUT',
      token,
      body: { triggers: [{ name: '', enabled: true, secondsOnPage: -1, message: 'Hi' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d) => d.field).sort()).toEqual(['triggers.0.name', 'triggers.0.secondsOnPage']);

    const saved = await api<{ triggers: ProactiveTrigger[] }>(t.url, path, {
      method: 'PUT',
      token,
      body: {
        triggers: [
          {
            id: 'pricing',
            name: 'Pricing page',
            enabled: true,
            secondsOnPage: 10,
            urlPattern: '/pricing',
            message: 'Need a quote?',
          },
          { name: 'Returning', enabled: false, returningVisitor: true, message: 'Welcome back!' },
        ],
      },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.triggers[0]).toEqual({
      id: 'pricing',
      name: 'Pricing page',
      enabled: true,
      secondsOnPage: 10,
      urlPattern: '/pricing',
      message: 'Need a quote?',
    });
    expect(saved.body.triggers[1].id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await api<{ triggers: ProactiveTrigger[] }>(t.url, path, { token })).body).toEqual(saved.body);

    const other = await createWorkspace(t.db, 'proactive-other');
    const otherToken = await login(t.url, other.email, other.password);
    expect((await api(t.url, path, { token: otherToken })).status).toBe(404);
    expect((await api(t.url, path, { method: 'PUT', token: otherToken, body: { triggers: [] } })).status).toBe(404);
  });

  it('gives the widget its enabled triggers, records page views and one invitation per day, accepted when the visitor writes', async () => {
    const first = await connectVisitor(t.url, widgetKey);
    expect(session(first).proactive).toEqual({
      triggers: [expect.objectContaining({ id: 'pricing', message: 'Need a quote?' })],
      returningVisitor: false,
      shownToday: [],
    });
    const visitorId = visitorIdOf(first.session.visitorToken);

    expect(await first.socket.emitWithAck('page.view', { url: 'https://shop.example/pricing' })).toEqual({ ok: true });
    expect(await first.socket.emitWithAck('page.view', { url: 'javascript:alert(1)' })).toMatchObject({
      error: { code: 'validation_failed' },
    });
    const views = await t.db.query('SELECT * FROM widget_page_views WHERE channel_id = $1', [channelId]);
    expect(views).toEqual([
      expect.objectContaining({
        workspace_id: workspaceId,
        visitor_id: visitorId,
        url: 'https://shop.example/pricing',
      }),
    ]);

    expect(await first.socket.emitWithAck('invitation.shown', { triggerId: 'nope' })).toMatchObject({
      error: { code: 'not_found' },
    });
    expect(await first.socket.emitWithAck('invitation.shown', { triggerId: 'pricing' })).toEqual({ ok: true });
    expect(await first.socket.emitWithAck('invitation.shown', { triggerId: 'pricing' })).toEqual({ ok: true });
    const shown = await t.db.query('SELECT * FROM proactive_invitations WHERE channel_id = $1', [channelId]);
    expect(shown).toEqual([
      expect.objectContaining({
        visitor_id: visitorId,
        trigger_id: 'pricing',
        accepted_at: null,
        conversation_id: null,
      }),
    ]);
    first.socket.close();

    const reload = await connectVisitor(t.url, widgetKey, first.session.visitorToken);
    expect(session(reload).proactive?.shownToday).toEqual(['pricing']);

    const ack = await reload.socket.emitWithAck('message.send', {
      clientMessageId: 'p-1',
      text: 'Yes, a quote please',
    });
    const [message] = await t.db.query('SELECT conversation_id, cycle FROM messages WHERE id = $1', [ack.id]);
    const accepted = await eventually(
      async () =>
        (
          await t.db.query('SELECT * FROM proactive_invitations WHERE channel_id = $1 AND accepted_at IS NOT NULL', [
            channelId,
          ])
        )[0] as { id: string } | undefined,
    );
    expect(accepted).toMatchObject({ conversation_id: message.conversation_id, cycle: 1, trigger_id: 'pricing' });
    const events = await t.db.query(
      `SELECT cycle, payload FROM conversation_events WHERE conversation_id = $1 AND type = 'proactive_accepted'`,
      [message.conversation_id],
    );
    expect(events).toEqual([{ cycle: 1, payload: { invitationId: accepted.id, triggerId: 'pricing' } }]);

    // A second message accepts nothing more.
    await reload.socket.emitWithAck('message.send', { clientMessageId: 'p-2', text: 'Hello?' });
    expect(
      (
        await t.db.query(
          `SELECT count(*)::int AS n FROM conversation_events WHERE type = 'proactive_accepted' AND conversation_id = $1`,
          [message.conversation_id],
        )
      )[0].n,
    ).toBe(1);
    reload.socket.close();
  });

  it('tells the widget a visitor is returning after an earlier visit', async () => {
    const visitor = await connectVisitor(t.url, widgetKey);
    const visitorId = visitorIdOf(visitor.session.visitorToken);
    await t.db.query(
      `INSERT INTO widget_page_views (workspace_id, channel_id, visitor_id, url, viewed_at) VALUES ($1, $2, $3, $4, now() - interval '2 days')`,
      [workspaceId, channelId, visitorId, 'https://shop.example/'],
    );
    visitor.socket.close();
    const back = await connectVisitor(t.url, widgetKey, visitor.session.visitorToken);
    expect(session(back).proactive?.returningVisitor).toBe(true);
    back.socket.close();
  });
});
