import type { INestApplication } from '@nestjs/common';
import type { ChannelDto, ConversationListResponse, CrmConnectionDto, UserDto } from '@onebox/contracts';
import { FakeAmoCrm, FakeBitrix24, FakeMax, FakeTelegram, FakeWhatsApp } from '@onebox/fakes';
import { createHmac } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { KeyRotationError } from '../src/secrets/key-rotation';
import { rotateKey } from '../src/secrets/rotate-key';
import { SEALED_COLUMNS } from '../src/secrets/sealed-columns';
import { platformEnv, telegramText, whatsappText } from './platforms';
import { api, createWorkspace, eventually, freePort, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(120_000);

/** The key startTestApp runs with, and the one the rotation moves to. */
const OLD_KEY = 'integration-test-secret-key-0123456789abcdef';
const NEW_KEY = 'rotated-secret-key-for-the-integration-test-0123456789';

const BOT_TOKEN = '7012345678:AAHsecretBotTokenForTheAtRestTest_x1';
const MAX_TOKEN = 'max-at-rest-token-0123456789abcdefghij';
const WA = {
  phoneNumberId: '106540352242922',
  accessToken: 'EAAGatRestAccessToken0123456789abcdef',
  appSecret: 'at-rest-app-secret-0123456789',
  verifyToken: 'at-rest-verify-token-0123',
};
const AMO_APP = {
  clientId: '5c8d1f2e-86f5-4e4a-9a9b-2b1c3d4e5f61',
  clientSecret: 'amo-at-rest-client-secret-0123456789',
};
const B24_APP = { clientId: 'local.6571f0e3c2a1b4.87654321', clientSecret: 'bitrix-at-rest-client-secret-0123456789' };
const PASSWORDS = ['head-password-at-rest-1', 'manager-password-at-rest-1'];

describe('secrets at rest, and key rotation', () => {
  const telegram = new FakeTelegram({ token: BOT_TOKEN });
  const whatsapp = new FakeWhatsApp({
    phoneNumberId: WA.phoneNumberId,
    accessToken: WA.accessToken,
    appSecret: WA.appSecret,
  });
  const max = new FakeMax({ token: MAX_TOKEN });
  const amo = new FakeAmoCrm({ subdomain: 'atrestco', ...AMO_APP });
  const bitrix = new FakeBitrix24({ ...B24_APP });
  let t: TestApp;
  let databaseUrl: string;
  let env: Record<string, string>;
  let admin: string;
  let channels: ChannelDto[];
  let crms: CrmConnectionDto[];
  /** The admin of each CRM connection's workspace (a workspace has one CRM). */
  const crmAdmins = new Map<string, { email: string; password: string }>();
  const apps: INestApplication[] = [];

  /** Every known secret: what the admin typed, what the platforms issued, what Onebox generated. */
  function secrets(): Record<string, string> {
    const issued = [
      ...amo.issuedTokens(),
      ...bitrix.issuedTokens().map((x) => ({ accessToken: x.accessToken, refreshToken: x.refreshToken })),
    ];
    const webhookSecrets = [
      ...telegram.callsTo('setWebhook').map((c) => String(c.body['secret_token'])),
      ...max.subscriptions().map((s) => s.secret!),
      ...crms.filter((c) => c.type === 'amocrm').map((c) => c.webhookUrl.split('/').pop()!),
    ];
    return {
      'telegram bot token': BOT_TOKEN,
      'MAX token': MAX_TOKEN,
      'WhatsApp access token': WA.accessToken,
      'WhatsApp app secret': WA.appSecret,
      'WhatsApp verify token': WA.verifyToken,
      'amoCRM long-lived token': amo.accessToken,
      'amoCRM client secret': AMO_APP.clientSecret,
      'Bitrix24 client secret': B24_APP.clientSecret,
      'Bitrix24 incoming webhook code': bitrix.code,
      'Bitrix24 application token': bitrix.applicationToken,
      'the admin password': 'admin-password-1',
      ...Object.fromEntries(PASSWORDS.map((p, i) => [`user password ${i + 1}`, p])),
      'the secret key itself': OLD_KEY,
      ...Object.fromEntries(
        issued.flatMap((x, i) => [
          [`CRM access token ${i + 1}`, x.accessToken],
          [`CRM refresh token ${i + 1}`, x.refreshToken],
        ]),
      ),
      ...Object.fromEntries(webhookSecrets.map((s, i) => [`webhook secret ${i + 1}`, s])),
    };
  }

  /** Every text, varchar, json(b), array and bytea value of every table, searched for each secret. */
  async function plaintextFound(db: DataSource): Promise<string[]> {
    const columns: { table_name: string; column_name: string; data_type: string }[] = await db.query(
      `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
       WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
         AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'bytea', 'USER-DEFINED')`,
    );
    expect(columns.length).toBeGreaterThan(50);
    const needles = Object.entries(secrets()).flatMap(([name, value]) => [
      [name, value],
      [`${name} (URL-encoded)`, encodeURIComponent(value)],
      [`${name} (base64)`, Buffer.from(value).toString('base64')],
    ]);
    const found: string[] = [];
    let values = 0;
    for (const { table_name, column_name, data_type } of columns) {
      const rows: { v: string | Buffer }[] = await db.query(
        `SELECT ${data_type === 'bytea' ? `"${column_name}"` : `"${column_name}"::text`} AS v FROM "${table_name}" WHERE "${column_name}" IS NOT NULL`,
      );
      for (const { v } of rows) {
        values++;
        const text = Buffer.isBuffer(v) ? v.toString('latin1') + v.toString('utf8') : v;
        for (const [name, needle] of needles)
          if (text.includes(needle)) found.push(`${name} in ${table_name}.${column_name}`);
      }
    }
    expect(values).toBeGreaterThan(200);
    console.log(
      `secrets at rest: ${Object.keys(secrets()).length} secrets searched in ${values} values of ${columns.length} columns; ${found.length} found`,
    );
    return [...new Set(found)];
  }

  const sealedDump = async (db: DataSource) => {
    const out: Record<string, string[]> = {};
    for (const c of SEALED_COLUMNS)
      out[`${c.table}.${c.column}`] = (
        (await db.query(`SELECT ${c.column} AS v FROM ${c.table} WHERE ${c.column} IS NOT NULL ORDER BY id`)) as {
          v: string;
        }[]
      ).map((r) => r.v);
    return out;
  };

  /** A server on the suite's database with another configuration (the first one is stopped). */
  async function startOn(overrides: Record<string, string>): Promise<{ app: INestApplication; url: string }> {
    const port = await freePort();
    const config = loadConfig({ ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...overrides });
    const app = await createApp(config, { logger: false });
    apps.push(app);
    await app.listen(port, '127.0.0.1');
    return { app, url: `http://127.0.0.1:${port}` };
  }

  beforeAll(async () => {
    for (const fake of [telegram, whatsapp, max, amo, bitrix]) await fake.start();
    env = platformEnv({ telegram, whatsapp, max, amo, bitrix });
    t = await startTestApp(env);
    databaseUrl = (t.db.options as { url: string }).url;
    env = {
      ...env,
      DATABASE_URL: databaseUrl,
      ONEBOX_SECRET_KEY: OLD_KEY,
      ONEBOX_DATA_DIR: mkdtempSync(join(tmpdir(), 'onebox-rotate-')),
      ONEBOX_JOB_POLL_MS: '100',
    };
    admin = await login(t.url, 'admin@onebox.test', 'admin-password-1');
    for (const [i, role] of (['head', 'manager'] as const).entries()) {
      const created = await api<UserDto>(t.url, '/api/users', {
        token: admin,
        body: { email: `${role}.atrest@onebox.test`, name: role, password: PASSWORDS[i], role },
      });
      expect(created.status).toBe(201);
    }
    // Every channel type...
    for (const body of [
      { type: 'telegram', name: 'Bot', credentials: { botToken: BOT_TOKEN } },
      { type: 'whatsapp', name: 'WA', credentials: WA },
      { type: 'max', name: 'MAX', credentials: { token: MAX_TOKEN } },
      { type: 'webchat', name: 'Site 2', credentials: {} },
    ]) {
      const res = await api<ChannelDto>(t.url, '/api/channels', { token: admin, body });
      expect(res.status).toBe(201);
    }
    channels = (await api<ChannelDto[]>(t.url, '/api/channels', { token: admin })).body;
    whatsapp.setWebhook(channels.find((c) => c.type === 'whatsapp')!.webhookUrl!, WA.verifyToken);

    // ...and both CRMs, with a token and with OAuth (one CRM per workspace).
    const connect = async (label: string, body: unknown): Promise<CrmConnectionDto> => {
      const ws = await createWorkspace(t.db, label);
      const token = await login(t.url, ws.email, ws.password);
      const res = await api<CrmConnectionDto>(t.url, '/api/crm', { token, body });
      expect(res.status).toBe(201);
      crmAdmins.set(res.body.id, { email: ws.email, password: ws.password });
      return res.body;
    };
    const consent = async (pending: CrmConnectionDto, redirect: (state: string) => Record<string, string>) => {
      const state = new URL(pending.authorizeUrl!).searchParams.get('state')!;
      const callback = await fetch(`${t.url}/api/crm/oauth/callback?${new URLSearchParams(redirect(state))}`, {
        redirect: 'manual',
      });
      expect(callback.headers.get('location')).toContain('connected=1');
    };
    amo.setRedirectUri(`${t.url}/api/crm/oauth/callback`);
    crms = [
      await connect('atrest-amo', {
        type: 'amocrm',
        name: 'amo',
        settings: { baseUrl: 'https://atrestco.amocrm.ru', accessToken: amo.accessToken },
      }),
      await connect('atrest-b24', {
        type: 'bitrix24',
        name: 'b24',
        settings: { webhookUrl: bitrix.webhookUrl, applicationToken: bitrix.applicationToken },
      }),
      await connect('atrest-amo-oauth', {
        type: 'amocrm',
        name: 'amo oauth',
        settings: { baseUrl: 'https://atrestco.amocrm.ru', ...AMO_APP },
      }),
      await connect('atrest-b24-oauth', {
        type: 'bitrix24',
        name: 'b24 oauth',
        settings: { portal: bitrix.portal, ...B24_APP, applicationToken: bitrix.applicationToken },
      }),
    ];
    await consent(crms[2], (state) => amo.redirectQuery(state));
    await consent(crms[3], (state) => bitrix.authorizeRedirect(state));
    expect(amo.issuedTokens().length).toBeGreaterThan(0);
    expect(bitrix.issuedTokens().length).toBeGreaterThan(0);

    // Traffic: messages in on every messenger (a photo too), replies out, a failed delivery with its error.
    await telegram.customerWrites({ chatId: 31337, firstName: 'Ivan', text: 'Hello' });
    await telegram.customerSendsPhoto({ chatId: 31337, firstName: 'Ivan', bytes: Buffer.from('fake-jpeg-bytes') });
    await whatsapp.customerWrites({ waId: '79161234567', name: 'Anna', text: 'Hi' });
    await max.customerWrites({ userId: 4242, name: 'Max User', text: 'Hey' });
    const list = await eventually(async () => {
      const res = await api<ConversationListResponse>(t.url, '/api/conversations?status=all', { token: admin });
      return res.body.items.length >= 3 ? res.body.items : null;
    });
    telegram.inject({
      pathEndsWith: '/sendMessage',
      times: 1,
      reply: { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } },
    });
    for (const conversation of list) {
      await api(t.url, `/api/conversations/${conversation.id}/messages`, { token: admin, body: { text: 'Reply' } });
    }
    await eventually(async () => {
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'queued'`);
      return n === 0;
    }, 15_000);
    const [failed] = await t.db.query(`SELECT error_message FROM messages WHERE status = 'failed'`);
    expect(failed.error_message).toBeTruthy();
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await t?.close();
    for (const fake of [telegram, whatsapp, max, amo, bitrix]) await fake.stop();
  });

  it('holds no plaintext secret in any text, json or bytea column of any table', async () => {
    expect(Object.keys(secrets()).length).toBeGreaterThan(20);
    expect(await plaintextFound(t.db)).toEqual([]);
    // The dump can find them: the sealed values open to exactly these secrets.
    const [row] = await t.db.query(`SELECT credentials_enc FROM channels WHERE type = 'telegram'`);
    expect(row.credentials_enc).toMatch(/^v1\./);
  });

  it('rotates every sealed value to a new key in one transaction; the server reads everything with the new key and refuses to start with the old one', async () => {
    const oldToken = admin;
    await t.app.close();
    const before = await sealedDump(t.db);
    const sealedCount = Object.values(before).flat().length;
    expect(sealedCount).toBeGreaterThanOrEqual(
      channels.length * 2 + crms.length * 2 - channels.filter((c) => c.type === 'webchat').length,
    );

    // A wrong old key changes nothing.
    await expect(
      rotateKey({
        DATABASE_URL: databaseUrl,
        ONEBOX_SECRET_KEY_OLD: 'not-the-key-in-use-0123456789abcdef',
        ONEBOX_SECRET_KEY: NEW_KEY,
      }),
    ).rejects.toThrow(KeyRotationError);
    expect(await sealedDump(t.db)).toEqual(before);

    const message = await rotateKey({
      DATABASE_URL: databaseUrl,
      ONEBOX_SECRET_KEY_OLD: OLD_KEY,
      ONEBOX_SECRET_KEY: NEW_KEY,
    });
    expect(message).toBe(
      `Re-sealed ${sealedCount} secrets with the new key (0 already were); start the servers with the new ONEBOX_SECRET_KEY.`,
    );
    const after = await sealedDump(t.db);
    for (const [column, values] of Object.entries(after)) {
      expect({ column, count: values.length }).toEqual({ column, count: before[column].length });
      values.forEach((v, i) => expect(v).not.toBe(before[column][i]));
    }
    expect(await plaintextFound(t.db)).toEqual([]);
    // Run again: everything is already under the new key.
    expect(
      await rotateKey({ DATABASE_URL: databaseUrl, ONEBOX_SECRET_KEY_OLD: OLD_KEY, ONEBOX_SECRET_KEY: NEW_KEY }),
    ).toContain(`Re-sealed 0 secrets with the new key (${sealedCount} already were)`);

    // The old key: the server stops at start-up, saying why.
    await expect(startOn({ ONEBOX_SECRET_KEY: OLD_KEY })).rejects.toThrow(
      `ONEBOX_SECRET_KEY does not open ${sealedCount} of the ${sealedCount} secrets stored in the database`,
    );

    // The new key: every channel and CRM works.
    const { url } = await startOn({ ONEBOX_SECRET_KEY: NEW_KEY });
    expect((await api(url, '/api/me', { token: oldToken })).status).toBe(401); // sessions signed with the old key end
    const token = await login(url, 'admin@onebox.test', 'admin-password-1');
    const messages = async () => (await t.db.query(`SELECT count(*)::int AS n FROM messages`))[0].n as number;
    const count = await messages();
    const tg = channels.find((c) => c.type === 'telegram')!;
    const secret = String(
      telegram.callsTo('setWebhook').find((c) => c.body['url'] === tg.webhookUrl)!.body['secret_token'],
    );
    const update = telegramText(77_001, 'after rotation', 31337);
    const tgHook = await fetch(tg.webhookUrl!.replace(t.url, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: update,
    });
    expect(tgHook.status).toBe(200);
    const waBody = whatsappText(77_001, 'after rotation', WA.phoneNumberId, '79161234567');
    const waHook = await fetch(channels.find((c) => c.type === 'whatsapp')!.webhookUrl!.replace(t.url, url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', WA.appSecret).update(waBody).digest('hex')}`,
      },
      body: waBody,
    });
    expect(waHook.status).toBe(200);
    expect(await messages()).toBe(count + 2);
    // Sending uses the bot token and the MAX token.
    const sent = telegram.callsTo('sendMessage').length;
    const conversations = (await api<ConversationListResponse>(url, '/api/conversations?status=all', { token })).body
      .items;
    for (const conversation of conversations.filter((c) => c.channel.type === 'telegram' || c.channel.type === 'max'))
      expect(
        (
          await api(url, `/api/conversations/${conversation.id}/messages`, {
            token,
            body: { text: 'Sent with the new key' },
          })
        ).status,
      ).toBe(201);
    await eventually(
      async () =>
        telegram.callsTo('sendMessage').length > sent &&
        max.callsTo('/messages').some((c) => JSON.stringify(c.body).includes('Sent with the new key')),
    );
    // The CRMs' sealed settings (tokens, webhook code, OAuth tokens) and webhook secrets open.
    for (const crm of crms) {
      const owner = crmAdmins.get(crm.id)!;
      const crmToken = await login(url, owner.email, owner.password);
      expect({
        crm: crm.name,
        status: (await api(url, `/api/crm/${crm.id}/pipelines`, { token: crmToken })).status,
      }).toEqual({
        crm: crm.name,
        status: 200,
      });
    }
    const amoHook = await fetch(crms[0].webhookUrl.replace(t.url, url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `account[id]=${amo.accountId}&account[subdomain]=atrestco&leads[status][0][id]=1&leads[status][0][status_id]=142`,
    });
    expect(amoHook.status).toBe(200);

    // During a rotation servers run with the new key and ONEBOX_SECRET_KEY_OLD: sessions signed with the old key go on.
    const transition = await startOn({ ONEBOX_SECRET_KEY: NEW_KEY, ONEBOX_SECRET_KEY_OLD: OLD_KEY });
    expect((await api(transition.url, '/api/me', { token: oldToken })).status).toBe(200);
  });

  it('rotates the embedded database’s key file with the built command: the server starts with the new key, and stops with the old one saying why', async () => {
    const dist = join(__dirname, '..', 'dist');
    expect({ built: existsSync(join(dist, 'secrets', 'rotate-key.js')) }).toEqual({ built: true }); // npm test builds first
    const dataDir = mkdtempSync(join(tmpdir(), 'onebox-embedded-rotate-'));
    const keyFile = join(dataDir, 'secret.key');
    const port = String(await freePort());
    const run = (script: string, extra: Record<string, string> = {}, untilReady = false) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const { DATABASE_URL: _url, ONEBOX_SECRET_KEY: _key, ...inherited } = process.env;
        const child = spawn(process.execPath, [join(dist, script)], {
          env: { ...inherited, ONEBOX_DATA_DIR: dataDir, PORT: port, ...extra },
        });
        let out = '';
        const collect = (chunk: Buffer) => {
          out += chunk.toString();
          if (untilReady && out.includes('Ready in')) child.kill('SIGTERM');
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        child.on('exit', (code) => resolve({ code, out }));
      });

    // First start: the key file is created and the demo channel's webhook secret sealed with it.
    expect((await run('main.js', {}, true)).out).toContain('Ready in');
    const oldKey = readFileSync(keyFile, 'utf8');

    const rotated = await run('secrets/rotate-key.js');
    expect(rotated).toEqual({
      code: 0,
      out: `Re-sealed 1 secrets with the new key (0 already were); the new key is in ${keyFile}.\n`,
    });
    const newKey = readFileSync(keyFile, 'utf8');
    expect(newKey).not.toBe(oldKey);
    expect(newKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(existsSync(`${keyFile}.new`)).toBe(false);

    expect((await run('main.js', {}, true)).out).toContain('Ready in');
    const refused = await run('main.js', { ONEBOX_SECRET_KEY: oldKey });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('ONEBOX_SECRET_KEY does not open 1 of the 1 secrets stored in the database');
    expect(refused.out).not.toMatch(/\n\s+at /); // said plainly, no stack trace
  }, 60_000);
});
