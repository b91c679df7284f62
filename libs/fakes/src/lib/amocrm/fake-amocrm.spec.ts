import axios, { type AxiosInstance } from 'axios';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeAmoCrm } from './fake-amocrm';

const TOKEN = 'long-lived-token-abc';

/** Drives the fake with plain axios and the shapes documented for amoCRM API v4. */
describe(FakeAmoCrm.name, () => {
  let fake: FakeAmoCrm;
  let api: AxiosInstance;
  let now: number;

  beforeEach(async () => {
    now = Date.UTC(2026, 0, 1, 0, 0, 0);
    fake = new FakeAmoCrm({ subdomain: 'mycompany', accessToken: TOKEN, clock: () => now });
    await fake.start();
    api = axios.create({
      baseURL: fake.url,
      headers: { Authorization: `Bearer ${TOKEN}` },
      validateStatus: () => true,
    });
  });

  afterEach(async () => {
    await fake.stop();
  });

  async function contact(name: string, phone: string): Promise<number> {
    const res = await api.post('/api/v4/contacts', [
      { name, custom_fields_values: [{ field_code: 'PHONE', values: [{ value: phone, enum_code: 'WORK' }] }] },
    ]);
    return res.data._embedded.contacts[0].id;
  }

  async function lead(contactId: number, extra: Record<string, unknown> = {}): Promise<number> {
    const res = await api.post('/api/v4/leads', [
      {
        name: 'Заявка',
        price: 15000,
        _embedded: { tags: [{ name: 'telegram' }], contacts: [{ id: contactId }] },
        ...extra,
      },
    ]);
    return res.data._embedded.leads[0].id;
  }

  describe('auth and errors', () => {
    it('answers 401 problem+json without the Bearer token', async () => {
      const res = await axios.get(`${fake.url}/api/v4/account`, {
        validateStatus: () => true,
        headers: { Authorization: 'Bearer wrong' },
      });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.data).toMatchObject({ title: 'Unauthorized', type: 'https://httpstatus.es/401', status: 401 });
      expect(typeof res.data.detail).toBe('string');
    });

    it('answers 429 with a body that is not JSON, Retry-After only when asked', async () => {
      fake.throttle(2, 3);
      const first = await api.get('/api/v4/account', { responseType: 'text' });
      expect(first.status).toBe(429);
      expect(first.headers['retry-after']).toBe('3');
      expect(() => JSON.parse(first.data)).toThrow();
      expect((await api.get('/api/v4/account')).status).toBe(429);
      expect((await api.get('/api/v4/account')).status).toBe(200);
      fake.throttle(1);
      const bare = await api.get('/api/v4/account');
      expect(bare.status).toBe(429);
      expect(bare.headers['retry-after']).toBeUndefined();
    });

    it('is down for n requests, until a time on its clock, or drops connections', async () => {
      fake.outage(1);
      expect((await api.get('/api/v4/account')).status).toBe(503);
      expect((await api.get('/api/v4/account')).status).toBe(200);
      fake.outage({ until: now + 30 * 60_000 });
      expect((await api.get('/api/v4/account')).status).toBe(503);
      now += 30 * 60_000;
      expect((await api.get('/api/v4/account')).status).toBe(200);
      fake.outage(1, 'drop');
      await expect(api.get('/api/v4/account')).rejects.toThrow();
      expect((await api.get('/api/v4/account')).status).toBe(200);
    });

    it('answers 404 problem+json on an unknown path', async () => {
      const res = await api.get('/api/v4/nothing');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/problem+json');
    });
  });

  it('GET /api/v4/account answers the account as hal+json', async () => {
    const res = await api.get('/api/v4/account');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/hal+json');
    expect(res.data).toMatchObject({ id: fake.accountId, subdomain: 'mycompany', current_user_id: fake.users[0].id });
    expect(res.data).not.toHaveProperty('currency');
  });

  it('GET /api/v4/leads/pipelines has statuses with 142 won and 143 lost', async () => {
    const res = await api.get('/api/v4/leads/pipelines');
    const [pipeline] = res.data._embedded.pipelines;
    expect(pipeline).toMatchObject({ is_main: true, name: 'Воронка' });
    const statuses = pipeline._embedded.statuses;
    expect(statuses.map((s: { id: number }) => s.id)).toEqual(expect.arrayContaining([142, 143]));
    expect(statuses.find((s: { id: number }) => s.id === 142).name).toBe('Успешно реализовано');
    expect(statuses.find((s: { type: number }) => s.type === 1).name).toBe('Неразобранное');
    expect(statuses.find((s: { name: string }) => s.name === 'Переговоры').sort).toBe(20);
  });

  it('GET /api/v4/users pages with _links.next, 204 past the end', async () => {
    const first = await api.get('/api/v4/users', { params: { limit: 1 } });
    expect(first.data._embedded.users).toHaveLength(1);
    expect(first.data._links.next.href).toContain('page=2');
    const second = await api.get('/api/v4/users', { params: { limit: 1, page: 2 } });
    expect(second.data._embedded.users[0]).toMatchObject({ id: fake.users[1].id, rights: { is_active: true } });
    expect(second.data._links.next).toBeUndefined();
    expect((await api.get('/api/v4/users', { params: { limit: 1, page: 3 } })).status).toBe(204);
  });

  describe('contacts', () => {
    it('answers 204 with no body when a search finds nothing', async () => {
      const res = await api.get('/api/v4/contacts', { params: { query: '79160000000' }, responseType: 'text' });
      expect(res.status).toBe(204);
      expect(res.data).toBe('');
    });

    it('creates contacts and finds them by phone digits, email or name', async () => {
      const res = await api.post('/api/v4/contacts', [
        {
          name: 'Иван Петров',
          responsible_user_id: fake.users[1].id,
          custom_fields_values: [
            { field_code: 'PHONE', values: [{ value: '+7 (916) 123-45-67', enum_code: 'WORK' }] },
            { field_code: 'EMAIL', values: [{ value: 'ivan@example.com', enum_code: 'WORK' }] },
          ],
        },
      ]);
      expect(res.status).toBe(200);
      expect(res.data._embedded.contacts[0]).toMatchObject({ request_id: '0' });
      const id = res.data._embedded.contacts[0].id;
      for (const query of ['9161234567', 'ivan@example.com', 'Петров']) {
        const found = await api.get('/api/v4/contacts', { params: { query } });
        expect(found.data._embedded.contacts.map((c: { id: number }) => c.id)).toEqual([id]);
      }
      const [stored] = fake.contacts();
      expect(stored.responsible_user_id).toBe(fake.users[1].id);
      expect(stored.custom_fields_values?.[0]).toMatchObject({
        field_code: 'PHONE',
        values: [{ value: '+7 (916) 123-45-67', enum_code: 'WORK' }],
      });
    });

    it('answers the validation-errors shape for a bad payload', async () => {
      const res = await api.post('/api/v4/contacts', [
        { name: 'X', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '1', enum_code: 'NOPE' }] }] },
      ]);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.data).toEqual({
        'validation-errors': [
          {
            request_id: '0',
            errors: [
              {
                code: 'NotSupportedChoice',
                path: 'custom_fields_values.0.values.0.enum_code',
                detail: expect.any(String),
              },
            ],
          },
        ],
        title: 'Bad Request',
        type: 'https://httpstatus.es/400',
        status: 400,
        detail: 'Request validation failed',
      });
    });
  });

  describe('leads', () => {
    it('creates a lead with a tag and a contact, in the first stage of the main pipeline by default', async () => {
      const contactId = await contact('Иван', '+79161234567');
      const res = await api.post('/api/v4/leads', [
        { name: 'Заявка', price: 15000, _embedded: { tags: [{ name: 'telegram' }], contacts: [{ id: contactId }] } },
      ]);
      expect(res.status).toBe(200);
      const id = res.data._embedded.leads[0].id;
      expect(res.data._embedded.leads[0].request_id).toBe('0');
      const got = await api.get(`/api/v4/leads/${id}`, { params: { with: 'contacts' } });
      expect(got.data).toMatchObject({
        id,
        name: 'Заявка',
        price: 15000,
        status_id: 55_412_341,
        pipeline_id: 6_950_551,
        closed_at: null,
        created_at: now / 1000,
        _embedded: { tags: [{ name: 'telegram' }], contacts: [{ id: contactId, is_main: true }] },
      });
      const plain = await api.get(`/api/v4/leads/${id}`);
      expect(plain.data._embedded.contacts).toBeUndefined();
    });

    it('answers 204 for a missing lead', async () => {
      expect((await api.get('/api/v4/leads/999')).status).toBe(204);
    });

    it('refuses an unknown status, the unsorted status, an unknown contact and a fractional price', async () => {
      const contactId = await contact('Иван', '+79161234567');
      const res = await api.post('/api/v4/leads', [
        { status_id: 1 },
        { status_id: 55_412_340 },
        { _embedded: { contacts: [{ id: 5 }] } },
        { price: 10.5 },
        { _embedded: { contacts: [{ id: contactId }] } },
      ]);
      expect(res.status).toBe(400);
      expect(
        res.data['validation-errors'].map((g: { request_id: string; errors: { path: string }[] }) => [
          g.request_id,
          g.errors[0].path,
        ]),
      ).toEqual([
        ['0', 'status_id'],
        ['1', 'status_id'],
        ['2', '_embedded.contacts.0.id'],
        ['3', 'price'],
      ]);
      expect(fake.leads()).toHaveLength(0);
    });

    it('PATCH /api/v4/leads/{id} changes status, price and responsible; closing sets closed_at', async () => {
      const id = await lead(await contact('Иван', '+79161234567'));
      now += 60_000;
      const res = await api.patch(`/api/v4/leads/${id}`, {
        status_id: 142,
        price: 20000,
        responsible_user_id: fake.users[1].id,
      });
      expect(res.status).toBe(200);
      expect(res.data).toMatchObject({ id, updated_at: now / 1000 });
      expect(fake.lead(id)).toMatchObject({
        status_id: 142,
        price: 20000,
        responsible_user_id: fake.users[1].id,
        closed_at: now / 1000,
      });
      expect((await api.patch(`/api/v4/leads/${id}`, { status_id: 42 })).status).toBe(400);
      expect((await api.patch('/api/v4/leads/999', { price: 1 })).status).toBe(404);
    });

    it('adds common notes; a note without text is refused', async () => {
      const id = await lead(await contact('Иван', '+79161234567'));
      const res = await api.post(`/api/v4/leads/${id}/notes`, [
        { note_type: 'common', params: { text: 'Клиент: привет' } },
      ]);
      expect(res.status).toBe(200);
      expect(res.data._embedded.notes[0]).toMatchObject({ entity_id: id, request_id: '0' });
      expect(fake.notes(id).map((n) => n.params.text)).toEqual(['Клиент: привет']);
      expect((await api.post(`/api/v4/leads/${id}/notes`, [{ note_type: 'common', params: {} }])).status).toBe(400);
      const list = await api.get(`/api/v4/leads/${id}/notes`);
      expect(list.data._embedded.notes).toHaveLength(1);
    });
  });

  describe('webhooks', () => {
    let onebox: Server;
    let received: { path: string; contentType: string; body: string }[];
    let answer: number;

    beforeEach(async () => {
      received = [];
      answer = 200;
      onebox = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({
            path: req.url ?? '',
            contentType: String(req.headers['content-type']),
            body: Buffer.concat(chunks).toString(),
          });
          res.writeHead(answer).end();
        });
      });
      await new Promise<void>((r) => onebox.listen(0, '127.0.0.1', r));
    });

    afterEach(async () => {
      onebox.closeAllConnections();
      await new Promise((r) => onebox.close(r));
    });

    const hook = () =>
      `http://127.0.0.1:${(onebox.address() as AddressInfo).port}/api/webhooks/crm/amocrm/conn-1/s3cr3t`;

    it('moveDeal updates the lead and POSTs leads[status] form-encoded, resolving with the answer', async () => {
      const id = await lead(await contact('Иван', '+79161234567'));
      fake.setWebhook(hook());
      now += 3600_000;
      answer = 204;
      await expect(fake.moveDeal(id, { statusId: 142, price: 15000 })).resolves.toBe(204);
      const at = now / 1000;
      expect(fake.lead(id)).toMatchObject({ status_id: 142, closed_at: at, updated_at: at });
      expect(received).toEqual([
        {
          path: '/api/webhooks/crm/amocrm/conn-1/s3cr3t',
          contentType: 'application/x-www-form-urlencoded',
          body:
            `account[id]=${fake.accountId}&account[subdomain]=mycompany&leads[status][0][id]=${id}&leads[status][0][name]=%D0%97%D0%B0%D1%8F%D0%B2%D0%BA%D0%B0` +
            `&leads[status][0][status_id]=142&leads[status][0][old_status_id]=55412341&leads[status][0][price]=15000` +
            `&leads[status][0][responsible_user_id]=${fake.users[0].id}&leads[status][0][pipeline_id]=6950551&leads[status][0][old_pipeline_id]=6950551` +
            `&leads[status][0][updated_at]=${at}`,
        },
      ]);
      const parsed = new URLSearchParams(received[0].body);
      expect(parsed.get('leads[status][0][name]')).toBe('Заявка');
    });

    it('resolves with null when no webhook is registered, and fires status webhooks for API changes too', async () => {
      const id = await lead(await contact('Иван', '+79161234567'));
      await expect(fake.moveDeal(id, { statusId: 55_412_342 })).resolves.toBeNull();
      fake.setWebhook(hook());
      await api.patch(`/api/v4/leads/${id}`, { status_id: 143 });
      await fake.idle();
      expect(received).toHaveLength(1);
      expect(new URLSearchParams(received[0].body).get('leads[status][0][old_status_id]')).toBe('55412342');
      expect(fake.deliveries.map((d) => d.status)).toEqual([200]);
    });
  });
});
