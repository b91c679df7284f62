import type { CostSettings, MetricValues, WeeklySchedule } from '@onebox/contracts';
import type { ConversationInput, MetricEvent } from './inputs';

/**
 * A worked example: four conversations on three channels with two managers, a bot hand-off,
 * offers, a transfer, a survey, a won deal, a repeat contact and a missed chat. Every expected
 * figure of `SCENARIO_EXPECTED` is worked out by hand in the comment beside it; the reference
 * code (summary.spec.ts) and the server's SQL (server/test/analytics.int-spec.ts) must both
 * give exactly these numbers.
 */
export const M1 = '00000000-0000-4000-8000-0000000000a1';
export const M2 = '00000000-0000-4000-8000-0000000000a2';
export const C1 = '00000000-0000-4000-8000-0000000000c1';
export const C2 = '00000000-0000-4000-8000-0000000000c2';
export const C3 = '00000000-0000-4000-8000-0000000000c3';
export const A_ID = '00000000-0000-4000-8000-00000000000a';
export const B_ID = '00000000-0000-4000-8000-00000000000b';
export const C_ID = '00000000-0000-4000-8000-00000000000c';
export const D_ID = '00000000-0000-4000-8000-00000000000d';

/** `2026-01-01T<hh:mm:ss>Z`, or another day with `day`. */
export const t = (time: string, day = 1) => new Date(`2026-01-0${day}T${time}Z`);

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
export const A = conversation(A_ID, 'telegram', C1, [
  [1, '10:00:00', 'cycle_started'],
  [1, '10:00:00', 'message_in'],
  [1, '10:00:30', 'assigned', agent(M1, { from: null, to: M1 })],
  [1, '10:00:30', 'human_reply', agent(M1, { cannedResponseId: 'cr1' })],
  [1, '10:01:00', 'message_in'],
  [1, '10:02:00', 'message_in'],
  [1, '10:03:00', 'human_reply', agent(M1)],
  [1, '10:05:00', 'tag_added', agent(M1, { tag: 'VIP' })],
  [1, '10:10:00', 'resolved', agent(M1)],
  [2, '09:00:00', 'cycle_started', { at: t('09:00:00', 4) }],
  [2, '09:00:00', 'message_in', { at: t('09:00:00', 4) }],
]);

// B (webchat, c2): the bot answers, falls back once, hands over at 11:00:20; m2 declines an
// offer, m1 accepts o2 after 15 s and replies at 11:01:20 (60 s after the hand-off); m1 transfers
// to m2, who replies; resolved at 11:10; CSAT 5 for m1; its deal is won two days later.
export const B = conversation(
  B_ID,
  'webchat',
  C2,
  [
    [1, '11:00:00', 'cycle_started'],
    [1, '11:00:00', 'message_in'],
    [1, '11:00:01', 'bot_reply', bot({ matched: true, ruleId: 'r1' })],
    [1, '11:00:10', 'message_in'],
    [1, '11:00:11', 'bot_reply', bot({ matched: false, ruleId: null })],
    [1, '11:00:20', 'message_in'],
    [1, '11:00:20', 'bot_handoff', bot({ reason: 'request' })],
    [1, '11:00:21', 'offer_made', { actorType: 'system', payload: { offerId: 'o1', userId: M2 } }],
    [1, '11:00:24', 'offer_declined', agent(M2, { offerId: 'o1', userId: M2 })],
    [1, '11:00:25', 'offer_made', { actorType: 'system', payload: { offerId: 'o2', userId: M1 } }],
    [1, '11:00:40', 'offer_accepted', agent(M1, { offerId: 'o2', userId: M1 })],
    [1, '11:00:40', 'assigned', agent(M1, { from: null, to: M1 })],
    [1, '11:01:20', 'human_reply', agent(M1)],
    [1, '11:05:00', 'transferred', agent(M1, { fromUserId: M1, toUserId: M2, note: 'pricing' })],
    [1, '11:06:00', 'human_reply', agent(M2)],
    [1, '11:10:00', 'resolved', agent(M2)],
    [1, '11:10:01', 'survey_sent', { actorType: 'system', payload: { surveyId: 's1', kind: 'csat' } }],
    [1, '11:12:00', 'survey_answered', { payload: { surveyId: 's1', kind: 'csat', score: 5, managerId: M1 } }],
  ],
  [{ cycle: 1, createdAt: t('11:02:00'), wonAt: t('11:00:00', 3), amount: '1000.50', currency: 'RUB' }],
);

