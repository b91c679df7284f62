import type { ChannelDto, MessageDto } from '@onebox/contracts';
import { FakeMax, FakeTelegram, type RecordedCall } from '@onebox/fakes';
import { api, createWorkspace, eventually, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(30_000);

const MAX_TOKEN = 'throttle_max_bot_token_0123456789abcdef';
/** How long the platforms refuse every other send, and the wait they ask for. */
const STORM_MS = 4000;
const RETRY_AFTER_SEC = 1;
/** Calls already on the wire when a refusal was answered may still land just after it. */
const IN_FLIGHT_MS = 100;

/** The most calls that landed within any `windowMs`. */
function busiestWindow(calls: RecordedCall[], windowMs: number): number {
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; start < times.length; start++) {
    while (end < times.length && times[end] < times[start] + windowMs) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

/** Calls that landed while a refusal's Retry-After was still running (after the calls in flight). */
function earlyCalls(calls: RecordedCall[], retryAfterMs: number): RecordedCall[] {
  const refusals = calls.filter((c) => c.faulted);
  return calls.filter((call) =>
    refusals.some((refusal) => call.at > refusal.at + IN_FLIGHT_MS && call.at < refusal.at + retryAfterMs),
  );
}

/**
 * Platform throttling: for a few seconds every other send is refused (Telegram: 429 with
 * `retry_after`; MAX: 503 with `Retry-After`). Nothing may be dropped or sent twice, no call may
 * go out while a Retry-After runs, and the sends keep to the platforms' published rates
 * (Telegram: 30 messages a second per bot, 1 a second per chat; MAX: 30 requests a second).
 */
describe('Platform throttling: half the sends refused with Retry-After for a while', () => {
  const telegram = new FakeTelegram();
  const max = new FakeMax({ token: MAX_TOKEN });
  let t: TestApp;
  let token: string;
  /** The conversations, each with the customer's chat id on its platform. */
  const customers: { platform: 'telegram' | 'max'; chatId: number; conversationId: string }[] = [];
  const sent: MessageDto[] = [];

  beforeAll(async () => {
    await Promise.all([telegram.start(), max.start()]);
    t = await startTestApp({ TELEGRAM_API_ROOT: telegram.url, MAX_API_ROOT: max.url, ONEBOX_UPDATE_MODE: 'webhook' });
    const workspace = await createWorkspace(t.db, 'throttle');
    token = await login(t.url, workspace.email, workspace.password);
    const channels: Record<string, ChannelDto> = {};
    for (const [type, credentials] of [
      ['telegram', { botToken: telegram.token }],
      ['max', { token: MAX_TOKEN }],
    ] as const) {
      const created = await api<ChannelDto>(t.url, '/api/channels', {
        token,
        body: { type, name: `Throttled ${type}`, credentials },
      });
      expect(created.status).toBe(201);
      channels[type] = created.body;
    }
    for (let i = 0; i < 40; i++)
      expect((await telegram.customerWrites({ chatId: 810_000 + i, firstName: `Tg ${i}`, text: 'Hello' })).status).toBe(
        200,
      );
    for (let i = 0; i < 10; i++)
      expect(await max.customerWrites({ userId: 820_000 + i, name: `Max ${i}`, text: 'Hello' })).toBe(200);
    const found = await t.db.query(
      `SELECT c.id, ch.type, ci.external_id FROM conversations c JOIN channels ch ON ch.id = c.channel_id
       JOIN contact_identities ci ON ci.contact_id = c.contact_id AND ci.channel_id = c.channel_id
       WHERE c.workspace_id = $1 AND ch.type IN ('telegram', 'max')`,
      [workspace.workspaceId],
    );
    for (const row of found as { id: string; type: 'telegram' | 'max'; external_id: string }[])
      customers.push({ platform: row.type, chatId: Number(row.external_id), conversationId: row.id });
    expect(customers).toHaveLength(50);
  });

  afterAll(async () => {
    const telegramSends = telegram.callsTo('sendMessage');
    const maxSends = max.callsTo('/messages').filter((c) => c.method === 'POST');
    console.log(
      `Throttling: ${sent.length} replies; Telegram refused ${telegramSends.filter((c) => c.faulted).length} of ` +
        `${telegramSends.length} sends (429), MAX ${maxSends.filter((c) => c.faulted).length} of ${maxSends.length} (503); ` +
        `busiest second: Telegram ${busiestWindow(telegramSends, 1000)}/30, MAX ${busiestWindow(maxSends, 1000)}/30; ` +
        `calls during a Retry-After: ${earlyCalls(telegramSends, RETRY_AFTER_SEC * 1000).length + earlyCalls(maxSends, RETRY_AFTER_SEC * 1000).length}`,
    );
    await t?.close();
    await Promise.all([telegram.stop(), max.stop()]);
  });

  it('delivers every reply exactly once, in order, after the storm', async () => {
    const until = Date.now() + STORM_MS;
    telegram.inject({
      pathEndsWith: '/sendMessage',
      times: Infinity,
      share: 0.5,
      until,
      reply: {
        status: 429,
        body: {
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${RETRY_AFTER_SEC}`,
          parameters: { retry_after: RETRY_AFTER_SEC },
        },
      },
    });
    max.inject({
      pathEndsWith: '/messages',
      times: Infinity,
      share: 0.5,
      until,
      reply: {
        status: 503,
        body: { code: 'service.unavailable', message: 'Service temporarily unavailable' },
        headers: { 'retry-after': String(RETRY_AFTER_SEC) },
      },
    });
    // Two replies to every customer, all queued at once.
    for (const round of [1, 2])
      sent.push(
        ...(await Promise.all(
          customers.map(async (c) => {
            const res = await api<MessageDto>(t.url, `/api/conversations/${c.conversationId}/messages`, {
              token,
              body: { text: `reply ${round} to ${c.chatId}`, clientMessageId: `throttle-${round}-${c.chatId}` },
            });
            expect(res.status).toBe(201);
            return res.body;
          }),
        )),
      );

    const statuses = await eventually(async () => {
      const rows: { status: string }[] = await t.db.query(`SELECT status FROM messages WHERE id = ANY ($1::uuid[])`, [
        sent.map((m) => m.id),
      ]);
      return rows.every((r) => r.status === 'sent') ? rows : null;
    }, 25_000);
    expect(statuses).toHaveLength(100);

    for (const c of customers) {
      const texts =
        c.platform === 'telegram'
          ? telegram.sentMessages(c.chatId).map((m) => m.text)
          : max
              .sentMessages()
              .filter((m) => m.userId === c.chatId)
              .map((m) => m.text);
      expect(texts).toEqual([`reply 1 to ${c.chatId}`, `reply 2 to ${c.chatId}`]);
    }
  }, 40_000);

  it('was refused often, and never called again while a Retry-After ran', () => {
    const telegramSends = telegram.callsTo('sendMessage');

    const maxSends = max.callsTo('/messages').filter((c) => c.method === 'POST');
    expect(telegramSends.filter((c) => c.faulted).length).toBeGreaterThanOrEqual(2);
    expect(maxSends.filter((c) => c.faulted).length).toBeGreaterThanOrEqual(2);
    expect(telegramSends.filter((c) => !c.faulted)).toHaveLength(80);
    expect(maxSends.filter((c) => !c.faulted)).toHaveLength(20);
    expect(earlyCalls(telegramSends, RETRY_AFTER_SEC * 1000)).toEqual([]);
    expect(earlyCalls(maxSends, RETRY_AFTER_SEC * 1000)).toEqual([]);
  });

  // Counted as the calls landed: the sender keeps a tenth under each limit so that delays on the way cannot push it over.
  it('kept to the platforms’ rates: 30 a second per bot, one a second per Telegram chat', () => {
    const telegramSends = telegram.callsTo('sendMessage');
    expect(busiestWindow(telegramSends, 1000)).toBeLessThanOrEqual(30);
    expect(busiestWindow(telegramSends, 1000)).toBeGreaterThan(10); // the backlog did go out fast
    expect(busiestWindow(max.callsTo('/messages'), 1000)).toBeLessThanOrEqual(30);
    const gaps: number[] = [];
    for (const c of customers.filter((x) => x.platform === 'telegram')) {
      const times = telegramSends.filter((call) => Number(call.body['chat_id']) === c.chatId).map((call) => call.at);
      gaps.push(...times.slice(1).map((at, i) => at - times[i]));
    }
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
  });
});
