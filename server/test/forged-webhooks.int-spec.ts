import type { ChannelDto, CrmConnectionDto } from '@onebox/contracts';
import { FakeAmoCrm, FakeBitrix24, FakeMax, FakeTelegram, FakeWhatsApp } from '@onebox/fakes';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { maxText, platformEnv, telegramText, whatsappText } from './platforms';
import { api, createWorkspace, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(120_000);

/**
 * Forged webhooks for every messenger and CRM, generated per scheme: the secret or signature
 * missing, empty, wrong, truncated, one character off, another workspace's, in the wrong place;
 * signed bodies altered by one byte after signing; emoji bodies; unknown, malformed and
 * other-type channel ids. Every forgery answers 401 `invalid_signature` (404 `not_found` when the
 * id names no channel or connection of that type) and writes nothing, in any table. Each scheme's
 * genuine request is sent last and must be accepted and written: the harness can tell.
 */

const PHONE_ID = '106540352242922';
const WA = [
  {
    phoneNumberId: PHONE_ID,
    accessToken: 'EAAGforgedwebhooks0123456789',
    appSecret: 'w1-app-secret-0123',
    verifyToken: 'w1-verify',
  },
  {
    phoneNumberId: PHONE_ID,
    accessToken: 'EAAGforgedwebhooks0123456789',
    appSecret: 'w2-app-secret-4567',
    verifyToken: 'w2-verify',
  },
];
const MAX_TOKEN = 'max-forged-webhooks-token-0123456789';

interface Forgery {
  name: string;
  method?: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** 401 (the default) unless the id names nothing (404), or a refused handshake (403). */
  status?: 401 | 403 | 404;
}

interface Endpoint {
  label: string;
  url: string;
  /** A request the platform would send: fresh, so a forgery that got through would write a row. */
  genuine(n: number, text: string): { headers: Record<string, string>; body: Buffer };
}

const json = { 'content-type': 'application/json' };
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const hmac = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');
const oneOff = (s: string, at = s.length - 1) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
const flipCase = (s: string) => s.replace(/[a-z]/i, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
const EMOJI = '🔥💸🙂👨‍👩‍👧‍👦 привет 🏳️‍🌈';

/** Variants of a secret that must all be refused. */
function badSecrets(secret: string, peer: string): [string, string][] {
  return [
    ['empty', ''],
    ['wrong', randomBytes(24).toString('base64url')],
    ['truncated by one', secret.slice(0, -1)],
    ['truncated to half', secret.slice(0, Math.floor(secret.length / 2))],
    ['last character changed', oneOff(secret)],
    ['first character changed', oneOff(secret, 0)],
    ['one character appended', `${secret}A`],
    ['case changed', flipCase(secret)],
    ["another workspace's", peer],
    ['given twice with a wrong one', `${secret}, ${peer}`],
  ];
}

describe('forged webhooks: every channel and CRM refuses them and writes nothing', () => {
  const telegram = new FakeTelegram();
  const whatsapp = new FakeWhatsApp({
    phoneNumberId: PHONE_ID,
    accessToken: WA[0].accessToken,
    appSecret: WA[0].appSecret,
  });
  const max = new FakeMax({ token: MAX_TOKEN });
  const amo = new FakeAmoCrm({ subdomain: 'forgeco' });
  const bitrix = new FakeBitrix24();
  let t: TestApp;
  const channels: Record<'telegram' | 'whatsapp' | 'max', ChannelDto>[] = [];
  const crms: Record<'amocrm' | 'bitrix24', CrmConnectionDto>[] = [];
  const b24Tokens = [bitrix.applicationToken, `b24-second-${randomBytes(12).toString('hex')}`];
  let tried = 0;

  /** Rows in every table: a forgery must not change one count. */
  async function counts(): Promise<Record<string, number>> {
    const tables: { table_name: string }[] = await t.db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const out: Record<string, number> = {};
    for (const { table_name } of tables)
      out[table_name] = (await t.db.query(`SELECT count(*)::int AS n FROM "${table_name}"`))[0].n;
    return out;
  }

  async function send(req: { method?: string; url: string; headers: Record<string, string>; body?: Buffer }) {
    tried++;
    const res = await fetch(req.url, { method: req.method ?? 'POST', headers: req.headers, body: req.body });
    const text = await res.text();
    return { status: res.status, text };
  }

  const telegramSecret = (channel: ChannelDto) =>
    telegram.callsTo('setWebhook').find((c) => (c.body as { url: string }).url === channel.webhookUrl)!.body[
      'secret_token'
    ] as string;
  const maxSecret = (channel: ChannelDto) => max.subscriptions().find((s) => s.url === channel.webhookUrl)!.secret!;
  const amoSecret = (crm: CrmConnectionDto) => crm.webhookUrl.split('/').pop()!;

  const amoForm = (n: number, subdomain: string, name: string) =>
    Buffer.from(
      new URLSearchParams([
        ['account[id]', String(amo.accountId)],
        ['account[subdomain]', subdomain],
        ['leads[status][0][id]', String(80_000 + n)],
        ['leads[status][0][name]', name],
        ['leads[status][0][status_id]', '142'],
        ['leads[status][0][pipeline_id]', String(amo.pipelines[0].id)],
      ]).toString(),
    );

  const bitrixForm = (n: number, token: string | null, extra: [string, string][] = []) =>
    Buffer.from(
      new URLSearchParams([
        ['event', 'ONCRMDEALUPDATE'],
        ['data[FIELDS][ID]', String(90_000 + n)],
        ['ts', String(Math.floor(Date.now() / 1000))],
        ['auth[domain]', bitrix.portal],
        ['auth[member_id]', bitrix.memberId],
        ...(token === null ? [] : ([['auth[application_token]', token]] as [string, string][])),
        ...extra,
      ]).toString(),
    );

  function endpoints(w: number): Record<'telegram' | 'whatsapp' | 'max' | 'amocrm' | 'bitrix24', Endpoint> {
    const ch = channels[w];
    return {
      telegram: {
        label: `telegram ${w + 1}`,
        url: ch.telegram.webhookUrl!,
        genuine: (n, text) => ({
          headers: { ...json, 'x-telegram-bot-api-secret-token': telegramSecret(ch.telegram) },
          body: telegramText(n, text),
        }),
      },
      whatsapp: {
        label: `whatsapp ${w + 1}`,
        url: ch.whatsapp.webhookUrl!,
        genuine: (n, text) => {
          const body = whatsappText(n, text, PHONE_ID);
          return { headers: { ...json, 'x-hub-signature-256': `sha256=${hmac(WA[w].appSecret, body)}` }, body };
        },
      },
      max: {
        label: `max ${w + 1}`,
        url: ch.max.webhookUrl!,
        genuine: (n, text) => ({
          headers: { ...json, 'x-max-bot-api-secret': maxSecret(ch.max) },
          body: maxText(n, text),
        }),
      },
      amocrm: {
        label: `amocrm ${w + 1}`,
        url: crms[w].amocrm.webhookUrl,
        genuine: (n, text) => ({ headers: form, body: amoForm(n, 'forgeco', text) }),
      },
      bitrix24: {
        label: `bitrix24 ${w + 1}`,
        url: crms[w].bitrix24.webhookUrl,
        genuine: (n) => ({ headers: form, body: bitrixForm(n, b24Tokens[w]) }),
      },
    };
  }

  /** The forgeries of every scheme against workspace `w`'s endpoints (the other workspace is the peer). */
  function forgeries(w: 0 | 1): Forgery[] {
    const p = w === 0 ? 1 : 0;
    const [own, peer] = [endpoints(w), endpoints(p)];
    const out: Forgery[] = [];
    let n = w * 1000;
    const fresh = () => ++n;
    const missingUuid = randomUUID();
    const label = (f: Forgery) => ({ ...f, name: `${f.name} (workspace ${w + 1})` });

    // Secret-header schemes: Telegram and MAX. No body signature: the secret is the whole proof.
    for (const [type, header] of [
      ['telegram', 'x-telegram-bot-api-secret-token'],
      ['max', 'x-max-bot-api-secret'],
    ] as const) {
      const secret = own[type].genuine(0, '').headers[header];
      const peerSecret = peer[type].genuine(0, '').headers[header];
      const body = (text: string) => own[type].genuine(fresh(), text).body;
      out.push({ name: `${type}: no secret header`, url: own[type].url, headers: json, body: body('forged') });
      for (const [what, value] of badSecrets(secret, peerSecret)) {
        out.push({
          name: `${type}: secret ${what}`,
          url: own[type].url,
          headers: { ...json, [header]: value },
          body: body('forged'),
        });
      }
      out.push({
        name: `${type}: secret in the query string`,
        url: `${own[type].url}?secret_token=${secret}`,
        headers: json,
        body: body('forged'),
      });
      out.push({
        name: `${type}: secret under another header`,
        url: own[type].url,
        headers: { ...json, 'x-webhook-secret': secret },
        body: body('forged'),
      });
      out.push({ name: `${type}: emoji body, no secret`, url: own[type].url, headers: json, body: body(EMOJI) });
      out.push({
        name: `${type}: emoji body, wrong secret`,
        url: own[type].url,
        headers: { ...json, [header]: oneOff(secret) },
        body: body(EMOJI),
      });
      out.push({
        name: `${type}: genuine request to another workspace's channel`,
        url: peer[type].url,
        headers: { ...json, [header]: secret },
        body: body('forged'),
      });
      out.push({
        name: `${type}: genuine request to an unknown channel id`,
        url: own[type].url.replace(/[^/]+$/, missingUuid),
        headers: { ...json, [header]: secret },
        body: body('forged'),
        status: 404,
      });
      out.push({
        name: `${type}: genuine request to a malformed channel id`,
        url: own[type].url.replace(/[^/]+$/, 'not-a-uuid'),
        headers: { ...json, [header]: secret },
        body: body('forged'),
        status: 404,
      });
      out.push({
        name: `${type}: genuine request to a channel of another type`,
        url: own[type].url.replace(/[^/]+$/, channels[w].whatsapp.id),
        headers: { ...json, [header]: secret },
        body: body('forged'),
        status: 404,
      });
    }

    // WhatsApp: HMAC-SHA256 of the exact bytes with the app secret.
    {
      const { appSecret } = WA[w];
      const url = own.whatsapp.url;
      const signed = (body: Buffer, secret = appSecret) => `sha256=${hmac(secret, body)}`;
      const sig = (value: string, body: Buffer, name: string) =>
        out.push({ name: `whatsapp: ${name}`, url, headers: { ...json, 'x-hub-signature-256': value }, body });
      const body = () => whatsappText(fresh(), 'forged', PHONE_ID);
      out.push({ name: 'whatsapp: no signature', url, headers: json, body: body() });
      let b = body();
      const good = signed(b);
      sig('', b, 'empty signature');
      sig('sha256=', b, 'sha256= and no digest');
      sig(`sha256=${randomBytes(32).toString('hex')}`, b, 'random digest');
      sig(good.slice(0, -1), b, 'digest truncated by one');
      sig(good.slice(0, 7 + 32), b, 'digest truncated to half');
      sig(
        good.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
        b,
        'last hex digit changed',
      );
      sig(good.slice(7), b, 'digest without the sha256= prefix');
      sig(`sha1=${createHmac('sha1', appSecret).update(b).digest('hex')}`, b, 'sha1 signature');
      sig(`sha256=${hmac(appSecret.slice(0, -1), b)}`, b, 'signed with the secret truncated by one');
      sig(signed(b, WA[p].appSecret), b, "signed with another workspace's app secret");
      sig(`sha256=${hmac(appSecret, Buffer.alloc(0))}`, b, 'signature of an empty body');
      sig(`${good}, ${signed(b, WA[p].appSecret)}`, b, 'signature given twice');
      // Signed, then the body altered by one byte.
      b = body();
      const alteredAt = (at: number) => {
        const copy = Buffer.from(b);
        copy[at] = copy[at] === 0x31 ? 0x32 : 0x31;
        return copy;
      };
      const s = signed(b);
      sig(s, alteredAt(Math.floor(b.length / 2)), 'body altered by one byte in the middle');
      sig(s, alteredAt(b.indexOf('wamid.TEST') + 10), 'message id altered by one digit');
      sig(s, Buffer.concat([b, Buffer.from(' ')]), 'one byte appended to the body');
      sig(s, b.subarray(0, -1), 'last byte of the body removed');
      sig(s, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]), 'byte-order mark prepended');
      sig(s, Buffer.from(JSON.stringify(JSON.parse(b.toString()), null, 1)), 'same JSON, re-serialized');
      // Emoji: what is signed must be the bytes sent.
      const emoji = whatsappText(fresh(), EMOJI, PHONE_ID);
      const escaped = Buffer.from(
        emoji
          .toString('utf8')
          .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      );
      sig(signed(escaped), emoji, 'emoji body signed as \\u escapes, sent as UTF-8');
      sig(signed(emoji), escaped, 'emoji body signed as UTF-8, sent as \\u escapes');
      sig(signed(emoji), Buffer.from(emoji.toString('utf8'), 'latin1'), 'emoji body re-encoded as Latin-1');
      sig(
        signed(emoji).replace(/.$/, (c) => (c === '0' ? '1' : '0')),
        emoji,
        'emoji body, last hex digit changed',
      );
      out.push({
        name: "whatsapp: genuine request to another workspace's channel",
        url: peer.whatsapp.url,
        headers: { ...json, 'x-hub-signature-256': signed(b) },
        body: b,
        status: 401,
      });
      out.push({
        name: 'whatsapp: genuine request to an unknown channel id',
        url: url.replace(/[^/]+$/, missingUuid),
        headers: { ...json, 'x-hub-signature-256': signed(b) },
        body: b,
        status: 404,
      });
      out.push({
        name: 'whatsapp: genuine request to a channel of another type',
        url: url.replace(/[^/]+$/, channels[w].telegram.id),
        headers: { ...json, 'x-hub-signature-256': signed(b) },
        body: b,
        status: 404,
      });
      // The GET verification handshake.
      const handshake = (token: string | null) =>
        `${url}?hub.mode=subscribe&hub.challenge=4242${token === null ? '' : `&hub.verify_token=${encodeURIComponent(token)}`}`;
      for (const [what, token] of [
        ['no verify token', null],
        ['empty verify token', ''],
        ['wrong verify token', 'nope'],
        ['verify token truncated', WA[w].verifyToken.slice(0, -1)],
        ["another workspace's verify token", WA[p].verifyToken],
      ] as const) {
        out.push({
          name: `whatsapp handshake: ${what}`,
          method: 'GET',
          url: handshake(token),
          headers: {},
          status: 403,
        });
      }
    }

    // amoCRM: the connection's secret is the last URL segment; the body names the account.
    {
      const secret = amoSecret(crms[w].amocrm);
      const base = own.amocrm.url.slice(0, -secret.length);
      const body = () => amoForm(fresh(), 'forgeco', 'forged');
      for (const [what, value] of badSecrets(secret, amoSecret(crms[p].amocrm)).filter(
        ([w]) => w !== 'empty' && !w.startsWith('given twice'),
      )) {
        out.push({
          name: `amocrm: secret ${what}`,
          url: base + encodeURIComponent(value),
          headers: form,
          body: body(),
        });
      }
      out.push({ name: 'amocrm: no secret segment', url: base.slice(0, -1), headers: form, body: body(), status: 404 });
      out.push({
        name: 'amocrm: secret in the query string',
        url: `${base}x?secret=${secret}`,
        headers: form,
        body: body(),
      });
      out.push({
        name: 'amocrm: right secret, account subdomain one byte off',
        url: own.amocrm.url,
        headers: form,
        body: amoForm(fresh(), 'forgecp', 'forged'),
      });
      out.push({
        name: 'amocrm: right secret, no account',
        url: own.amocrm.url,
        headers: form,
        body: Buffer.from(`leads[status][0][id]=${fresh()}`),
      });
      out.push({
        name: 'amocrm: emoji body, wrong secret',
        url: base + oneOff(secret),
        headers: form,
        body: amoForm(fresh(), 'forgeco', EMOJI),
      });
      out.push({
        name: "amocrm: right secret at another workspace's connection",
        url: peer.amocrm.url.replace(/[^/]+$/, secret),
        headers: form,
        body: body(),
      });
      out.push({
        name: 'amocrm: right secret at an unknown connection id',
        url: own.amocrm.url.replace(/\/[^/]+\/[^/]+$/, `/${missingUuid}/${secret}`),
        headers: form,
        body: body(),
        status: 404,
      });
      out.push({
        name: 'amocrm: right secret at a Bitrix24 connection id',
        url: own.amocrm.url.replace(/\/[^/]+\/[^/]+$/, `/${crms[w].bitrix24.id}/${secret}`),
        headers: form,
        body: body(),
        status: 404,
      });
    }

    // Bitrix24: the application token in the form body.
    {
      const url = own.bitrix24.url;
      for (const [what, value] of badSecrets(b24Tokens[w], b24Tokens[p]).filter(
        ([w]) => !w.startsWith('given twice'),
      )) {
        out.push({ name: `bitrix24: application token ${what}`, url, headers: form, body: bitrixForm(fresh(), value) });
      }
      out.push({ name: 'bitrix24: no application token', url, headers: form, body: bitrixForm(fresh(), null) });
      out.push({
        name: 'bitrix24: token as a header',
        url,
        headers: { ...form, 'x-application-token': b24Tokens[w] },
        body: bitrixForm(fresh(), null),
      });
      out.push({
        name: 'bitrix24: token in the query string',
        url: `${url}?auth[application_token]=${b24Tokens[w]}`,
        headers: form,
        body: bitrixForm(fresh(), null),
      });
      out.push({
        name: 'bitrix24: token under another field',
        url,
        headers: form,
        body: bitrixForm(fresh(), null, [['auth[access_token]', b24Tokens[w]]]),
      });
      const genuine = bitrixForm(fresh(), b24Tokens[w]);
      const tokenAt = genuine.indexOf(encodeURIComponent(b24Tokens[w]));
      const altered = Buffer.from(genuine);
      altered[tokenAt + 3] = altered[tokenAt + 3] === 0x61 ? 0x62 : 0x61;
      out.push({ name: 'bitrix24: token altered by one byte in the body', url, headers: form, body: altered });
      out.push({
        name: 'bitrix24: emoji body, wrong token',
        url,
        headers: form,
        body: bitrixForm(fresh(), oneOff(b24Tokens[w]), [['data[FIELDS][TITLE]', EMOJI]]),
      });
      out.push({
        name: "bitrix24: genuine request to another workspace's connection",
        url: peer.bitrix24.url,
        headers: form,
        body: bitrixForm(fresh(), b24Tokens[w]),
      });
      out.push({
        name: 'bitrix24: genuine request to an unknown connection id',
        url: url.replace(/[^/]+$/, missingUuid),
        headers: form,
        body: bitrixForm(fresh(), b24Tokens[w]),
        status: 404,
      });
      out.push({
        name: 'bitrix24: genuine request to an amoCRM connection id',
        url: url.replace(/[^/]+$/, crms[w].amocrm.id),
        headers: form,
        body: bitrixForm(fresh(), b24Tokens[w]),
        status: 404,
      });
    }
    return out.map(label);
  }

  beforeAll(async () => {
    for (const fake of [telegram, whatsapp, max, amo, bitrix]) await fake.start();
    t = await startTestApp(platformEnv({ telegram, whatsapp, max, amo, bitrix }));
    for (const w of [0, 1]) {
      // Two workspaces with the same kinds of channels; a workspace has one CRM, so the second
      // CRM of each has a workspace of its own.
      const ws = await createWorkspace(t.db, `forged-${w}`);
      const token = await login(t.url, ws.email, ws.password);
      const created = async <T>(path: string, body: unknown) => {
        const res = await api<T>(t.url, path, { token, body });
        expect(res.status).toBe(201);
        return res.body;
      };
      channels[w] = {
        telegram: await created<ChannelDto>('/api/channels', {
          type: 'telegram',
          name: 'tg',
          credentials: { botToken: telegram.token },
        }),
        whatsapp: await created<ChannelDto>('/api/channels', { type: 'whatsapp', name: 'wa', credentials: WA[w] }),
        max: await created<ChannelDto>('/api/channels', {
          type: 'max',
          name: 'max',
          credentials: { token: MAX_TOKEN },
        }),
      };
      const amocrm = await created<CrmConnectionDto>('/api/crm', {
        type: 'amocrm',
        name: 'amo',
        settings: { baseUrl: 'https://forgeco.amocrm.ru', accessToken: amo.accessToken },
      });
      const other = await createWorkspace(t.db, `forged-b24-${w}`);
      const otherToken = await login(t.url, other.email, other.password);
      const b24 = await api<CrmConnectionDto>(t.url, '/api/crm', {
        token: otherToken,
        body: {
          type: 'bitrix24',
          name: 'b24',
          settings: { webhookUrl: bitrix.webhookUrl, applicationToken: b24Tokens[w] },
        },
      });
      expect(b24.status).toBe(201);
      crms[w] = { amocrm, bitrix24: b24.body };
    }
  });

  afterAll(async () => {
    console.log(`forged webhooks: ${tried} requests tried`);
    await t?.close();
    for (const fake of [telegram, whatsapp, max, amo, bitrix]) await fake.stop();
  });

  it('refuses every forgery with 401 invalid_signature (404 for ids that name nothing, 403 for the handshake) and writes nothing', async () => {
    const cases = [...forgeries(0), ...forgeries(1)];
    const before = await counts();
    const wrong: string[] = [];
    for (const forgery of cases) {
      const res = await send(forgery);
      const status = forgery.status ?? 401;
      const code = { 401: 'invalid_signature', 403: 'forbidden', 404: 'not_found' }[status];
      if (res.status !== status || !res.text.includes(`"code":"${code}"`))
        wrong.push(`${forgery.name}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
    // Jobs a forgery might have queued run within the poll interval: give them the time.
    await new Promise((r) => setTimeout(r, 500));
    expect(await counts()).toEqual(before);
    console.log(`forged webhooks: ${cases.length} forgeries refused, 0 rows written`);
  });

  it('accepts each scheme’s genuine request, emoji included, and writes it (the battery can tell)', async () => {
    const before = await counts();
    let n = 10_000;
    for (const w of [0, 1]) {
      for (const endpoint of Object.values(endpoints(w))) {
        const { headers, body } = endpoint.genuine(++n, `genuine ${EMOJI}`);
        const res = await send({ url: endpoint.url, headers, body });
        expect({ endpoint: endpoint.label, status: res.status }).toEqual({ endpoint: endpoint.label, status: 200 });
      }
      const ok = await send({
        method: 'GET',
        url: `${channels[w].whatsapp.webhookUrl}?hub.mode=subscribe&hub.challenge=4242&hub.verify_token=${WA[w].verifyToken}`,
        headers: {},
      });
      expect(ok).toEqual({ status: 200, text: '4242' });
    }
    const after = await counts();
    // Three messengers × two workspaces: six messages; two CRMs × two: four deal syncs queued.
    expect(after['messages'] - before['messages']).toBe(6);
    expect(after['jobs'] - before['jobs']).toBeGreaterThanOrEqual(4);
    const texts: { text: string }[] = await t.db.query(`SELECT text FROM messages WHERE text LIKE 'genuine %'`);
    expect(texts.map((m) => m.text)).toEqual(Array(6).fill(`genuine ${EMOJI}`));
  });
});