// C (webchat, c3): the bot answers and the cycle is resolved without a human (contained).
export const C = conversation(C_ID, 'webchat', C3, [
  [1, '12:00:00', 'cycle_started'],
  [1, '12:00:00', 'message_in'],
  [1, '12:00:02', 'bot_reply', bot({ matched: true, ruleId: 'r2' })],
  [1, '12:05:00', 'resolved', { actorType: 'system', payload: { reason: 'auto' } }],
]);

// D (WhatsApp, c1 again, 3 Jan): m2 answers after 400 s — over the 300 s threshold: missed.
export const D = conversation(
  D_ID,
  'whatsapp',
  C1,
  [
    [1, '10:00:00', 'cycle_started'],
    [1, '10:00:00', 'message_in'],
    [1, '10:06:40', 'human_reply', agent(M2)],
    [1, '10:20:00', 'resolved', agent(M2)],
  ],
  [],
  3,
);

export const SCENARIO_AS_OF = new Date('2026-02-01T00:00:00Z');
export const SCENARIO = [A, B, C, D];
/** 1 January 2026, UTC. */
export const SCENARIO_PERIOD = { from: t('00:00:00'), to: t('00:00:00', 2), asOf: SCENARIO_AS_OF };

/**
 * The summary of 1 January (no grouping), worked out by hand. Only A1, B1 and C1 start that day
 * (D1 starts on the 3rd, A2 on the 4th).
 */
export const SCENARIO_EXPECTED: MetricValues = {
  chats: 3,
  chatsPerManager: 3, // A1 and B1 are m1's, C1 nobody's: 3 ÷ 1
  messagesIn: 7, // A1 3 + B1 3 + C1 1
  messagesOut: 4, // A1 2 + B1 2 (bot replies are not human replies)
  messagesPerChat: 11 / 3, // resolved on the 1st: A1 3+2, B1 3+2, C1 1+0
  openBacklog: 0, // all three resolved by midnight
  firstResponseAvgSec: 45, // A1 30 s; B1 60 s from the hand-off (11:00:20 → 11:01:20)
  firstResponseMedianSec: 45,
  firstResponseP90Sec: 57, // 30 + 0.9 × (60 − 30)
  answeredWithinTargetRate: 1, // both ≤ 60 s
  replyTimeAvgSec: (30 + 120 + 80) / 3, // A1: 30, 10:01→10:03 = 120; B1: 11:00:00→11:01:20 = 80
  waitToAcceptAvgSec: 15, // o2 made 11:00:25, accepted 11:00:40
  handleTimeAvgSec: 545, // A1 10:00:30→10:10 = 570, B1 11:01:20→11:10 = 520; C1 had no human
  resolutionTimeAvgSec: 500, // 600, 600, 300
  missedChats: 0, // A1 30 s, B1 60 s after the hand-off; C1 contained by the bot
  missedChatRate: 0,
  acceptanceRate: 0.5, // o1 declined, o2 accepted
  fcrRate: 1 / 3, // only C1: A1 repeated (D1 two days later), B1 transferred
  repeatContactRate: 1 / 3, // A1
  transferRate: 1 / 3, // B1
  csatAvg: 5,
  csatSatisfiedRate: 1,
  csatResponses: 1,
  nps: null,
  npsResponses: 0,
  cesAvg: null,
  cesResponses: 0,
  surveyResponseRate: 1, // one sent, one answered
  cannedUsageRate: 0.25, // 1 of 4 human replies
  chatsWithCannedRate: 0.5, // A1 of A1, B1
  taggedRate: 1 / 3, // A1 (VIP)
  tagsPerChat: 1 / 3,
  dealsCreated: 1, // B1's
  conversions: 1, // won on the 3rd, within 30 days
  conversionRate: 1 / 3,
  revenue: { RUB: '1000.50' },
  revenuePerChat: { RUB: '333.50' }, // 1000.50 ÷ 3 = 333.5
  timeToDealAvgSec: 2 * 86_400, // 1 Jan 11:00 → 3 Jan 11:00
  proactiveInvites: 0,
  proactiveAccepted: 0,
  proactiveConversionRate: null,
  widgetVisitors: 0,
  visitorToChatRate: null,
  botHandled: 2, // B1, C1
  botContainmentRate: 0.5, // C1
  botEscalationRate: 0.5, // B1
  botFallbackRate: 1 / 3, // B1's second answer, of 3 bot replies
  // Without working hours and costs these are null; see the two expectations below.
  firstResponseAvgBusinessSec: null,
  firstResponseMedianBusinessSec: null,
  firstResponseP90BusinessSec: null,
  handleTimeAvgBusinessSec: null,
  resolutionTimeAvgBusinessSec: null,
  cost: null,
  costPerChat: null,
  roi: null,
};

