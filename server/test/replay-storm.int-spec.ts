import type { ChannelDto, CrmConnectionDto, DealDto, MessageDto } from '@onebox/contracts';
import { FakeAmoCrm, FakeBitrix24, FakeMax, FakeTelegram, FakeWhatsApp } from '@onebox/fakes';
import type { Socket } from 'socket.io-client';
import { ReplayProxy } from './replay-proxy';
import {
  api,
  connectAgent,
  connectVisitor,
  createWorkspace,
  eventually,
  login,
  startTestApp,
  type TestApp,
} from './test-app';

jest.setTimeout(30_000);

/** Every webhook reaches the app this many times at once. */
const COPIES = 5;

const WA = {
  phoneNumberId: '106540352242922',
  accessToken: 'EAAGstormtoken0123456789',
  appSecret: 'storm-app-secret',
  verifyToken: 'storm-verify',
};
const MAX_TOKEN = 'storm_max_bot_token_0123456789abcdef';

/** The agent app's view of one workspace: every event counted by the id it carries. */
class EventLog {
  readonly counts = new Map<string, Map<string, number>>();
  readonly updates = new Map<string, MessageDto[]>();

  constructor(readonly socket: Socket) {
    for (const event of ['message.created', 'conversation.created'])
      socket.on(event, (payload: { id: string }) => {
        const byId = this.counts.get(event) ?? new Map<string, number>();
        byId.set(payload.id, (byId.get(payload.id) ?? 0) + 1);
        this.counts.set(event, byId);
      });
    socket.on('message.updated', (m: MessageDto) => this.updates.set(m.id, [...(this.updates.get(m.id) ?? []), m]));
  }

  count(event: string): Map<string, number> {
    return this.counts.get(event) ?? new Map();
  }
}

/**
 * Replay storm: every inbound fixture of every channel (Telegram, WhatsApp, MAX, the website chat)
 * and every CRM webhook (amoCRM, Bitrix24) delivered five times at once, signed, through a proxy
 * posing as the app's public address. Each must leave exactly one message, one live event per
 * message on the agent's socket, one deal per conversation and one transcript note per deal.
 */
