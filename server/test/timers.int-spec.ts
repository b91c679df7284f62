import {
  WEEKDAYS,
  type ChannelWorkingHoursDto,
  type ConversationDetail,
  type ConversationListResponse,
  type ConversationMissedEvent,
  type MessageDto,
  type WeeklySchedule,
  type WorkspaceSettingsDto,
} from '@onebox/contracts';
import type { Socket } from 'socket.io-client';
import {
  api,
  connectAgent,
  connectVisitor,
  createWorkspace,
  eventually,
  login,
  nextEvent,
  startTestApp,
  type TestApp,
} from './test-app';

type Errors = { code: string; details: { field: string }[] };

describe('timers: missed chats, snooze, auto-resolve, working hours (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let head: string;
  let manager: string;
  let workspaceId: string;
  let widgetKey: string;
  let channelId: string;
  let headSocket: Socket;
  const sockets: Socket[] = [];
  let visitorCount = 0;

  const settings = (body: Partial<WorkspaceSettingsDto> | Record<string, unknown>, token = admin) =>
    api<WorkspaceSettingsDto & Errors>(t.url, '/api/workspace/settings', { token, method: 'PUT', body });

  /** A new website visitor writes `text`; answers their socket and the conversation id. */
  async function visitorWrites(text: string): Promise<{ socket: Socket; conversationId: string; token: string }> {
    const { socket, session } = await connectVisitor(t.url, widgetKey);
    sockets.push(socket);
    const ack = (await socket.emitWithAck('message.send', { clientMessageId: `m-${++visitorCount}`, text })) as {
      id: string;
    };
    const [row] = await t.db.query('SELECT conversation_id FROM messages WHERE id = $1', [ack.id]);
    return { socket, conversationId: row.conversation_id, token: session.visitorToken };
  }

  const eventsOf = (
    conversationId: string,
    type: string,
  ): Promise<{ cycle: number; actor_type: string; payload: Record<string, unknown> }[]> =>
    t.db.query(
      'SELECT cycle, actor_type, payload FROM conversation_events WHERE conversation_id = $1 AND type = $2 ORDER BY id',
      [conversationId, type],
    );

  const thread = async (conversationId: string) =>
    (await api<{ items: MessageDto[] }>(t.url, `/api/conversations/${conversationId}/messages`, { token: admin })).body
      .items;

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    t = await startTestApp({ ONEBOX_VISITOR_LEFT_GRACE_MS: '300' });
    const workspace = await createWorkspace(t.db, 'timers');
    workspaceId = workspace.workspaceId;
    widgetKey = workspace.widgetKey;
    admin = await login(t.url, workspace.email, workspace.password);
    for (const [email, role] of [
      ['head.timers@onebox.test', 'head'],
      ['manager.timers@onebox.test', 'manager'],
    ]) {
      const created = await api(t.url, '/api/users', {
        token: admin,
        body: { email, name: role, password: 'timers-pass-1', role },
      });
      expect(created.status).toBe(201);
    }
    head = await login(t.url, 'head.timers@onebox.test', 'timers-pass-1');
    manager = await login(t.url, 'manager.timers@onebox.test', 'timers-pass-1');
    headSocket = await connectAgent(t.url, head);
    sockets.push(headSocket);
    const channels = await api<{ id: string; type: string }[]>(t.url, '/api/channels', { token: admin });
    channelId = channels.body.find((c) => c.type === 'webchat')!.id;
  });

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t.close();
  });

  it('answers the defaults to everyone, lets only admins change them, and names every bad field', async () => {
    const got = await api<WorkspaceSettingsDto>(t.url, '/api/workspace/settings', { token: manager });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      timeZone: 'Europe/Moscow',
      missedChatThresholdSec: 300,
      firstResponseTargetSec: 60,
      autoResolveHours: null,
      fcrWindowDays: 7,
      conversionWindowDays: 30,
      workingHours: null,
      afterHoursReply: { enabled: false, text: '' },
      messageRetentionDays: null,
      costs: null,
    });
    expect((await settings({ missedChatThresholdSec: 10 }, head)).status).toBe(403);

    const bad = async (body: Record<string, unknown>) => {
      const res = await settings(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      return res.body.details.map((d) => d.field);
    };
    expect(await bad({ missedChatThresholdSec: 0 })).toEqual(['missedChatThresholdSec']);
    expect(await bad({ missedChatThresholdSec: null })).toContain('missedChatThresholdSec');
    expect(await bad({ firstResponseTargetSec: 1.5 })).toEqual(['firstResponseTargetSec']);
    expect(await bad({ autoResolveHours: -1 })).toEqual(['autoResolveHours']);
    expect(await bad({ fcrWindowDays: 0 })).toEqual(['fcrWindowDays']);
    expect(await bad({ conversionWindowDays: 'soon' })).toContain('conversionWindowDays');
    expect(await bad({ timeZone: 'Mars/Olympus' })).toEqual(['timeZone']);
    expect(await bad({ workingHours: { mon: [{ from: '9:00', to: '18:00' }] } })).toEqual(['workingHours']);
    expect(await bad({ workingHours: { funday: [] } })).toEqual(['workingHours']);
    expect(await bad({ afterHoursReply: { enabled: true, text: '   ' } })).toEqual(['afterHoursReply.text']);
    expect(await bad({ afterHoursReply: { enabled: 'yes', text: 'x' } })).toEqual(['afterHoursReply.enabled']);
    expect(await bad({ surprise: 1 })).toEqual(['surprise']);

    // Other features' keys in the same jsonb survive every write.
    await t.db.query(`UPDATE workspaces SET settings = settings || '{"otherFeature": {"on": true}}' WHERE id = $1`, [
      workspaceId,
    ]);
    const saved = await settings({ firstResponseTargetSec: 45, fcrWindowDays: 14, timeZone: 'UTC' });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ firstResponseTargetSec: 45, fcrWindowDays: 14, timeZone: 'UTC' });
    const [row] = await t.db.query('SELECT settings, time_zone FROM workspaces WHERE id = $1', [workspaceId]);
    expect(row.settings).toMatchObject({ otherFeature: { on: true }, firstResponseTargetSec: 45, fcrWindowDays: 14 });
    expect(row.time_zone).toBe('UTC');
  });

  it('flags an unanswered chat as missed at the threshold, live to heads, once per cycle', async () => {
    expect((await settings({ missedChatThresholdSec: 1 })).status).toBe(200);
    const missedLive = nextEvent<ConversationMissedEvent>(headSocket, 'conversation.missed', undefined, 8000);
    const started = Date.now();
    const { socket, conversationId } = await visitorWrites('Anyone there?');
    const event = await missedLive;
    expect(event).toMatchObject({
      conversationId,
      cycle: 1,
      reason: 'threshold',
      conversation: { id: conversationId },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await eventsOf(conversationId, 'missed')).toEqual([
      { cycle: 1, actor_type: 'system', payload: expect.objectContaining({ reason: 'threshold', thresholdSec: 1 }) },
    ]);

    const missedList = await api<ConversationListResponse>(t.url, '/api/conversations?status=all&missed=true', {
      token: head,
    });
    expect(missedList.body.items.map((c) => c.id)).toEqual([conversationId]);

    // Leaving afterwards records that the visitor left, but the cycle is not missed twice.
    socket.close();
    await eventually(async () => (await eventsOf(conversationId, 'visitor_left')).length === 1);
    await sleep(300);
    expect(await eventsOf(conversationId, 'missed')).toHaveLength(1);
  });

  it('does not flag a chat a manager answered in time', async () => {
    const { conversationId } = await visitorWrites('Do you deliver?');
    const reply = await api(t.url, `/api/conversations/${conversationId}/messages`, {
      token: manager,
      body: { text: 'Yes, every day' },
    });
    expect(reply.status).toBe(201);
    await sleep(2000);
    expect(await eventsOf(conversationId, 'missed')).toEqual([]);
    const missedList = await api<ConversationListResponse>(t.url, '/api/conversations?status=all&missed=true', {
      token: head,
    });
    expect(missedList.body.items.map((c) => c.id)).not.toContain(conversationId);
  });

  it('marks the cycle missed when the website visitor leaves before any reply', async () => {
    expect((await settings({ missedChatThresholdSec: 300 })).status).toBe(200);
    const { socket, conversationId } = await visitorWrites('Hello? I have to go soon');
    const missedLive = nextEvent<ConversationMissedEvent>(
      headSocket,
      'conversation.missed',
      (e) => e.conversationId === conversationId,
      8000,
    );
    socket.close();
    expect(await missedLive).toMatchObject({ reason: 'visitor_left', cycle: 1 });
    expect(await eventsOf(conversationId, 'missed')).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ reason: 'visitor_left' }) }),
    ]);
    expect(await eventsOf(conversationId, 'visitor_left')).toHaveLength(1);
  });

  it('does not count a page reload (reconnect within the grace period) as leaving', async () => {
    const { socket, conversationId, token } = await visitorWrites('Browsing your catalogue');
    socket.close();
    const { socket: again } = await connectVisitor(t.url, widgetKey, token);
    sockets.push(again);
    await sleep(1200);
    expect(await eventsOf(conversationId, 'visitor_left')).toEqual([]);
    expect(await eventsOf(conversationId, 'missed')).toEqual([]);
  });

  it('snoozes until a validated future time and wakes the conversation up then', async () => {
    const { conversationId } = await visitorWrites('Call me back later');
    const status = (body: Record<string, unknown>) =>
      api<Errors>(t.url, `/api/conversations/${conversationId}/status`, { token: manager, body });
    for (const body of [
      { status: 'snoozed' },
      { status: 'snoozed', snoozedUntil: new Date(Date.now() - 60_000).toISOString() },
      { status: 'snoozed', snoozedUntil: 'tomorrow' },
    ]) {
      const res = await status(body);
      expect(res.status).toBe(400);
      expect(res.body.details.map((d) => d.field)).toEqual(['snoozedUntil']);
    }
    const until = new Date(Date.now() + 1500);
    expect((await status({ status: 'snoozed', snoozedUntil: until.toISOString() })).status).toBe(204);
    const snoozed = await api<ConversationDetail>(t.url, `/api/conversations/${conversationId}`, { token: manager });
    expect(snoozed.body).toMatchObject({ status: 'snoozed', snoozedUntil: until.toISOString() });
    const list = await api<ConversationListResponse>(t.url, '/api/conversations?status=snoozed', { token: manager });
    expect(list.body.items.map((c) => c.id)).toContain(conversationId);

    await eventually(async () => {
      const c = await api<ConversationDetail>(t.url, `/api/conversations/${conversationId}`, { token: manager });
      return c.body.status === 'open' ? c : null;
    });
    expect(Date.now()).toBeGreaterThanOrEqual(until.getTime());
    expect((await eventsOf(conversationId, 'snoozed')).map((e) => e.payload)).toEqual([
      expect.objectContaining({ until: until.toISOString(), to: 'snoozed' }),
    ]);
    expect(await eventsOf(conversationId, 'unsnoozed')).toEqual([
      { cycle: 1, actor_type: 'system', payload: { until: until.toISOString() } },
    ]);
  });

  it('sends the after-hours reply once per cycle outside working hours, and not inside them', async () => {
    const today = new Date().getUTCDay(); // the workspace is on UTC (first test)
    const otherDay = WEEKDAYS[(today + 6 + 3) % 7]; // three days away: neither today nor yesterday
    const closedToday: WeeklySchedule = { [otherDay]: [{ from: '09:00', to: '10:00' }] };
    const alwaysOpen: WeeklySchedule = Object.fromEntries(WEEKDAYS.map((d) => [d, [{ from: '00:00', to: '24:00' }]]));
    const saved = await settings({
      workingHours: closedToday,
      afterHoursReply: { enabled: true, text: 'We are closed now, we will answer in the morning.' },
    });
    expect(saved.body).toMatchObject({ workingHours: closedToday, afterHoursReply: { enabled: true } });

    const { socket, conversationId } = await visitorWrites('Are you open?');
    const received = await nextEvent<{ text: string; authorName: string }>(socket, 'message.created', (m) =>
      m.text.startsWith('We are closed'),
    );
    expect(received.text).toBe('We are closed now, we will answer in the morning.');
    await socket.emitWithAck('message.send', { clientMessageId: `m-${++visitorCount}`, text: 'Hello?' });
    await sleep(800);
    const bots = (await thread(conversationId)).filter((m) => m.author.type === 'bot');
    expect(bots.map((m) => m.text)).toEqual(['We are closed now, we will answer in the morning.']);
    expect(await eventsOf(conversationId, 'after_hours_reply')).toHaveLength(1);
    expect(await eventsOf(conversationId, 'human_reply')).toEqual([]);

    // The channel's own hours win over the workspace's.
    const own = await api<ChannelWorkingHoursDto>(t.url, `/api/channels/${channelId}/working-hours`, {
      token: admin,
      method: 'PUT',
      body: { workingHours: alwaysOpen },
    });
    expect(own.status).toBe(200);
    const invalid = await api<Errors>(t.url, `/api/channels/${channelId}/working-hours`, {
      token: admin,
      method: 'PUT',
      body: { workingHours: { mon: 'all day' } },
    });
    expect(invalid.body.details.map((d) => d.field)).toEqual(['workingHours']);
    const inside = await visitorWrites('Open on the channel?');
    await sleep(1200);
    expect((await thread(inside.conversationId)).filter((m) => m.author.type === 'bot')).toEqual([]);

    // Back to the workspace's hours, now open all day: no reply either.
    await api(t.url, `/api/channels/${channelId}/working-hours`, {
      token: admin,
      method: 'PUT',
      body: { workingHours: null },
    });
    expect(
      (await api<ChannelWorkingHoursDto>(t.url, `/api/channels/${channelId}/working-hours`, { token: head })).body,
    ).toEqual({ channelId, workingHours: null });
    await settings({ workingHours: alwaysOpen });
    const open = await visitorWrites('And now?');
    await sleep(1200);
    expect((await thread(open.conversationId)).filter((m) => m.author.type === 'bot')).toEqual([]);
    await settings({ afterHoursReply: { enabled: false, text: '' }, workingHours: null });
  });

  it('auto-resolves a silent conversation as the system with the transcript job, and a new message starts cycle 2', async () => {
    const { socket, conversationId } = await visitorWrites('I will think about it');
    // 0.0005 h = 1.8 s of customer silence.
    expect((await settings({ autoResolveHours: 0.0005 })).status).toBe(200);
    expect((await settings({ autoResolveHours: 0.0005 })).status).toBe(200);
    const sweeps = await t.db.query(
      `SELECT count(*)::int AS n FROM jobs WHERE workspace_id = $1 AND queue = 'timers' AND status = 'pending'
       AND payload->>'action' = 'auto-resolve'`,
      [workspaceId],
    );
    expect(sweeps[0].n).toBe(1);

    await eventually(async () => {
      const c = await api<ConversationDetail>(t.url, `/api/conversations/${conversationId}`, { token: admin });
      return c.body.status === 'resolved';
    }, 10_000);
    expect(await eventsOf(conversationId, 'resolved')).toEqual([
      {
        cycle: 1,
        actor_type: 'system',
        payload: expect.objectContaining({ reason: 'auto', from: 'open', to: 'resolved' }),
      },
    ]);
    const transcript = await t.db.query(
      `SELECT 1 FROM jobs WHERE queue = 'crm' AND payload->>'action' = 'transcript' AND payload->>'conversationId' = $1
       AND (payload->>'cycle')::int = 1`,
      [conversationId],
    );
    expect(transcript).toHaveLength(1);
    expect((await settings({ autoResolveHours: null })).status).toBe(200);

    await socket.emitWithAck('message.send', {
      clientMessageId: `m-${++visitorCount}`,
      text: 'Actually, one more question',
    });
    const reopened = await api<ConversationDetail>(t.url, `/api/conversations/${conversationId}`, { token: admin });
    expect(reopened.body).toMatchObject({ status: 'open', cycle: 2 });
    expect((await eventsOf(conversationId, 'cycle_started')).map((e) => e.cycle)).toEqual([1, 2]);
    // Auto-resolve is off again: the sweep stops and nothing else is resolved.
    await sleep(2500);
    expect((await eventsOf(conversationId, 'resolved')).length).toBe(1);
  });
});
