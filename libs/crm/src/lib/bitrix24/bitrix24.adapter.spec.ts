import { FakeBitrix24, recordingAgents } from '@onebox/fakes';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CrmContext } from '../crm-adapter';
import { CrmError } from '../crm-error';
import { Bitrix24Adapter, type Bitrix24Settings } from './bitrix24.adapter';

const CODE = 'abc123secret';
const TOKEN = '51856fefc120afa4b628cc82d3935cce';
const PATH = `/rest/1/${CODE}`;
/** The event sample of EXTERNAL-APIS.md §5, byte for byte. */
const SAMPLE_UPDATE =
  'event=ONCRMDEALUPDATE&event_handler_id=201&data%5BFIELDS%5D%5BID%5D=759&ts=1767225600&auth%5Bdomain%5D=example.bitrix24.ru&auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553&auth%5Bapplication_token%5D=51856fefc120afa4b628cc82d3935cce';

describe(Bitrix24Adapter.name, () => {
  const adapter = new Bitrix24Adapter();
  let clock: number;
  let fake: FakeBitrix24;
  let ctx: CrmContext;
  const settings: Bitrix24Settings = {
    webhookUrl: `https://example.bitrix24.ru/rest/1/${CODE}/`,
    applicationToken: TOKEN,
  };

  const failure = async (promise: Promise<unknown>): Promise<CrmError> => {
    const err = await promise.then(
      () => {
        throw new Error('expected a CrmError');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CrmError);
    return err as CrmError;
  };
  const bodyOf = (method: string, index = 0) => JSON.parse(fake.callsTo(method)[index].rawBody.toString('utf8'));

  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 1, 0, 0, 0);
    fake = new FakeBitrix24({
      portal: 'example.bitrix24.ru',
      userId: 1,
      code: CODE,
      applicationToken: TOKEN,
      now: () => clock,
    });
    ctx = { baseUrl: await fake.start(), timeoutMs: 2_000 };
  });

  afterEach(() => fake.stop());

  it('declares its settings and budget', () => {
    expect(adapter.type).toBe('bitrix24');
    expect(adapter.rateLimit).toEqual({ burst: 50, perSecond: 2 });
    expect(adapter.settingsFields.map((f) => [f.key, f.secret, f.required])).toEqual([
      ['webhookUrl', true, false],
      ['applicationToken', true, false],
    ]);
    const pattern = new RegExp(adapter.settingsFields[0].pattern!);
    expect(pattern.test('https://company.bitrix24.ru/rest/1/abc123/')).toBe(true);
    expect(pattern.test('http://company.bitrix24.ru/rest/1/abc123/')).toBe(false);
  });

  describe('outbound calls', () => {
    it('checks the connection with profile: POST JSON to the webhook path', async () => {
      await expect(adapter.checkConnection(settings, ctx)).resolves.toEqual({
        accountId: 'example.bitrix24.ru',
        accountName: 'example.bitrix24.ru',
      });
      const [call] = fake.calls;
      expect(call.method).toBe('POST');
      expect(call.path).toBe(`${PATH}/profile.json`);
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.headers['accept']).toBe('application/json');
      expect(call.rawBody.toString('utf8')).toBe('{}');
    });

    it('makes every call through the agents it is given', async () => {
      const agents = recordingAgents();

      await adapter.checkConnection(settings, { ...ctx, agents });
      await adapter.listUsers(settings, { ...ctx, agents });

      expect(agents.connections).toEqual([new URL(ctx.baseUrl!).host, new URL(ctx.baseUrl!).host]);
    });

    it('accepts a webhook URL without the trailing slash', async () => {
      await adapter.checkConnection({ webhookUrl: `https://example.bitrix24.ru/rest/1/${CODE}` }, ctx);
      expect(fake.calls[0].path).toBe(`${PATH}/profile.json`);
    });

    it('lists funnels with their stages in one batch', async () => {
      const wholesale = fake.addCategory('Опт', [
        { id: 'NEW', name: 'Новая' },
        { id: 'WON', name: 'Оплачено', semantic: 'S' },
        { id: 'LOSE', name: 'Отказ', semantic: 'F' },
      ]);
      const pipelines = await adapter.listPipelines(settings, ctx);

      expect(fake.calls.map((c) => c.path)).toEqual([`${PATH}/crm.category.list.json`, `${PATH}/batch.json`]);
      expect(bodyOf('crm.category.list')).toEqual({ entityTypeId: 2 });
      expect(bodyOf('batch')).toEqual({
        halt: 0,
        cmd: {
          stages_0: 'crm.status.list?order%5BSORT%5D=ASC&filter%5BENTITY_ID%5D=DEAL_STAGE',
          [`stages_${wholesale}`]: `crm.status.list?order%5BSORT%5D=ASC&filter%5BENTITY_ID%5D=DEAL_STAGE_${wholesale}`,
        },
      });
      expect(pipelines).toEqual([
        {
          id: '0',
          name: 'Общая',
          isMain: true,
          stages: [
            { id: 'NEW', name: 'Новая', sort: 10, semantic: 'open' },
            { id: 'PREPARATION', name: 'Подготовка документов', sort: 20, semantic: 'open' },
            { id: 'PREPAYMENT_INVOICE', name: 'Счёт на предоплату', sort: 30, semantic: 'open' },
            { id: 'EXECUTING', name: 'В работе', sort: 40, semantic: 'open' },
            { id: 'FINAL_INVOICE', name: 'Финальный счёт', sort: 50, semantic: 'open' },
            { id: 'WON', name: 'Сделка успешна', sort: 60, semantic: 'won' },
            { id: 'LOSE', name: 'Сделка провалена', sort: 70, semantic: 'lost' },
            { id: 'APOLOGY', name: 'Анализ причины провала', sort: 80, semantic: 'lost' },
          ],
        },
        {
          id: String(wholesale),
          name: 'Опт',
          isMain: false,
          stages: [
            { id: `C${wholesale}:NEW`, name: 'Новая', sort: 10, semantic: 'open' },
            { id: `C${wholesale}:WON`, name: 'Оплачено', sort: 20, semantic: 'won' },
            { id: `C${wholesale}:LOSE`, name: 'Отказ', sort: 30, semantic: 'lost' },
          ],
        },
      ]);
    });

    it('lists active users page by page', async () => {
      const users = Array.from({ length: 55 }, (_, i) => ({
        id: i + 1,
        name: `Имя${i + 1}`,
        lastName: 'Фамилия',
        email: `u${i + 1}@example.com`,
      }));
      await fake.stop();
      fake = new FakeBitrix24({ code: CODE, users });
      ctx = { baseUrl: await fake.start() };

      const list = await adapter.listUsers(settings, ctx);
      expect(list).toHaveLength(55);
      expect(list[0]).toEqual({ id: '1', name: 'Имя1 Фамилия', email: 'u1@example.com' });
      expect(fake.callsTo('user.get').map((c) => JSON.parse(c.rawBody.toString('utf8')))).toEqual([
        { filter: { ACTIVE: true }, start: 0 },
        { filter: { ACTIVE: true }, start: 50 },
      ]);
    });

    it('creates a contact when no phone matches, then finds it', async () => {
      const input = { name: 'Иван Петров', phone: '+79161234567', responsibleUserId: '7' };
      await expect(adapter.findOrCreateContact(settings, input, ctx)).resolves.toEqual({ id: '1', created: true });
      expect(bodyOf('crm.contact.list')).toEqual({
        filter: { PHONE: '+79161234567' },
        select: ['ID'],
        order: { ID: 'ASC' },
      });
      expect(bodyOf('crm.contact.add')).toEqual({
        fields: { NAME: 'Иван Петров', PHONE: [{ VALUE: '+79161234567', VALUE_TYPE: 'WORK' }], ASSIGNED_BY_ID: 7 },
      });
      expect(fake.contacts()[0]).toEqual(expect.objectContaining({ NAME: 'Иван Петров', ASSIGNED_BY_ID: '7' }));

      await expect(adapter.findOrCreateContact(settings, input, ctx)).resolves.toEqual({ id: '1', created: false });
      expect(fake.callsTo('crm.contact.add')).toHaveLength(1);
    });

    it('looks up phone and email in one batch and falls back to the email match', async () => {
      await adapter.findOrCreateContact(settings, { name: 'Anna', email: 'anna@example.com' }, ctx);
      fake.calls.length = 0;

      const found = await adapter.findOrCreateContact(
        settings,
        { name: 'Anna', phone: '+79990000000', email: 'anna@example.com' },
        ctx,
      );
      expect(found).toEqual({ id: '1', created: false });
      expect(fake.calls.map((c) => c.path)).toEqual([`${PATH}/batch.json`]);
      expect(bodyOf('batch')).toEqual({
        halt: 0,
        cmd: {
          phone: 'crm.contact.list?filter%5BPHONE%5D=%2B79990000000&select%5B0%5D=ID&order%5BID%5D=ASC',
          email: 'crm.contact.list?filter%5BEMAIL%5D=anna%40example.com&select%5B0%5D=ID&order%5BID%5D=ASC',
        },
      });
    });

    it('creates a deal with the funnel, stage, contact, responsible, source and exact amount', async () => {
      const wholesale = fake.addCategory('Опт');
      const { id } = await adapter.createDeal(
        settings,
        {
          title: 'Telegram: Иван',
          contactId: '12',
          pipelineId: String(wholesale),
          stageId: `C${wholesale}:PREPARATION`,
          responsibleUserId: '7',
          source: 'telegram',
          amount: { value: '15000.50', currency: 'RUB' },
        },
        ctx,
      );
      expect(id).toBe('1');
      expect(bodyOf('crm.deal.add')).toEqual({
        fields: {
          TITLE: 'Telegram: Иван',
          CONTACT_ID: 12,
          SOURCE_ID: 'OTHER',
          SOURCE_DESCRIPTION: 'Onebox: Telegram',
          CATEGORY_ID: wholesale,
          STAGE_ID: `C${wholesale}:PREPARATION`,
          ASSIGNED_BY_ID: 7,
          OPPORTUNITY: '15000.50',
          CURRENCY_ID: 'RUB',
        },
      });
      expect(fake.deal(1)).toEqual(
        expect.objectContaining({
          CATEGORY_ID: String(wholesale),
          STAGE_ID: `C${wholesale}:PREPARATION`,
          OPPORTUNITY: '15000.50',
          CONTACT_ID: '12',
        }),
      );
    });

    it('sends the website chat as source WEB', async () => {
      await adapter.createDeal(settings, { title: 'Chat', contactId: '1', source: 'webchat' }, ctx);
      expect(bodyOf('crm.deal.add').fields).toEqual(
        expect.objectContaining({ SOURCE_ID: 'WEB', SOURCE_DESCRIPTION: 'Onebox: Web chat' }),
      );
    });

    it('updates the stage, amount and responsible user; sends nothing for an empty change', async () => {
      const { id } = await adapter.createDeal(settings, { title: 'x', contactId: '1', source: 'max' }, ctx);
      await adapter.updateDeal(
        settings,
        id,
        { stageId: 'EXECUTING', amount: { value: '700.10', currency: 'USD' }, responsibleUserId: '7' },
        ctx,
      );
      expect(bodyOf('crm.deal.update')).toEqual({
        id: 1,
        fields: { STAGE_ID: 'EXECUTING', OPPORTUNITY: '700.10', CURRENCY_ID: 'USD', ASSIGNED_BY_ID: 7 },
      });
      expect(fake.deal(id)).toEqual(
        expect.objectContaining({
          STAGE_ID: 'EXECUTING',
          OPPORTUNITY: '700.10',
          CURRENCY_ID: 'USD',
          ASSIGNED_BY_ID: '7',
        }),
      );

      await adapter.updateDeal(settings, id, {}, ctx);
      expect(fake.callsTo('crm.deal.update')).toHaveLength(1);
    });

    it('reads a deal: strings kept exact, won semantic, close time from the move', async () => {
      fake.bindEvents('http://127.0.0.1:1/unreachable');
      const { id } = await fake.addDealInCrm({ title: 'Заказ #42', opportunity: '100', assignedById: 7 });
      clock += 2 * 3_600_000;
      await fake.moveDeal(id, { stageId: 'WON', opportunity: '15000' });

      const deal = await adapter.getDeal(settings, id, ctx);
      expect(bodyOf('crm.deal.get')).toEqual({ id: 1 });
      expect(deal).toEqual({
        id: '1',
        title: 'Заказ #42',
        pipelineId: '0',
        stageId: 'WON',
        semantic: 'won',
        amount: '15000.00',
        currency: 'RUB',
        responsibleUserId: '7',
        closedAt: new Date('2026-01-01T02:00:00Z'),
        updatedAt: new Date('2026-01-01T02:00:00Z'),
      });
    });

    it('reads an open deal without a close time, and a lost one', async () => {
      fake.bindEvents('http://127.0.0.1:1/unreachable');
      const { id } = await fake.addDealInCrm({ title: 'x' });
      expect(await adapter.getDeal(settings, id, ctx)).toEqual(
        expect.objectContaining({ semantic: 'open', closedAt: null, amount: '0.00' }),
      );
      await fake.moveDeal(id, { stageId: 'APOLOGY' });
      expect(await adapter.getDeal(settings, id, ctx)).toEqual(
        expect.objectContaining({ semantic: 'lost', stageId: 'APOLOGY' }),
      );
    });

    it('adds the transcript as a timeline comment', async () => {
      const { id } = await adapter.createDeal(settings, { title: 'x', contactId: '1', source: 'whatsapp' }, ctx);
      await adapter.addNote(settings, id, 'Клиент: Здравствуйте\nМенеджер: Добрый день', ctx);
      expect(bodyOf('crm.timeline.comment.add')).toEqual({
        fields: { ENTITY_ID: 1, ENTITY_TYPE: 'deal', COMMENT: 'Клиент: Здравствуйте\nМенеджер: Добрый день' },
      });
      expect(fake.comments(id).map((c) => c['COMMENT'])).toEqual(['Клиент: Здравствуйте\nМенеджер: Добрый день']);
    });

    it('builds the deal URL on the portal, not on the override', () => {
      expect(adapter.dealUrl(settings, '759')).toBe('https://example.bitrix24.ru/crm/deal/details/759/');
    });
  });

  describe('errors', () => {
    const inject = (status: number, body: unknown, headers?: Record<string, string>) =>
      fake.inject({ pathEndsWith: '/profile.json', times: 1, reply: { status, body, headers } });
    const profileError = () => failure(adapter.checkConnection(settings, ctx));

    it('503 QUERY_LIMIT_EXCEEDED → rate_limited, at least 1 s', async () => {
      fake.throttle(1);
      const err = await profileError();
      expect([err.code, err.retryAfterMs, err.providerCode, err.retryable]).toEqual([
        'rate_limited',
        1000,
        'QUERY_LIMIT_EXCEEDED',
        true,
      ]);
    });

    it('503 QUERY_LIMIT_EXCEEDED with a longer Retry-After → that wait', async () => {
      inject(503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' }, { 'retry-after': '3' });
      expect((await profileError()).retryAfterMs).toBe(3000);
    });

    it('429 OPERATION_TIME_LIMIT with Retry-After → rate_limited for that long', async () => {
      inject(
        429,
        { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit' },
        { 'retry-after': '5' },
      );
      const err = await profileError();
      expect([err.code, err.retryAfterMs, err.providerCode]).toEqual(['rate_limited', 5000, 'OPERATION_TIME_LIMIT']);
    });

    it('401 INVALID_CREDENTIALS (wrong webhook code) → invalid_credentials', async () => {
      const err = await failure(
        adapter.checkConnection({ webhookUrl: 'https://example.bitrix24.ru/rest/1/wrongcode/' }, ctx),
      );
      expect([err.code, err.providerCode, err.retryable]).toEqual([
        'invalid_credentials',
        'INVALID_CREDENTIALS',
        false,
      ]);
    });

    it.each([
      ['expired_token', 'The access token provided has expired'],
      ['INVALID_TOKEN', 'Invalid token provided'],
      ['NO_AUTH_FOUND', 'Wrong authorization data'],
      ['insufficient_scope', 'The request requires higher privileges than provided by the webhook token'],
    ])('401 %s → invalid_credentials', async (error, description) => {
      inject(401, { error, error_description: description });
      const err = await profileError();
      expect([err.code, err.providerCode]).toEqual(['invalid_credentials', error]);
    });

    it('403 ACCESS_DENIED → invalid_credentials', async () => {
      inject(403, { error: 'ACCESS_DENIED', error_description: 'REST is available only by subscription' });
      expect((await profileError()).code).toBe('invalid_credentials');
    });

    it('400 "Access denied" from a method → invalid_credentials', async () => {
      inject(400, { error: '', error_description: 'Access denied' });
      const err = await profileError();
      expect([err.code, err.providerCode]).toEqual(['invalid_credentials', 'Access denied']);
    });

    it('404 ERROR_METHOD_NOT_FOUND → not_found', async () => {
      inject(404, { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
      const err = await profileError();
      expect([err.code, err.providerCode]).toEqual(['not_found', 'ERROR_METHOD_NOT_FOUND']);
    });

    it('400 "Not found" with an empty code from crm.deal.get → not_found', async () => {
      const err = await failure(adapter.getDeal(settings, '404', ctx));
      expect([err.code, err.providerCode]).toEqual(['not_found', 'Not found']);
    });

    it('400 OWNER_NOT_FOUND from crm.timeline.comment.add → not_found', async () => {
      const err = await failure(adapter.addNote(settings, '404', 'text', ctx));
      expect([err.code, err.providerCode]).toEqual(['not_found', 'OWNER_NOT_FOUND']);
    });

    it('400 invalid field value → validation', async () => {
      const err = await failure(
        adapter.createDeal(
          settings,
          { title: 'x', contactId: '1', source: 'telegram', amount: { value: '1', currency: 'XXX' } },
          ctx,
        ),
      );
      expect([err.code, err.retryable]).toEqual(['validation', false]);
      expect(err.message).toContain('Currency');
    });

    it('500 INTERNAL_SERVER_ERROR → temporary', async () => {
      inject(500, { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
      const err = await profileError();
      expect([err.code, err.providerCode, err.retryable]).toEqual(['temporary', 'INTERNAL_SERVER_ERROR', true]);
    });

    it('502 nginx page during an outage → temporary', async () => {
      fake.outage(1);
      expect((await profileError()).code).toBe('temporary');
    });

    it('503 without QUERY_LIMIT_EXCEEDED (maintenance page) → temporary, not rate_limited', async () => {
      fake.outage({ times: 1, status: 503 });
      expect((await profileError()).code).toBe('temporary');
    });

    it('a dropped connection → temporary', async () => {
      fake.outage({ times: 1, drop: true });
      expect((await profileError()).code).toBe('temporary');
    });

    it('a timeout → temporary', async () => {
      fake.inject({
        pathEndsWith: '/profile.json',
        times: 1,
        delayMs: 300,
        reply: { status: 200, body: { result: {} } },
      });
      const err = await failure(adapter.checkConnection(settings, { ...ctx, timeoutMs: 50 }));
      expect(err.code).toBe('temporary');
    });

    it('a refused connection → temporary', async () => {
      const err = await failure(adapter.checkConnection(settings, { baseUrl: 'http://127.0.0.1:1' }));
      expect(err.code).toBe('temporary');
    });

    it('an error inside a batch command → mapped like a direct one', async () => {
      fake.inject({
        pathEndsWith: '/batch.json',
        times: 1,
        reply: {
          status: 200,
          body: {
            result: {
              result: [],
              result_error: { stages_0: { error: 'insufficient_scope', error_description: '' } },
              result_total: [],
              result_next: [],
              result_time: [],
            },
            time: {},
          },
        },
      });
      const err = await failure(adapter.listPipelines(settings, ctx));
      expect([err.code, err.providerCode]).toEqual(['invalid_credentials', 'insufficient_scope']);
    });

    it('a malformed webhook URL → validation, without a request', async () => {
      const err = await failure(adapter.checkConnection({ webhookUrl: 'https://example.bitrix24.ru/crm/' }, ctx));
      expect(err.code).toBe('validation');
      expect(fake.calls).toHaveLength(0);
    });
  });

  describe('inbound events', () => {
    const request = (body: string) => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: Buffer.from(body),
    });

    it('reads the documented ONCRMDEALUPDATE sample', () => {
      expect(adapter.parseWebhook(settings, request(SAMPLE_UPDATE))).toEqual([
        { dealId: '759', kind: 'updated', at: new Date('2026-01-01T00:00:00Z') },
      ]);
    });

    it('reads ONCRMDEALADD', () => {
      const body = SAMPLE_UPDATE.replace('ONCRMDEALUPDATE', 'ONCRMDEALADD').replace(
        'event_handler_id=201',
        'event_handler_id=200',
      );
      expect(adapter.parseWebhook(settings, request(body))).toEqual([
        { dealId: '759', kind: 'added', at: new Date('2026-01-01T00:00:00Z') },
      ]);
    });

    it('rejects a forged application token', () => {
      const forged = SAMPLE_UPDATE.replace(TOKEN, '00000000000000000000000000000000');
      expect(() => adapter.parseWebhook(settings, request(forged))).toThrow(
        expect.objectContaining({ code: 'invalid_credentials' }),
      );
    });

    it('rejects an event without a token', () => {
      const bare = SAMPLE_UPDATE.replace(/&auth%5Bapplication_token%5D=[0-9a-f]+/, '');
      expect(() => adapter.parseWebhook(settings, request(bare))).toThrow(
        expect.objectContaining({ code: 'invalid_credentials' }),
      );
    });

    it('rejects every event while no token is configured', () => {
      expect(() => adapter.parseWebhook({ webhookUrl: settings.webhookUrl }, request(SAMPLE_UPDATE))).toThrow(
        expect.objectContaining({ code: 'invalid_credentials' }),
      );
    });

    it('ignores other events that carry the right token', () => {
      const contact = SAMPLE_UPDATE.replace('ONCRMDEALUPDATE', 'ONCRMCONTACTUPDATE');
      expect(adapter.parseWebhook(settings, request(contact))).toEqual([]);
    });

    it('end to end: a deal moved to won in the CRM reaches Onebox and reads back won', async () => {
      const received: Buffer[] = [];
      const onebox: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const rawBody = Buffer.concat(chunks);
          try {
            adapter.parseWebhook(settings, { headers: req.headers, rawBody });
            received.push(rawBody);
            res.writeHead(200).end();
          } catch {
            res.writeHead(403).end();
          }
        });
      });
      await new Promise<void>((r) => onebox.listen(0, '127.0.0.1', r));
      try {
        fake.bindEvents(`http://127.0.0.1:${(onebox.address() as AddressInfo).port}/api/crm/webhooks/conn-1`);
        const { id } = await adapter.createDeal(settings, { title: 'x', contactId: '1', source: 'telegram' }, ctx);
        await fake.flushEvents();
        received.length = 0;

        expect(await fake.moveDeal(id, { stageId: 'WON', opportunity: '15000' })).toBe(200);
        const [event] = adapter.parseWebhook(settings, { headers: {}, rawBody: received[0] });
        expect(event).toEqual({ dealId: id, kind: 'updated', at: new Date(clock - (clock % 1000)) });
        expect(await adapter.getDeal(settings, event.dealId, ctx)).toEqual(
          expect.objectContaining({ semantic: 'won', amount: '15000.00' }),
        );
      } finally {
        onebox.closeAllConnections();
        await new Promise<void>((r) => onebox.close(() => r()));
      }
    });
  });
});