describe('Replay storm: every webhook delivered 5 times at once', () => {
  const proxy = new ReplayProxy(COPIES);
  const telegram = new FakeTelegram();
  const whatsapp = new FakeWhatsApp({
    phoneNumberId: WA.phoneNumberId,
    accessToken: WA.accessToken,
    appSecret: WA.appSecret,
  });
  const max = new FakeMax({ token: MAX_TOKEN });
  const amo = new FakeAmoCrm({ subdomain: 'storm' });
  const bitrix = new FakeBitrix24();
  let t: TestApp;
  /** Workspace A: Telegram, the website chat and amoCRM. Workspace B: WhatsApp, MAX and Bitrix24. */
  const a = { token: '', widgetKey: '', workspaceId: '', events: null as unknown as EventLog };
  const b = { token: '', workspaceId: '', events: null as unknown as EventLog };
  const channels: Record<'telegram' | 'whatsapp' | 'max', ChannelDto> = {} as never;
  /** What the storm must leave: inbound messages per channel, attachments, conversations per workspace. */
  const expected = { telegram: 0, whatsapp: 0, max: 0, webchat: 0, attachments: 0 };

  const rows = <T>(sql: string, params: unknown[] = []): Promise<T[]> => t.db.query(sql, params);
  const inbound = async (channelId: string) =>
    (
      await rows<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE channel_id = $1 AND direction = 'in'`, [
        channelId,
      ])
    )[0].n;

  async function connect(type: keyof typeof channels, token: string, credentials: Record<string, string>) {
    const created = await api<ChannelDto>(t.url, '/api/channels', {
      token,
      body: { type, name: `Storm ${type}`, credentials },
    });
    expect(created.status).toBe(201);
    channels[type] = created.body;
  }

  beforeAll(async () => {
    await Promise.all([proxy.start(), telegram.start(), whatsapp.start(), max.start(), amo.start(), bitrix.start()]);
    t = await startTestApp({
      // The platforms know the app by its public address: the proxy.
      PUBLIC_URL: proxy.url,
      ONEBOX_UPDATE_MODE: 'webhook',
      TELEGRAM_API_ROOT: telegram.url,
      WHATSAPP_API_ROOT: whatsapp.url,
      MAX_API_ROOT: max.url,
      AMOCRM_API_ROOT: amo.url,
      BITRIX24_API_ROOT: bitrix.url,
    });
    proxy.target = t.url;
    const workspaceA = await createWorkspace(t.db, 'storm_a');
    const workspaceB = await createWorkspace(t.db, 'storm_b');
    Object.assign(a, { widgetKey: workspaceA.widgetKey, workspaceId: workspaceA.workspaceId });
    b.workspaceId = workspaceB.workspaceId;
    a.token = await login(t.url, workspaceA.email, workspaceA.password);
    b.token = await login(t.url, workspaceB.email, workspaceB.password);
    a.events = new EventLog(await connectAgent(t.url, a.token));
    b.events = new EventLog(await connectAgent(t.url, b.token));

    await connect('telegram', a.token, { botToken: telegram.token });
    await connect('whatsapp', b.token, WA);
    whatsapp.setWebhook(channels.whatsapp.webhookUrl!, WA.verifyToken);
    await connect('max', b.token, { token: MAX_TOKEN });

    const amoCrm = await api<CrmConnectionDto>(t.url, '/api/crm', {
      token: a.token,
      body: {
        type: 'amocrm',
        name: 'amoCRM',
        settings: { baseUrl: 'https://storm.amocrm.ru', accessToken: amo.accessToken },
      },
    });
    expect(amoCrm.body).toMatchObject({ status: 'active', autoCreateDeal: true });
    amo.setWebhook(amoCrm.body.webhookUrl, ['status_lead']);
    const b24 = await api<CrmConnectionDto>(t.url, '/api/crm', {
      token: b.token,
      body: { type: 'bitrix24', name: 'Bitrix24', settings: { webhookUrl: bitrix.webhookUrl } },
    });
    expect(b24.status).toBe(201);
    await api(t.url, `/api/crm/${b24.body.id}`, {
      token: b.token,
      method: 'PATCH',
      body: { settings: { applicationToken: bitrix.applicationToken } },
    });
    bitrix.bindEvents(b24.body.webhookUrl);
  });

  afterAll(async () => {
    const webhooks = proxy.requests.filter((r) => r.method === 'POST');
    const crmHooks = webhooks.filter((r) => /^\/webhooks\/(amocrm|bitrix24)\//.test(r.path)).length;
    console.log(
      `Replay storm: ${webhooks.length} webhooks (${crmHooks} from CRMs) × ${COPIES} copies at once = ` +
        `${webhooks.length * COPIES} requests, all answered 200; ${Object.values(expected).reduce((x, y) => x + y, 0) - expected.attachments} ` +
        `messages and ${expected.attachments} files stored once; ${amo.leads().length + bitrix.deals().length} deals and ` +
        `${amo.leads().reduce((n, l) => n + amo.notes(l.id).length, 0) + bitrix.deals().reduce((n, d) => n + bitrix.comments(String(d['ID'])).length, 0)} transcript notes, each once`,
    );
    a.events?.socket.close();
    b.events?.socket.close();
    await t?.close();
    await Promise.all([proxy.stop(), telegram.stop(), whatsapp.stop(), max.stop(), amo.stop(), bitrix.stop()]);
  });

  it('routes every webhook through the proxy: the platforms registered its address', () => {
    expect(telegram.webhookUrl).toBe(`${proxy.url}/webhooks/telegram/${channels.telegram.id}`);
    expect(max.subscriptions().map((s) => s.url)).toEqual([`${proxy.url}/webhooks/max/${channels.max.id}`]);
  });

  it('Telegram: texts, a photo, a document, an edit, a button press, business messages, a group message', async () => {
    const ivan = { chatId: 700001, firstName: 'Ivan', lastName: 'Petrov', username: 'ivanp' };
    const first = await telegram.customerWrites({ ...ivan, text: 'Hello, I want to order' });
    await telegram.customerWrites({ ...ivan, text: 'In grey, please' });
    await telegram.customerSendsPhoto({
      chatId: 700002,
      firstName: 'Olga',
      bytes: Buffer.from('89504e470d0a1a0a', 'hex'),
      caption: 'Here is the invoice',
    });
    await telegram.customerSendsDocument({
      ...ivan,
      bytes: Buffer.from('%PDF-1.4 storm'),
      fileName: 'order.pdf',
      mimeType: 'application/pdf',
    });
    const messageId = (first.update['message'] as { message_id: number }).message_id;
    await telegram.customerEdits({ chatId: ivan.chatId, messageId, text: 'Hello, I want to order 2 items' });
    await telegram.customerPressesButton({ chatId: ivan.chatId, data: 'size:L' });
    const connectionId = await telegram.businessConnect({ chatId: 42424242, firstName: 'Maria' });
    await telegram.businessMessage({
      chatId: 700003,
      firstName: 'Pavel',
      text: 'Is the sofa available?',
      connectionId,
    });
    await telegram.groupMessage({ chatId: -100123, title: 'Team', from: { chatId: 77, firstName: 'Eve' }, text: 'hi' });
    await telegram.customerWrites({ chatId: 700004, firstName: 'Nina', text: '/start' });
    Object.assign(expected, { telegram: 7, attachments: expected.attachments + 2 });

    expect(await inbound(channels.telegram.id)).toBe(expected.telegram);
    const [edited] = await rows<{ text: string; original_text: string }>(
      `SELECT text, original_text FROM messages WHERE channel_id = $1 AND external_id = $2`,
      [channels.telegram.id, `${ivan.chatId}:${messageId}`],
    );
    expect(edited).toEqual({ text: 'Hello, I want to order 2 items', original_text: 'Hello, I want to order' });
    // Each photo or file is fetched once, not once per copy.
    await eventually(async () => telegram.callsTo('getFile').length >= 2);
    expect(telegram.callsTo('getFile')).toHaveLength(2);
    expect(telegram.answeredCallbackQueries()).toHaveLength(1);
  });

  it('WhatsApp: texts, an image, a document, button and list replies, a location, and delivery statuses', async () => {
    const anna = { waId: '79160000001', name: 'Anna' };
    await whatsapp.customerWrites({ ...anna, text: 'Hi, is the order ready?' });
    await whatsapp.customerWrites({ ...anna, text: 'The blue one' });
    await whatsapp.customerSendsImage({ ...anna, data: Buffer.from('jpeg-bytes'), caption: 'Like this' });
    await whatsapp.customerSendsDocument({
      ...anna,
      data: Buffer.from('%PDF-1.4 wa'),
      mimeType: 'application/pdf',
      fileName: 'details.pdf',
    });
    await whatsapp.customerPressesButton({ ...anna, id: 'yes', title: 'Yes' });
    await whatsapp.customerPicksListItem({ ...anna, id: 'size-m', title: 'M' });
    await whatsapp.customerSendsLocation({ ...anna, latitude: 55.75, longitude: 37.62, placeName: 'Office' });
    await whatsapp.customerWrites({ waId: '79160000002', name: 'Boris', text: 'Price list please' });
    Object.assign(expected, { whatsapp: 8, attachments: expected.attachments + 2 });
    expect(await inbound(channels.whatsapp.id)).toBe(expected.whatsapp);

    // The reply's statuses (sent, delivered — then read) arrive five times each.
    const [conversation] = await rows<{ id: string }>(
      `SELECT c.id FROM conversations c JOIN contact_identities ci ON ci.contact_id = c.contact_id
       WHERE c.channel_id = $1 AND ci.external_id = $2`,
      [channels.whatsapp.id, anna.waId],
    );
    const reply = await api<MessageDto>(t.url, `/api/conversations/${conversation.id}/messages`, {
      token: b.token,
      body: { text: 'Yes, it ships today', clientMessageId: 'storm-wa-1' },
    });
    await eventually(async () => whatsapp.sentMessages().length === 1);
    await whatsapp.settled();
    expect(await whatsapp.customerReads(whatsapp.sentMessages()[0].id)).toBe(200);
    await eventually(async () => b.events.updates.get(reply.body.id)?.at(-1)?.status === 'read');
    expect(b.events.updates.get(reply.body.id)!.map((m) => m.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('MAX: bot start, texts, an image, a file, an edit, a button press, a group message', async () => {
    const john = { userId: 900001, name: 'John Doe' };
    await max.customerStartsBot({ ...john, payload: 'utm_site_widget' });
    await max.customerWrites({ ...john, text: 'I need help with delivery' });
    await max.customerSendsImage({ ...john, data: Buffer.from('max-jpeg'), text: 'This box' });
    await max.customerSendsFile({ ...john, fileName: 'invoice.pdf', data: Buffer.from('%PDF max') });
    const [written] = await rows<{ external_id: string }>(
      `SELECT external_id FROM messages WHERE channel_id = $1 AND text = 'I need help with delivery'`,
      [channels.max.id],
    );
    await max.customerEdits({
      userId: john.userId,
      mid: written.external_id,
      text: 'I need help with delivery, please',
    });
    await max.customerPressesButton({ ...john, payload: 'size:L' });
    await max.groupMessage({ userId: 900002, name: 'Eve', text: 'in a group' });
    Object.assign(expected, { max: 5, attachments: expected.attachments + 2 });
    expect(await inbound(channels.max.id)).toBe(expected.max);
    const [edited] = await rows<{ text: string }>(
      `SELECT text FROM messages WHERE channel_id = $1 AND external_id = $2`,
      [channels.max.id, written.external_id],
    );
    expect(edited.text).toBe('I need help with delivery, please');
  });

  it('the website chat: one message sent five times at once with the same client id', async () => {
    const { socket } = await connectVisitor(t.url, a.widgetKey);
    const acks = await Promise.all(
      Array.from({ length: COPIES }, () =>
        socket.emitWithAck('message.send', { clientMessageId: 'storm-visitor-1', text: 'Hello from the site' }),
      ),
    );
    socket.close();
    expect(new Set(acks.map((ack: { id: string }) => ack.id)).size).toBe(1);
    expected.webchat = 1;
  });

  it('left exactly one message per fixture, one attachment per file and one live event per message', async () => {
    // Every webhook the proxy replayed was acknowledged by every copy.
    const replayed = proxy.requests.filter((r) => r.method === 'POST');
    expect(replayed.length).toBeGreaterThan(25);
    expect(replayed.filter((r) => r.statuses.some((s) => s !== 200))).toEqual([]);
    expect(replayed.every((r) => r.statuses.length === COPIES)).toBe(true);

    const stored = await rows<{ id: string; workspace_id: string; channel_type: string }>(
      `SELECT m.id, m.workspace_id, ch.type AS channel_type FROM messages m JOIN channels ch ON ch.id = m.channel_id
       WHERE m.direction = 'in' AND m.workspace_id = ANY ($1::uuid[])`,
      [[a.workspaceId, b.workspaceId]],
    );
    const perType = (type: string) => stored.filter((m) => m.channel_type === type).length;
    expect({
      telegram: perType('telegram'),
      whatsapp: perType('whatsapp'),
      max: perType('max'),
      webchat: perType('webchat'),
    }).toEqual({
      telegram: expected.telegram,
      whatsapp: expected.whatsapp,
      max: expected.max,
      webchat: expected.webchat,
    });

    // No orphan attachment rows from the copies that lost the race; every file downloaded.
    const attachments = await eventually(async () => {
      const found = await rows<{ storage_key: string | null }>(
        `SELECT storage_key FROM attachments WHERE uploader_type = 'channel' AND workspace_id = ANY ($1::uuid[])`,
        [[a.workspaceId, b.workspaceId]],
      );
      return found.length >= expected.attachments && found.every((f) => f.storage_key) ? found : null;
    });
    expect(attachments).toHaveLength(expected.attachments);

    for (const [workspace, log] of [
      [a.workspaceId, a.events],
      [b.workspaceId, b.events],
    ] as const) {
      const created = log.count('message.created');
      const mine = stored.filter((m) => m.workspace_id === workspace).map((m) => m.id);
      expect(mine.filter((id) => created.get(id) !== 1)).toEqual([]);
      expect([...created.values()].every((n) => n === 1)).toBe(true);
      const conversations = await rows<{ id: string }>(`SELECT id FROM conversations WHERE workspace_id = $1`, [
        workspace,
      ]);
      const opened = log.count('conversation.created');
      expect(conversations.map((c) => opened.get(c.id))).toEqual(conversations.map(() => 1));
    }
  });

  async function dealsOf(workspaceId: string, token: string): Promise<DealDto[]> {
    const conversations = await rows<{ id: string }>(`SELECT id FROM conversations WHERE workspace_id = $1`, [
      workspaceId,
    ]);
    return Promise.all(
      conversations.map(async (c) => (await api<DealDto>(t.url, `/api/conversations/${c.id}/deal`, { token })).body),
    );
  }

  it('opened exactly one CRM deal and contact per conversation (amoCRM and Bitrix24)', async () => {
    const synced = async (workspaceId: string, token: string, count: number) =>
      eventually(async () => {
        const deals = await dealsOf(workspaceId, token);
        return deals.length === count && deals.every((d) => d?.syncState === 'synced') ? deals : null;
      }, 15_000);
    // A: four Telegram customers and one website visitor; B: two WhatsApp customers and one on MAX.
    await synced(a.workspaceId, a.token, 5);
    await synced(b.workspaceId, b.token, 3);
    expect(amo.leads()).toHaveLength(5);
    expect(amo.contacts()).toHaveLength(5);
    expect(bitrix.deals()).toHaveLength(3);
    expect(bitrix.contacts()).toHaveLength(3);
  });

  it('applies each CRM webhook once: one stage change in the history, no new deals', async () => {
    for (const lead of amo.leads()) expect(await amo.moveDeal(lead.id, { statusId: 142, price: 45000 })).toBe(200);
    for (const deal of bitrix.deals())
      expect(await bitrix.moveDeal(String(deal['ID']), { stageId: 'WON', opportunity: '15000.00' })).toBe(200);
    for (const [workspaceId, token] of [
      [a.workspaceId, a.token],
      [b.workspaceId, b.token],
    ]) {
      const deals = await eventually(async () => {
        const all = await dealsOf(workspaceId, token);
        return all.every((d) => d.semantic === 'won') ? all : null;
      }, 15_000);
      for (const deal of deals) expect(deal.history.map((h) => h.semantic)).toEqual(['open', 'won']);
    }
    expect(amo.leads()).toHaveLength(5);
    expect(bitrix.deals()).toHaveLength(3);
    // Copies of a webhook find the deal's read already waiting: fewer reads than copies (a copy
    // arriving after a worker took the job rightly gets a read of its own).
    const [{ reads }] = await rows<{ reads: number }>(
      `SELECT count(*)::int AS reads FROM jobs WHERE payload->>'action' = 'sync-deal'`,
    );
    expect(reads).toBeGreaterThanOrEqual(8);
    expect(reads).toBeLessThan(8 * COPIES);
  });

  it('attaches one transcript note per deal when the conversations are resolved', async () => {
    for (const [workspaceId, token] of [
      [a.workspaceId, a.token],
      [b.workspaceId, b.token],
    ]) {
      for (const { id } of await rows<{ id: string }>(`SELECT id FROM conversations WHERE workspace_id = $1`, [
        workspaceId,
      ]))
        expect(
          (await api(t.url, `/api/conversations/${id}/status`, { token, body: { status: 'resolved' } })).status,
        ).toBe(204);
    }
    await eventually(
      async () =>
        amo.leads().every((lead) => amo.notes(lead.id).length > 0) &&
        bitrix.deals().every((deal) => bitrix.comments(String(deal['ID'])).length > 0),
      15_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(amo.leads().map((lead) => amo.notes(lead.id).length)).toEqual([1, 1, 1, 1, 1]);
    expect(bitrix.deals().map((deal) => bitrix.comments(String(deal['ID'])).length)).toEqual([1, 1, 1]);
  });
});
