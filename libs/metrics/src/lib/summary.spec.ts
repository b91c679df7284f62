import { cyclesOf, type CycleFacts } from './cycle-facts';
import { groupCycles } from './grouping';
import { DEFAULT_METRIC_SETTINGS, type ConversationInput, type MetricEvent } from './inputs';
import { managerTime, summarize } from './summary';

/** `2026-01-01T<hh:mm:ss>Z`, or another day with `day`. */
const t = (time: string, day = 1) => new Date(`2026-01-0${day}T${time}Z`);

function conversation(
  id: string,
  channelType: ConversationInput['channelType'],
  contactId: string,
  events: [number, string, MetricEvent['type'], Partial<MetricEvent>?][],
  deals: ConversationInput['deals'] = [],
  day = 1,
): ConversationInput {
  return {
    conversationId: id,
    channelId: `ch-${channelType}`,
    channelType,
    contactId,
    deals,
    events: events.map(([cycle, time, type, rest]) => ({
      cycle,
      type,
      actorType: 'contact',
      actorId: null,
      at: t(time, rest?.at ? undefined : day),
      payload: {},
      ...rest,
    })),
  };
}

const agent = (id: string, payload: Record<string, unknown> = {}) => ({
  actorType: 'agent' as const,
  actorId: id,
  payload,
});
const bot = (payload: Record<string, unknown> = {}) => ({ actorType: 'bot' as const, payload });

// A (Telegram, contact c1): answered in 30 s by m1 with a canned reply, tagged VIP, resolved at
// 10:10; the same contact comes back on WhatsApp (D) two days later, and on Telegram (cycle 2)
// on the 4th, unanswered.
const A = conversation('A', 'telegram', 'c1', [
  [1, '10:00:00', 'cycle_started'],
  [1, '10:00:00', 'message_in'],
  [1, '10:00:30', 'assigned', agent('m1', { from: null, to: 'm1' })],
  [1, '10:00:30', 'human_reply', agent('m1', { cannedResponseId: 'cr1' })],
  [1, '10:01:00', 'message_in'],
  [1, '10:02:00', 'message_in'],
  [1, '10:03:00', 'human_reply', agent('m1')],
  [1, '10:05:00', 'tag_added', agent('m1', { tag: 'VIP' })],
  [1, '10:10:00', 'resolved', agent('m1')],
  [2, '09:00:00', 'cycle_started', { at: t('09:00:00', 4) }],
  [2, '09:00:00', 'message_in', { at: t('09:00:00', 4) }],
]);

// B (webchat, c2): the bot answers, falls back once, hands over at 11:00:20; m2 declines an
// offer, m1 accepts o2 after 15 s and replies at 11:01:20 (60 s after the hand-off); m1 transfers
// to m2, who replies; resolved at 11:10; CSAT 5 for m1; its deal is won two days later.
const B = conversation(
  'B',
  'webchat',
  'c2',
  [
    [1, '11:00:00', 'cycle_started'],
    [1, '11:00:00', 'message_in'],
    [1, '11:00:01', 'bot_reply', bot({ matched: true, ruleId: 'r1' })],
    [1, '11:00:10', 'message_in'],
    [1, '11:00:11', 'bot_reply', bot({ matched: false, ruleId: null })],
    [1, '11:00:20', 'message_in'],
    [1, '11:00:20', 'bot_handoff', bot({ reason: 'request' })],
    [1, '11:00:21', 'offer_made', { actorType: 'system', payload: { offerId: 'o1', userId: 'm2' } }],
    [1, '11:00:24', 'offer_declined', agent('m2', { offerId: 'o1', userId: 'm2' })],
    [1, '11:00:25', 'offer_made', { actorType: 'system', payload: { offerId: 'o2', userId: 'm1' } }],
    [1, '11:00:40', 'offer_accepted', agent('m1', { offerId: 'o2', userId: 'm1' })],
    [1, '11:00:40', 'assigned', agent('m1', { from: null, to: 'm1' })],
    [1, '11:01:20', 'human_reply', agent('m1')],
    [1, '11:05:00', 'transferred', agent('m1', { fromUserId: 'm1', toUserId: 'm2', note: 'pricing' })],
    [1, '11:06:00', 'human_reply', agent('m2')],
    [1, '11:10:00', 'resolved', agent('m2')],
    [1, '11:10:01', 'survey_sent', { actorType: 'system', payload: { surveyId: 's1', kind: 'csat' } }],
    [1, '11:12:00', 'survey_answered', { payload: { surveyId: 's1', kind: 'csat', score: 5, managerId: 'm1' } }],
  ],
  [{ cycle: 1, createdAt: t('11:02:00'), wonAt: t('11:00:00', 3), amount: '1000.50', currency: 'RUB' }],
);

// C (webchat, c3): the bot answers and the cycle is resolved without a human (contained).
const C = conversation('C', 'webchat', 'c3', [
  [1, '12:00:00', 'cycle_started'],
  [1, '12:00:00', 'message_in'],
  [1, '12:00:02', 'bot_reply', bot({ matched: true, ruleId: 'r2' })],
  [1, '12:05:00', 'resolved', { actorType: 'system', payload: { reason: 'auto' } }],
]);

// D (WhatsApp, c1 again, 3 Jan): m2 answers after 400 s — over the 300 s threshold: missed.
const D = conversation(
  'D',
  'whatsapp',
  'c1',
  [
    [1, '10:00:00', 'cycle_started'],
    [1, '10:00:00', 'message_in'],
    [1, '10:06:40', 'human_reply', agent('m2')],
    [1, '10:20:00', 'resolved', agent('m2')],
  ],
  [],
  3,
);

