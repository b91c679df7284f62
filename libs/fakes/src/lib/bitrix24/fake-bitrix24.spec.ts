import axios, { type AxiosInstance } from 'axios';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeBitrix24 } from './fake-bitrix24';

/**
 * Faithfulness: plain axios drives the fake with the shapes apidocs.bitrix24.com documents
 * (incoming webhook paths, JSON and PHP-form parameters, `{result,total,next,time}` and
 * `{error,error_description}` envelopes, `batch`), and a bare node:http server receives the
 * events the way an outbound-webhook handler would.
 */

const CODE = 'abc123secret';
const TOKEN = '51856fefc120afa4b628cc82d3935cce';
const START = Date.UTC(2026, 0, 1, 0, 0, 0); // ts=1767225600, as in the contract's sample

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
}

/** Records event POSTs and answers with a chosen status. */
class EventReceiver {
  readonly posts: Received[] = [];
  status = 200;
  url = '';
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.posts.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(this.status).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/crm/webhooks/bitrix24/conn-1`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

describe(FakeBitrix24.name, () => {
  let clock: number;
  let fake: FakeBitrix24;
  let rest: AxiosInstance;
  let receiver: EventReceiver;

  const call = (method: string, params: unknown = {}) => rest.post(`${method}.json`, params);

  beforeEach(async () => {
    clock = START;
    fake = new FakeBitrix24({
      portal: 'example.bitrix24.ru',
      userId: 1,
      code: CODE,
      applicationToken: TOKEN,
      now: () => clock,
    });
    await fake.start();
    rest = axios.create({ baseURL: fake.localWebhookUrl, validateStatus: () => true });
    receiver = new EventReceiver();
    await receiver.start();
  });

  afterEach(async () => {
    await fake.stop();
    await receiver.stop();
  });

  describe('incoming webhook', () => {
    it('answers profile over POST JSON, GET and the path without .json', async () => {
      const post = await call('profile');
      expect(post.status).toBe(200);
      expect(post.data.result).toEqual({
        ID: '1',
        ADMIN: true,
        NAME: 'Анна',
        LAST_NAME: 'Смирнова',
        PERSONAL_GENDER: '',
        TIME_ZONE: '',
      });
      expect(post.data.time).toEqual(
        expect.objectContaining({ start: START / 1000, date_start: '2026-01-01T03:00:00+03:00' }),
      );
      expect((await rest.get('profile')).data.result.ID).toBe('1');
      expect((await rest.get('profile.json')).data.result.ID).toBe('1');
    });

    it('rejects a wrong webhook code with 401 INVALID_CREDENTIALS', async () => {
      const res = await axios.post(`${fake.url}/rest/1/wrong/profile.json`, {}, { validateStatus: () => true });
      expect(res.status).toBe(401);
      expect(res.data).toEqual({ error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' });
      const otherUser = await axios.post(`${fake.url}/rest/2/${CODE}/profile.json`, {}, { validateStatus: () => true });
      expect(otherUser.status).toBe(401);
    });

    it('answers 401 NO_AUTH_FOUND on the OAuth path without a token', async () => {
      const res = await axios.post(`${fake.url}/rest/profile.json`, {}, { validateStatus: () => true });
      expect(res.status).toBe(401);
      expect(res.data).toEqual({ error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
    });

    it('answers 404 ERROR_METHOD_NOT_FOUND for an unknown method', async () => {
      const res = await call('crm.nothing.here');
      expect(res.status).toBe(404);
      expect(res.data).toEqual({ error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
    });
  });

  describe('funnels and users', () => {
    it('lists the general funnel and its default stages with semantics', async () => {
      const categories = await call('crm.category.list', { entityTypeId: 2 });
      expect(categories.data.result.categories).toEqual([
        { id: 0, name: 'Общая', sort: 100, entityTypeId: 2, isDefault: 'Y' },
      ]);
      expect(categories.data.total).toBe(1);

      const stages = await call('crm.status.list', { order: { SORT: 'ASC' }, filter: { ENTITY_ID: 'DEAL_STAGE' } });
      const rows = stages.data.result as Record<string, unknown>[];
      expect(rows.map((s) => [s['STATUS_ID'], s['SEMANTICS']])).toEqual([
        ['NEW', null],
        ['PREPARATION', null],
        ['PREPAYMENT_INVOICE', null],
        ['EXECUTING', null],
        ['FINAL_INVOICE', null],
        ['WON', 'S'],
        ['LOSE', 'F'],
        ['APOLOGY', 'F'],
      ]);
      expect(rows[5]).toEqual(
        expect.objectContaining({
          ENTITY_ID: 'DEAL_STAGE',
          SORT: '60',
          CATEGORY_ID: null,
          EXTRA: { SEMANTICS: 'success', COLOR: '#7BD500' },
        }),
      );
    });

    it('prefixes stages of an added funnel with C{id}:', async () => {
      const id = fake.addCategory('Опт');
      const stages = await call('crm.status.list', { filter: { ENTITY_ID: `DEAL_STAGE_${id}` } });
      expect(stages.data.result.map((s: Record<string, unknown>) => s['STATUS_ID'])).toContain(`C${id}:WON`);
      expect(stages.data.result[0]['CATEGORY_ID']).toBe(String(id));
    });

    it('answers 400 for a CRM type without funnels', async () => {
      const res = await call('crm.category.list', { entityTypeId: 999 });
      expect(res.status).toBe(400);
      expect(res.data).toEqual({ error: 'NOT_FOUND', error_description: 'Smart process not found' });
    });

    it('pages user.get by 50 with next and total', async () => {
      const users = Array.from({ length: 60 }, (_, i) => ({
        id: i + 1,
        name: `U${i + 1}`,
        lastName: 'X',
        email: `u${i + 1}@example.com`,
      }));
      const big = new FakeBitrix24({ users, code: CODE });
      await big.start();
      try {
        const first = await axios.post(`${big.localWebhookUrl}user.get.json`, { filter: { ACTIVE: true } });
        expect(first.data.result).toHaveLength(50);
        expect(first.data).toEqual(expect.objectContaining({ total: 60, next: 50 }));
        expect(first.data.result[0]).toEqual(
          expect.objectContaining({ ID: '1', ACTIVE: true, NAME: 'U1', EMAIL: 'u1@example.com' }),
        );
        const second = await axios.post(`${big.localWebhookUrl}user.get.json`, { filter: { ACTIVE: true }, start: 50 });
        expect(second.data.result).toHaveLength(10);
        expect(second.data.next).toBeUndefined();
      } finally {
        await big.stop();
      }
    });
  });

  describe('contacts', () => {
    it('adds a contact from a PHP-form body and finds it by phone and email', async () => {
      const form =
        'fields%5BNAME%5D=%D0%98%D0%B2%D0%B0%D0%BD&fields%5BPHONE%5D%5B0%5D%5BVALUE%5D=%2B79161234567&fields%5BPHONE%5D%5B0%5D%5BVALUE_TYPE%5D=WORK' +
        '&fields%5BEMAIL%5D%5B0%5D%5BVALUE%5D=ivan%40example.com&fields%5BEMAIL%5D%5B0%5D%5BVALUE_TYPE%5D=WORK';
      const added = await rest.post('crm.contact.add.json', form, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(added.status).toBe(200);
      expect(added.data.result).toBe(1);

      const byPhone = await call('crm.contact.list', { filter: { PHONE: '+79161234567' }, select: ['ID'] });
      expect(byPhone.data).toEqual(expect.objectContaining({ result: [{ ID: '1' }], total: 1 }));
      const byEmail = await call('crm.contact.list', { filter: { EMAIL: 'IVAN@example.com' }, select: ['ID', 'NAME'] });
      expect(byEmail.data.result).toEqual([{ ID: '1', NAME: 'Иван' }]);
      const none = await call('crm.contact.list', { filter: { PHONE: '+70000000000' }, select: ['ID'] });
      expect(none.data).toEqual(expect.objectContaining({ result: [], total: 0 }));

      const [contact] = fake.contacts();
      expect(contact['PHONE']).toEqual([
        { ID: expect.any(String), VALUE_TYPE: 'WORK', VALUE: '+79161234567', TYPE_ID: 'PHONE' },
      ]);
      expect(contact['HAS_EMAIL']).toBe('Y');
    });

    it('leaves PHONE and EMAIL out of list rows unless selected', async () => {
      await call('crm.contact.add', {
        fields: { NAME: 'A', PHONE: [{ VALUE: '+7 916 000-00-01', VALUE_TYPE: 'WORK' }] },
      });
      const res = await call('crm.contact.list', { filter: { PHONE: '79160000001' } });
      expect(res.data.result[0]).not.toHaveProperty('PHONE');
      expect(res.data.result[0]['NAME']).toBe('A');
    });
  });

  describe('deals', () => {
    it('adds a deal and answers it with numbers as strings', async () => {
      const added = await call('crm.deal.add', {
        fields: {
          TITLE: 'Telegram: Иван',
          CATEGORY_ID: 0,
          STAGE_ID: 'NEW',
          CONTACT_ID: 3,
          ASSIGNED_BY_ID: 7,
          OPPORTUNITY: '15000',
          CURRENCY_ID: 'RUB',
          SOURCE_ID: 'OTHER',
        },
      });
      expect(added.data.result).toBe(1);
      const got = await call('crm.deal.get', { id: 1 });
      expect(got.data.result).toEqual(
        expect.objectContaining({
          ID: '1',
          TITLE: 'Telegram: Иван',
          CATEGORY_ID: '0',
          STAGE_ID: 'NEW',
          STAGE_SEMANTIC_ID: 'P',
          CLOSED: 'N',
          OPPORTUNITY: '15000.00',
          CURRENCY_ID: 'RUB',
          CONTACT_ID: '3',
          ASSIGNED_BY_ID: '7',
          SOURCE_ID: 'OTHER',
          DATE_CREATE: '2026-01-01T03:00:00+03:00',
          CLOSEDATE: '2026-01-08T00:00:00+03:00',
        }),
      );
    });

    it('puts a deal without a stage into the first stage of its funnel', async () => {
      const id = fake.addCategory('Опт');
      await call('crm.deal.add', { fields: { TITLE: 'x', CATEGORY_ID: id } });
      expect(fake.deals()[0]).toEqual(expect.objectContaining({ CATEGORY_ID: String(id), STAGE_ID: `C${id}:NEW` }));
    });

    it('closes a deal moved to a won stage through crm.deal.update', async () => {
      await call('crm.deal.add', { fields: { TITLE: 'x' } });
      clock += 3_600_000;
      const res = await call('crm.deal.update', { id: 1, fields: { STAGE_ID: 'WON', OPPORTUNITY: 9999.99 } });
      expect(res.data.result).toBe(true);
      expect(fake.deal(1)).toEqual(
        expect.objectContaining({
          STAGE_ID: 'WON',
          STAGE_SEMANTIC_ID: 'S',
          CLOSED: 'Y',
          OPPORTUNITY: '9999.99',
          CLOSEDATE: '2026-01-01T00:00:00+03:00',
          MOVED_TIME: '2026-01-01T04:00:00+03:00',
          DATE_MODIFY: '2026-01-01T04:00:00+03:00',
        }),
      );
    });

    it('answers 400 Not found with an empty error code for a missing deal', async () => {
      for (const method of ['crm.deal.get', 'crm.deal.update']) {
        const res = await call(method, { id: 404, fields: {} });
        expect(res.status).toBe(400);
        expect(res.data).toEqual({ error: '', error_description: 'Not found' });
      }
      const bad = await call('crm.deal.get', { id: 'abc' });
      expect(bad.data).toEqual({ error: '', error_description: 'ID is not defined or invalid.' });
    });

    it('rejects an unknown currency and fields that are not an object', async () => {
      const currency = await call('crm.deal.add', { fields: { TITLE: 'x', CURRENCY_ID: 'XXX' } });
      expect(currency.status).toBe(400);
      expect(currency.data.error).toBe('');
      const fields = await call('crm.deal.add', { fields: 'nope' });
      expect(fields.data).toEqual({ error: '', error_description: "Parameter 'fields' must be array." });
    });
  });

  describe('timeline comments', () => {
    it('adds a comment to a deal and rejects a missing owner', async () => {
      await call('crm.deal.add', { fields: { TITLE: 'x' } });
      const ok = await call('crm.timeline.comment.add', {
        fields: { ENTITY_ID: 1, ENTITY_TYPE: 'deal', COMMENT: 'Клиент: привет' },
      });
      expect(ok.data.result).toBe(1);
      expect(fake.comments(1)).toEqual([
        expect.objectContaining({
          ID: '1',
          ENTITY_ID: '1',
          ENTITY_TYPE: 'deal',
          COMMENT: 'Клиент: привет',
          AUTHOR_ID: '1',
        }),
      ]);
      const missing = await call('crm.timeline.comment.add', {
        fields: { ENTITY_ID: 99, ENTITY_TYPE: 'deal', COMMENT: 'x' },
      });
      expect(missing.status).toBe(400);
      expect(missing.data.error).toBe('OWNER_NOT_FOUND');
    });
  });

  describe('batch', () => {
    it('runs commands in order with $result references and reports errors per command', async () => {
      const res = await call('batch', {
        halt: 0,
        cmd: {
          contact: 'crm.contact.add?fields%5BNAME%5D=Anna',
          deal: 'crm.deal.add?fields%5BTITLE%5D=From%20batch&fields%5BCONTACT_ID%5D=$result[contact]',
          missing: 'crm.deal.get?id=777',
          stages: 'crm.status.list?filter%5BENTITY_ID%5D=DEAL_STAGE',
        },
      });
      expect(res.status).toBe(200);
      const batch = res.data.result;
      expect(batch.result.contact).toBe(1);
      expect(batch.result.deal).toBe(1);
      expect(batch.result.stages).toHaveLength(8);
      expect(batch.result_error).toEqual({ missing: { error: '', error_description: 'Not found' } });
      expect(batch.result_total).toEqual({ stages: 8 });
      expect(batch.result_next).toEqual([]);
      expect(fake.deal(1)?.['CONTACT_ID']).toBe('1');
      expect(fake.executed().map((e) => [e.method, e.inBatch])).toEqual([
        ['crm.contact.add', true],
        ['crm.deal.add', true],
        ['crm.deal.get', true],
        ['crm.status.list', true],
      ]);
    });

    it('stops at the first error with halt', async () => {
      const res = await call('batch', { halt: 1, cmd: { a: 'crm.deal.get?id=5', b: 'profile' } });
      expect(res.data.result).toEqual({
        result: [],
        result_error: { a: { error: '', error_description: 'Not found' } },
        result_total: [],
        result_next: [],
        result_time: [],
      });
    });
  });

  describe('limits and outages', () => {
    it('answers 503 QUERY_LIMIT_EXCEEDED while throttled', async () => {
      fake.throttle(2);
      for (let i = 0; i < 2; i++) {
        const res = await call('profile');
        expect(res.status).toBe(503);
        expect(res.data).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
      }
      expect((await call('profile')).status).toBe(200);
    });

    it('keeps a leaky bucket on the fake clock', async () => {
      const limited = new FakeBitrix24({ code: CODE, now: () => clock, leakyBucket: { burst: 3, perSecond: 2 } });
      await limited.start();
      try {
        const hit = () => axios.post(`${limited.localWebhookUrl}profile.json`, {}, { validateStatus: () => true });
        expect([(await hit()).status, (await hit()).status, (await hit()).status, (await hit()).status]).toEqual([
          200, 200, 200, 503,
        ]);
        clock += 500; // drains one request
        expect((await hit()).status).toBe(200);
        expect((await hit()).status).toBe(503);
      } finally {
        await limited.stop();
      }
    });

    it('answers nginx 502 pages during an outage, by count or until a time', async () => {
      fake.outage(1);
      const down = await call('profile');
      expect(down.status).toBe(502);
      expect(String(down.data)).toContain('502 Bad Gateway');
      expect((await call('profile')).status).toBe(200);

      fake.outage({ until: START + 30 * 60_000, status: 503 });
      expect((await call('profile')).status).toBe(503);
      clock = START + 30 * 60_000;
      expect((await call('profile')).status).toBe(200);
    });

    it('drops connections', async () => {
      fake.outage({ times: 1, drop: true });
      await expect(call('profile')).rejects.toThrow();
      expect((await call('profile')).status).toBe(200);
    });
  });

  describe('events', () => {
    it('POSTs ONCRMDEALUPDATE form-encoded like Bitrix24 when a deal is moved in the CRM', async () => {
      fake.bindEvents(receiver.url);
      await call('crm.deal.add', { fields: { TITLE: 'x', OPPORTUNITY: '100' } });
      await fake.flushEvents();
      receiver.posts.length = 0;

      receiver.status = 200;
      const status = await fake.moveDeal(1, { stageId: 'WON', opportunity: '15000' });
      expect(status).toBe(200);
      expect(receiver.posts).toHaveLength(1);
      expect(receiver.posts[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(receiver.posts[0].raw).toBe(
        'event=ONCRMDEALUPDATE&event_handler_id=201&data%5BFIELDS%5D%5BID%5D=1&ts=1767225600' +
          '&auth%5Bdomain%5D=example.bitrix24.ru&auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553' +
          `&auth%5Bapplication_token%5D=${TOKEN}`,
      );
      expect(fake.deal(1)).toEqual(
        expect.objectContaining({ STAGE_ID: 'WON', STAGE_SEMANTIC_ID: 'S', CLOSED: 'Y', OPPORTUNITY: '15000.00' }),
      );
    });

    it("resolves with Onebox's status, and null when nobody answers", async () => {
      fake.bindEvents(receiver.url);
      const { id } = await fake.addDealInCrm({ title: 'Из CRM', opportunity: '500' });
      receiver.status = 401;
      expect(await fake.moveDeal(id, { stageId: 'LOSE' })).toBe(401);
      expect(receiver.posts[0].raw).toContain('event=ONCRMDEALADD&event_handler_id=200');

      fake.unbindEvents();
      fake.bindEvents('http://127.0.0.1:1/closed');
      expect(await fake.moveDeal(id, { stageId: 'WON' })).toBeNull();
    });

    it('raises events for changes made through the API too', async () => {
      fake.bindEvents(receiver.url);
      await call('crm.deal.add', { fields: { TITLE: 'x' } });
      await call('crm.deal.update', { id: 1, fields: { STAGE_ID: 'EXECUTING' } });
      await fake.flushEvents();
      expect(fake.deliveries().map((d) => [d.event, d.dealId, d.status])).toEqual([
        ['ONCRMDEALADD', '1', 200],
        ['ONCRMDEALUPDATE', '1', 200],
      ]);
    });

    it('refuses to move a deal into a stage of another funnel', async () => {
      fake.bindEvents(receiver.url);
      const { id } = await fake.addDealInCrm({ title: 'x' });
      await expect(fake.moveDeal(id, { stageId: 'C5:WON' })).rejects.toThrow(/not in category/);
    });
  });
});
