import type {
  ChannelDto,
  ConversationListItem,
  ConversationSurveyDto,
  SurveyRequest,
  WebchatSession,
} from '@onebox/contracts';
import { FakeMax, FakeTelegram, FakeWhatsApp } from '@onebox/fakes';
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

const WA = {
  phoneNumberId: '106540352242999',
  accessToken: 'EAAGsurveytoken0123456789',
  appSecret: 'survey-app-secret',
  verifyToken: 'survey-verify-token',
};

jest.setTimeout(30_000);

type Ack = { ok: true } | { error: { code: string; message: string } };

/** Surveys after resolution, on Telegram (inline keyboard), the widget and WhatsApp (interactive). */
describe('Surveys through the running product', () => {
  const telegram = new FakeTelegram();
  const max = new FakeMax({ token: 'max-survey-token-0123456789', botUsername: 'survey_max_bot' });
  const whatsapp = new FakeWhatsApp({
    phoneNumberId: WA.phoneNumberId,
    accessToken: WA.accessToken,
    appSecret: WA.appSecret,
  });
  let t: TestApp;
  let token: string;
  let adminId: string;
  let workspaceId: string;
  let widgetKey: string;
  let agent: Socket;

  const put = (body: unknown, as = token) =>
    api<{ code?: string; details?: { field: string }[] }>(t.url, '/api/surveys/settings', {
      method: 'PUT',
      token: as,
      body,
    });
  const resolve = (id: string) =>
    api(t.url, `/api/conversations/${id}/status`, { token, body: { status: 'resolved' } });
  const reply = (id: string, text: string) =>
    api(t.url, `/api/conversations/${id}/messages`, { token, body: { text } });
  const surveyOf = async (conversationId: string, cycle = 1) =>
    (
      await t.db.query('SELECT * FROM surveys WHERE conversation_id = $1 AND cycle = $2', [conversationId, cycle])
    )[0] as
      | {
          id: string;
          kind: string;
          manager_id: string;
          sent_at: Date | null;
          skipped_reason: string | null;
          message_id: string | null;
        }
      | undefined;
  const responsesOf = (surveyId: string) =>
    t.db.query('SELECT * FROM survey_responses WHERE survey_id = $1', [surveyId]) as Promise<
      { score: number; comment: string | null; cycle: number; manager_id: string; kind: string }[]
    >;
  const conversationRow = async (id: string) =>
    (await t.db.query('SELECT status, cycle FROM conversations WHERE id = $1', [id]))[0] as {
      status: string;
      cycle: number;
    };

  async function createChannel(body: unknown): Promise<ChannelDto> {
    const created = await api<ChannelDto>(t.url, '/api/channels', { token, body });
    expect(created.status).toBe(201);
    return created.body;
  }

  beforeAll(async () => {
    await telegram.start();
    await whatsapp.start();
    await max.start();
    t = await startTestApp({
      MAX_API_ROOT: max.url,
      TELEGRAM_API_ROOT: telegram.url,
      WHATSAPP_API_ROOT: whatsapp.url,
      ONEBOX_UPDATE_MODE: 'webhook',
    });
    // A workspace of its own: surveys switched on here never touch other suites' conversations.
    const ws = await createWorkspace(t.db, 'surveys');
    workspaceId = ws.workspaceId;
    widgetKey = ws.widgetKey;
    token = await login(t.url, ws.email, ws.password);
    adminId = (await t.db.query('SELECT id FROM users WHERE email = $1', [ws.email]))[0].id;
    agent = await connectAgent(t.url, token);
  });

  afterAll(async () => {
    agent.close();
    await t.close();
    await telegram.stop();
    await whatsapp.stop();
    await max.stop();
  });

  it('keeps the settings: validated, admin only, off by default', async () => {
    expect((await api(t.url, '/api/surveys/settings', { token })).body).toEqual({
      enabled: false,
      kind: 'csat',
      askComment: false,
    });
    const bad = await put({ enabled: 'yes', kind: 'stars' });
    expect(bad.status).toBe(400);
    expect(bad.body.details!.map((d) => d.field).sort()).toEqual(['enabled', 'kind']);

    await api(t.url, '/api/users', {
      token,
      body: {
        email: `survey-manager-${Date.now()}@onebox.test`,
        name: 'Mia',
        password: 'manager-pass-1',
        role: 'manager',
      },
    });
    const managerEmail = (
      await t.db.query(`SELECT email FROM users WHERE workspace_id = $1 AND role = 'manager'`, [workspaceId])
    )[0].email;
    const manager = await login(t.url, managerEmail, 'manager-pass-1');
    expect((await put({ enabled: true, kind: 'csat' }, manager)).status).toBe(403);

    const saved = await put({ enabled: true, kind: 'csat', question: '  Как мы справились?  ' });
    expect(saved).toMatchObject({ status: 200, body: { enabled: true, kind: 'csat', question: 'Как мы справились?' } });
    const [row] = await t.db.query('SELECT settings FROM workspaces WHERE id = $1', [workspaceId]);
    expect(row.settings.survey).toEqual({
      enabled: true,
      kind: 'csat',
      question: 'Как мы справились?',
      askComment: false,
    });
  });

  describe('Telegram', () => {
    beforeAll(async () => {
      const channel = await createChannel({
        type: 'telegram',
        name: 'Survey bot',
        credentials: { botToken: telegram.token },
      });
      expect(telegram.webhookUrl).toBe(channel.webhookUrl);
    });

    async function conversationWith(chatId: number, firstName: string): Promise<string> {
      const created = nextEvent<ConversationListItem>(
        agent,
        'conversation.created',
        (c) => c.contact.name === firstName,
      );
      expect((await telegram.customerWrites({ chatId, firstName, text: 'Where is my order?' })).status).toBe(200);
      return (await created).id;
    }

    it('sends the survey with an inline keyboard; the press lands on the cycle and its manager without reopening', async () => {
      const id = await conversationWith(555001, 'Olga');
      expect((await reply(id, 'It ships today')).status).toBe(201);
      await eventually(async () => telegram.sentMessages(555001).length === 1);
      expect((await resolve(id)).status).toBe(204);

      const survey = await eventually(() => surveyOf(id));
      expect(survey).toMatchObject({ kind: 'csat', manager_id: adminId, skipped_reason: null });
      const prompt = await eventually(async () =>
        telegram.callsTo('sendMessage').find((c) => JSON.stringify(c.body).includes('inline_keyboard')),
      );
      expect(JSON.parse(prompt.rawBody.toString())).toEqual({
        chat_id: 555001,
        text: 'Как мы справились?',
        reply_markup: {
          inline_keyboard: [
            [1, 2, 3, 4, 5].map((n) => ({ text: String(n), callback_data: `survey:${survey.id}:${n}` })),
          ],
        },
      });
      const [sentEvent] = await t.db.query(
        `SELECT cycle, actor_type, payload FROM conversation_events WHERE conversation_id = $1 AND type = 'survey_sent'`,
        [id],
      );
      expect(sentEvent).toMatchObject({
        cycle: 1,
        actor_type: 'system',
        payload: { surveyId: survey.id, kind: 'csat' },
      });

      const answered = nextEvent<{ conversationId: string; survey: ConversationSurveyDto }>(agent, 'survey.answered');
      const press = await telegram.customerPressesButton({ chatId: 555001, data: `survey:${survey.id}:4` });
      expect(press.status).toBe(200);
      expect((await answered).survey).toMatchObject({ id: survey.id, kind: 'csat', score: 4, cycle: 1 });

      expect(await responsesOf(survey.id)).toEqual([
        expect.objectContaining({ score: 4, cycle: 1, manager_id: adminId, kind: 'csat', comment: null }),
      ]);
      const query = press.update['callback_query'] as { id: string };
      await eventually(async () => telegram.answeredCallbackQueries().some((q) => q.id === query.id));
      expect(await conversationRow(id)).toEqual({ status: 'resolved', cycle: 1 });
      const inbound = await t.db.query(
        `SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND direction = 'in'`,
        [id],
      );
      expect(inbound[0].n).toBe(1);
      const [answeredEvent] = await t.db.query(
        `SELECT cycle, payload FROM conversation_events WHERE conversation_id = $1 AND type = 'survey_answered'`,
        [id],
      );
      expect(answeredEvent).toEqual({
        cycle: 1,
        payload: { surveyId: survey.id, kind: 'csat', score: 4, managerId: adminId },
      });

      // One answer per survey: a second press and an out-of-range one change nothing.
      await telegram.customerPressesButton({ chatId: 555001, data: `survey:${survey.id}:1` });
      await telegram.customerPressesButton({ chatId: 555001, data: `survey:${survey.id}:9` });
      expect((await responsesOf(survey.id)).map((r) => r.score)).toEqual([4]);
      expect(await conversationRow(id)).toEqual({ status: 'resolved', cycle: 1 });

      const list = await api<{ items: ConversationSurveyDto[] }>(t.url, `/api/conversations/${id}/surveys`, { token });
      expect(list.body.items).toEqual([
        expect.objectContaining({ id: survey.id, kind: 'csat', score: 4, cycle: 1, managerId: adminId, comment: null }),
      ]);
      // The job may run again: still one survey for the cycle.
      expect((await t.db.query('SELECT count(*)::int AS n FROM surveys WHERE conversation_id = $1', [id]))[0].n).toBe(
        1,
      );
    });

    it('records a late press on the cycle it belongs to, after the customer started a new one', async () => {
      const id = await conversationWith(555002, 'Pavel');
      await reply(id, 'Done');
      await resolve(id);
      const survey = await eventually(() => surveyOf(id));
      await eventually(async () => telegram.sentMessages(555002).some((m) => m['reply_markup']));

      await telegram.customerWrites({ chatId: 555002, firstName: 'Pavel', text: 'One more thing' });
      await eventually(async () => (await conversationRow(id)).cycle === 2);
      await telegram.customerPressesButton({ chatId: 555002, data: `survey:${survey!.id}:2` });

      await eventually(async () => (await responsesOf(survey!.id)).length === 1);
      expect((await responsesOf(survey!.id))[0]).toMatchObject({ score: 2, cycle: 1 });
      const [event] = await t.db.query(
        `SELECT cycle FROM conversation_events WHERE conversation_id = $1 AND type = 'survey_answered'`,
        [id],
      );
      expect(event.cycle).toBe(1);
      expect(await conversationRow(id)).toEqual({ status: 'open', cycle: 2 });
    });

    it('ignores a press on another customer’s survey', async () => {
      const id = await conversationWith(555003, 'Rita');
      await resolve(id);
      const survey = await eventually(() => surveyOf(id));
      await telegram.customerWrites({ chatId: 555004, firstName: 'Stranger', text: 'hi' });
      await telegram.customerPressesButton({ chatId: 555004, data: `survey:${survey!.id}:1` });
      expect(await responsesOf(survey!.id)).toEqual([]);
      // With no human reply the manager is the assignee (none here).
      expect(survey!.manager_id).toBeNull();
    });
  });

  describe('MAX', () => {
    it('sends callback buttons in an inline_keyboard; the press is answered and recorded', async () => {
      const channel = await createChannel({
        type: 'max',
        name: 'Survey MAX',
        credentials: { token: 'max-survey-token-0123456789' },
      });
      expect(max.subscriptions().map((s) => s.url)).toEqual([channel.webhookUrl]);
      const created = nextEvent<ConversationListItem>(agent, 'conversation.created', (c) => c.contact.name === 'Lena');
      expect(await max.customerWrites({ userId: 777001, name: 'Lena', text: 'Hello' })).toBe(200);
      const id = (await created).id;
      await reply(id, 'Hi Lena');
      await resolve(id);

      const survey = await eventually(() => surveyOf(id));
      const prompt = await eventually(async () => max.sentMessages().find((m) => m.attachments.length > 0));
      expect(prompt.attachments).toEqual([
        {
          type: 'inline_keyboard',
          payload: {
            buttons: [
              [1, 2, 3, 4, 5].map((n) => ({ type: 'callback', text: String(n), payload: `survey:${survey!.id}:${n}` })),
            ],
          },
        },
      ]);

      expect(await max.customerPressesButton({ userId: 777001, name: 'Lena', payload: `survey:${survey!.id}:5` })).toBe(
        200,
      );
      expect((await responsesOf(survey!.id)).map((r) => [r.score, r.cycle, r.manager_id])).toEqual([[5, 1, adminId]]);
      await eventually(async () => max.callbackAnswers().length === 1);
      expect(await conversationRow(id)).toEqual({ status: 'resolved', cycle: 1 });
    });
  });

  describe('widget', () => {
    async function visitorConversation(): Promise<{ socket: Socket; visitorToken: string; conversationId: string }> {
      const { socket, session } = await connectVisitor(t.url, widgetKey);
      const ack = await socket.emitWithAck('message.send', { clientMessageId: `c-${Date.now()}`, text: 'Hello' });
      const [row] = await t.db.query('SELECT conversation_id FROM messages WHERE id = $1', [ack.id]);
      return { socket, visitorToken: session.visitorToken, conversationId: row.conversation_id };
    }

    it('asks through survey.request, keeps it across a reload, validates NPS and records score and comment', async () => {
      expect((await put({ enabled: true, kind: 'nps', askComment: true })).status).toBe(200);
      const { socket, visitorToken, conversationId } = await visitorConversation();
      await reply(conversationId, 'Happy to help');
      const request = nextEvent<SurveyRequest>(socket, 'survey.request');
      await resolve(conversationId);
      const asked = await request;
      expect(asked).toEqual({
        surveyId: expect.any(String),
        kind: 'nps',
        question: 'Насколько вероятно, что вы порекомендуете нас друзьям? От 0 до 10.',
        askComment: true,
      });
      socket.close();

      const reload = await connectVisitor(t.url, widgetKey, visitorToken);
      expect((reload.session as unknown as WebchatSession).survey).toEqual(asked);

      const tooHigh: Ack = await reload.socket.emitWithAck('survey.answer', { surveyId: asked.surveyId, score: 11 });
      expect(tooHigh).toEqual({
        error: { code: 'validation_failed', message: 'score: must be a whole number from 0 to 10' },
      });
      const unknown: Ack = await reload.socket.emitWithAck('survey.answer', {
        surveyId: '00000000-0000-4000-8000-000000000000',
        score: 5,
      });
      expect(unknown).toMatchObject({ error: { code: 'not_found' } });
      const ok: Ack = await reload.socket.emitWithAck('survey.answer', {
        surveyId: asked.surveyId,
        score: 0,
        comment: 'Too slow',
      });
      expect(ok).toEqual({ ok: true });

      expect(await responsesOf(asked.surveyId)).toEqual([
        expect.objectContaining({ score: 0, comment: 'Too slow', cycle: 1, manager_id: adminId, kind: 'nps' }),
      ]);
      expect(await conversationRow(conversationId)).toEqual({ status: 'resolved', cycle: 1 });
      reload.socket.close();
      const again = await connectVisitor(t.url, widgetKey, visitorToken);
      expect((again.session as unknown as WebchatSession).survey).toBeNull();
      again.socket.close();
    });

    it('validates CES scores 1–5', async () => {
      expect((await put({ enabled: true, kind: 'ces' })).status).toBe(200);
      const { socket, conversationId } = await visitorConversation();
      const request = nextEvent<SurveyRequest>(socket, 'survey.request');
      await resolve(conversationId);
      const asked = await request;
      expect(asked.kind).toBe('ces');

      expect(await socket.emitWithAck('survey.answer', { surveyId: asked.surveyId, score: 0 })).toMatchObject({
        error: { code: 'validation_failed' },
      });
      expect(await socket.emitWithAck('survey.answer', { surveyId: asked.surveyId, score: 2.5 })).toMatchObject({
        error: { code: 'validation_failed' },
      });
      expect(await socket.emitWithAck('survey.answer', { surveyId: asked.surveyId, score: 2 })).toEqual({ ok: true });
      expect((await responsesOf(asked.surveyId)).map((r) => [r.kind, r.score])).toEqual([['ces', 2]]);
      socket.close();
    });

    it('sends nothing while surveys are off', async () => {
      expect((await put({ enabled: false, kind: 'csat' })).status).toBe(200);
      const { socket, conversationId } = await visitorConversation();
      await resolve(conversationId);
      await new Promise((r) => setTimeout(r, 600));
      expect(await surveyOf(conversationId)).toBeUndefined();
      socket.close();
    });
  });

  describe('WhatsApp', () => {
    let channel: ChannelDto;

    beforeAll(async () => {
      expect((await put({ enabled: true, kind: 'csat' })).status).toBe(200);
      channel = await createChannel({ type: 'whatsapp', name: 'Survey WA', credentials: WA });
      whatsapp.setWebhook(channel.webhookUrl!, WA.verifyToken);
    });

    async function conversationWith(waId: string, name: string): Promise<string> {
      const created = nextEvent<ConversationListItem>(agent, 'conversation.created', (c) => c.contact.name === name);
      expect(await whatsapp.customerWrites({ waId, name, text: 'Hi' })).toBe(200);
      return (await created).id;
    }

    it('sends an interactive list inside the 24-hour window and records the picked row', async () => {
      const id = await conversationWith('79160000001', 'Vera');
      await reply(id, 'Sure');
      await resolve(id);
      const survey = await eventually(() => surveyOf(id));
      const prompt = await eventually(async () =>
        whatsapp.sentMessages().find((m) => m.to === '79160000001' && m.type === 'interactive'),
      );
      expect(prompt.body['interactive']).toEqual({
        type: 'list',
        body: { text: 'Оцените, пожалуйста, нашу помощь: от 1 (плохо) до 5 (отлично).' },
        action: {
          button: 'Выбрать / Choose',
          sections: [{ rows: [1, 2, 3, 4, 5].map((n) => ({ id: `survey:${survey!.id}:${n}`, title: String(n) })) }],
        },
      });

      expect(
        await whatsapp.customerPicksListItem({
          waId: '79160000001',
          name: 'Vera',
          id: `survey:${survey!.id}:5`,
          title: '5',
        }),
      ).toBe(200);
      await eventually(async () => (await responsesOf(survey!.id)).length === 1);
      expect((await responsesOf(survey!.id))[0]).toMatchObject({ score: 5, cycle: 1, manager_id: adminId });
      expect(await conversationRow(id)).toEqual({ status: 'resolved', cycle: 1 });
    });

    it('skips the survey outside the window: nothing sent, recorded as skipped', async () => {
      const id = await conversationWith('79160000002', 'Gleb');
      await t.db.query(
        `UPDATE conversations SET last_customer_message_at = now() - interval '25 hours' WHERE id = $1`,
        [id],
      );
      await resolve(id);
      const survey = await eventually(() => surveyOf(id));
      expect(survey).toMatchObject({ sent_at: null, skipped_reason: 'window_closed', message_id: null });
      expect(whatsapp.sentMessages().filter((m) => m.to === '79160000002')).toEqual([]);
      const list = await api<{ items: unknown[] }>(t.url, `/api/conversations/${id}/surveys`, { token });
      expect(list.body.items).toEqual([]);
    });
  });
});