const asOf = new Date('2026-02-01T00:00:00Z');
const settings = DEFAULT_METRIC_SETTINGS;
const all: CycleFacts[] = [A, B, C, D].flatMap((c) => cyclesOf(c, settings, asOf));
const day1 = { from: t('00:00:00'), to: t('00:00:00', 2), asOf };

describe('cycle facts', () => {
  it('measures first response from the hand-off when a bot held the cycle, reply times from the oldest unanswered message', () => {
    const b = all.find((c) => c.conversationId === 'B') as CycleFacts;
    expect(b.firstResponseSec).toBe(60);
    expect(b.replyTimesSec).toEqual([80]);
    expect(b.managerId).toBe('m1');
    expect(b.transferred).toBe(true);
    expect(b.waitToAcceptSec).toEqual([15]); // o2 made 11:00:25, accepted 11:00:40
    expect(b.handleTimeSec).toBe(520);
  });

  it('marks late first replies and unanswered cycles past the threshold as missed, never bot-contained ones', () => {
    const byId = (id: string, cycle = 1) => all.find((c) => c.conversationId === id && c.cycle === cycle);
    expect(byId('D')?.missed).toBe(true);
    expect(byId('A', 2)?.missed).toBe(true);
    expect(byId('C')?.missed).toBe(false);
    expect(byId('C')?.botResolved).toBe(true);
    expect(byId('A')?.missed).toBe(false);
  });
});

describe('summary (expected values worked out by hand above each figure)', () => {
  const m = summarize(all, day1, settings);

  it('counts volume', () => {
    expect(m.chats).toBe(3); // A1, B1, C1 start on 1 Jan; D1 (3rd) and A2 (4th) do not
    expect(m.chatsPerManager).toBe(3); // A1 and B1 have m1, C1 nobody: 3 ÷ 1
    expect(m.messagesIn).toBe(7); // A1 3 + B1 3 + C1 1
    expect(m.messagesOut).toBe(4); // A1 2 + B1 2 (bot replies are not human replies)
    expect(m.messagesPerChat).toBeCloseTo(11 / 3); // resolved on the 1st: A1 5, B1 5, C1 1
    expect(m.openBacklog).toBe(0);
  });

  it('measures speed', () => {
    expect(m.firstResponseAvgSec).toBe(45); // A1 30, B1 60
    expect(m.firstResponseMedianSec).toBe(45);
    expect(m.firstResponseP90Sec).toBeCloseTo(57); // 30 + 0.9 × 30
    expect(m.answeredWithinTargetRate).toBe(1); // both ≤ 60 s
    expect(m.replyTimeAvgSec).toBeCloseTo((30 + 120 + 80) / 3);
    expect(m.waitToAcceptAvgSec).toBe(15);
    expect(m.handleTimeAvgSec).toBe(545); // A1 570, B1 520; C1 had no human
    expect(m.resolutionTimeAvgSec).toBe(500); // 600, 600, 300
  });

  it('measures misses, acceptance and quality', () => {
    expect(m.missedChats).toBe(0);
    expect(m.acceptanceRate).toBe(0.5); // o1 declined, o2 accepted
    expect(m.repeatContactRate).toBeCloseTo(1 / 3); // c1 came back (D) 2 days after A1
    expect(m.fcrRate).toBeCloseTo(1 / 3); // only C1: A1 repeated, B1 transferred
    expect(m.transferRate).toBeCloseTo(1 / 3);
    expect([m.csatAvg, m.csatSatisfiedRate, m.csatResponses, m.surveyResponseRate]).toEqual([5, 1, 1, 1]);
    expect(m.nps).toBeNull();
  });

  it('measures productivity, business and the bot', () => {
    expect(m.cannedUsageRate).toBe(0.25); // 1 of 4 human replies
    expect(m.chatsWithCannedRate).toBe(0.5); // A1 of A1, B1
    expect(m.taggedRate).toBeCloseTo(1 / 3);
    expect([m.dealsCreated, m.conversions]).toEqual([1, 1]);
    expect(m.revenue).toEqual({ RUB: '1000.50' });
    expect(m.timeToDealAvgSec).toBe(2 * 86_400);
    expect([m.botHandled, m.botContainmentRate, m.botEscalationRate]).toEqual([2, 0.5, 0.5]);
    expect(m.botFallbackRate).toBeCloseTo(1 / 3);
  });

  it('groups by manager and tag', () => {
    const byManager = groupCycles(all, 'manager');
    // A2 is unanswered: its manager is the assignee it kept from A1.
    expect(byManager.get('m1')?.map((c) => `${c.conversationId}${c.cycle}`)).toEqual(['A1', 'A2', 'B1']);
    expect(byManager.get('m2')?.map((c) => `${c.conversationId}${c.cycle}`)).toEqual(['D1']);
    expect(
      groupCycles(all, 'tag')
        .get('VIP')
        ?.map((c) => `${c.conversationId}${c.cycle}`),
    ).toEqual(['A1', 'A2']);
  });

  it("measures a manager's online time, utilization and concurrency", () => {
    const presence = [{ userId: 'm1', status: 'online' as const, from: t('10:00:00'), to: t('12:00:00') }];
    const time = managerTime('m1', presence, all, day1);
    expect(time.onlineSec).toBe(7200);
    expect(time.utilization).toBeCloseTo(830 / 7200); // 10:00:30–10:10 and 11:00:40–11:05
    expect(time.avgConcurrency).toBeCloseTo(830 / 7200);
  });
});
