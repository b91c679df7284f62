import { FakeWhatsApp, recordingAgents } from '@onebox/fakes';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdapterContext, InboundEvent } from '../channel-adapter';
import { ChannelError } from '../channel-error';
import { WHATSAPP_GRAPH_VERSION, WhatsAppAdapter } from './whatsapp.adapter';

const creds = {
  phoneNumberId: '106540352242922',
  accessToken: 'EAAG-token',
  appSecret: 'app-secret',
  verifyToken: 'verify-123',
};
const CUSTOMER = '79161234567';
const MESSAGES_PATH = `/${WHATSAPP_GRAPH_VERSION}/${creds.phoneNumberId}/messages`;
const MEDIA_PATH = `/${WHATSAPP_GRAPH_VERSION}/${creds.phoneNumberId}/media`;

// Samples from shared/contracts/EXTERNAL-APIS.md §2.
const TEXT_SAMPLE = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
            contacts: [{ profile: { name: 'Anna' }, wa_id: '79161234567' }],
            messages: [
              {
                from: '79161234567',
                id: 'wamid.HBgLNzkxNjEyMzQ1NjcVAgASGBQzQUFC',
                timestamp: '1767225600',
                type: 'text',
                text: { body: 'Hi, is the order ready?' },
              },
            ],
          },
        },
      ],
    },
  ],
};
const STATUS_SAMPLE = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
            statuses: [
              { id: 'wamid.OUT1', status: 'delivered', timestamp: '1767225800', recipient_id: '79161234567' },
              {
                id: 'wamid.OUT2',
                status: 'failed',
                timestamp: '1767312300',
                recipient_id: '79161234567',
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
            ],
          },
        },
      ],
    },
  ],
};

/** One inbound message of `message`'s shape, wrapped like Meta does. */
function inbound(message: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: creds.phoneNumberId },
              contacts: [{ profile: { name: 'Anna' }, wa_id: CUSTOMER }],
              messages: [{ from: CUSTOMER, id: 'wamid.IN1', timestamp: '1767225600', ...message }],
              ...extra,
            },
          },
        ],
      },
    ],
  };
}

/** A minimal webhook endpoint in front of the adapter, as the server will have. */
class WebhookEndpoint {
  readonly events: InboundEvent[] = [];
  readonly rejected: Buffer[] = [];
  readonly received: { headers: Record<string, string | string[] | undefined>; rawBody: Buffer }[] = [];
  private server: Server | null = null;
  url = '';

