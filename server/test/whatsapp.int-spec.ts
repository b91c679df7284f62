import type { ChannelDto, ContactDto, ConversationDetail, ConversationListItem, MessageDto } from '@onebox/contracts';
import { FakeWhatsApp } from '@onebox/fakes';
import type { Socket } from 'socket.io-client';
import {
  api,
  connectAgent,
  connectVisitor,
  eventually,
  login,
  nextEvent,
  startTestApp,
  type TestApp,
} from './test-app';

const CREDENTIALS = {
  phoneNumberId: '106540352242922',
  accessToken: 'EAAGtestaccesstoken0123456789',
  appSecret: 'app-secret-for-signatures',
  verifyToken: 'my-verify-token',
};

describe('WhatsApp Cloud API through the running product (fake Graph API)', () => {
  const whatsapp = new FakeWhatsApp({
    phoneNumberId: CREDENTIALS.phoneNumberId,
    accessToken: CREDENTIALS.accessToken,
    appSecret: CREDENTIALS.appSecret,
  });
  let t: TestApp;
  let token: string;
  let agent: Socket;
  let channel: ChannelDto;

  const messageCount = async (): Promise<number> =>
    (await t.db.query('SELECT count(*)::int AS n FROM messages WHERE channel_id = $1', [channel.id]))[0].n;

  async function customerConversation(waId: string, name: string, text: string): Promise<string> {
    const created = nextEvent<ConversationListItem>(agent, 'conversation.created', (c) => c.contact.name === name);
    expect(await whatsapp.customerWrites({ waId, name, text })).toBe(200);
    return (await created).id;
  }

  beforeAll(async () => {
    await whatsapp.start();
    t = await startTestApp({ WHATSAPP_API_ROOT: whatsapp.url });
    token = await login(t.url, 'admin@onebox.test', 'admin-password-1');
    agent = await connectAgent(t.url, token);
  });

  afterAll(async () => {
    agent.close();
    await t.close();
    await whatsapp.stop();
  });

  it('connects a number (checked with the Graph API) and answers Meta’s verification handshake', async () => {
    const created = await api<ChannelDto>(t.url, '/api/channels', {
      token,
      body: { type: 'whatsapp', name: 'Sales +7 999', credentials: CREDENTIALS },
    });
    expect(created.status).toBe(201);
    channel = created.body;
    expect(channel).toMatchObject({ type: 'whatsapp', mode: 'webhook', status: 'active' });
    const check = whatsapp.callsTo(`/${CREDENTIALS.phoneNumberId}`)[0];
    expect(check.method).toBe('GET');
    expect(check.headers['authorization']).toBe(`Bearer ${CREDENTIALS.accessToken}`);
    expect(JSON.stringify(channel)).not.toContain(CREDENTIALS.appSecret);

    whatsapp.setWebhook(channel.webhookUrl!, CREDENTIALS.verifyToken);
    expect(await whatsapp.verifyWebhook()).toBe(true);
    const wrong = await fetch(`${channel.webhookUrl}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=123`);
    expect(wrong.status).toBe(403);
  });

  it('receives a customer message, sends the reply, and follows its statuses up to read', async () => {
    const id = await customerConversation('79161234567', 'Anna', 'Hi, is the order ready?');
    const detail = await api<ConversationDetail>(t.url, `/api/conversations/${id}`, { token });
    expect(detail.body.contact).toMatchObject({ name: 'Anna', phone: '79161234567' });
    expect(detail.body.messagingWindow).toMatchObject({ hours: 24, open: true });

    const delivered = nextEvent<MessageDto>(agent, 'message.updated', (m) => m.status === 'delivered');
    const sent = await api<MessageDto>(t.url, `/api/conversations/${id}/messages`, {
      token,
      body: { text: 'Yes, it ships today', clientMessageId: 'wa-1' },
    });
    expect(sent.status).toBe(201);
    await delivered;
    const out = whatsapp.sentMessages().at(-1)!;
    expect(out.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '79161234567',
      type: 'text',
      text: { body: 'Yes, it ships today', preview_url: false },
    });
    expect(await whatsapp.customerReads(out.id)).toBe(200);
    await eventually(
      async () => (await t.db.query('SELECT status FROM messages WHERE id = $1', [sent.body.id]))[0].status === 'read',
    );
  });

  it('refuses unsigned, wrongly signed and altered webhooks writing nothing, and stores a redelivery once', async () => {
    const before = await messageCount();
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '1', phone_number_id: CREDENTIALS.phoneNumberId },
                contacts: [{ profile: { name: 'Eve' }, wa_id: '70000000000' }],
                messages: [
                  {
                    from: '70000000000',
                    id: 'wamid.FORGED',
                    timestamp: '1767225600',
                    type: 'text',
                    text: { body: 'forged' },
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    expect(await whatsapp.deliverRaw(payload, { signature: 'sha256=' + '0'.repeat(64) })).toBe(401);
    const unsigned = await fetch(channel.webhookUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(unsigned.status).toBe(401);
    expect(await messageCount()).toBe(before);

    expect(await whatsapp.customerWrites({ waId: '79161234567', name: 'Anna', text: 'One more question' })).toBe(200);
    const after = await messageCount();
    expect(await whatsapp.redeliverLast()).toBe(200);
    expect(await messageCount()).toBe(after);
  });

  it('refuses free text once the 24-hour window has closed and sends an approved template instead', async () => {
    const id = await customerConversation('79990001122', 'Boris', 'Price list please');
    await t.db.query(`UPDATE conversations SET last_customer_message_at = now() - interval '25 hours' WHERE id = $1`, [
      id,
    ]);
    const before = await messageCount();
    const refused = await api<{ code: string; details: { field: string }[] }>(
      t.url,
      `/api/conversations/${id}/messages`,
      { token, body: { text: 'Here it is' } },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('window_closed');
    expect(refused.body.details[0].field).toBe('template');
    expect(await messageCount()).toBe(before);

    const template = await api<MessageDto>(t.url, `/api/conversations/${id}/messages`, {
      token,
      body: { text: '', template: { name: 'order_update', language: 'ru', parameters: ['123'] } },
    });
    expect(template.status).toBe(201);
    expect(template.body.template).toEqual({ name: 'order_update', language: 'ru', parameters: ['123'] });
    const out = await eventually(async () => whatsapp.sentMessages().find((m) => m.type === 'template'));
    expect(out.body).toMatchObject({
      to: '79990001122',
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'ru' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: '123' }] }],
      },
    });
  });

  it('shows a later 131047 failure on the message', async () => {
    const id = await customerConversation('79995556677', 'Vera', 'Hello?');
    whatsapp.advance(25 * 3_600_000);
    const sent = await api<MessageDto>(t.url, `/api/conversations/${id}/messages`, {
      token,
      body: { text: 'Sorry for the wait' },
    });
    const failed = await eventually(async () => {
      const [row] = await t.db.query('SELECT status, error_code, error_message FROM messages WHERE id = $1', [
        sent.body.id,
      ]);
      return row.status === 'failed' ? row : null;
    });
    expect(failed).toMatchObject({ error_code: 'window_closed', error_message: expect.stringContaining('24 hours') });
  });

  it('suggests the same person on the website chat by phone, and merges the two contacts', async () => {
    const waConversation = await customerConversation('79161230000', 'Dina', 'Do you have it in blue?');
    const widgetKey = (await api<ChannelDto[]>(t.url, '/api/channels', { token })).body.find(
      (c) => c.type === 'webchat',
    )!.widgetKey!;
    const { socket } = await connectVisitor(t.url, widgetKey);
    expect(await socket.emitWithAck('profile.update', { name: 'Dina K', phone: '+7 916 123-00-00' })).toEqual({
      ok: true,
    });
    await socket.emitWithAck('message.send', { clientMessageId: 'dina-1', text: 'Writing from your site too' });
    socket.close();
    const wa = await api<ConversationDetail>(t.url, `/api/conversations/${waConversation}`, { token });
    const suggestions = await api<ContactDto[]>(t.url, `/api/contacts/${wa.body.contact.id}/suggestions`, { token });
    expect(suggestions.body).toHaveLength(1);
    expect(suggestions.body[0]).toMatchObject({
      name: 'Dina K',
      phone: '+7 916 123-00-00',
      identities: [{ channelType: 'webchat' }],
    });

    const merged = await api<ContactDto>(t.url, `/api/contacts/${wa.body.contact.id}/merge`, {
      token,
      body: { contactId: suggestions.body[0].id },
    });
    expect(merged.status).toBe(201);
    expect(merged.body.identities.map((i) => i.channelType).sort()).toEqual(['webchat', 'whatsapp']);
    const after = await api<ConversationDetail>(t.url, `/api/conversations/${waConversation}`, { token });
    expect(after.body.pastConversations.map((c) => c.channel.type)).toEqual(['webchat']);
    expect((await api(t.url, `/api/contacts/${suggestions.body[0].id}`, { token })).status).toBe(404);
    expect(
      (
        await api(t.url, `/api/contacts/${wa.body.contact.id}/merge`, {
          token,
          body: { contactId: wa.body.contact.id },
        })
      ).status,
    ).toBe(400);
  });

  it('delays but delivers through throughput errors (130429)', async () => {
    const id = await customerConversation('79001112233', 'Gleb', 'Are you there?');
    whatsapp.throttle(2, 130429);
    const sent = await api<MessageDto>(t.url, `/api/conversations/${id}/messages`, { token, body: { text: 'Yes!' } });
    await eventually(
      async () =>
        ['sent', 'delivered', 'read'].includes(
          (await t.db.query('SELECT status FROM messages WHERE id = $1', [sent.body.id]))[0].status,
        ),
      15_000,
    );
  }, 30_000);
});
