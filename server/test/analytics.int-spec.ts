import type {
  AnalyticsGrouping,
  AnalyticsSummaryResponse,
  AnalyticsTimeseriesResponse,
  ChannelType,
  MetricValues,
} from '@onebox/contracts';
import {
  cyclesOf,
  DEFAULT_METRIC_SETTINGS,
  groupCycles,
  M1,
  M2,
  responseClockFrom,
  SCENARIO,
  SCENARIO_COSTS,
  SCENARIO_EXPECTED,
  SCENARIO_EXPECTED_BUSINESS,
  SCENARIO_EXPECTED_COSTS,
  SCENARIO_PERIOD,
  SCENARIO_PRESENCE,
  SCENARIO_WORKING_HOURS,
  summarize,
  C1,
  C2,
  C3,
  type ConversationInput,
  type CycleFacts,
  type MetricEvent,
  type MetricSettings,
  type WidgetActivity,
} from '@onebox/metrics';
import type { DataSource } from 'typeorm';
import { SettledVerdictsRepository, type SettledRow } from '../src/analytics/settled-verdicts.repository';
import { TransactionService } from '../src/database/transaction.service';
import { randomWorld, seeded, type RandomWorld } from './random-conversations';
import { api, createWorkspace, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(60_000);

const RANDOM_WORKING_HOURS: NonNullable<MetricSettings['workingHours']> = {
  timeZone: 'Europe/Berlin',
  schedule: {
    mon: [{ from: '09:00', to: '18:00' }],
    tue: [
      { from: '09:00', to: '13:00' },
      { from: '12:00', to: '19:30' },
    ],
    wed: [{ from: '09:00', to: '18:00' }],
    thu: [{ from: '08:15', to: '17:45' }],
    fri: [{ from: '10:00', to: '16:00' }],
    sat: [{ from: '22:00', to: '03:00' }],
  },
};

const TYPES: ChannelType[] = ['telegram', 'whatsapp', 'max', 'webchat'];

/** A workspace with one channel per type, the given managers and contacts, and an admin's token. */
async function workspaceWith(t: TestApp, label: string, managers: string[], contacts: string[]) {
  const ws = await createWorkspace(t.db, label);
  const channels: { id: string; type: ChannelType }[] = [];
  for (const type of TYPES) {
    const [row] = await t.db.query(
      `INSERT INTO channels (workspace_id, type, name, webhook_secret) VALUES ($1, $2, $3, 's') RETURNING id`,
      [ws.workspaceId, type, `${label} ${type}`],
    );
    channels.push({ id: row.id, type });
  }
  for (const [i, id] of managers.entries())
    await t.db.query(
      `INSERT INTO users (id, workspace_id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, 'manager', 'x')`,
      [id, ws.workspaceId, `${label}-m${i}@onebox.test`, `Manager ${i + 1}`],
    );
  for (const id of contacts)
    await t.db.query(`INSERT INTO contacts (id, workspace_id, name) VALUES ($1, $2, $3)`, [
      id,
      ws.workspaceId,
      id.slice(-4),
    ]);
  const [crm] = await t.db.query(
    `INSERT INTO crm_connections (workspace_id, type, name, settings_enc, webhook_secret) VALUES ($1, 'amocrm', 'CRM', 'x', 'x') RETURNING id`,
    [ws.workspaceId],
  );
  return { ...ws, channels, crmId: crm.id as string, token: await login(t.url, ws.email, ws.password) };
}

/** Appends events to a stored conversation (the trigger marks it for the refresher). */
async function appendEvents(db: DataSource, workspaceId: string, c: ConversationInput, events: MetricEvent[]) {
  await db.query(
    `INSERT INTO conversation_events (workspace_id, conversation_id, channel_id, cycle, type, actor_type, actor_id, at, payload)
     SELECT $1, $2, $3, e.cycle, e.type, e.actor_type, e.actor_id, e.at, e.payload
       FROM unnest($4::int[], $5::text[], $6::text[], $7::uuid[], $8::timestamptz[], $9::jsonb[])
         WITH ORDINALITY AS e(cycle, type, actor_type, actor_id, at, payload, n) ORDER BY n`,
    [
      workspaceId,
      c.conversationId,
      c.channelId,
      events.map((e) => e.cycle),
      events.map((e) => e.type),
      events.map((e) => e.actorType),
      events.map((e) => e.actorId),
      events.map((e) => e.at),
      events.map((e) => JSON.stringify(e.payload)),
    ],
  );
}

/** Page views and shown invitations, as the widget records them. */
async function storeWidget(db: DataSource, workspaceId: string, widget: WidgetActivity) {
  for (const view of widget.pageViews)
    await db.query(
      `INSERT INTO widget_page_views (workspace_id, channel_id, visitor_id, url, viewed_at) VALUES ($1, $2, $3, '/', $4)`,
      [workspaceId, view.channelId, view.visitorId, view.at],
    );
  for (const [i, invitation] of widget.invitations.entries())
    await db.query(
      `INSERT INTO proactive_invitations (workspace_id, channel_id, visitor_id, trigger_id, shown_at, shown_day) VALUES ($1, $2, $3, $4, $5, ($5::timestamptz AT TIME ZONE 'UTC')::date)`,
      [workspaceId, invitation.channelId, invitation.visitorId, `t-${i}`, invitation.shownAt],
    );
}

/** Writes conversations, their events and deals straight to the store, as the product would have. */
async function store(db: DataSource, workspaceId: string, crmId: string, conversations: ConversationInput[]) {
  for (const c of conversations) {
    await db.query(
      `INSERT INTO conversations (id, workspace_id, channel_id, contact_id, cycle) VALUES ($1, $2, $3, $4, $5)`,
      [c.conversationId, workspaceId, c.channelId, c.contactId, Math.max(1, ...c.events.map((e) => e.cycle))],
    );
    if (c.externalUserId)
      await db.query(
        `INSERT INTO contact_identities (workspace_id, contact_id, channel_id, external_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [workspaceId, c.contactId, c.channelId, c.externalUserId],
      );
    if (c.events.length) await appendEvents(db, workspaceId, c, c.events);
    for (const d of c.deals)
      await db.query(
        `INSERT INTO deals (workspace_id, crm_connection_id, conversation_id, cycle, origin, title, semantic, amount, currency, closed_at, created_at)
         VALUES ($1, $2, $3, $4, 'manual', 'Deal', $5, $6, $7, $8, $9)`,
        [
          workspaceId,
          crmId,
          c.conversationId,
          d.cycle,
          d.semantic ?? (d.wonAt ? 'won' : 'open'),
          d.amount,
          d.currency,
          d.wonAt,
          d.createdAt,
        ],
      );
  }
}

async function summary(t: TestApp, token: string, query: Record<string, string>) {
  const res = await api<AnalyticsSummaryResponse>(t.url, `/api/analytics/summary?${new URLSearchParams(query)}`, {
    token,
  });
  expect(res.status).toBe(200);
  return res.body;
}

/** Every metric equal; floating values to 9 decimals (SQL averages in double precision). */
function expectSameMetrics(label: string, actual: MetricValues, expected: MetricValues) {
  for (const key of Object.keys(expected) as (keyof MetricValues)[]) {
    const want = expected[key];
    if (typeof want === 'number') expect([label, key, actual[key]]).toEqual([label, key, expect.closeTo(want, 9)]);
    else expect([label, key, actual[key]]).toEqual([label, key, want]);
  }
}

/**
 * The world as of `asOf` (nothing later has happened), moved back in time 5 minutes at a time
 * until no verdict falls due within a few minutes of `asOf`: the server judges at its own "now",
 * a little after the reference's.
 */
function clearOfNow(world: RandomWorld, asOf: Date, settings: MetricSettings[]): RandomWorld {
  const dueTimes = (shift: number) =>
    settings.flatMap((s) =>
      world.conversations
        .flatMap((c) => cyclesOf(c, s, asOf))
        .flatMap((c) => [
          (responseClockFrom(c)?.getTime() ?? -Infinity) + s.missedChatThresholdSec * 1000,
          (c.resolvedAt?.getTime() ?? -Infinity) + s.fcrWindowDays * 86_400_000,
        ])
        .map((at) => at + shift),
    );
  let shift = 0;
  while (dueTimes(shift).some((at) => at > asOf.getTime() - 60_000 && at < asOf.getTime() + 300_000)) shift -= 300_000;
  const move = (at: Date) => new Date(at.getTime() + shift);
  const past = (at: Date | null) => at !== null && at <= asOf;
  return {
    ...world,
    conversations: world.conversations
      .map((c) => ({
        ...c,
        events: c.events.map((e) => ({ ...e, at: move(e.at) })).filter((e) => past(e.at)),
        deals: c.deals
          .map((d) => ({ ...d, createdAt: move(d.createdAt), wonAt: d.wonAt && move(d.wonAt) }))
          .filter((d) => past(d.createdAt))
          .map((d) => (past(d.wonAt) ? d : { ...d, wonAt: null, semantic: d.wonAt ? ('open' as const) : d.semantic })),
      }))
      .filter((c) => c.events.length > 0),
  };
}

describe('analytics (real PostgreSQL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ONEBOX_ANALYTICS_REFRESH_MS: '0' });
  }, 30_000);

  afterAll(() => t.close());

  it('gives the worked example exactly the figures worked out by hand', async () => {
    const ws = await workspaceWith(t, 'worked', [M1, M2], [C1, C2, C3]);
    const channelOf = new Map(ws.channels.map((c) => [`ch-${c.type}`, c.id]));
    const conversations = SCENARIO.map((c) => ({ ...c, channelId: channelOf.get(c.channelId) as string }));
    await store(t.db, ws.workspaceId, ws.crmId, conversations);
    const body = await summary(t, ws.token, {
      from: SCENARIO_PERIOD.from.toISOString(),
      to: SCENARIO_PERIOD.to.toISOString(),
    });
    expect(body.rows).toHaveLength(1);
    expectSameMetrics('worked example', body.rows[0].metrics, SCENARIO_EXPECTED);

    const byManager = await summary(t, ws.token, {
      from: SCENARIO_PERIOD.from.toISOString(),
      to: SCENARIO_PERIOD.to.toISOString(),
      groupBy: 'manager',
    });
    const m1 = byManager.rows.find((row) => row.key === M1);
    expect(m1?.label).toBe('Manager 1');
    expect(m1?.metrics.chats).toBe(2); // A1 and B1; C1 has no manager
    expect(byManager.rows.find((row) => row.key === null)?.metrics.chats).toBe(1);
    // Drill-down: the chat the bot contained is behind botContainmentRate.
    const drill = await api<{ items: { conversationId: string }[]; total: number }>(
      t.url,
      `/api/analytics/cycles?metric=botContainmentRate&from=${SCENARIO_PERIOD.from.toISOString()}&to=${SCENARIO_PERIOD.to.toISOString()}`,
      { token: ws.token },
    );
    expect(drill.body.items.map((i) => i.conversationId)).toEqual([SCENARIO[2].conversationId]);
    expect(drill.body.total).toBe(1);

    // Working hours and costs, set through the settings API: the variants follow at query time.
    const webchat = channelOf.get('ch-webchat') as string;
    const settings = await api(t.url, '/api/workspace/settings', {
      method: 'PUT',
      token: ws.token,
      body: {
        timeZone: SCENARIO_WORKING_HOURS.timeZone,
        workingHours: SCENARIO_WORKING_HOURS.schedule,
        costs: { ...SCENARIO_COSTS, channelMonthly: { [webchat]: SCENARIO_COSTS.channelMonthly['ch-webchat'] } },
      },
    });
    expect(settings.status).toBe(200);
    for (const p of SCENARIO_PRESENCE)
      await t.db.query(
        `INSERT INTO presence_intervals (workspace_id, user_id, status, started_at, ended_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $5)`,
        [ws.workspaceId, p.userId, p.status, p.from, p.to],
      );
    const period = { from: SCENARIO_PERIOD.from.toISOString(), to: SCENARIO_PERIOD.to.toISOString() };
    const withHours = (await summary(t, ws.token, period)).rows[0].metrics;
    expectSameMetrics('worked example with hours and costs', withHours, {
      ...SCENARIO_EXPECTED,
      ...SCENARIO_EXPECTED_BUSINESS,
      ...SCENARIO_EXPECTED_COSTS.all,
    });
    const byChannel = await summary(t, ws.token, { ...period, groupBy: 'channel' });
    expect(Object.fromEntries(byChannel.rows.map((row) => [row.key, row.metrics.cost]))).toEqual({
      [channelOf.get('ch-telegram') as string]: SCENARIO_EXPECTED_COSTS.byChannel['ch-telegram'],
      [webchat]: SCENARIO_EXPECTED_COSTS.byChannel['ch-webchat'],
    });
  });

  /** Every grouping, channel × manager and a channel filter, against the reference; answers rows compared. */
  async function compareWithReference(
    token: string,
    all: CycleFacts[],
    period: { from: Date; to: Date; asOf: Date },
    channelId: string,
    widget: WidgetActivity,
    channelTypes: Map<string, string>,
    settings: MetricSettings = DEFAULT_METRIC_SETTINGS,
  ): Promise<number> {
    // Widget activity belongs to channel groupings only (visitors have no manager or tag).
    const widgetOf = (by: AnalyticsGrouping, key: string | null): WidgetActivity => {
      const keep = (channel: string) =>
        by === 'none' ||
        (by === 'channel' && channel === key) ||
        (by === 'channelType' && channelTypes.get(channel) === key);
      if (by === 'manager' || by === 'tag') return { pageViews: [], invitations: [] };
      return {
        pageViews: widget.pageViews.filter((v) => keep(v.channelId)),
        invitations: widget.invitations.filter((i) => keep(i.channelId)),
      };
    };
    const range = { from: period.from.toISOString(), to: period.to.toISOString() };
    let compared = 0;
    for (const by of ['none', 'channel', 'channelType', 'manager', 'tag'] as AnalyticsGrouping[]) {
      const body = await summary(t, token, { ...range, groupBy: by });
      const reference = groupCycles(all, by);
      for (const row of body.rows) {
        const group = reference.get(row.key) ?? [];
        expectSameMetrics(
          `${by}:${row.key}`,
          row.metrics,
          summarize(group, period, settings, all, widgetOf(by, row.key)),
        );
        compared += 1;
      }
      // Groups the SQL leaves out have nothing in the period.
      for (const [key, group] of reference) {
        if (body.rows.some((row) => row.key === key)) continue;
        const m = summarize(group, period, settings, all, widgetOf(by, key));
        expect([
          by,
          key,
          m.chats,
          m.messagesIn,
          m.messagesOut,
          m.openBacklog,
          m.messagesPerChat,
          m.widgetVisitors,
        ]).toEqual([by, key, 0, 0, 0, 0, null, 0]);
      }
    }
    const cross = await summary(t, token, { ...range, groupBy: 'channel', thenBy: 'manager' });
    for (const row of cross.rows) {
      const group = all.filter((c) => `${c.channelId}|${c.managerId ?? ''}` === row.key);
      expectSameMetrics(`channel×manager:${row.key}`, row.metrics, summarize(group, period, settings, all));
      compared += 1;
    }
    expect(cross.rows.reduce((n, row) => n + row.metrics.chats, 0)).toBe(summarize(all, period, settings).chats);
    // A filter narrows the cycles; repeat contacts still look at every channel.
    const filtered = await summary(t, token, { ...range, channelId });
    const mine = all.filter((c) => c.channelId === channelId);
    expectSameMetrics(
      'channel filter',
      filtered.rows[0].metrics,
      summarize(mine, period, settings, all, widgetOf('channel', channelId)),
    );
    return compared;
  }

  it.each([11, 23, 57])('equals the libs/metrics reference on a random history (seed %i)', async (seed) => {
    const random = seeded(seed);
    const managers = Array.from(
      { length: 3 },
      (_, i) => `00000000-0000-4000-8000-${String(seed).padStart(6, '0')}00000${i}`,
    );
    const contacts = Array.from(
      { length: 30 },
      (_, i) => `00000000-0000-4000-9000-${String(seed).padStart(6, '0')}${String(i).padStart(6, '0')}`,
    );
    const ws = await workspaceWith(t, `random-${seed}`, managers, contacts);
    const world = randomWorld(
      random,
      { conversations: 80, start: new Date('2025-03-01T00:00:00Z'), spanDays: 40 },
      { channels: ws.channels, managers, contacts },
    );
    await store(t.db, ws.workspaceId, ws.crmId, world.conversations);
    await storeWidget(t.db, ws.workspaceId, world.widget);
    const channelTypes = new Map(ws.channels.map((c) => [c.id, c.type as string]));
    const webchat = ws.channels.find((c) => c.type === 'webchat')?.id as string;
    // One history is read with working hours in a zone that changes to summer time on 30 March
    // 2025 inside an overnight opening (Sat 22:00 → Sun 03:00): the variants must still agree.
    const settings: MetricSettings =
      seed === 57 ? { ...DEFAULT_METRIC_SETTINGS, workingHours: RANDOM_WORKING_HOURS } : DEFAULT_METRIC_SETTINGS;
    if (settings.workingHours) {
      const put = await api(t.url, '/api/workspace/settings', {
        method: 'PUT',
        token: ws.token,
        body: { timeZone: settings.workingHours.timeZone, workingHours: settings.workingHours.schedule },
      });
      expect(put.status).toBe(200);
    }
    const asOf = new Date();
    // Whole UTC days (the rollup alone) and a period with partial days at both ends (rollup + edges).
    const periods = [
      { from: new Date('2025-03-10T00:00:00Z'), to: new Date('2025-04-05T00:00:00Z'), asOf },
      { from: new Date('2025-03-08T07:13:29Z'), to: new Date('2025-04-02T17:45:01Z'), asOf },
      { from: new Date('2025-03-12T09:00:00Z'), to: new Date('2025-03-12T21:00:00Z'), asOf },
      // Ending after now, like the dashboard's presets: the open backlog comes from its counters.
      { from: new Date('2025-03-20T00:00:00Z'), to: new Date(asOf.getTime() + 86_400_000), asOf },
    ];
    const reference = (conversations: ConversationInput[]) =>
      conversations.flatMap((c) => cyclesOf(c, DEFAULT_METRIC_SETTINGS, asOf));
    let compared = 0;
    for (const period of periods)
      compared += await compareWithReference(
        ws.token,
        reference(world.conversations),
        period,
        webchat,
        world.widget,
        channelTypes,
        settings,
      );
    expect(compared).toBeGreaterThan(20);
    const [{ n: rollupRows }] = await t.db.query(
      'SELECT count(*)::int AS n FROM analytics_daily WHERE workspace_id = $1',
      [ws.workspaceId],
    );
    expect(rollupRows).toBeGreaterThan(10);

    // History moves on: later events on a third of the conversations (a new manager replies, a
    // transfer, a resolution) change their facts, and the rollup must follow exactly.
    const changed = world.conversations.filter((_, i) => i % 3 === 0);
    for (const c of changed) {
      const last = c.events[c.events.length - 1];
      const cycle = last.cycle;
      const at = (sec: number) => new Date(last.at.getTime() + sec * 1000);
      const manager = managers[(c.events.length + seed) % managers.length];
      const more: MetricEvent[] = [
        { cycle, type: 'message_in', actorType: 'contact', actorId: c.contactId, at: at(30), payload: {} },
        { cycle, type: 'human_reply', actorType: 'agent', actorId: manager, at: at(95), payload: {} },
        {
          cycle,
          type: 'transferred',
          actorType: 'agent',
          actorId: manager,
          at: at(120),
          payload: { fromUserId: manager, toUserId: managers[0] },
        },
        { cycle, type: 'resolved', actorType: 'agent', actorId: managers[0], at: at(4000), payload: {} },
      ];
      await appendEvents(t.db, ws.workspaceId, c, more);
      c.events.push(...more);
    }
    for (const period of periods)
      await compareWithReference(
        ws.token,
        reference(world.conversations),
        period,
        ws.channels[1].id,
        world.widget,
        channelTypes,
        settings,
      );
  });

  it('buckets time series by the workspace zone: hours, days and weeks equal the reference', async () => {
    const random = seeded(31);
    const managers = [0, 1].map((i) => `00000000-0000-4000-8000-00003100000${i}`);
    const contacts = Array.from(
      { length: 20 },
      (_, i) => `00000000-0000-4000-9000-000031${String(i).padStart(6, '0')}`,
    );
    const ws = await workspaceWith(t, 'series', managers, contacts);
    const world = randomWorld(
      random,
      { conversations: 60, start: new Date('2025-03-01T00:00:00Z'), spanDays: 30 },
      { channels: ws.channels, managers, contacts },
    );
    await store(t.db, ws.workspaceId, ws.crmId, world.conversations);
    // UTC+5 all year: a local day is not a UTC day (the rollup's), an hour is never one.
    const zone = 'Asia/Yekaterinburg';
    const put = await api(t.url, '/api/workspace/settings', {
      method: 'PUT',
      token: ws.token,
      body: { timeZone: zone },
    });
    expect(put.status).toBe(200);
    const asOf = new Date();
    const all = world.conversations.flatMap((c) => cyclesOf(c, DEFAULT_METRIC_SETTINGS, asOf));
    const HOUR = 3_600_000;
    const OFFSET = 5 * HOUR;
    const localStart = (at: number, interval: 'hour' | 'day' | 'week') => {
      if (interval === 'hour') return Math.floor(at / HOUR) * HOUR;
      const day = Math.floor((at + OFFSET) / (24 * HOUR)) * 24 * HOUR;
      // 1 January 1970 was a Thursday: Monday-based weeks start 3 days after the epoch's week.
      const week = 7 * 24 * HOUR;
      return (interval === 'day' ? day : Math.floor((day - 4 * 24 * HOUR) / week) * week + 4 * 24 * HOUR) - OFFSET;
    };
    const lengthOf = { hour: HOUR, day: 24 * HOUR, week: 7 * 24 * HOUR };
    const cases = [
      { interval: 'hour' as const, from: '2025-03-10T19:00:00Z', to: '2025-03-13T19:00:00Z' },
      { interval: 'day' as const, from: '2025-03-04T19:00:00Z', to: '2025-03-28T19:00:00Z' },
      { interval: 'week' as const, from: '2025-03-02T19:00:00Z', to: '2025-03-30T19:00:00Z' },
    ];
    let compared = 0;
    for (const { interval, from, to } of cases)
      for (const metric of ['chats', 'messagesIn'] as const) {
        const res = await api<AnalyticsTimeseriesResponse>(
          t.url,
          `/api/analytics/timeseries?${new URLSearchParams({ metric, interval, from, to })}`,
          { token: ws.token },
        );
        expect(res.status).toBe(200);
        expect(res.body.timeZone).toBe(zone);
        const got = new Map(res.body.points.map((p) => [Date.parse(p.bucket), p.value]));
        const period = { from: new Date(from), to: new Date(to) };
        const starts = new Set<number>();
        for (let at = period.from.getTime(); at < period.to.getTime(); at += HOUR) starts.add(localStart(at, interval));
        for (const start of starts) {
          const bucket = {
            from: new Date(Math.max(start, period.from.getTime())),
            to: new Date(Math.min(start + lengthOf[interval], period.to.getTime())),
            asOf,
          };
          const want = summarize(all, bucket, DEFAULT_METRIC_SETTINGS, all)[metric];
          expect([interval, metric, new Date(start).toISOString(), got.get(start) ?? 0]).toEqual([
            interval,
            metric,
            new Date(start).toISOString(),
            want,
          ]);
          compared += want > 0 ? 1 : 0;
        }
      }
    expect(compared).toBeGreaterThan(30);
  });

  it('keeps the verdicts the rollup settles equal to the reference as time passes and settings change', async () => {
    const random = seeded(91);
    const managers = Array.from({ length: 3 }, (_, i) => `00000000-0000-4000-8000-00009100000${i}`);
    const contacts = Array.from(
      { length: 30 },
      (_, i) => `00000000-0000-4000-9000-000091${String(i).padStart(6, '0')}`,
    );
    const ws = await workspaceWith(t, 'settled', managers, contacts);
    const asOf = new Date();
    const changed: MetricSettings = {
      ...DEFAULT_METRIC_SETTINGS,
      missedChatThresholdSec: 120,
      firstResponseTargetSec: 90,
      fcrWindowDays: 2,
      conversionWindowDays: 5,
    };
    // Ten days up to two days ago (the reference sees no event after now): misses and FCR windows
    // fall due all along, some only after now.
    const world = clearOfNow(
      randomWorld(
        random,
        { conversations: 80, start: new Date(asOf.getTime() - 12 * 86_400_000), spanDays: 10 },
        { channels: ws.channels, managers, contacts },
      ),
      asOf,
      [DEFAULT_METRIC_SETTINGS, changed],
    );
    await store(t.db, ws.workspaceId, ws.crmId, world.conversations);
    const channelTypes = new Map(ws.channels.map((c) => [c.id, c.type as string]));
    const noWidget: WidgetActivity = { pageViews: [], invitations: [] };
    const day = 86_400_000;
    const periods = [
      // Like the dashboard's presets: ending tomorrow, so today's rollup row counts whole.
      {
        from: new Date(Math.floor(asOf.getTime() / day) * day - 8 * day + 7 * 3_600_000),
        to: new Date(asOf.getTime() + day),
      },
      // Ending an hour ago: the last day is an edge read from the cycles.
      { from: new Date(asOf.getTime() - 9 * day), to: new Date(asOf.getTime() - 3_600_000) },
    ].map((p) => ({ ...p, asOf }));
    const compareAll = async (settings: MetricSettings) => {
      const cycles = world.conversations.flatMap((c) => cyclesOf(c, settings, asOf));
      for (const period of periods)
        await compareWithReference(ws.token, cycles, period, ws.channels[0].id, noWidget, channelTypes, settings);
    };
    const settledRow = async (): Promise<SettledRow | undefined> =>
      (await t.db.query('SELECT * FROM analytics_settled WHERE workspace_id = $1', [ws.workspaceId]))[0];

    await compareAll(DEFAULT_METRIC_SETTINGS);
    const settled = await settledRow();
    expect(settled?.missed_threshold_sec).toBe(DEFAULT_METRIC_SETTINGS.missedChatThresholdSec);

    // Judged three days ago: the misses and FCR windows that fell due since are read per request.
    const repository = t.app.get(SettledVerdictsRepository);
    const threeDaysAgo = new Date(asOf.getTime() - 3 * day);
    await t.app.get(TransactionService).run((tx) => repository.advance(tx, settled as SettledRow, threeDaysAgo));
    expect((await settledRow())?.settled_at).toEqual(threeDaysAgo);
    await compareAll(DEFAULT_METRIC_SETTINGS);
    // Moved on to now, as the refresher does every minute: the rollup itself takes those changes in.
    const now = new Date();
    await t.app
      .get(TransactionService)
      .run(async (tx) => repository.advance(tx, (await settledRow()) as SettledRow, now));
    expect((await settledRow())?.settled_at).toEqual(now);
    await compareAll(DEFAULT_METRIC_SETTINGS);

    // New settings drop the settled verdicts; they are judged anew before the next summary.
    const put = await api(t.url, '/api/workspace/settings', {
      method: 'PUT',
      token: ws.token,
      body: {
        missedChatThresholdSec: changed.missedChatThresholdSec,
        firstResponseTargetSec: changed.firstResponseTargetSec,
        fcrWindowDays: changed.fcrWindowDays,
        conversionWindowDays: changed.conversionWindowDays,
      },
    });
    expect(put.status).toBe(200);
    expect(await settledRow()).toBeUndefined();
    await compareAll(changed);
    expect((await settledRow())?.fcr_window_days).toBe(changed.fcrWindowDays);

    // Verdicts settled with other settings than the workspace's are not used: the cycles are judged per request.
    await t.db.query('UPDATE analytics_settled SET fcr_window_days = 30 WHERE workspace_id = $1', [ws.workspaceId]);
    await compareAll(changed);
  });

  it('answers bad input with 400 naming the field, managers with 403, and never shows another workspace', async () => {
    const ws = await workspaceWith(t, 'guarded', [], []);
    const other = await workspaceWith(t, 'other', [], []);
    const bad = await api<{ details: { field: string }[] }>(
      t.url,
      '/api/analytics/summary?from=yesterday&to=2025-01-01T00:00:00Z',
      {
        token: ws.token,
      },
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('from');
    const backwards = await api(t.url, '/api/analytics/summary?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', {
      token: ws.token,
    });
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body)).toContain('to');
    const [manager] = await t.db.query(
      `INSERT INTO users (workspace_id, email, name, role, password_hash) VALUES ($1, 'analytics-mgr@onebox.test', 'M', 'manager', $2) RETURNING id`,
      [
        ws.workspaceId,
        (await t.db.query(`SELECT password_hash FROM users WHERE email = $1`, [ws.email]))[0].password_hash,
      ],
    );
    expect(manager.id).toBeTruthy();
    const managerToken = await login(t.url, 'analytics-mgr@onebox.test', ws.password);
    expect(
      (
        await api(t.url, '/api/analytics/summary?from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z', {
          token: managerToken,
        })
      ).status,
    ).toBe(403);

    const conversationId = '00000000-0000-4000-8000-0000000000ff';
    const [contact] = await t.db.query(`INSERT INTO contacts (workspace_id, name) VALUES ($1, 'X') RETURNING id`, [
      other.workspaceId,
    ]);
    await store(t.db, other.workspaceId, other.crmId, [
      {
        conversationId,
        channelId: other.channels[0].id,
        channelType: other.channels[0].type,
        contactId: contact.id,
        deals: [],
        events: [
          {
            cycle: 1,
            type: 'cycle_started',
            actorType: 'contact',
            actorId: null,
            at: new Date('2025-01-05T10:00:00Z'),
            payload: {},
          },
          {
            cycle: 1,
            type: 'message_in',
            actorType: 'contact',
            actorId: null,
            at: new Date('2025-01-05T10:00:00Z'),
            payload: {},
          },
        ],
      },
    ]);
    const range = 'from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z';
    const mine = await summary(t, ws.token, Object.fromEntries(new URLSearchParams(range)));
    expect(mine.rows[0].metrics.chats).toBe(0);
    const theirs = await summary(t, other.token, Object.fromEntries(new URLSearchParams(range)));
    expect(theirs.rows[0].metrics.chats).toBe(1);
    const csv = await fetch(`${t.url}/api/analytics/conversations.csv?${range}`, {
      headers: { authorization: `Bearer ${ws.token}` },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(1); // the header only
  });
});
