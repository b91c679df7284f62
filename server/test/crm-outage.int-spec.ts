import type { ConversationListItem, CrmConnectionDto, CrmStatusEvent, MessageDto } from '@onebox/contracts';
import { FakeAmoCrm, FakeTelegram, type RecordedCall } from '@onebox/fakes';
import type { Socket } from 'socket.io-client';
import { api, eventually, nextEvent, startTestApp, type TestApp, workspaceWithChannel } from './test-app';

jest.setTimeout(30_000);

/** Onebox's retry schedule runs 1000× faster: a second of the test is about 17 minutes of it. */
const TIME_SCALE = 0.001;
const SIMULATED_OUTAGE_MS = 90 * 60 * 1000;
const OUTAGE_MS = SIMULATED_OUTAGE_MS * TIME_SCALE;
/** New customers while amoCRM is down: each needs a contact, a lead and a read-back there. */
const CUSTOMERS = 12;
/** amoCRM's limit: 7 requests a second per integration. */
const AMO_PER_SECOND = 7;

function busiestSecond(calls: RecordedCall[]): number {
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; start < times.length; start++) {
    while (end < times.length && times[end] < times[start] + 1000) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

/**
 * CRM outage: amoCRM answers 503 for an hour and a half (in fast time) while new customers keep
 * writing. Nothing may be lost or created twice, the backlog must drain at amoCRM's rate once it
 * is back, the inbox must keep delivering replies meanwhile, and admins must see the outage as it
 * happens (the connection `degraded`, with the error, since when and the backlog; live over the
 * socket) and its end.
 */
describe('CRM outage: amoCRM down for hours (fast time)', () => {
  const amo = new FakeAmoCrm({ subdomain: 'outage' });
  const telegram = new FakeTelegram();
  let t: TestApp;
  let token: string;
  let agent: Socket;
  let crm: CrmConnectionDto;
  const statusEvents: CrmStatusEvent[] = [];
  const conversations: ConversationListItem[] = [];
  let outageEnds = 0;
  let syncStarted = 0;

  const connection = async () => (await api<CrmConnectionDto[]>(t.url, '/api/crm', { token })).body[0];

  beforeAll(async () => {
    await Promise.all([amo.start(), telegram.start()]);
    t = await startTestApp({
      TELEGRAM_API_ROOT: telegram.url,
      ONEBOX_UPDATE_MODE: 'webhook',
      AMOCRM_API_ROOT: amo.url,
      ONEBOX_RETRY_TIME_SCALE: String(TIME_SCALE),
    });
    ({ token, agent } = await workspaceWithChannel(t, 'outage', {
      type: 'telegram',
      name: 'Shop bot',
      credentials: { botToken: telegram.token },
    }));
    agent.on('crm.status', (event: CrmStatusEvent) => statusEvents.push(event));
    const created = await api<CrmConnectionDto>(t.url, '/api/crm', {
      token,
      body: {
        type: 'amocrm',
        name: 'amoCRM',
        settings: { baseUrl: 'https://outage.amocrm.ru', accessToken: amo.accessToken },
      },
    });
    expect(created.body).toMatchObject({ status: 'active', degradedSince: null });
    crm = created.body;
  });

  afterAll(async () => {
    agent?.close();
    await t?.close();
    await Promise.all([amo.stop(), telegram.stop()]);
  });

  it('shows admins the outage while it lasts: degraded since its start, with the error and the backlog', async () => {
    syncStarted = Date.now();
    outageEnds = syncStarted + OUTAGE_MS;
    amo.outage({ until: outageEnds });
    for (let i = 0; i < CUSTOMERS; i++) {
      const created = nextEvent<ConversationListItem>(
        agent,
        'conversation.created',
        (c) => c.contact.name === `Buyer ${i}`,
      );
      expect(
        (await telegram.customerWrites({ chatId: 730_000 + i, firstName: `Buyer ${i}`, text: 'Do you deliver?' }))
          .status,
      ).toBe(200);
      conversations.push(await created);
    }

    const degraded = await eventually(async () => {
      const c = await connection();
      return c.status === 'degraded' ? c : null;
    });
    expect(degraded).toMatchObject({
      status: 'degraded',
      statusMessage: expect.stringMatching(/503/),
      degradedSince: expect.any(String),
    });
    expect(degraded.sync.pending).toBeGreaterThanOrEqual(CUSTOMERS);
    expect(statusEvents).toEqual([
      {
        id: crm.id,
        type: 'amocrm',
        name: 'amoCRM',
        status: 'degraded',
        statusMessage: degraded.statusMessage,
        degradedSince: degraded.degradedSince,
      },
    ]);
    expect(amo.leads()).toHaveLength(0);
  });

  it('keeps the inbox working: a reply goes out at once while amoCRM is down', async () => {
    const started = Date.now();
    const sent = await api<MessageDto>(t.url, `/api/conversations/${conversations[0].id}/messages`, {
      token,
      body: { text: 'We deliver tomorrow', clientMessageId: 'outage-reply-1' },
    });
    expect(sent.status).toBe(201);
    await eventually(async () => telegram.sentMessages(730_000).length === 1);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(Date.now()).toBeLessThan(outageEnds);
  });

  it('syncs everything exactly once after the outage, at amoCRM’s rate, and shows the recovery', async () => {
    const deals = await eventually(async () => {
      const all = await Promise.all(
        conversations.map(
          async (c) =>
            (await api<{ syncState: string } | null>(t.url, `/api/conversations/${c.id}/deal`, { token })).body,
        ),
      );
      return all.every((d) => d?.syncState === 'synced') ? all : null;
    }, 25_000);
    expect(deals).toHaveLength(CUSTOMERS);
    expect(Date.now()).toBeGreaterThanOrEqual(outageEnds);
    expect(amo.leads()).toHaveLength(CUSTOMERS);
    expect(amo.contacts()).toHaveLength(CUSTOMERS);

    // Every call of the sync, the refused ones included, kept to amoCRM's limit (the admin's
    // one-off connection check before is not paced).
    const apiCalls = amo.calls.filter((c) => c.path.startsWith('/api/v4/') && c.at >= syncStarted);
    expect(busiestSecond(apiCalls)).toBeLessThanOrEqual(AMO_PER_SECOND);
    const afterOutage = apiCalls.filter((c) => c.at >= outageEnds);
    expect(afterOutage.filter((c) => c.status !== 200)).toEqual([]);
    const drainMs = afterOutage.at(-1)!.at - afterOutage[0].at;
    // The backlog went out at close to the limit, not trickling on the backoff schedule.
    expect(afterOutage.length / (drainMs / 1000)).toBeGreaterThan(AMO_PER_SECOND / 2);

    const recovered = await eventually(async () => {
      const c = await connection();
      return c.status === 'active' ? c : null;
    });
    expect(recovered).toMatchObject({ statusMessage: null, degradedSince: null, sync: { pending: 0, failed: 0 } });
    expect(new Date(recovered.sync.lastSyncedAt!).getTime()).toBeGreaterThanOrEqual(outageEnds);
    expect(statusEvents.map((e) => e.status)).toEqual(['degraded', 'active']);
    console.log(
      `CRM outage: ${SIMULATED_OUTAGE_MS / 60_000} min simulated in ${OUTAGE_MS} ms; ${CUSTOMERS} deals synced once; ` +
        `${afterOutage.length} amoCRM calls drained in ${drainMs} ms (busiest second: ${busiestSecond(apiCalls)} of ${AMO_PER_SECOND} allowed)`,
    );
  });
});
