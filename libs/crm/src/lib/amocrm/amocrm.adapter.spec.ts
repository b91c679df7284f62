import { FakeAmoCrm, recordingAgents, type RecordedCall } from '@onebox/fakes';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CrmContext, CrmWebhookRequest } from '../crm-adapter';
import { CrmError } from '../crm-error';
import { AmoCrmAdapter } from './amocrm.adapter';

const TOKEN = 'long-lived-token-abc';
const settings = { baseUrl: 'https://mycompany.amocrm.ru', accessToken: TOKEN };
const hooked = { ...settings, webhookSecret: 's3cr3t' };

/** The contract's sample webhook (EXTERNAL-APIS.md §4), byte for byte. */
const SAMPLE =
  'account[id]=29012345&account[subdomain]=mycompany&leads[status][0][id]=21134567&leads[status][0][name]=Order+%2342&leads[status][0][status_id]=142&leads[status][0][old_status_id]=55412345&leads[status][0][price]=15000&leads[status][0][responsible_user_id]=8123456&leads[status][0][pipeline_id]=6950551&leads[status][0][old_pipeline_id]=6950551&leads[status][0][updated_at]=1767225600';

describe(AmoCrmAdapter.name, () => {
  const adapter = new AmoCrmAdapter();
  let fake: FakeAmoCrm;
  let ctx: CrmContext;

  beforeEach(async () => {
    fake = new FakeAmoCrm({ subdomain: 'mycompany', accessToken: TOKEN });
    await fake.start();
    ctx = { baseUrl: fake.url, timeoutMs: 2000 };
  });

  afterEach(async () => {
    await fake.stop();
  });

  async function failure(promise: Promise<unknown>): Promise<CrmError> {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(CrmError);
      return err as CrmError;
    }
    throw new Error('expected a CrmError');
  }

  function only(method: string, path: string): RecordedCall {
    const calls = fake.calls.filter((c) => c.method === method && c.path === path);
    expect(calls).toHaveLength(1);
    return calls[0];
  }

  function expectAuth(call: RecordedCall): void {
    expect(call.headers['authorization']).toBe(`Bearer ${TOKEN}`);
  }

  async function newDeal(): Promise<string> {
    const contact = await adapter.findOrCreateContact(settings, { name: 'Иван', phone: '+79161234567' }, ctx);
    const deal = await adapter.createDeal(
      settings,
      { title: 'Заявка', contactId: contact.id, source: 'telegram', amount: { value: '15000.00', currency: 'RUB' } },
      ctx,
    );
    fake.calls.length = 0;
    return deal.id;
  }

  it('declares its settings and the 7 requests/s budget', () => {
    expect(adapter.type).toBe('amocrm');
    expect(adapter.settingsFields.map((f) => [f.key, f.secret, f.required])).toEqual([
      ['baseUrl', false, true],
      ['accessToken', true, false],
    ]);
    const pattern = new RegExp(adapter.settingsFields[0].pattern!);
    expect(pattern.test('https://mycompany.amocrm.ru')).toBe(true);
    expect(pattern.test('https://mycompany.kommo.com/')).toBe(true);
    expect(pattern.test('http://mycompany.amocrm.ru')).toBe(false);
    expect(pattern.test('https://evil.example.com')).toBe(false);
    expect(adapter.rateLimit).toEqual({ burst: 7, perSecond: 7 });
  });

  it('checkConnection: GET /api/v4/account with the Bearer token', async () => {
    await expect(adapter.checkConnection(settings, ctx)).resolves.toEqual({
      accountId: String(fake.accountId),
      accountName: 'Компания mycompany',
    });
    expectAuth(only('GET', '/api/v4/account'));
  });

  it('makes every call through the agents it is given', async () => {
    const agents = recordingAgents();

    await adapter.checkConnection(settings, { ...ctx, agents });

    expect(agents.connections).toEqual([new URL(fake.url).host]);
  });

  it('listPipelines: stages sorted, unsorted left out, 142 won and 143 lost', async () => {
    const [pipeline] = await adapter.listPipelines(settings, ctx);
    expect(pipeline).toEqual({
      id: '6950551',
      name: 'Воронка',
      isMain: true,
      stages: [
        { id: '55412341', name: 'Первичный контакт', sort: 10, semantic: 'open' },
        { id: '55412342', name: 'Переговоры', sort: 20, semantic: 'open' },
        { id: '55412343', name: 'Принимают решение', sort: 30, semantic: 'open' },
        { id: '142', name: 'Успешно реализовано', sort: 10000, semantic: 'won' },
        { id: '143', name: 'Закрыто и не реализовано', sort: 11000, semantic: 'lost' },
      ],
    });
    expectAuth(only('GET', '/api/v4/leads/pipelines'));
  });

  it('listUsers: pages through 250 at a time and skips deactivated users', async () => {
    for (let i = 0; i < 250; i++) {
      fake.users.push({
        id: 9_000_000 + i,
        name: `U${i}`,
        email: `u${i}@example.com`,
        lang: 'ru',
        rights: { is_admin: false, is_free: false, is_active: i !== 0 },
      });
    }
    const users = await adapter.listUsers(settings, ctx);
    expect(users).toHaveLength(251);
    expect(users[0]).toEqual({ id: '8123456', name: 'Анна Смирнова', email: 'anna@example.com' });
    expect(users.some((u) => u.id === '9000000')).toBe(false);
    expect(fake.callsTo('/api/v4/users').map((c) => c.query)).toEqual([
      { page: '1', limit: '250' },
      { page: '2', limit: '250' },
    ]);
  });

  describe('findOrCreateContact', () => {
    it('searches by phone (204: none) and by email, then creates with PHONE and EMAIL fields', async () => {
      const result = await adapter.findOrCreateContact(
        settings,
        { name: 'Иван Петров', phone: '+7 916 123-45-67', email: 'Ivan@Example.com', responsibleUserId: '8123457' },
        ctx,
      );
      expect(result).toEqual({ id: String(fake.contacts()[0].id), created: true });
      expect(fake.calls.map((c) => [c.method, c.path, c.query])).toEqual([
        ['GET', '/api/v4/contacts', { query: '9161234567', limit: '50' }],
        ['GET', '/api/v4/contacts', { query: 'ivan@example.com', limit: '50' }],
        ['POST', '/api/v4/contacts', {}],
      ]);
      const post = only('POST', '/api/v4/contacts');
      expectAuth(post);
      expect(post.headers['content-type']).toContain('application/json');
      expect(post.body).toEqual([
        {
          name: 'Иван Петров',
          responsible_user_id: 8123457,
          custom_fields_values: [
            { field_code: 'PHONE', values: [{ value: '+7 916 123-45-67', enum_code: 'WORK' }] },
            { field_code: 'EMAIL', values: [{ value: 'Ivan@Example.com', enum_code: 'WORK' }] },
          ],
        },
      ]);
    });

    it('finds the same phone written another way, without creating', async () => {
      const first = await adapter.findOrCreateContact(settings, { name: 'Иван', phone: '+79161234567' }, ctx);
      fake.calls.length = 0;
      const again = await adapter.findOrCreateContact(settings, { name: 'Иван', phone: '8 (916) 123-45-67' }, ctx);
      expect(again).toEqual({ id: first.id, created: false });
      expect(fake.calls.map((c) => c.method)).toEqual(['GET']);
    });

    it('falls back to the email, and ignores fuzzy hits that do not really match', async () => {
      const byEmail = await adapter.findOrCreateContact(settings, { name: 'Мария', email: 'maria@example.com' }, ctx);
      // The name contains the digits searched for: amoCRM's query matches it, the adapter does not.
      await adapter.findOrCreateContact(settings, { name: 'Заказ 9161234567' }, ctx);
      const result = await adapter.findOrCreateContact(
        settings,
        { name: 'Мария', phone: '+79161234567', email: 'MARIA@example.com' },
        ctx,
      );
      expect(result).toEqual({ id: byEmail.id, created: false });
    });
  });

  describe('createDeal', () => {
    it('POSTs /api/v4/leads with pipeline, stage, responsible, integer price, the source tag and the contact', async () => {
      const contact = await adapter.findOrCreateContact(settings, { name: 'Иван', phone: '+79161234567' }, ctx);
      const deal = await adapter.createDeal(
        settings,
        {
          title: 'Telegram: Иван',
          contactId: contact.id,
          pipelineId: '6950551',
          stageId: '55412341',
          responsibleUserId: '8123457',
          source: 'telegram',
          amount: { value: '15000.00', currency: 'RUB' },
        },
        ctx,
      );
      const post = only('POST', '/api/v4/leads');
      expectAuth(post);
      expect(post.body).toEqual([
        {
          name: 'Telegram: Иван',
          pipeline_id: 6950551,
          status_id: 55412341,
          responsible_user_id: 8123457,
          price: 15000,
          _embedded: { tags: [{ name: 'telegram' }], contacts: [{ id: Number(contact.id), is_main: true }] },
        },
      ]);
      expect(fake.lead(deal.id)).toMatchObject({
        status_id: 55412341,
        responsible_user_id: 8123457,
        tags: [{ name: 'telegram' }],
        contacts: [{ id: Number(contact.id) }],
      });
    });

    it('refuses a fractional amount or a non-numeric id before calling amoCRM', async () => {
      const err = await failure(
        adapter.createDeal(
          settings,
          { title: 'x', contactId: '1', source: 't', amount: { value: '10.50', currency: 'RUB' } },
          ctx,
        ),
      );
      expect(err.code).toBe('validation');
      expect(
        (await failure(adapter.createDeal(settings, { title: 'x', contactId: 'abc', source: 't' }, ctx))).code,
      ).toBe('validation');
      expect(fake.calls).toHaveLength(0);
    });
  });

  it('updateDeal: PATCH /api/v4/leads/{id} with only what changed; nothing to change, no call', async () => {
    const id = await newDeal();
    await adapter.updateDeal(
      settings,
      id,
      { stageId: '142', amount: { value: '20000', currency: 'RUB' }, responsibleUserId: '8123457' },
      ctx,
    );
    const patch = only('PATCH', `/api/v4/leads/${id}`);
    expectAuth(patch);
    expect(patch.body).toEqual({ status_id: 142, price: 20000, responsible_user_id: 8123457 });
    await adapter.updateDeal(settings, id, {}, ctx);
    expect(fake.calls).toHaveLength(1);
  });

  describe('getDeal', () => {
    it('maps a won lead: semantic, integer price as a decimal string, closed_at in seconds', async () => {
      const id = await newDeal();
      await fake.moveDeal(id, { statusId: 142, price: 15000 });
      const lead = fake.lead(id)!;
      await expect(adapter.getDeal(settings, id, ctx)).resolves.toEqual({
        id,
        title: 'Заявка',
        pipelineId: '6950551',
        stageId: '142',
        semantic: 'won',
        amount: '15000',
        currency: 'RUB',
        responsibleUserId: '8123456',
        closedAt: new Date(lead.closed_at! * 1000),
        updatedAt: new Date(lead.updated_at * 1000),
      });
      expectAuth(only('GET', `/api/v4/leads/${id}`));
    });

    it('maps a lost lead, and an open one without close time; Kommo accounts have no known currency', async () => {
      const id = await newDeal();
      await fake.moveDeal(id, { statusId: 143 });
      expect((await adapter.getDeal(settings, id, ctx)).semantic).toBe('lost');
      await fake.moveDeal(id, { statusId: 55412342 });
      const open = await adapter.getDeal({ ...settings, baseUrl: 'https://mycompany.kommo.com' }, id, ctx);
      expect(open).toMatchObject({ semantic: 'open', stageId: '55412342', closedAt: null, currency: null });
    });

    it('answers not_found for the 204 amoCRM gives for a missing lead', async () => {
      expect((await failure(adapter.getDeal(settings, '999', ctx))).code).toBe('not_found');
    });
  });

  it('addNote: POST /api/v4/leads/{id}/notes with a common note', async () => {
    const id = await newDeal();
    await adapter.addNote(settings, id, 'Клиент: здравствуйте\nМенеджер: добрый день', ctx);
    const post = only('POST', `/api/v4/leads/${id}/notes`);
    expectAuth(post);
    expect(post.body).toEqual([
      { note_type: 'common', params: { text: 'Клиент: здравствуйте\nМенеджер: добрый день' } },
    ]);
    expect(fake.notes(id)).toHaveLength(1);
  });

  it('dealUrl points at the lead card in the account', () => {
    expect(adapter.dealUrl({ ...settings, baseUrl: 'https://mycompany.amocrm.ru/' }, '21134567')).toBe(
      'https://mycompany.amocrm.ru/leads/detail/21134567',
    );
  });

  describe('errors', () => {
    it('429 with a non-JSON body → rate_limited, 1 s when no Retry-After', async () => {
      fake.throttle(1);
      const err = await failure(adapter.checkConnection(settings, ctx));
      expect(err).toMatchObject({ code: 'rate_limited', retryAfterMs: 1000, providerCode: 429, retryable: true });
    });

    it('429 with Retry-After → rate_limited after that many seconds', async () => {
      fake.throttle(1, 3);
      expect(await failure(adapter.checkConnection(settings, ctx))).toMatchObject({
        code: 'rate_limited',
        retryAfterMs: 3000,
      });
    });

    it('503 outage page → temporary', async () => {
      fake.outage(1);
      expect(await failure(adapter.listPipelines(settings, ctx))).toMatchObject({
        code: 'temporary',
        providerCode: 503,
      });
    });

    it('a dropped connection → temporary', async () => {
      fake.outage(1, 'drop');
      expect((await failure(adapter.listUsers(settings, ctx))).code).toBe('temporary');
    });

    it('a timeout → temporary', async () => {
      fake.inject({ times: 1, delayMs: 300 });
      expect((await failure(adapter.checkConnection(settings, { ...ctx, timeoutMs: 50 }))).code).toBe('temporary');
    });

    it('401 from a wrong or revoked token → invalid_credentials', async () => {
      const err = await failure(adapter.checkConnection({ ...settings, accessToken: 'revoked' }, ctx));
      expect(err).toMatchObject({ code: 'invalid_credentials', providerCode: 'Unauthorized', retryable: false });
    });

    it('402 unpaid account and 403 blocked IP → invalid_credentials', async () => {
      fake.inject({
        times: 1,
        reply: {
          status: 402,
          headers: { 'content-type': 'application/problem+json' },
          body: {
            title: 'Payment Required',
            type: 'https://httpstatus.es/402',
            status: 402,
            detail: 'Account is not paid',
          },
        },
      });
      expect((await failure(adapter.checkConnection(settings, ctx))).code).toBe('invalid_credentials');
      fake.inject({
        times: 1,
        reply: {
          status: 403,
          headers: { 'content-type': 'application/problem+json' },
          body: { title: 'Forbidden', type: 'https://httpstatus.es/403', status: 403, detail: 'IP is not allowed' },
        },
      });
      expect((await failure(adapter.checkConnection(settings, ctx))).code).toBe('invalid_credentials');
    });

    it('404 → not_found', async () => {
      expect((await failure(adapter.updateDeal(settings, '999', { stageId: '142' }, ctx))).code).toBe('not_found');
    });

    it('400 validation-errors → validation with the first error code', async () => {
      const id = await newDeal();
      const err = await failure(adapter.updateDeal(settings, id, { stageId: '42' }, ctx));
      expect(err).toMatchObject({ code: 'validation', providerCode: 'NotSupportedChoice' });
      expect(err.message).toContain('status_id');
    });

    it('a 200 that is not JSON (a proxy page) → temporary', async () => {
      fake.inject({
        times: 1,
        reply: { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>captive portal</html>' },
      });
      expect((await failure(adapter.checkConnection(settings, ctx))).code).toBe('temporary');
    });
  });

  describe('parseWebhook', () => {
    const request = (body: string, pathSecret: string | undefined = 's3cr3t'): CrmWebhookRequest => ({
      pathSecret,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: Buffer.from(body),
    });

    it('reads the contract sample into a status event', () => {
      expect(adapter.parseWebhook(hooked, request(SAMPLE))).toEqual([
        {
          dealId: '21134567',
          kind: 'status',
          stageId: '142',
          pipelineId: '6950551',
          amount: '15000',
          responsibleUserId: '8123456',
          at: new Date(1767225600 * 1000),
        },
      ]);
    });

    it('reads %-encoded brackets and several actions and leads, ignoring other entities', () => {
      const pairs: [string, string][] = [
        ['account[subdomain]', 'mycompany'],
        ['leads[update][0][id]', '1'],
        ['leads[update][0][status_id]', '55412342'],
        ['leads[update][0][price]', ''],
        ['leads[update][0][custom_fields][0][values][0][value]', 'x'],
        ['leads[update][1][id]', '2'],
        ['leads[responsible][0][id]', '3'],
        ['leads[responsible][0][responsible_user_id]', '8123457'],
        ['leads[add][0][id]', '4'],
        ['leads[add][0][pipeline_id]', '6950551'],
        ['leads[delete][0][id]', '5'],
        ['contacts[add][0][id]', '6'],
      ];
      const body = new URLSearchParams(pairs).toString();
      expect(body).toContain('%5B');
      expect(adapter.parseWebhook(hooked, request(body))).toEqual([
        { dealId: '1', kind: 'updated', stageId: '55412342', amount: '0' },
        { dealId: '2', kind: 'updated' },
        { dealId: '3', kind: 'responsible', responsibleUserId: '8123457' },
        { dealId: '4', kind: 'added', pipelineId: '6950551' },
      ]);
    });

    it('reads what the fake amoCRM actually sends when a deal is moved', async () => {
      const bodies: string[] = [];
      const onebox: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          bodies.push(Buffer.concat(chunks).toString());
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => onebox.listen(0, '127.0.0.1', r));
      try {
        const id = await newDeal();
        fake.setWebhook(`http://127.0.0.1:${(onebox.address() as AddressInfo).port}/api/webhooks/amocrm/s3cr3t`);
        await expect(fake.moveDeal(id, { statusId: 142, price: 17000 })).resolves.toBe(200);
        const [event] = adapter.parseWebhook(hooked, request(bodies[0]));
        expect(event).toEqual({
          dealId: id,
          kind: 'status',
          stageId: '142',
          pipelineId: '6950551',
          amount: '17000',
          responsibleUserId: '8123456',
          at: new Date(fake.lead(id)!.updated_at * 1000),
        });
      } finally {
        onebox.closeAllConnections();
        await new Promise((r) => onebox.close(r));
      }
    });

    it('rejects a wrong or missing URL secret', () => {
      for (const secret of ['guess', '', undefined]) {
        const err = (() => {
          try {
            adapter.parseWebhook(hooked, { ...request(SAMPLE), pathSecret: secret });
          } catch (e) {
            return e as CrmError;
          }
          return null;
        })();
        expect(err).toMatchObject({ code: 'invalid_credentials' });
      }
    });

    it('rejects when the connection has no webhook secret stored', () => {
      expect(() => adapter.parseWebhook(settings, request(SAMPLE))).toThrow(CrmError);
    });

    it('rejects another account (subdomain mismatch) or a body without account', () => {
      expect(() =>
        adapter.parseWebhook(
          hooked,
          request(SAMPLE.replace('account[subdomain]=mycompany', 'account[subdomain]=othercompany')),
        ),
      ).toThrow(expect.objectContaining({ code: 'invalid_credentials' }));
      expect(() => adapter.parseWebhook(hooked, request('leads[status][0][id]=1'))).toThrow(
        expect.objectContaining({ code: 'invalid_credentials' }),
      );
    });

    it('treats __proto__ keys as data', () => {
      const events = adapter.parseWebhook(
        hooked,
        request('account[subdomain]=mycompany&__proto__[polluted]=1&leads[__proto__][0][id]=1'),
      );
      expect(events).toEqual([]);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });
});