  constructor(private readonly adapter: WhatsAppAdapter) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'GET') {
          const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
          const challenge = this.adapter.answerHandshake(query, creds);
          res.writeHead(challenge === null ? 403 : 200, { 'content-type': 'text/plain' }).end(challenge ?? '');
          return;
        }
        const request = { headers: req.headers, rawBody: Buffer.concat(chunks) };
        this.received.push(request);
        if (!this.adapter.verifyWebhook(request, creds, '')) {
          this.rejected.push(request.rawBody);
          res.writeHead(401).end();
          return;
        }
        this.events.push(...this.adapter.normalizeInbound(JSON.parse(request.rawBody.toString('utf8'))));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/webhooks/whatsapp/42`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

async function caught(promise: Promise<unknown>): Promise<ChannelError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ChannelError);
    return err as ChannelError;
  }
  throw new Error('expected a ChannelError');
}

describe(WhatsAppAdapter.name, () => {
  const adapter = new WhatsAppAdapter();
  let fake: FakeWhatsApp;
  let endpoint: WebhookEndpoint;
  let ctx: AdapterContext;

  beforeEach(async () => {
    endpoint = new WebhookEndpoint(adapter);
    fake = new FakeWhatsApp({ ...creds, displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Acme Sales' });
    fake.setWebhook(await endpoint.start(), creds.verifyToken);
    ctx = { apiRoot: await fake.start(), timeoutMs: 2_000 };
  });

  afterEach(async () => {
    await fake.stop();
    await endpoint.stop();
  });

  describe('checkCredentials', () => {
    it('reads the phone number with the bearer token', async () => {
      await expect(adapter.checkCredentials(creds, ctx)).resolves.toEqual({
        accountId: creds.phoneNumberId,
        accountName: 'Acme Sales +1 555-078-3881',
      });
      const [call] = fake.calls;
      expect(call.method).toBe('GET');
      expect(call.path).toBe(`/v21.0/${creds.phoneNumberId}`);
      expect(call.query).toEqual({ fields: 'display_phone_number,verified_name' });
      expect(call.headers['authorization']).toBe('Bearer EAAG-token');
    });

    it('rejects a bad token as invalid credentials', async () => {
      const err = await caught(adapter.checkCredentials({ ...creds, accessToken: 'nope' }, ctx));
      expect(err).toMatchObject({ code: 'invalid_credentials', providerCode: 190 });
    });

    it('rejects an unknown phone number id as invalid credentials', async () => {
      const err = await caught(adapter.checkCredentials({ ...creds, phoneNumberId: '999' }, ctx));
      expect(err).toMatchObject({ code: 'invalid_credentials', providerCode: 100 });
    });
  });

  it('registers and unregisters the webhook without calling Meta (dashboard setting)', async () => {
    await adapter.registerWebhook(creds, { url: 'https://x/y', secret: 's' }, ctx);
    await adapter.unregisterWebhook(creds, { url: 'https://x/y' }, ctx);
    expect(fake.calls).toEqual([]);
  });

  describe('answerHandshake', () => {
    it('echoes the challenge for subscribe with the right token', () => {
      expect(
        adapter.answerHandshake(
          { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-123', 'hub.challenge': '1158201444' },
          creds,
        ),
      ).toBe('1158201444');
    });

    it.each([
      ['wrong token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-124', 'hub.challenge': '1' }],
      ['wrong mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-123', 'hub.challenge': '1' }],
      ['no token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }],
      ['no challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-123' }],
    ])('refuses: %s', (_, query) => {
      expect(adapter.answerHandshake(query, creds)).toBeNull();
    });

    it("passes Meta's dashboard verification", async () => {
      await expect(fake.verifyWebhook()).resolves.toBe(true);
    });
  });

  describe('verifyWebhook', () => {
    const body = Buffer.from(JSON.stringify(TEXT_SAMPLE));
    const sign = (raw: Buffer, secret = creds.appSecret) =>
      `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

    it("accepts the fake's signed delivery over the raw bytes", async () => {
      expect(await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'Привет' })).toBe(200);
      expect(endpoint.rejected).toEqual([]);
      expect(adapter.verifyWebhook(endpoint.received[0], creds, '')).toBe(true);
    });

    it('rejects a body changed after signing (even if it re-serializes the same)', () => {
      const pretty = Buffer.from(JSON.stringify(TEXT_SAMPLE, null, 1));
      expect(
        adapter.verifyWebhook({ headers: { 'x-hub-signature-256': sign(body) }, rawBody: pretty }, creds, ''),
      ).toBe(false);
    });

    it('rejects a signature made with another secret', async () => {
      expect(await fake.deliverRaw(TEXT_SAMPLE, { signature: sign(body, 'other') })).toBe(401);
      expect(endpoint.events).toEqual([]);
    });

    it.each([
      ['missing', {}],
      ['sha1 only', { 'x-hub-signature': 'sha1=' + 'a'.repeat(40) }],
      ['malformed', { 'x-hub-signature-256': 'sha256=zz' }],
      ['bare hex', { 'x-hub-signature-256': createHmac('sha256', creds.appSecret).update(body).digest('hex') }],
    ])('rejects a %s header', (_, headers) => {
      expect(adapter.verifyWebhook({ headers, rawBody: body }, creds, '')).toBe(false);
    });
  });

  describe('normalizeInbound', () => {
    it('maps the text sample', () => {
      expect(adapter.normalizeInbound(TEXT_SAMPLE)).toEqual([
        {
          kind: 'message',
          externalUserId: '79161234567',
          externalMessageId: 'wamid.HBgLNzkxNjEyMzQ1NjcVAgASGBQzQUFC',
          contactName: 'Anna',
          phone: '79161234567',
          text: 'Hi, is the order ready?',
          media: [],
          sentAt: new Date(1767225600 * 1000),
          meta: { phoneNumberId: '106540352242922' },
        },
      ]);
    });

    it('maps the status sample, with the error of a failed one', () => {
      expect(adapter.normalizeInbound(STATUS_SAMPLE)).toEqual([
        { kind: 'status', externalMessageId: 'wamid.OUT1', status: 'delivered', at: new Date(1767225800 * 1000) },
        {
          kind: 'status',
          externalMessageId: 'wamid.OUT2',
          status: 'failed',
          at: new Date(1767312300 * 1000),
          error: {
            code: '131047',
            message:
              'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
          },
        },
      ]);
    });

    it('maps an image with caption to a media reference', () => {
      const [event] = adapter.normalizeInbound(
        inbound({
          type: 'image',
          image: { caption: 'receipt', mime_type: 'image/jpeg', sha256: 'abc', id: '1480001' },
        }),
      );
      expect(event).toMatchObject({
        kind: 'message',
        text: 'receipt',
        media: [{ ref: '1480001', kind: 'image', mimeType: 'image/jpeg' }],
      });
    });

    it('maps a document with its file name', () => {
      const [event] = adapter.normalizeInbound(
        inbound({
          type: 'document',
          document: { filename: 'invoice.pdf', mime_type: 'application/pdf', sha256: 'x', id: '77' },
        }),
      );
      expect(event).toMatchObject({
        text: '',
        media: [{ ref: '77', kind: 'document', mimeType: 'application/pdf', fileName: 'invoice.pdf' }],
      });
    });

    it('maps a voice note, a video and a sticker', () => {
      const kinds = [
        { type: 'audio', audio: { id: '1', mime_type: 'audio/ogg; codecs=opus', voice: true } },
        { type: 'video', video: { id: '2', mime_type: 'video/mp4' } },
        { type: 'sticker', sticker: { id: '3', mime_type: 'image/webp', animated: false } },
      ].map((m) => (adapter.normalizeInbound(inbound(m))[0] as { media: { kind: string }[] }).media[0].kind);
      expect(kinds).toEqual(['voice', 'video', 'sticker']);
    });

    it('maps a location to text and meta', () => {
      const location = { latitude: 55.7558, longitude: 37.6173, name: 'Office', address: 'Tverskaya 1' };
      const [event] = adapter.normalizeInbound(inbound({ type: 'location', location }));
      expect(event).toMatchObject({ text: '📍 55.7558, 37.6173 (Office, Tverskaya 1)', meta: { location } });
    });

    it('maps a bare location without parentheses', () => {
      const [event] = adapter.normalizeInbound(
        inbound({ type: 'location', location: { latitude: 1.5, longitude: 2 } }),
      );
      expect(event).toMatchObject({ text: '📍 1.5, 2' });
    });

    it('maps shared contacts', () => {
      const contacts = [
        {
          name: { formatted_name: 'Ivan Petrov', first_name: 'Ivan' },
          phones: [{ phone: '+7 916 000-00-00', type: 'CELL' }],
        },
      ];
      const [event] = adapter.normalizeInbound(inbound({ type: 'contacts', contacts }));
      expect(event).toMatchObject({ text: '👤 Ivan Petrov +7 916 000-00-00', meta: { contacts } });
    });

    it.each([
      ['button_reply', { type: 'button_reply', button_reply: { id: 'confirm', title: 'Confirm' } }],
      ['list_reply', { type: 'list_reply', list_reply: { id: 'confirm', title: 'Confirm', description: 'd' } }],
    ])('maps an interactive %s to callback data', (_, interactive) => {
      const [event] = adapter.normalizeInbound(
        inbound({ type: 'interactive', interactive, context: { from: '15550783881', id: 'wamid.OUT1' } }),
      );
      expect(event).toMatchObject({
        kind: 'message',
        text: 'Confirm',
        callbackData: 'confirm',
        meta: { replyTo: 'wamid.OUT1' },
      });
    });

    it('maps a template quick-reply button', () => {
      const [event] = adapter.normalizeInbound(
        inbound({ type: 'button', button: { payload: 'STOP', text: 'Stop promotions' } }),
      );
      expect(event).toMatchObject({ text: 'Stop promotions', callbackData: 'STOP' });
    });

    it('keeps a click-to-WhatsApp ad referral as the source', () => {
      const referral = { source_url: 'https://fb.me/ad1', source_id: '120', source_type: 'ad' };
      const [event] = adapter.normalizeInbound(inbound({ type: 'text', text: { body: 'hi' }, referral }));
      expect(event).toMatchObject({ source: 'https://fb.me/ad1', meta: { referral } });
    });

    it('falls back to the wa_id when the contact has no profile name', () => {
      const body = inbound({ type: 'text', text: { body: 'hi' } });
      body.entry[0].changes[0].value.contacts = [];
      expect(adapter.normalizeInbound(body)[0]).toMatchObject({ contactName: CUSTOMER });
    });

    it.each([
      ['reaction', { type: 'reaction', reaction: { message_id: 'wamid.OUT1', emoji: '👍' } }, 'message type reaction'],
      [
        'unsupported',
        { type: 'unsupported', errors: [{ code: 131051, title: 'Message type unknown' }] },
        'message type unsupported',
      ],
      ['system', { type: 'system', system: { body: 'changed number', new_wa_id: '1' } }, 'message type system'],
      ['group', { type: 'text', text: { body: 'hi all' }, group_id: 'G1' }, 'group chat'],
      ['malformed', { id: undefined, type: 'text', text: { body: 'x' } }, 'malformed message'],
    ])('ignores a %s message', (_, message, reason) => {
      expect(adapter.normalizeInbound(inbound(message))).toEqual([{ kind: 'ignored', reason }]);
    });

    it.each([
      ['another object', { object: 'page', entry: [] }],
      ['garbage', 'not json{'],
      ['null', null],
    ])('ignores %s', (_, body) => {
      expect(adapter.normalizeInbound(body)).toEqual([
        { kind: 'ignored', reason: 'not a whatsapp_business_account webhook' },
      ]);
    });

    it('ignores other webhook fields', () => {
      const body = {
        object: 'whatsapp_business_account',
        entry: [{ id: '1', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] }],
      };
      expect(adapter.normalizeInbound(body)).toEqual([
        { kind: 'ignored', reason: 'webhook field message_template_status_update' },
      ]);
    });

    it('ignores statuses it does not track', () => {
      const body = structuredClone(STATUS_SAMPLE);
      body.entry[0].changes[0].value.statuses = [
        { id: 'wamid.X', status: 'deleted', timestamp: '1', recipient_id: CUSTOMER },
      ];
      expect(adapter.normalizeInbound(body)).toEqual([{ kind: 'ignored', reason: 'status deleted' }]);
    });

    it('gives a redelivered message the same external id', async () => {
      await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'hello' });
      await fake.redeliverLast();
      expect(endpoint.events).toHaveLength(2);
      expect(endpoint.events[0]).toMatchObject({
        kind: 'message',
        externalUserId: CUSTOMER,
        contactName: 'Anna',
        text: 'hello',
      });
      expect(endpoint.events[1]).toEqual(endpoint.events[0]);
    });
  });

  describe('send', () => {
    beforeEach(async () => {
      await fake.customerWrites({ waId: CUSTOMER, name: 'Anna', text: 'hi' });
    });

    it('posts a text message', async () => {
      const result = await adapter.send(
        creds,
        { recipient: CUSTOMER, text: 'Your order is ready', attachments: [] },
        ctx,
      );
      const [call] = fake.callsTo('/messages');
      expect(call.method).toBe('POST');
      expect(call.path).toBe(MESSAGES_PATH);
      expect(call.headers['authorization']).toBe('Bearer EAAG-token');
      expect(call.headers['content-type']).toContain('application/json');
      expect(JSON.parse(call.rawBody.toString())).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: CUSTOMER,
        type: 'text',
        text: { body: 'Your order is ready', preview_url: false },
      });
      expect(result).toEqual({ externalIds: [fake.sentMessages()[0].id] });
    });

    it('sends up to three buttons as interactive reply buttons', async () => {
      const buttons = [
        { id: 'survey:s1:1', text: 'Bad' },
        { id: 'survey:s1:2', text: 'OK' },
        { id: 'survey:s1:3', text: 'A very long button title here' },
      ];
      await adapter.send(creds, { recipient: CUSTOMER, text: 'Rate us', attachments: [], buttons }, ctx);

      const [call] = fake.callsTo('/messages');
      expect(JSON.parse(call.rawBody.toString())).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: CUSTOMER,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'Rate us' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'survey:s1:1', title: 'Bad' } },
              { type: 'reply', reply: { id: 'survey:s1:2', title: 'OK' } },
              { type: 'reply', reply: { id: 'survey:s1:3', title: 'A very long button t' } },
            ],
          },
        },
      });
    });

    it('sends more buttons as an interactive list, ten rows a list', async () => {
      const buttons = Array.from({ length: 11 }, (_, score) => ({ id: `survey:s1:${score}`, text: String(score) }));
      const result = await adapter.send(
        creds,
        { recipient: CUSTOMER, text: 'Rate us', attachments: [], buttons, buttonsLabel: 'Оценить' },
        ctx,
      );

      const bodies = fake.callsTo('/messages').map((c) => JSON.parse(c.rawBody.toString()).interactive);
      const rows = (from: number, to: number) => buttons.slice(from, to).map((b) => ({ id: b.id, title: b.text }));
      expect(bodies).toEqual([
        { type: 'list', body: { text: 'Rate us' }, action: { button: 'Оценить', sections: [{ rows: rows(0, 10) }] } },
        { type: 'list', body: { text: 'Rate us' }, action: { button: 'Оценить', sections: [{ rows: rows(10, 11) }] } },
      ]);
      expect(result.externalIds).toHaveLength(2);
    });

    it('splits text longer than 4096 characters', async () => {
      const text = `${'a'.repeat(4000)} ${'b'.repeat(1000)}`;
      const result = await adapter.send(creds, { recipient: CUSTOMER, text, attachments: [] }, ctx);
      const bodies = fake.callsTo('/messages').map((c) => (c.body['text'] as { body: string }).body);
      expect(bodies).toEqual(['a'.repeat(4000), 'b'.repeat(1000)]);
      expect(result.externalIds).toHaveLength(2);
    });

    it('sends a template with body parameters', async () => {
      await adapter.send(
        creds,
        {
          recipient: CUSTOMER,
          text: '',
          attachments: [],
          template: { name: 'order_update', language: 'ru', parameters: ['123'] },
        },
        ctx,
      );
      expect(fake.callsTo('/messages')[0].body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: CUSTOMER,
        type: 'template',
        template: {
          name: 'order_update',
          language: { code: 'ru' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: '123' }] }],
        },
      });
    });

    it('omits components for a template without parameters', async () => {
      await adapter.send(
        creds,
        {
          recipient: CUSTOMER,
          text: '',
          attachments: [],
          template: { name: 'hello_world', language: 'en_US', parameters: [] },
        },
        ctx,
      );
      expect(fake.callsTo('/messages')[0].body['template']).toEqual({
        name: 'hello_world',
        language: { code: 'en_US' },
      });
    });

    it('uploads an image, then sends it with the text as caption', async () => {
      const data = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
      const result = await adapter.send(
        creds,
        {
          recipient: CUSTOMER,
          text: 'Here it is',
          attachments: [{ fileName: 'plan.png', mimeType: 'image/png', data }],
        },
        ctx,
      );

      const [upload] = fake.callsTo('/media');
      expect(upload.method).toBe('POST');
      expect(upload.path).toBe(MEDIA_PATH);
      expect(upload.headers['authorization']).toBe('Bearer EAAG-token');
      expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(upload.body).toEqual({ messaging_product: 'whatsapp', type: 'image/png' });
      expect(upload.files).toEqual([{ field: 'file', fileName: 'plan.png', mimeType: 'image/png', data }]);

      const mediaId = fake.sentMessages()[0].body['image'] as { id: string };
      expect(fake.mediaById(mediaId.id)?.data).toEqual(data);
      expect(fake.callsTo('/messages')[0].body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: CUSTOMER,
        type: 'image',
        image: { id: mediaId.id, caption: 'Here it is' },
      });
      expect(result.externalIds).toEqual([fake.sentMessages()[0].id]);
    });

    it('sends other files as documents with their file name', async () => {
      await adapter.send(
        creds,
        {
          recipient: CUSTOMER,
          text: '',
          attachments: [{ fileName: 'offer.pdf', mimeType: 'application/pdf', data: Buffer.from('%PDF') }],
        },
        ctx,
      );
      const body = fake.callsTo('/messages')[0].body;
      expect(body).toMatchObject({ type: 'document', document: { id: expect.any(String), filename: 'offer.pdf' } });
      expect(body['document']).not.toHaveProperty('caption');
    });

    it('sends text too long for a caption as a separate message first', async () => {
      const text = 'x'.repeat(1500);
      const result = await adapter.send(
        creds,
        {
          recipient: CUSTOMER,
          text,
          attachments: [{ fileName: 'a.jpg', mimeType: 'image/jpeg', data: Buffer.from('j') }],
        },
        ctx,
      );
      expect(fake.sentMessages().map((m) => m.type)).toEqual(['text', 'image']);
      expect(fake.sentMessages()[1].body['image']).not.toHaveProperty('caption');
      expect(result.externalIds).toHaveLength(2);
    });

    it('refuses an empty message without calling Meta', async () => {
      const err = await caught(adapter.send(creds, { recipient: CUSTOMER, text: '  ', attachments: [] }, ctx));
      expect(err.code).toBe('unsupported_content');
      expect(fake.callsTo('/messages')).toEqual([]);
    });

    it('learns about statuses through the webhook: sent, delivered, read', async () => {
      const { externalIds } = await adapter.send(creds, { recipient: CUSTOMER, text: 'ok', attachments: [] }, ctx);
      await fake.settled();
      await fake.customerReads(externalIds[0]);
      const statuses = endpoint.events.filter((e) => e.kind === 'status');
      expect(statuses.map((s) => s.kind === 'status' && [s.externalMessageId, s.status])).toEqual([
        [externalIds[0], 'sent'],
        [externalIds[0], 'delivered'],
        [externalIds[0], 'read'],
      ]);
    });

    it('is accepted outside the 24-hour window, then fails by webhook with 131047', async () => {
      fake.advance(25 * 60 * 60 * 1000);
      const { externalIds } = await adapter.send(
        creds,
        { recipient: CUSTOMER, text: 'late reply', attachments: [] },
        ctx,
      );
      await fake.settled();
      expect(endpoint.events.filter((e) => e.kind === 'status')).toEqual([
        {
          kind: 'status',
          externalMessageId: externalIds[0],
          status: 'failed',
          at: expect.any(Date),
          error: { code: '131047', message: expect.stringContaining('24 hours') },
        },
      ]);
    });
  });

  describe('fetchMedia', () => {
    it('resolves the media id to a URL and downloads it with the bearer', async () => {
      await fake.customerSendsImage({ waId: CUSTOMER, name: 'Anna', data: Buffer.from('JPEG!'), caption: 'photo' });
      const [event] = endpoint.events;
      expect(event).toMatchObject({
        kind: 'message',
        text: 'photo',
        media: [{ kind: 'image', mimeType: 'image/jpeg' }],
      });
      const media = event.kind === 'message' ? event.media[0] : undefined;

      const fetched = await adapter.fetchMedia(creds, media!, ctx);
      expect(fetched).toEqual({ data: Buffer.from('JPEG!'), mimeType: 'image/jpeg', fileName: `${media!.ref}.jpg` });
      const [info, download] = fake.calls;
      expect([info.method, info.path, info.headers['authorization']]).toEqual([
        'GET',
        `/v21.0/${media!.ref}`,
        'Bearer EAAG-token',
      ]);
      expect([download.method, download.path, download.headers['authorization']]).toEqual([
        'GET',
        '/whatsapp_business/attachments/',
        'Bearer EAAG-token',
      ]);
    });

    it('downloads through the media agents it is given, the API call through the default ones', async () => {
      const agents = recordingAgents();
      await fake.customerSendsImage({ waId: CUSTOMER, name: 'Anna', data: Buffer.from('JPEG!') });
      const event = endpoint.events[0];
      const media = event.kind === 'message' ? event.media[0] : undefined;

      await expect(adapter.fetchMedia(creds, media!, { ...ctx, mediaAgents: agents })).resolves.toMatchObject({
        data: Buffer.from('JPEG!'),
      });
      expect(agents.connections).toEqual([new URL(fake.url).host]);
    });

    it("keeps a document's own file name", async () => {
      await fake.customerSendsDocument({
        waId: CUSTOMER,
        name: 'Anna',
        data: Buffer.from('%PDF'),
        mimeType: 'application/pdf',
        fileName: 'invoice.pdf',
      });
      const event = endpoint.events[0];
      const media = event.kind === 'message' ? event.media[0] : undefined;
      await expect(adapter.fetchMedia(creds, media!, ctx)).resolves.toEqual({
        data: Buffer.from('%PDF'),
        mimeType: 'application/pdf',
        fileName: 'invoice.pdf',
      });
    });
  });

  describe('error mapping (one test per raw provider error)', () => {
    const send = () => adapter.send(creds, { recipient: CUSTOMER, text: 'x', attachments: [] }, ctx);

    it.each([
      [130429, 'rate_limited', 1_000],
      [131056, 'rate_limited', 6_000],
      [4, 'rate_limited', 60_000],
      [80007, 'rate_limited', 60_000],
      [190, 'invalid_credentials', undefined],
      [131047, 'window_closed', undefined],
      [131026, 'recipient_unreachable', undefined],
      [131030, 'recipient_unreachable', undefined],
      [131051, 'unsupported_content', undefined],
      [131052, 'unsupported_content', undefined],
      [131053, 'unsupported_content', undefined],
      [100, 'unsupported_content', undefined],
      [131000, 'temporary', undefined],
      [131016, 'temporary', undefined],
    ])('Graph error code %i → %s', async (code, expected, retryAfterMs) => {
      fake.throttle(1, code);
      const err = await caught(send());
      expect(err).toMatchObject({ code: expected, providerCode: code, retryAfterMs });
      expect(err.message).not.toBe('');
    });

    it('uses the error details as the message', async () => {
      fake.throttle(1, 131030);
      const err = await caught(send());
      expect(err.message).toBe(
        'Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.',
      );
    });

    it('HTTP 401 without an envelope → invalid_credentials', async () => {
      fake.inject({ pathEndsWith: '/messages', times: 1, reply: { status: 401, body: 'Unauthorized' } });
      expect(await caught(send())).toMatchObject({ code: 'invalid_credentials', providerCode: 401 });
    });

    it('HTTP 429 with Retry-After → rate_limited after that delay', async () => {
      fake.inject({
        pathEndsWith: '/messages',
        times: 1,
        reply: { status: 429, body: 'slow down', headers: { 'retry-after': '3' } },
      });
      expect(await caught(send())).toMatchObject({ code: 'rate_limited', retryAfterMs: 3_000 });
    });

    it('HTTP 502 without an envelope → temporary', async () => {
      fake.inject({ pathEndsWith: '/messages', times: 1, reply: { status: 502, body: '<html>Bad Gateway</html>' } });
      expect(await caught(send())).toMatchObject({ code: 'temporary', providerCode: 502 });
    });

    it('a dropped connection → temporary', async () => {
      fake.inject({ pathEndsWith: '/messages', times: 1, drop: true });
      expect(await caught(send())).toMatchObject({ code: 'temporary' });
    });

    it('a timeout → temporary', async () => {
      fake.inject({ pathEndsWith: '/messages', times: 1, delayMs: 500 });
      const err = await caught(
        adapter.send(creds, { recipient: CUSTOMER, text: 'x', attachments: [] }, { ...ctx, timeoutMs: 100 }),
      );
      expect(err).toMatchObject({ code: 'temporary', providerCode: 'ECONNABORTED' });
    });

    it('a failed media upload stops before the message is sent', async () => {
      fake.inject({
        pathEndsWith: '/media',
        times: 1,
        reply: {
          status: 400,
          body: { error: { message: '(#131053) Media upload error', type: 'OAuthException', code: 131053 } },
        },
      });
      const err = await caught(
        adapter.send(
          creds,
          {
            recipient: CUSTOMER,
            text: '',
            attachments: [{ fileName: 'a.png', mimeType: 'image/png', data: Buffer.from('p') }],
          },
          ctx,
        ),
      );
      expect(err).toMatchObject({ code: 'unsupported_content', providerCode: 131053 });
      expect(fake.callsTo('/messages')).toEqual([]);
    });
  });
});
