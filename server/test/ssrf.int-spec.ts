import type { ApiError, ChannelDto, MessageListResponse } from '@onebox/contracts';
import { FakeMax } from '@onebox/fakes';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { OutboundGuard } from '../src/outbound/outbound-guard.service';
import { api, eventually, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(30_000);

const MAX_TOKEN = 'f9LHodD0cOI_max_bot_token_ssrf_0123456789';

/** A TCP listener that only counts who connects: proof that a request got (or did not get) this far. */
async function countingListener(): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** Serves /photo.jpg as a redirect to `target` (a media host turned against the server). */
async function redirector(target: string): Promise<{ server: HttpServer; url: string; hits: () => number }> {
  let hits = 0;
  const server = createHttpServer((req, res) => {
    hits++;
    res.writeHead(302, { location: target }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/photo.jpg`, hits: () => hits };
}

/** A MAX `message_created` update from a customer with one image at `url`. */
function imageUpdate(max: FakeMax, userId: number, url: string): Record<string, unknown> {
  const now = Date.now();
  return {
    update_type: 'message_created',
    timestamp: now,
    user_locale: 'ru',
    message: {
      sender: { user_id: userId, first_name: 'Eve', name: 'Eve', is_bot: false, last_activity_time: now },
      recipient: { chat_id: userId + 1, chat_type: 'dialog', user_id: max.botUser.user_id },
      timestamp: now,
      body: { mid: `mid.ssrf.${userId}`, seq: 1, text: 'my photo', attachments: [{ type: 'image', payload: { url } }] },
    },
  };
}

const refusedFigures: string[] = [];

describe('SSRF: CRM addresses and media URLs that lead to private or local addresses', () => {
  const max = new FakeMax({ token: MAX_TOKEN, botUsername: 'ssrf_max_bot' });
  let listener: Awaited<ReturnType<typeof countingListener>>;

  beforeAll(async () => {
    await max.start();
    listener = await countingListener();
  });

  afterAll(async () => {
    await max.stop();
    await new Promise((resolve) => listener.server.close(resolve));
    console.log(`SSRF integration: ${refusedFigures.join('; ')}`);
  });

  /** Connects MAX (polling the fake on 127.0.0.1: the operator's API root, trusted) and waits for the first poll. */
  async function connectMax(t: TestApp, token: string): Promise<ChannelDto> {
    const created = await api<ChannelDto>(t.url, '/api/channels', {
      token,
      body: { type: 'max', name: 'MAX shop', credentials: { token: MAX_TOKEN } },
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  /** The inbound message's attachment and its download job, once the job has finished for good. */
  async function settledDownload(t: TestApp, channelId: string, token: string) {
    const job = await eventually(async () => {
      const [row] = await t.db.query(
        `SELECT status, attempts, last_error FROM jobs WHERE queue = 'fetch-media' AND payload->>'channelId' = $1`,
        [channelId],
      );
      return row && row.status !== 'pending' ? (row as { status: string; attempts: number; last_error: string }) : null;
    });
    const [conversation] = await t.db.query(`SELECT id FROM conversations WHERE channel_id = $1`, [channelId]);
    const thread = await api<MessageListResponse>(t.url, `/api/conversations/${conversation.id}/messages`, { token });
    const [attachment] = await t.db.query(
      `SELECT storage_key FROM attachments WHERE uploader_type = 'channel' AND uploader_ref = $1`,
      [channelId],
    );
    return { job, thread: thread.body.items, attachment: attachment as { storage_key: string | null } };
  }

  /** A server polling the fake MAX with this allowlist, for the enclosing describe block. */
  function serverWith(allowlist: string, label: string): { t: TestApp; token: string } {
    const server = {} as { t: TestApp; token: string };
    beforeAll(async () => {
      server.t = await startTestApp({
        MAX_API_ROOT: max.url,
        ONEBOX_UPDATE_MODE: 'polling',
        ONEBOX_POLL_TIMEOUT_SEC: '1',
        ONEBOX_ALLOWED_PRIVATE_HOSTS: allowlist,
      });
      server.token = await login(server.t.url, 'admin@onebox.test', 'admin-password-1');
    });
    afterAll(async () => {
      refusedFigures.push(`${server.t.app.get(OutboundGuard).refused} refused by the ${label} server`);
      await server.t.close();
    });
    return server;
  }

  describe('without an allowlist', () => {
    const app = serverWith('', 'strict');

    it.each([
      ['127.0.0.1', (port: number) => `https://127.0.0.1:${port}/rest/1/abc123/`, 'loopback'],
      ['a name resolving to 127.0.0.1', (port: number) => `https://localhost:${port}/rest/1/abc123/`, 'loopback'],
      ['decimal IPv4', (port: number) => `https://2130706433:${port}/rest/1/abc123/`, '127.0.0.1 is a loopback'],
      ['IPv4-mapped IPv6', (port: number) => `https://[::ffff:127.0.0.1]:${port}/rest/1/abc123/`, 'loopback'],
      ['cloud metadata', () => 'https://169.254.169.254/rest/1/abc123/', 'link-local'],
      ['a private network', () => 'https://10.20.30.40/rest/1/abc123/', 'private'],
    ])('refuses a Bitrix24 webhook URL on %s with 400 naming the field, connecting nowhere', async (_, url, kind) => {
      const answer = await api<ApiError>(app.t.url, '/api/crm', {
        token: app.token,
        body: { type: 'bitrix24', name: 'Bitrix24', settings: { webhookUrl: url(listener.port) } },
      });

      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'validation_failed' });
      expect(answer.body.details).toEqual([{ field: 'settings.webhookUrl', message: expect.stringContaining(kind) }]);
      expect(listener.connections()).toBe(0);
      expect(await app.t.db.query(`SELECT id FROM crm_connections`)).toEqual([]);
    });

    it('refuses the portal of a Bitrix24 OAuth application the same way', async () => {
      const answer = await api<ApiError>(app.t.url, '/api/crm', {
        token: app.token,
        body: {
          type: 'bitrix24',
          name: 'Bitrix24',
          settings: { portal: `127.0.0.1:${listener.port}`, clientId: 'local.abc.123', clientSecret: 'secret' },
        },
      });

      expect(answer.status).toBe(400);
      expect(answer.body.details).toEqual([{ field: 'settings.portal', message: expect.stringContaining('loopback') }]);
    });

    it('does not download a customer’s media from a loopback URL, and gives up at once', async () => {
      const channel = await connectMax(app.t, app.token);
      const media = await redirector('http://127.0.0.1:1/never');

      await max.deliverUpdate(imageUpdate(max, 7001, media.url));
      const { job, thread, attachment } = await settledDownload(app.t, channel.id, app.token);

      expect(job).toMatchObject({
        status: 'failed',
        attempts: 1,
        last_error: expect.stringContaining('private or local'),
      });
      expect(media.hits()).toBe(0);
      expect(attachment.storage_key).toBeNull();
      expect(thread.map((m) => m.text)).toEqual(['my photo']);
      await new Promise((resolve) => media.server.close(resolve));
    });
  });

  describe('with 127.0.0.1 allowed (a self-hosted setup)', () => {
    const app = serverWith('127.0.0.1', 'allowlisting');

    it('lets a Bitrix24 webhook URL on 127.0.0.1 through: the request reaches the listener', async () => {
      const before = listener.connections();

      const answer = await api<ApiError>(app.t.url, '/api/crm', {
        token: app.token,
        body: {
          type: 'bitrix24',
          name: 'Bitrix24',
          settings: { webhookUrl: `https://127.0.0.1:${listener.port}/rest/1/abc123/` },
        },
      });

      // The listener speaks no TLS: the CRM is unreachable, which is not an address refusal.
      expect(answer.status).toBe(502);
      expect(answer.body.code).toBe('crm_unavailable');
      expect(listener.connections()).toBeGreaterThan(before);
    });

    it('still refuses other private addresses', async () => {
      const answer = await api<ApiError>(app.t.url, '/api/crm', {
        token: app.token,
        body: { type: 'bitrix24', name: 'Bitrix24', settings: { webhookUrl: 'https://192.168.0.10/rest/1/abc123/' } },
      });

      expect(answer.status).toBe(400);
      expect(answer.body.details).toEqual([
        { field: 'settings.webhookUrl', message: expect.stringContaining('private') },
      ]);
    });

    it('follows a media URL on the allowed host but refuses its redirect to 169.254.169.254', async () => {
      const channel = await connectMax(app.t, app.token);
      const media = await redirector('http://169.254.169.254/latest/meta-data/iam/security-credentials/');

      await max.deliverUpdate(imageUpdate(max, 7002, media.url));
      const { job, attachment } = await settledDownload(app.t, channel.id, app.token);

      expect(media.hits()).toBe(1);
      expect(job).toMatchObject({
        status: 'failed',
        attempts: 1,
        last_error: expect.stringContaining('private or local'),
      });
      expect(attachment.storage_key).toBeNull();
      await new Promise((resolve) => media.server.close(resolve));
    });

    it('downloads media from the allowed host', async () => {
      const [channel] = (await api<ChannelDto[]>(app.t.url, '/api/channels', { token: app.token })).body.filter(
        (c) => c.type === 'max',
      );
      await max.customerSendsImage({ userId: 7003, name: 'Ann', data: Buffer.from('jpeg bytes') });

      const stored = await eventually(async () => {
        const rows = await app.t.db.query(
          `SELECT storage_key FROM attachments WHERE uploader_ref = $1 AND storage_key IS NOT NULL`,
          [channel.id],
        );
        return rows.length ? rows : null;
      });
      expect(stored).toHaveLength(1);
    });
  });
});