/** Working hours for the `…BusinessSec` variants: Thursdays (1 January 2026 is one) 10:00–10:05 and 11:01–18:00, UTC. */
export const SCENARIO_WORKING_HOURS: { schedule: WeeklySchedule; timeZone: string } = {
  schedule: {
    thu: [
      { from: '10:00', to: '10:05' },
      { from: '11:01', to: '18:00' },
    ],
  },
  timeZone: 'UTC',
};

/** The working-hours variants of 1 January under `SCENARIO_WORKING_HOURS`, worked out by hand. */
export const SCENARIO_EXPECTED_BUSINESS: Partial<MetricValues> = {
  // A1 10:00:00→10:00:30, all open: 30; B1 11:00:20→11:01:20, open only from 11:01: 20
  firstResponseAvgBusinessSec: 25,
  firstResponseMedianBusinessSec: 25,
  firstResponseP90BusinessSec: 29, // 20 + 0.9 × (30 − 20)
  // A1 10:00:30→10:10, open until 10:05: 270; B1 11:01:20→11:10, all open: 520; C1 had no human
  handleTimeAvgBusinessSec: 395,
  // A1 10:00→10:10: 300 (10:00–10:05); B1 11:00→11:10: 540 (from 11:01); C1 12:00→12:05: 300
  resolutionTimeAvgBusinessSec: 380,
};

/** Costs for the worked example: m1 costs 600 an hour, the webchat channel 3,000 a month. */
export const SCENARIO_COSTS: CostSettings = {
  currency: 'RUB',
  managerHourly: { [M1]: '600.00' },
  channelMonthly: { 'ch-webchat': '3000.00' },
};

/** m1 online 10:00–12:00 on 1 January. */
export const SCENARIO_PRESENCE = [{ userId: M1, status: 'online' as const, from: t('10:00:00'), to: t('12:00:00') }];

/**
 * The cost figures of 1 January under `SCENARIO_COSTS` and `SCENARIO_PRESENCE`: m1 2 h × 600 =
 * 1,200; webchat 3,000 × 1 day ÷ 30 days = 100; 1,300 in all over 3 chats. By channel: m1's two
 * chats (A1 Telegram, B1 webchat) carry 600 each; webchat's two chats (B1, C1) 50 each — Telegram
 * 600, webchat 700.
 */
export const SCENARIO_EXPECTED_COSTS = {
  all: { cost: 1300, costPerChat: 433.33, roi: (1000.5 - 1300) / 1300 },
  byChannel: { 'ch-telegram': 600, 'ch-webchat': 700 },
};
