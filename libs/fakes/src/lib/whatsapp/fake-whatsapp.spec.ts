import axios, { type AxiosInstance } from 'axios';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeWhatsApp } from './fake-whatsapp';

/**
 * Faithfulness: there is no official Node client for the Cloud API, so plain axios drives the
 * fake using only the shapes Meta documents (messages, media, error envelope), and a bare
 * node:http server checks the webhook signature with its own HMAC over the received bytes.
 */

const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = 'EAAJB-test-token';
const APP_SECRET = 'app-secret-1';
const VERIFY_TOKEN = 'verify-me';
const CUSTOMER = '79161234567';

interface WebhookBody {
  entry: { changes: { value: { messages?: InboundMessage[]; statuses?: { id: string; status: string }[] } }[] }[];
}

interface InboundMessage {
  image: { id: string; sha256: string; caption?: string; mime_type: string };
}

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A stand-in for any webhook endpoint: records POSTs, answers Meta's GET handshake. */
class WebhookReceiver {
  readonly posts: Received[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (req.method === 'GET') {
          const ok =
            url.searchParams.get('hub.mode') === 'subscribe' &&
            url.searchParams.get('hub.verify_token') === VERIFY_TOKEN;
          res.writeHead(ok ? 200 : 403).end(ok ? url.searchParams.get('hub.challenge') : '');
          return;
        }
        this.posts.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/whatsapp/abc`;
    return this.url;
  }

  payloads(): WebhookBody[] {
    return this.posts.map((p) => JSON.parse(p.raw.toString('utf8')) as WebhookBody);
  }

  firstMessage(): InboundMessage {
    return this.payloads()[0].entry[0].changes[0].value.messages![0];
  }

  statuses(): { id: string; status: string }[] {
    return this.payloads().flatMap((p) => p.entry[0].changes[0].value.statuses ?? []);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

describe(FakeWhatsApp.name, () => {
  let fake: FakeWhatsApp;
  let receiver: WebhookReceiver;
  let graph: AxiosInstance;

  beforeEach(async () => {
    receiver = new WebhookReceiver();
    await receiver.start();
    fake = new FakeWhatsApp({
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: TOKEN,
      appSecret: APP_SECRET,
      wabaId: '102290129340398',
      displayPhoneNumber: '+1 555-078-3881',
      verifiedName: 'Acme Sales',
    });
    fake.setWebhook(receiver.url, VERIFY_TOKEN);
    const base = await fake.start();
    graph = axios.create({
      baseURL: `${base}/v21.0`,
      headers: { Authorization: `Bearer ${TOKEN}` },
      validateStatus: () => true,
    });
  });

  afterEach(async () => {
    await fake.stop();
    await receiver.stop();
  });

  it('answers the phone number with the requested fields', async () => {
    const res = await graph.get(`/${PHONE_NUMBER_ID}`, { params: { fields: 'display_phone_number,verified_name' } });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({
      display_phone_number: '+1 555-078-3881',
      verified_name: 'Acme Sales',
      id: PHONE_NUMBER_ID,
    });
  });

  it('accepts any Graph version in the path', async () => {
    const res = await axios.get(`${fake.url}/v23.0/${PHONE_NUMBER_ID}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(res.data.id).toBe(PHONE_NUMBER_ID);
  });

  it('sends a text message with the documented success shape', async () => {
    await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'hi' });
    const res = await graph.post(`/${PHONE_NUMBER_ID}/messages`, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: CUSTOMER,
      type: 'text',
      text: { body: 'Hello!', preview_url: false },
    });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: CUSTOMER, wa_id: CUSTOMER }],
      messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/=]+$/) }],
    });
    expect(fake.sentMessages()).toEqual([
      expect.objectContaining({ id: res.data.messages[0].id, to: CUSTOMER, type: 'text', outsideWindow: false }),
    ]);
  });

  it('accepts interactive reply buttons and lists within the documented limits, refusing the rest', async () => {
    await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'hi' });
    const send = (interactive: unknown) =>
      graph.post(`/${PHONE_NUMBER_ID}/messages`, {
        messaging_product: 'whatsapp',
        to: CUSTOMER,
        type: 'interactive',
        interactive,
      });
    const reply = (id: string) => ({ type: 'reply', reply: { id, title: id } });
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: String(i) }));

    expect((await send({ type: 'button', body: { text: 'Rate' }, action: { buttons: [reply('a')] } })).status).toBe(
      200,
    );
    const list = { type: 'list', body: { text: 'Rate' }, action: { button: 'Pick', sections: [{ rows: rows(10) }] } };
    expect((await send(list)).status).toBe(200);

    const four = await send({
      type: 'button',
      body: { text: 'Rate' },
      action: { buttons: ['a', 'b', 'c', 'd'].map(reply) },
    });
    expect(four.status).toBe(400);
    expect(four.data.error.code).toBe(100);
    const eleven = await send({ ...list, action: { button: 'Pick', sections: [{ rows: rows(11) }] } });
    expect(eleven.data.error.error_data.details).toBe('Total row count exceed max allowed count: 10');
    expect(fake.sentMessages().map((m) => m.type)).toEqual(['interactive', 'interactive']);
  });

  it('delivers a button_reply and a list_reply as interactive messages', async () => {
    await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'hi' });
    await fake.customerPressesButton({ waId: CUSTOMER, name: 'Anna', id: 'survey:s1:5', title: '5' });
    await fake.customerPicksListItem({ waId: CUSTOMER, name: 'Anna', id: 'survey:s1:9', title: '9' });
    await fake.settled();

    const messages = receiver
      .payloads()
      .flatMap((p) => p.entry[0].changes[0].value.messages ?? []) as unknown as Record<string, unknown>[];
    expect(messages.slice(1).map((m) => [m['type'], m['interactive']])).toEqual([
      ['interactive', { type: 'button_reply', button_reply: { id: 'survey:s1:5', title: '5' } }],
      ['interactive', { type: 'list_reply', list_reply: { id: 'survey:s1:9', title: '9' } }],
    ]);
  });

  it('sends a template', async () => {
    const res = await graph.post(`/${PHONE_NUMBER_ID}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'ru' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: '123' }] }],
      },
    });
    expect(res.status).toBe(200);
    expect(fake.sentMessages()[0]).toMatchObject({ type: 'template', outsideWindow: false });
  });

  it('uploads media as multipart and sends it as an image', async () => {
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', 'image/png');
    form.append('file', new Blob([Buffer.from('PNGDATA')], { type: 'image/png' }), 'pic.png');
    const upload = await graph.post(`/${PHONE_NUMBER_ID}/media`, form);
    expect(upload.status).toBe(200);
    expect(upload.data).toEqual({ id: expect.stringMatching(/^\d+$/) });
    expect(fake.mediaById(upload.data.id)?.data.toString()).toBe('PNGDATA');

    await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'send it' });
    const res = await graph.post(`/${PHONE_NUMBER_ID}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'image',
      image: { id: upload.data.id, caption: 'look' },
    });
    expect(res.status).toBe(200);
    expect(fake.sentMessages()[0].body).toMatchObject({ image: { id: upload.data.id, caption: 'look' } });
  });

  it('serves inbound media: media info, then the URL with the same bearer', async () => {
    await fake.customerSendsImage({
      waId: CUSTOMER,
      name: 'Anna',
      data: Buffer.from('JPEGBYTES'),
      caption: 'my receipt',
    });
    const image = receiver.firstMessage().image;
    expect(image).toEqual({
      caption: 'my receipt',
      mime_type: 'image/jpeg',
      sha256: expect.any(String),
      id: expect.any(String),
    });

    const info = await graph.get(`/${image.id}`);
    expect(info.data).toEqual({
      messaging_product: 'whatsapp',
      url: expect.stringContaining(fake.url),
      mime_type: 'image/jpeg',
      sha256: image.sha256,
      file_size: '9',
      id: image.id,
    });
    const file = await axios.get(info.data.url, {
      headers: { Authorization: `Bearer ${TOKEN}` },
      responseType: 'arraybuffer',
    });
    expect(Buffer.from(file.data).toString()).toBe('JPEGBYTES');
    expect(file.headers['content-type']).toBe('image/jpeg');

    const anonymous = await axios.get(info.data.url, { validateStatus: () => true });
    expect(anonymous.status).toBe(401);
  });

  it('expires media URLs after five minutes', async () => {
    await fake.customerSendsImage({ waId: CUSTOMER, name: 'Anna', data: Buffer.from('x') });
    const id = receiver.firstMessage().image.id;
    const info = await graph.get(`/${id}`);
    fake.advance(6 * 60 * 1000);
    const res = await axios.get(info.data.url, {
      headers: { Authorization: `Bearer ${TOKEN}` },
      validateStatus: () => true,
    });
    expect(res.status).toBe(404);
  });

  it('answers the OAuthException envelope with 401 for a bad token', async () => {
    const res = await axios.post(
      `${fake.url}/v21.0/${PHONE_NUMBER_ID}/messages`,
      { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'x' } },
      { headers: { Authorization: 'Bearer wrong' }, validateStatus: () => true },
    );
    expect(res.status).toBe(401);
    expect(res.data).toEqual({
      error: {
        message: expect.stringContaining('Invalid OAuth access token'),
        type: 'OAuthException',
        code: 190,
        fbtrace_id: expect.any(String),
      },
    });
    expect(fake.sentMessages()).toEqual([]);
  });

  it('answers (#100) Invalid parameter for a missing field', async () => {
    const res = await graph.post(`/${PHONE_NUMBER_ID}/messages`, {
      messaging_product: 'whatsapp',
      type: 'text',
      text: { body: 'x' },
    });
    expect(res.status).toBe(400);
    expect(res.data.error).toMatchObject({
      message: '(#100) Invalid parameter',
      type: 'OAuthException',
      code: 100,
      error_data: { messaging_product: 'whatsapp' },
    });
  });

  it('answers an unknown object like the Graph API', async () => {
    const res = await graph.post(`/999/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'text',
      text: { body: 'x' },
    });
    expect(res.status).toBe(400);
    expect(res.data.error).toMatchObject({ type: 'GraphMethodException', code: 100, error_subcode: 33 });
  });

  it('throttles with the documented envelope', async () => {
    fake.throttle(1, 130429);
    const body = {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'template',
      template: { name: 'x', language: { code: 'en' } },
    };
    const res = await graph.post(`/${PHONE_NUMBER_ID}/messages`, body);
    expect(res.status).toBe(400);
    expect(res.data.error).toMatchObject({
      message: '(#130429) Rate limit hit',
      type: 'OAuthException',
      code: 130429,
      error_data: { messaging_product: 'whatsapp', details: expect.any(String) },
    });
    expect((await graph.post(`/${PHONE_NUMBER_ID}/messages`, body)).status).toBe(200);
  });

  it('signs webhooks with HMAC-SHA256 of the exact bytes it sent', async () => {
    expect(await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'Привет 👋' })).toBe(200);
    const [post] = receiver.posts;
    const expected = 'sha256=' + createHmac('sha256', APP_SECRET).update(post.raw).digest('hex');
    expect(post.headers['x-hub-signature-256']).toBe(expected);
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.raw.toString('utf8'))).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
                contacts: [{ profile: { name: 'Anna' }, wa_id: CUSTOMER }],
                messages: [
                  {
                    from: CUSTOMER,
                    id: expect.stringMatching(/^wamid\./),
                    timestamp: expect.stringMatching(/^\d+$/),
                    type: 'text',
                    text: { body: 'Привет 👋' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it('redelivers the same bytes with the same signature', async () => {
    await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'hi' });
    await fake.redeliverLast();
    expect(receiver.posts).toHaveLength(2);
    expect(receiver.posts[1].raw.equals(receiver.posts[0].raw)).toBe(true);
    expect(receiver.posts[1].headers['x-hub-signature-256']).toBe(receiver.posts[0].headers['x-hub-signature-256']);
  });

  it('performs the hub.challenge handshake', async () => {
    expect(await fake.verifyWebhook()).toBe(true);
    fake.setWebhook(receiver.url, 'other-token');
    expect(await fake.verifyWebhook()).toBe(false);
  });

  it('posts sent, delivered and read statuses as separate webhooks', async () => {
    await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'hi' });
    const res = await graph.post(`/${PHONE_NUMBER_ID}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'text',
      text: { body: 'ok' },
    });
    const id = res.data.messages[0].id;
    await fake.settled();
    await fake.customerReads(id);
    expect(receiver.statuses().map((s) => [s.id, s.status])).toEqual([
      [id, 'sent'],
      [id, 'delivered'],
      [id, 'read'],
    ]);
    expect(receiver.posts).toHaveLength(4);
  });

  it('accepts a free-form send outside the 24-hour window, then fails it with 131047', async () => {
    fake.setNow(Date.UTC(2026, 0, 1));
    await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'hi' });
    fake.advance(25 * 60 * 60 * 1000);
    const res = await graph.post(`/${PHONE_NUMBER_ID}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'text',
      text: { body: 'late' },
    });
    expect(res.status).toBe(200);
    await fake.settled();
    expect(receiver.statuses()).toEqual([
      {
        id: res.data.messages[0].id,
        status: 'failed',
        timestamp: String(Date.UTC(2026, 0, 2, 1) / 1000),
        recipient_id: CUSTOMER,
        errors: [
          {
            code: 131047,
            title: 'Re-engagement message',
            message: 'Re-engagement message',
            error_data: {
              details:
                'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
            },
          },
        ],
      },
    ]);
  });

  it('holds statuses when autoStatuses is off', async () => {
    fake.autoStatuses = false;
    await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'hi' });
    await graph.post(`/${PHONE_NUMBER_ID}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'text',
      text: { body: 'ok' },
    });
    await fake.settled();
    expect(receiver.statuses()).toEqual([]);
    expect(await fake.releaseStatuses()).toEqual([200, 200]);
    expect(receiver.statuses().map((s) => s.status)).toEqual(['sent', 'delivered']);
  });
});
