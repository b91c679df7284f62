import type {
  ChannelDto,
  ConversationDetail,
  MessageDto,
  OfferClosedEvent,
  OfferDto,
  PresenceDto,
  PresenceStatus,
  PresenceUpdatedEvent,
  UserDto,
} from '@onebox/contracts';
import { io, type Socket } from 'socket.io-client';
import { api, connectVisitor, createWorkspace, eventually, login, startTestApp, type TestApp } from './test-app';

/** An agent app: its socket and every routing event it has received, so no event is missed by a late listener. */
interface Agent {
  id: string;
  token: string;
  socket: Socket;
  offers: OfferDto[];
  closed: OfferClosedEvent[];
  presence: PresenceUpdatedEvent[];
}

jest.setTimeout(30_000);

describe('presence, routing, offers and transfers (real PostgreSQL, socket.io)', () => {
  let t: TestApp;
  let admin: string;
  let widgetKey: string;
  let channelId: string;
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  const agents: Agent[] = [];
  let visitorSeq = 0;

  async function connect(name: string, presence?: PresenceStatus): Promise<Agent> {
    const socket = io(`${t.url}/agent`, {
      auth: { token: tokens[name], ...(presence ? { presence } : {}) },
      transports: ['websocket'],
      reconnection: false,
    });
    const agent: Agent = { id: ids[name], token: tokens[name], socket, offers: [], closed: [], presence: [] };
    socket.on('offer.created', (o: OfferDto) => agent.offers.push(o));
    socket.on('offer.closed', (c: OfferClosedEvent) => agent.closed.push(c));
    socket.on('presence.updated', (p: PresenceUpdatedEvent) => agent.presence.push(p));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    agents.push(agent);
    // The connection's presence is stored before the app sees it in the team list.
    await eventually(async () => (await statusOf(name)) === (presence ?? 'online'));
    return agent;
  }

  async function statusOf(name: string): Promise<PresenceStatus | undefined> {
    const team = await api<PresenceDto[]>(t.url, '/api/presence', { token: admin });
    return team.body.find((p) => p.userId === ids[name])?.status;
  }

  async function setPresence(agent: Agent, status: PresenceStatus): Promise<void> {
    expect(await agent.socket.emitWithAck('presence.set', { status })).toEqual({ status });
  }

  /** A new website visitor writes: a new conversation (cycle 1) on the routed channel. */
  async function newChat(text = 'Hello!'): Promise<{ conversationId: string; visitorToken: string }> {
    const { socket, session } = await connectVisitor(t.url, widgetKey);
    await socket.emitWithAck('message.send', { clientMessageId: `rt-${++visitorSeq}`, text });
    socket.close();
    const [row] = await t.db.query(
      `SELECT c.id FROM conversations c JOIN messages m ON m.conversation_id = c.id
       WHERE m.channel_id = $1 AND m.text = $2 ORDER BY m.created_at DESC LIMIT 1`,
      [channelId, text],
    );
    return { conversationId: row.id, visitorToken: session.visitorToken };
  }

  /** Waits until every routing job so far has run (offers made or not). */
  async function routingSettled(): Promise<void> {
    await eventually(async () => {
      const [{ n }] = await t.db.query(
        `SELECT count(*)::int AS n FROM jobs WHERE queue = 'routing' AND status = 'pending' AND run_at <= now()`,
      );
      return n === 0;
    });
  }

  const offerFor = (agent: Agent, conversationId: string) =>
    eventually(async () => agent.offers.find((o) => o.conversationId === conversationId));

  async function offersOf(conversationId: string) {
    return t.db.query(
      `SELECT user_id, reason, outcome, decided_at IS NOT NULL AS decided FROM routing_offers
       WHERE conversation_id = $1 ORDER BY offered_at`,
      [conversationId],
    ) as Promise<{ user_id: string; reason: string; outcome: string | null; decided: boolean }[]>;
  }

  async function eventsOf(conversationId: string, types: string[]) {
    return t.db.query(
      `SELECT type, actor_id, payload FROM conversation_events WHERE conversation_id = $1 AND type = ANY ($2::text[])
       ORDER BY id`,
      [conversationId, types],
    ) as Promise<{ type: string; actor_id: string | null; payload: Record<string, unknown> }[]>;
  }

  const assigneeOf = async (conversationId: string) =>
    (await api<ConversationDetail>(t.url, `/api/conversations/${conversationId}`, { token: admin })).body.assignee
      ?.id ?? null;

  const setRouting = (body: Record<string, unknown>) =>
    api<ChannelDto>(t.url, `/api/channels/${channelId}/routing`, { token: admin, method: 'PUT', body });

  beforeAll(async () => {
    t = await startTestApp();
    const workspace = await createWorkspace(t.db, 'routing');
    widgetKey = workspace.widgetKey;
    admin = await login(t.url, workspace.email, workspace.password);
    for (const name of ['anna', 'boris', 'vera']) {
      const created = await api<UserDto>(t.url, '/api/users', {
        token: admin,
        body: { email: `${name}.rt@onebox.test`, name, password: 'manager-pass-1', role: 'manager' },
      });
      expect(created.body.maxChats).toBe(5);
      ids[name] = created.body.id;
      tokens[name] = await login(t.url, `${name}.rt@onebox.test`, 'manager-pass-1');
    }
    const channels = await api<ChannelDto[]>(t.url, '/api/channels', { token: admin });
    channelId = channels.body[0].id;
  });

  afterAll(async () => {
    agents.forEach((a) => a.socket.close());
    await t.close();
  });

  it('lets the admin choose a channel’s routing, shown on the channel; managers may not', async () => {
    const before = await api<ChannelDto[]>(t.url, '/api/channels', { token: admin });
    expect(before.body[0].routing).toEqual({ mode: 'open', offerTimeoutSec: 30, ownerTimeoutSec: 60 });
    expect(
      (
        await api(t.url, `/api/channels/${channelId}/routing`, {
          token: tokens.anna,
          method: 'PUT',
          body: { mode: 'round_robin' },
        })
      ).status,
    ).toBe(403);
    const bad = await setRouting({ mode: 'lottery', offerTimeoutSec: 0 });
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as { details: { field: string }[] }).details.map((d) => d.field).sort()).toEqual([
      'mode',
      'offerTimeoutSec',
    ]);
    const set = await setRouting({ mode: 'round_robin', offerTimeoutSec: 30 });
    expect(set).toMatchObject({ status: 200, body: { routing: { mode: 'round_robin', offerTimeoutSec: 30 } } });
    const other = await createWorkspace(t.db, 'routing-other');
    const stranger = await login(t.url, other.email, other.password);
    expect(
      (
        await api(t.url, `/api/channels/${channelId}/routing`, {
          token: stranger,
          method: 'PUT',
          body: { mode: 'open' },
        })
      ).status,
    ).toBe(404);
  });

  it('offers round-robin only to online managers under capacity, and routes waiting chats when one comes online', async () => {
    expect(
      (await api<UserDto>(t.url, `/api/users/${ids.anna}`, { token: admin, method: 'PATCH', body: { maxChats: 1 } }))
        .body.maxChats,
    ).toBe(1);
    expect(
      (await api(t.url, `/api/users/${ids.anna}`, { token: tokens.boris, method: 'PATCH', body: { maxChats: 9 } }))
        .status,
    ).toBe(403);
    const anna = await connect('anna');
    const boris = await connect('boris', 'away');
    // Vera never opened the app: offline.

    const first = await newChat('First chat');
    const offer = await offerFor(anna, first.conversationId);
    expect(offer).toMatchObject({
      userId: ids.anna,
      reason: 'round_robin',
      conversation: { channel: { id: channelId } },
    });
    expect(new Date(offer.expiresAt).getTime() - new Date(offer.offeredAt).getTime()).toBe(30_000);
    expect((await api<OfferDto[]>(t.url, '/api/offers/pending', { token: tokens.anna })).body.map((o) => o.id)).toEqual(
      [offer.id],
    );
    expect((await api(t.url, `/api/offers/${offer.id}/accept`, { token: tokens.boris, body: {} })).status).toBe(404);
    expect((await api(t.url, `/api/offers/${offer.id}/accept`, { token: tokens.anna, body: {} })).status).toBe(204);
    expect(await assigneeOf(first.conversationId)).toBe(ids.anna);
    expect((await api(t.url, `/api/offers/${offer.id}/decline`, { token: tokens.anna, body: {} })).status).toBe(409);

    // Anna is full (1 of 1), Boris away, Vera offline: the chat waits in the open queue.
    const second = await newChat('Second chat');
    await routingSettled();
    expect(await offersOf(second.conversationId)).toEqual([]);
    expect(await assigneeOf(second.conversationId)).toBeNull();
    expect(anna.offers.map((o) => o.conversationId)).toEqual([first.conversationId]);

    await setPresence(boris, 'online');
    const next = await offerFor(boris, second.conversationId);
    expect(next.reason).toBe('round_robin');
    expect((await api(t.url, `/api/offers/${next.id}/accept`, { token: tokens.boris, body: {} })).status).toBe(204);
    expect(await assigneeOf(second.conversationId)).toBe(ids.boris);
    await api(t.url, `/api/users/${ids.anna}`, { token: admin, method: 'PATCH', body: { maxChats: 5 } });
  });

  it('moves a declined offer to the next manager and records both offers (declined counts against acceptance)', async () => {
    const [anna, boris] = agents;
    const chat = await newChat('Decline me');
    const first = await eventually(async () =>
      [anna, boris].find((a) => a.offers.some((o) => o.conversationId === chat.conversationId)),
    );
    const other = first === anna ? boris : anna;
    const offer = first.offers.find((o) => o.conversationId === chat.conversationId)!;
    expect((await api(t.url, `/api/offers/${offer.id}/decline`, { token: first.token, body: {} })).status).toBe(204);
    expect(first.closed).toContainEqual({
      offerId: offer.id,
      conversationId: chat.conversationId,
      outcome: 'declined',
    });
    const second = await offerFor(other, chat.conversationId);
    expect((await api(t.url, `/api/offers/${second.id}/accept`, { token: other.token, body: {} })).status).toBe(204);
    expect(await assigneeOf(chat.conversationId)).toBe(other.id);

    expect(await offersOf(chat.conversationId)).toEqual([
      { user_id: first.id, reason: 'round_robin', outcome: 'declined', decided: true },
      { user_id: other.id, reason: 'round_robin', outcome: 'accepted', decided: true },
    ]);
    const events = await eventsOf(chat.conversationId, ['offer_made', 'offer_declined', 'offer_accepted', 'assigned']);
    expect(events.map((e) => [e.type, e.payload.userId ?? e.payload.to])).toEqual([
      ['offer_made', first.id],
      ['offer_declined', first.id],
      ['offer_made', other.id],
      ['offer_accepted', other.id],
      ['assigned', other.id],
    ]);
    expect(events.every((e) => e.type === 'assigned' || e.payload.offerId)).toBe(true);
    // Acceptance for this chat: 2 offers made, 1 accepted.
    const made = events.filter((e) => e.type === 'offer_made').length;
    const accepted = events.filter((e) => e.type === 'offer_accepted').length;
    expect(accepted / made).toBe(0.5);
  });

  it('times an unanswered offer out to the next manager', async () => {
    const [anna, boris] = agents;
    await setRouting({ mode: 'round_robin', offerTimeoutSec: 1 });
    const chat = await newChat('Nobody answers at first');
    const first = await eventually(async () =>
      [anna, boris].find((a) => a.offers.some((o) => o.conversationId === chat.conversationId)),
    );
    const other = first === anna ? boris : anna;
    const offer = first.offers.find((o) => o.conversationId === chat.conversationId)!;
    const second = await offerFor(other, chat.conversationId);
    expect(first.closed).toContainEqual({ offerId: offer.id, conversationId: chat.conversationId, outcome: 'expired' });
    expect(new Date(second.offeredAt).getTime()).toBeGreaterThanOrEqual(new Date(offer.expiresAt).getTime());
    expect((await api(t.url, `/api/offers/${offer.id}/accept`, { token: first.token, body: {} })).status).toBe(409);
    expect((await api(t.url, `/api/offers/${second.id}/accept`, { token: other.token, body: {} })).status).toBe(204);
    expect((await offersOf(chat.conversationId)).map((o) => [o.user_id, o.outcome])).toEqual([
      [first.id, 'expired'],
      [other.id, 'accepted'],
    ]);
    expect((await eventsOf(chat.conversationId, ['offer_expired']))[0]).toMatchObject({
      actor_id: null,
      payload: { offerId: offer.id, userId: first.id },
    });
  });

  it('offers a returning contact to their last manager first, falling back to round-robin after the owner timeout', async () => {
    const [anna, boris] = agents;
    await setRouting({ mode: 'owner', offerTimeoutSec: 30, ownerTimeoutSec: 1 });
    const chat = await newChat('I will be back');
    const first = await eventually(async () =>
      [anna, boris].find((a) => a.offers.some((o) => o.conversationId === chat.conversationId)),
    );
    const owner = first;
    const other = owner === anna ? boris : anna;
    const offer = owner.offers.find((o) => o.conversationId === chat.conversationId)!;
    expect(offer.reason).toBe('round_robin'); // a first cycle has no owner yet
    await api(t.url, `/api/offers/${offer.id}/accept`, { token: owner.token, body: {} });
    const resolve = (token: string) =>
      api(t.url, `/api/conversations/${chat.conversationId}/status`, { token, body: { status: 'resolved' } });
    expect((await resolve(owner.token)).status).toBe(204);

    // Returns: offered to the owner first.
    const returning = async (text: string) => {
      const { socket } = await connectVisitor(t.url, widgetKey, chat.visitorToken);
      await socket.emitWithAck('message.send', { clientMessageId: `rt-${++visitorSeq}`, text });
      socket.close();
    };
    await returning('Me again');
    const ownerOffer = await eventually(async () =>
      owner.offers.find((o) => o.conversationId === chat.conversationId && o.cycle === 2),
    );
    expect(ownerOffer.reason).toBe('owner');
    expect(await assigneeOf(chat.conversationId)).toBeNull();
    // The owner does not answer within ownerTimeoutSec: round-robin takes over.
    const fallback = await eventually(async () =>
      other.offers.find((o) => o.conversationId === chat.conversationId && o.cycle === 2),
    );
    expect(fallback.reason).toBe('round_robin');
    expect((await api(t.url, `/api/offers/${fallback.id}/accept`, { token: other.token, body: {} })).status).toBe(204);
    expect((await resolve(other.token)).status).toBe(204);

    // Third cycle with the last manager (`other`) away: straight to round-robin (the only one online).
    await setPresence(other, 'away');
    await returning('Third time');
    const third = await eventually(async () =>
      owner.offers.find((o) => o.conversationId === chat.conversationId && o.cycle === 3),
    );
    expect(third.reason).toBe('round_robin');
    expect(other.offers.some((o) => o.cycle === 3 && o.conversationId === chat.conversationId)).toBe(false);
    await api(t.url, `/api/offers/${third.id}/accept`, { token: owner.token, body: {} });
    await setPresence(other, 'online');
    await setRouting({ mode: 'round_robin', offerTimeoutSec: 30 });
  });

  it('cancels a pending offer when someone else replies first', async () => {
    const [anna, boris] = agents;
    const chat = await newChat('Whoever is fastest');
    const offered = await eventually(async () =>
      [anna, boris].find((a) => a.offers.some((o) => o.conversationId === chat.conversationId)),
    );
    const other = offered === anna ? boris : anna;
    const offer = offered.offers.find((o) => o.conversationId === chat.conversationId)!;
    const reply = await api<MessageDto>(t.url, `/api/conversations/${chat.conversationId}/messages`, {
      token: other.token,
      body: { text: 'I can help!' },
    });
    expect(reply.status).toBe(201);
    await eventually(async () => offered.closed.find((c) => c.offerId === offer.id && c.outcome === 'cancelled'));
    expect(await offersOf(chat.conversationId)).toEqual([
      { user_id: offered.id, reason: 'round_robin', outcome: 'cancelled', decided: true },
    ]);
    expect(await assigneeOf(chat.conversationId)).toBe(other.id);
  });

  it('hands a pending offer on at once when its manager steps away', async () => {
    const [anna, boris] = agents;
    const chat = await newChat('Anyone there?');
    const offered = await eventually(async () =>
      [anna, boris].find((a) => a.offers.some((o) => o.conversationId === chat.conversationId)),
    );
    const other = offered === anna ? boris : anna;
    const offer = offered.offers.find((o) => o.conversationId === chat.conversationId)!;
    await setPresence(offered, 'away');
    const next = await offerFor(other, chat.conversationId);
    expect(offered.closed).toContainEqual({
      offerId: offer.id,
      conversationId: chat.conversationId,
      outcome: 'expired',
    });
    // Well before the 30 s offer timeout.
    expect(new Date(next.offeredAt).getTime()).toBeLessThan(new Date(offer.expiresAt).getTime());
    await api(t.url, `/api/offers/${next.id}/accept`, { token: other.token, body: {} });
    await setPresence(offered, 'online');
  });

  it('transfers to another manager with a note, or back to the queue where it is routed again', async () => {
    const [anna, boris] = agents;
    const chat = await newChat('Transfer me');
    const offered = await eventually(async () =>
      [anna, boris].find((a) => a.offers.some((o) => o.conversationId === chat.conversationId)),
    );
    const other = offered === anna ? boris : anna;
    const offer = offered.offers.find((o) => o.conversationId === chat.conversationId)!;
    await api(t.url, `/api/offers/${offer.id}/accept`, { token: offered.token, body: {} });

    // A manager cannot move a conversation they cannot see; another workspace's answer is 404.
    expect(
      (
        await api(t.url, `/api/conversations/${chat.conversationId}/transfer`, {
          token: other.token,
          body: { assigneeId: other.id },
        })
      ).status,
    ).toBe(404);
    const stranger = await createWorkspace(t.db, 'routing-stranger');
    expect(
      (
        await api(t.url, `/api/conversations/${chat.conversationId}/transfer`, {
          token: await login(t.url, stranger.email, stranger.password),
          body: { assigneeId: null },
        })
      ).status,
    ).toBe(404);
    const invalid = await api<{ details: { field: string }[] }>(
      t.url,
      `/api/conversations/${chat.conversationId}/transfer`,
      { token: offered.token, body: { assigneeId: 'not-a-uuid' } },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.details[0].field).toBe('assigneeId');

    const moved = await api(t.url, `/api/conversations/${chat.conversationId}/transfer`, {
      token: offered.token,
      body: { assigneeId: other.id, note: 'VIP, wants a discount on the sofa' },
    });
    expect(moved.status).toBe(204);
    expect(await assigneeOf(chat.conversationId)).toBe(other.id);
    const thread = await api<{ items: MessageDto[] }>(t.url, `/api/conversations/${chat.conversationId}/messages`, {
      token: other.token,
    });
    expect(thread.body.items.at(-1)).toMatchObject({
      text: 'VIP, wants a discount on the sofa',
      private: true,
      author: { type: 'agent', id: offered.id },
    });
    const [transferred] = await eventsOf(chat.conversationId, ['transferred']);
    expect(transferred).toMatchObject({
      actor_id: offered.id,
      payload: { fromUserId: offered.id, toUserId: other.id, note: 'VIP, wants a discount on the sofa' },
    });

    // Back to the queue: routed again, never to the one who let it go.
    const back = await api(t.url, `/api/conversations/${chat.conversationId}/transfer`, {
      token: other.token,
      body: { assigneeId: null },
    });
    expect(back.status).toBe(204);
    const reoffer = await eventually(async () =>
      offered.offers.find((o) => o.conversationId === chat.conversationId && o.id !== offer.id),
    );
    expect(reoffer.reason).toBe('round_robin');
    expect(other.offers.filter((o) => o.conversationId === chat.conversationId)).toEqual([]);
    const all = await eventsOf(chat.conversationId, ['transferred']);
    expect(all.map((e) => [e.payload.fromUserId, e.payload.toUserId, e.payload.note])).toEqual([
      [offered.id, other.id, 'VIP, wants a discount on the sofa'],
      [other.id, null, null],
    ]);
  });

  it('records presence as intervals, broadcasts changes and closes them when the app closes', async () => {
    const [anna] = agents;
    const vera = await connect('vera');
    await eventually(async () => anna.presence.find((p) => p.userId === ids.vera && p.status === 'online'));
    expect(await vera.socket.emitWithAck('presence.heartbeat', {})).toEqual({ status: 'online' });
    await setPresence(vera, 'away');
    await eventually(async () => anna.presence.find((p) => p.userId === ids.vera && p.status === 'away'));
    const bad = await vera.socket.emitWithAck('presence.set', { status: 'sleeping' });
    expect(bad).toMatchObject({ error: { code: 'validation_failed' } });

    // A second tab keeps her present; closing the last one sets her offline.
    const secondTab = await connect('vera', 'away');
    vera.socket.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(await statusOf('vera')).toBe('away');
    secondTab.socket.close();
    await eventually(async () => (await statusOf('vera')) === 'offline');
    await eventually(async () => anna.presence.find((p) => p.userId === ids.vera && p.status === 'offline'));

    const intervals: { status: string; open: boolean; ordered: boolean }[] = await t.db.query(
      `SELECT status, ended_at IS NULL AS open, (ended_at IS NULL OR ended_at >= started_at) AS ordered
       FROM presence_intervals WHERE user_id = $1 ORDER BY started_at, ended_at NULLS LAST`,
      [ids.vera],
    );
    expect(intervals).toEqual([
      { status: 'online', open: false, ordered: true },
      { status: 'away', open: false, ordered: true },
      { status: 'offline', open: true, ordered: true },
    ]);
    const team = await api<PresenceDto[]>(t.url, '/api/presence', { token: tokens.anna });
    expect(team.body.find((p) => p.userId === ids.vera)).toMatchObject({ status: 'offline', maxChats: 5 });
    expect(team.body.find((p) => p.userId === ids.anna)).toMatchObject({ status: 'online' });
  });
});
