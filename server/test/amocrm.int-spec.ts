import type { ConversationListItem, CrmConnectionDto, DealDto } from '@onebox/contracts';
import { FakeAmoCrm, FakeTelegram } from '@onebox/fakes';
import type { Socket } from 'socket.io-client';
import { api, eventually, nextEvent, startTestApp, type TestApp, workspaceWithChannel } from './test-app';

/**
 * Retry delays run 200× faster: a 9-second outage of the fake CRM is half an hour of Onebox's
 * retry schedule (1 s doubling to 5 min between attempts).
 */
const TIME_SCALE = 0.005;
const HALF_AN_HOUR_MS = 30 * 60 * 1000 * TIME_SCALE;

describe('amoCRM sync through the running product (fake amoCRM + fake Telegram)', () => {
  const amo = new FakeAmoCrm({ subdomain: 'onebox' });
  const telegram = new FakeTelegram();
  let t: TestApp;
  let token: string;
  let agent: Socket;
  let crm: CrmConnectionDto;

  async function newCustomer(chatId: number, firstName: string, text: string): Promise<ConversationListItem> {
    const created = nextEvent<ConversationListItem>(agent, 'conversation.created', (c) => c.contact.name === firstName);
    expect((await telegram.customerWrites({ chatId, firstName, text })).status).toBe(200);
    return created;
  }

  const dealOf = (conversationId: string) =>
    api<DealDto | null>(t.url, `/api/conversations/${conversationId}/deal`, { token });

  beforeAll(async () => {
    await amo.start();
    await telegram.start();
    t = await startTestApp({
      TELEGRAM_API_ROOT: telegram.url,
      ONEBOX_UPDATE_MODE: 'webhook',
      AMOCRM_API_ROOT: amo.url,
      ONEBOX_RETRY_TIME_SCALE: String(TIME_SCALE),
    });
    ({ token, agent } = await workspaceWithChannel(t, 'amo', {
      type: 'telegram',
      name: 'Shop bot',
      credentials: { botToken: telegram.token },
    }));
  });

  afterAll(async () => {
    agent.close();
    await t.close();
    await telegram.stop();
    await amo.stop();
  });

  it('connects with a long-lived token, refusing a wrong one', async () => {
    const wrong = await api<{ code: string }>(t.url, '/api/crm', {
      token,
      body: {
        type: 'amocrm',
        name: 'amo',
        settings: {
          baseUrl: 'https://onebox.amocrm.ru',
          accessToken: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.wrong.token',
        },
      },
    });
    expect(wrong).toMatchObject({ status: 400, body: { code: 'invalid_credentials' } });
    const created = await api<CrmConnectionDto>(t.url, '/api/crm', {
      token,
      body: {
        type: 'amocrm',
        name: 'amoCRM',
        settings: { baseUrl: 'https://onebox.amocrm.ru', accessToken: amo.accessToken },
      },
    });
    expect(created.status).toBe(201);
    crm = created.body;
    expect(crm).toMatchObject({
      type: 'amocrm',
      status: 'active',
      autoCreateDeal: true,
      pipelineId: String(amo.pipelines[0].id),
    });
    expect(crm.webhookUrl).toMatch(new RegExp(`^${t.url}/webhooks/amocrm/${crm.id}/[\\w-]{16,}$`));
    expect(JSON.stringify(crm)).not.toContain(amo.accessToken);
    amo.setWebhook(crm.webhookUrl, ['status_lead', 'update_lead']);
  });

  it('turns a new Telegram customer into exactly one contact and one deal, and attaches the transcript on resolution', async () => {
    const conversation = await newCustomer(700100, 'Ivan', 'Hello, I want the sofa');
    const deal = await eventually(async () => {
      const d = (await dealOf(conversation.id)).body;
      return d?.syncState === 'synced' ? d : null;
    });
    expect(amo.contacts()).toHaveLength(1);
    expect(amo.leads()).toHaveLength(1);
    const lead = amo.leads()[0];
    expect(String(lead.id)).toBe(deal.externalId);
    expect(lead.pipeline_id).toBe(amo.pipelines[0].id);
    expect(String(lead.status_id)).toBe(crm.stageId);
    expect(lead.tags.map((tag) => tag.name)).toEqual(['telegram']);
    expect(lead.contacts.map((c) => c.id)).toEqual([amo.contacts()[0].id]);
    expect(deal).toMatchObject({
      semantic: 'open',
      stageName: expect.any(String),
      url: expect.stringContaining(`/leads/detail/${lead.id}`),
    });

    // More messages in the same cycle: still one deal.
    await telegram.customerWrites({ chatId: 700100, firstName: 'Ivan', text: 'In grey, please' });
    await api(t.url, `/api/conversations/${conversation.id}/messages`, {
      token,
      body: { text: 'Grey it is, 45 000 ₽' },
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(amo.leads()).toHaveLength(1);

    expect(
      (await api(t.url, `/api/conversations/${conversation.id}/status`, { token, body: { status: 'resolved' } }))
        .status,
    ).toBe(204);
    const [note] = await eventually(async () => (amo.notes(lead.id).length ? amo.notes(lead.id) : null));
    expect(note.note_type).toBe('common');
    expect(note.params.text).toContain('Hello, I want the sofa');
    expect(note.params.text).toContain('Grey it is, 45 000 ₽');
  }, 20_000);

  it('marks the deal won with its amount and close time when it is won in amoCRM, keeping the stage history', async () => {
    const lead = amo.leads()[0];
    const [{ conversation_id: conversationId }] = await t.db.query(
      'SELECT conversation_id FROM deals WHERE external_id = $1',
      [String(lead.id)],
    );
    expect(await amo.moveDeal(lead.id, { statusId: 142, price: 45000 })).toBe(200);
    const won = await eventually(async () => {
      const d = (await dealOf(conversationId)).body;
      return d?.semantic === 'won' ? d : null;
    });
    expect(Number(won.amount)).toBe(45000);
    expect(won.closedAt).not.toBeNull();
    expect(won.history.map((h) => h.semantic)).toEqual(['open', 'won']);
    const history = await t.db.query(
      'SELECT h.stage_id, h.semantic, h.amount FROM deal_stage_history h JOIN deals d ON d.id = h.deal_id WHERE d.external_id = $1 ORDER BY h.at',
      [String(lead.id)],
    );
    expect(history.map((h: { stage_id: string }) => h.stage_id)).toEqual([crm.stageId, '142']);
  });

  it('refuses forged amoCRM webhooks (wrong secret, wrong subdomain), writing nothing', async () => {
    const jobs = async () => (await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE queue = 'crm'`))[0].n;
    const before = await jobs();
    const body = `account[id]=1&account[subdomain]=onebox&leads[status][0][id]=${amo.leads()[0].id}&leads[status][0][status_id]=143`;
    const wrongSecret = await fetch(`${t.url}/webhooks/amocrm/${crm.id}/not-the-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(wrongSecret.status).toBe(401);
    const otherAccount = await fetch(crm.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.replace('subdomain]=onebox', 'subdomain]=intruder'),
    });
    expect(otherAccount.status).toBe(401);
    expect(await jobs()).toBe(before);
  });

  it('syncs everything once through an outage and a 429 storm', async () => {
    amo.outage(2);
    amo.throttle(2, 1);
    const first = await newCustomer(700200, 'Olga', 'Do you deliver to Kazan?');
    const second = await newCustomer(700300, 'Pavel', 'Price for the lamp?');
    for (const conversation of [first, second]) {
      await eventually(async () => (await dealOf(conversation.id)).body?.syncState === 'synced', 25_000);
    }
    expect(amo.leads()).toHaveLength(3);
    expect(amo.contacts()).toHaveLength(3);
  }, 40_000);

  it('rides out a half-hour amoCRM outage (simulated in fast time): everything synced once afterwards', async () => {
    const leadsBefore = amo.leads().length;
    const contactsBefore = amo.contacts().length;
    const until = Date.now() + HALF_AN_HOUR_MS;
    amo.outage({ until });
    const during = [
      await newCustomer(700500, 'Outage One', 'Hi during the outage'),
      await newCustomer(700600, 'Outage Two', 'Me too'),
    ];
    await new Promise((r) => setTimeout(r, HALF_AN_HOUR_MS / 2));
    expect(amo.leads()).toHaveLength(leadsBefore); // nothing got through while the CRM was down
    for (const conversation of during) {
      await eventually(
        async () => (await dealOf(conversation.id)).body?.syncState === 'synced',
        HALF_AN_HOUR_MS + 15_000,
      );
    }
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect(amo.leads()).toHaveLength(leadsBefore + 2);
    expect(amo.contacts()).toHaveLength(contactsBefore + 2);
    const [{ attempts }] = await t.db.query(
      `SELECT max(attempts)::int AS attempts FROM jobs WHERE queue = 'crm' AND payload->>'action' = 'cycle-started'`,
    );
    expect(attempts).toBeGreaterThan(3);
  }, 60_000);

  it('creates a deal on request and moves its stage from Onebox, written back to amoCRM', async () => {
    const conversation = await newCustomer(700400, 'Sergey', 'Just browsing');
    await eventually(async () => (await dealOf(conversation.id)).body?.syncState === 'synced');
    const stages = (
      await api<{ stages: { id: string; semantic: string; sort: number }[] }[]>(t.url, `/api/crm/${crm.id}/pipelines`, {
        token,
      })
    ).body[0].stages;
    const negotiation = stages.filter((s) => s.semantic === 'open').sort((a, b) => b.sort - a.sort)[0];
    const patched = await api<DealDto>(t.url, `/api/conversations/${conversation.id}/deal`, {
      token,
      method: 'PATCH',
      body: { stageId: negotiation.id, amount: '12500.00' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.syncState).toBe('pending');
    const moved = await eventually(async () => {
      const d = (await dealOf(conversation.id)).body;
      return d?.syncState === 'synced' && d.stageId === negotiation.id ? d : null;
    });
    expect(Number(moved.amount)).toBe(12500);
    expect(amo.lead(moved.externalId!)).toMatchObject({ status_id: Number(negotiation.id), price: 12500 });

    // The manager mapped to an amoCRM user takes the conversation: the deal's responsible follows.
    const me = (await api<{ id: string }>(t.url, '/api/me', { token })).body;
    const mapped = await api<CrmConnectionDto>(t.url, `/api/crm/${crm.id}`, {
      token,
      method: 'PATCH',
      body: { userMap: { [me.id]: String(amo.users[1].id) } },
    });
    expect(mapped.body.userMap).toEqual({ [me.id]: String(amo.users[1].id) });
    expect(
      (await api(t.url, `/api/conversations/${conversation.id}/assign`, { token, body: { assigneeId: me.id } })).status,
    ).toBe(204);
    await eventually(async () => amo.lead(moved.externalId!)?.responsible_user_id === amo.users[1].id);

    const leadsBefore = amo.leads().length;
    const manual = await api<DealDto>(t.url, `/api/conversations/${conversation.id}/deal`, { token, body: {} });
    expect(manual.status).toBe(201);
    await eventually(async () => amo.leads().length === leadsBefore + 1);
  }, 20_000);
});
