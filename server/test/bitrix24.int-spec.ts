import type { ChannelDto, ConversationListItem, CrmConnectionDto, DealDto } from '@onebox/contracts';
import { FakeBitrix24, FakeWhatsApp } from '@onebox/fakes';
import type { Socket } from 'socket.io-client';
import { api, eventually, nextEvent, startTestApp, type TestApp, workspaceWithChannel } from './test-app';

const WA = {
  phoneNumberId: '106540352242922',
  accessToken: 'EAAGtesttoken',
  appSecret: 'app-secret',
  verifyToken: 'verify-me',
};

/**
 * Retry delays run 200× faster: a 9-second outage of the fake CRM is half an hour of Onebox's
 * retry schedule (1 s doubling to 5 min between attempts).
 */
const TIME_SCALE = 0.005;
const HALF_AN_HOUR_MS = 30 * 60 * 1000 * TIME_SCALE;

describe('Bitrix24 sync through the running product (fake Bitrix24 + fake WhatsApp)', () => {
  const bitrix = new FakeBitrix24();
  const whatsapp = new FakeWhatsApp({
    phoneNumberId: WA.phoneNumberId,
    accessToken: WA.accessToken,
    appSecret: WA.appSecret,
  });
  let t: TestApp;
  let token: string;
  let agent: Socket;
  let crm: CrmConnectionDto;

  async function newCustomer(waId: string, name: string, text: string): Promise<ConversationListItem> {
    const created = nextEvent<ConversationListItem>(agent, 'conversation.created', (c) => c.contact.name === name);
    expect(await whatsapp.customerWrites({ waId, name, text })).toBe(200);
    return created;
  }

  const dealOf = (conversationId: string) =>
    api<DealDto | null>(t.url, `/api/conversations/${conversationId}/deal`, { token });

  beforeAll(async () => {
    await bitrix.start();
    await whatsapp.start();
    t = await startTestApp({
      WHATSAPP_API_ROOT: whatsapp.url,
      BITRIX24_API_ROOT: bitrix.url,
      ONEBOX_RETRY_TIME_SCALE: String(TIME_SCALE),
    });
    let channel: ChannelDto;
    ({ token, agent, channel } = await workspaceWithChannel(t, 'bitrix', {
      type: 'whatsapp',
      name: 'Sales WA',
      credentials: WA,
    }));
    whatsapp.setWebhook(channel.webhookUrl!, WA.verifyToken);
  });

  afterAll(async () => {
    agent.close();
    await t.close();
    await whatsapp.stop();
    await bitrix.stop();
  });

  it('connects with an incoming webhook and the outbound webhook’s application token', async () => {
    const created = await api<CrmConnectionDto>(t.url, '/api/crm', {
      token,
      body: { type: 'bitrix24', name: 'Bitrix24', settings: { webhookUrl: bitrix.webhookUrl } },
    });
    expect(created.status).toBe(201);
    // The outbound webhook's token exists only once Onebox's URL was registered: it is added afterwards.
    const patched = await api<CrmConnectionDto>(t.url, `/api/crm/${created.body.id}`, {
      token,
      method: 'PATCH',
      body: { settings: { applicationToken: bitrix.applicationToken } },
    });
    expect(patched.status).toBe(200);
    crm = patched.body;
    expect(crm).toMatchObject({
      type: 'bitrix24',
      status: 'active',
      pipelineId: '0',
      stageId: 'NEW',
      webhookUrl: `${t.url}/webhooks/bitrix24/${crm.id}`,
    });
    expect(JSON.stringify(crm)).not.toContain(bitrix.code);
    bitrix.bindEvents(crm.webhookUrl);
  });

  it('turns a new WhatsApp customer into one contact (by phone) and one deal, and comments the transcript on resolution', async () => {
    const conversation = await newCustomer('79161234567', 'Anna', 'Hi, is the order ready?');
    const deal = await eventually(async () => {
      const d = (await dealOf(conversation.id)).body;
      return d?.syncState === 'synced' ? d : null;
    });
    expect(bitrix.contacts()).toHaveLength(1);
    expect(bitrix.deals()).toHaveLength(1);
    const stored = bitrix.deals()[0];
    expect(String(stored['ID'])).toBe(deal.externalId);
    expect(stored).toMatchObject({ STAGE_ID: 'NEW', CATEGORY_ID: '0', CONTACT_ID: String(bitrix.contacts()[0]['ID']) });
    expect(deal).toMatchObject({
      semantic: 'open',
      url: expect.stringContaining(`/crm/deal/details/${deal.externalId}/`),
    });

    await api(t.url, `/api/conversations/${conversation.id}/messages`, {
      token,
      body: { text: 'Yes, it ships today' },
    });
    expect(
      (await api(t.url, `/api/conversations/${conversation.id}/status`, { token, body: { status: 'resolved' } }))
        .status,
    ).toBe(204);
    const [comment] = await eventually(async () =>
      bitrix.comments(deal.externalId!).length ? bitrix.comments(deal.externalId!) : null,
    );
    expect(String(comment['COMMENT'])).toContain('Hi, is the order ready?');
    expect(bitrix.deals()).toHaveLength(1);
  });

  it('marks the deal won with its amount when it is won in Bitrix24 (event → crm.deal.get), and refuses forged events', async () => {
    const deal = bitrix.deals()[0];
    const [{ conversation_id: conversationId }] = await t.db.query(
      'SELECT conversation_id FROM deals WHERE external_id = $1',
      [String(deal['ID'])],
    );
    expect(await bitrix.moveDeal(deal['ID'] as string, { stageId: 'WON', opportunity: '15000.00' })).toBe(200);
    const won = await eventually(async () => {
      const d = (await dealOf(conversationId)).body;
      return d?.semantic === 'won' ? d : null;
    });
    expect(won.amount).toBe('15000.00');
    expect(won.closedAt).not.toBeNull();
    expect(won.history.map((h) => h.stageId)).toEqual(['NEW', 'WON']);

    const jobs = async () => (await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE queue = 'crm'`))[0].n;
    const before = await jobs();
    const forged = `event=ONCRMDEALUPDATE&event_handler_id=201&data%5BFIELDS%5D%5BID%5D=${deal['ID']}&ts=1767225600&auth%5Bdomain%5D=${bitrix.portal}&auth%5Bapplication_token%5D=wrong-token`;
    const res = await fetch(crm.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: forged,
    });
    expect(res.status).toBe(401);
    expect(await jobs()).toBe(before);
  });

  it('rides out a half-hour Bitrix24 outage (simulated in fast time): everything synced once afterwards', async () => {
    const dealsBefore = bitrix.deals().length;
    const until = Date.now() + HALF_AN_HOUR_MS;
    bitrix.outage({ until });
    const during = [
      await newCustomer('79990003333', 'Outage One', 'Hello?'),
      await newCustomer('79990004444', 'Outage Two', 'Anyone?'),
    ];
    for (const conversation of during) {
      await eventually(
        async () => (await dealOf(conversation.id)).body?.syncState === 'synced',
        HALF_AN_HOUR_MS + 15_000,
      );
    }
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect(bitrix.deals()).toHaveLength(dealsBefore + 2);
  }, 60_000);

  it('syncs once through an outage and a QUERY_LIMIT_EXCEEDED storm', async () => {
    const dealsBefore = bitrix.deals().length;
    const contactsBefore = bitrix.contacts().length;
    bitrix.outage(2);
    bitrix.throttle(3);
    const first = await newCustomer('79990001111', 'Boris', 'Price list please');
    const second = await newCustomer('79990002222', 'Vera', 'Do you deliver?');
    for (const conversation of [first, second]) {
      await eventually(async () => (await dealOf(conversation.id)).body?.syncState === 'synced', 25_000);
    }
    expect(bitrix.deals()).toHaveLength(dealsBefore + 2);
    expect(bitrix.contacts()).toHaveLength(contactsBefore + 2);
  }, 40_000);
});
