import type { ChannelType } from '@onebox/contracts';
import type { ConversationInput, MetricDeal, MetricEvent, MetricSettings } from './inputs';

/** Seconds between two instants. */
export const secondsBetween = (from: Date, to: Date): number => (to.getTime() - from.getTime()) / 1000;

/** A manager holding an open conversation of the cycle from `from` until `to` (null: still). */
export interface AssignmentSpan {
  userId: string;
  from: Date;
  to: Date | null;
}

export interface SurveyAnswer {
  kind: 'csat' | 'nps' | 'ces';
  score: number;
  managerId: string | null;
}

/** Every per-cycle figure of METRICS.md, derived from one conversation's events. */
export interface CycleFacts {
  conversationId: string;
  channelId: string;
  channelType: ChannelType;
  contactId: string;
  /** The customer's id on the channel (the website visitor's id on webchat), when known. */
  externalUserId: string | null;
  cycle: number;
  startedAt: Date;
  firstCustomerMessageAt: Date | null;
  /** When a bot handed the cycle to a human (first response is measured from here). */
  handoffAt: Date | null;
  firstHumanReplyAt: Date | null;
  /** First human replier; for unanswered cycles the assignee at the time. */
  managerId: string | null;
  firstResponseSec: number | null;
  /** One per human reply: the reply − the oldest customer message it answers. */
  replyTimesSec: number[];
  customerMessageTimes: Date[];
  humanReplyTimes: Date[];
  cannedReplies: number;
  missed: boolean;
  /** A website visitor left before any human reply (always missed). */
  visitorLeftBeforeReply: boolean;
  resolvedAt: Date | null;
  resolutions: number;
  transferred: boolean;
  handleTimeSec: number | null;
  resolutionTimeSec: number | null;
  tags: string[];
  assignments: AssignmentSpan[];
  botReplies: number;
  botFallbacks: number;
  botHandled: boolean;
  botEscalated: boolean;
  /** Bot-handled, resolved, and no human ever replied. */
  botResolved: boolean;
  surveysSent: number;
  surveyAnswers: SurveyAnswer[];
  offersMade: number;
  offersAccepted: number;
  waitToAcceptSec: number[];
  proactiveAccepted: boolean;
  deals: MetricDeal[];
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** State carried from one cycle to the next: the conversation keeps its assignee and tags. */
interface Carry {
  assignee: string | null;
  tags: Set<string>;
}

/**
 * The cycles of one conversation, each with its facts, as of `asOf` (a cycle not yet answered
 * is missed only once its threshold has passed by then). Events are read in order; a cycle
 * starts at its `cycle_started` event (or its first event when that is absent).
 */
export function cyclesOf(conversation: ConversationInput, settings: MetricSettings, asOf: Date): CycleFacts[] {
  const byCycle = new Map<number, MetricEvent[]>();
  for (const event of conversation.events) {
    const list = byCycle.get(event.cycle) ?? [];
    list.push(event);
    byCycle.set(event.cycle, list);
  }
  const carry: Carry = { assignee: null, tags: new Set() };
  const cycles = [...byCycle.keys()].sort((a, b) => a - b);
  return cycles.map((cycle, index) => {
    const next = byCycle.get(cycles[index + 1] ?? -1);
    const end = next ? next[0].at : null;
    return factsOfCycle(conversation, cycle, byCycle.get(cycle) ?? [], carry, settings, asOf, end);
  });
}

function factsOfCycle(
  conversation: ConversationInput,
  cycle: number,
  events: MetricEvent[],
  carry: Carry,
  settings: MetricSettings,
  asOf: Date,
  nextCycleAt: Date | null,
): CycleFacts {
  const startedAt = (events.find((e) => e.type === 'cycle_started') ?? events[0]).at;
  const facts: CycleFacts = {
    conversationId: conversation.conversationId,
    channelId: conversation.channelId,
    channelType: conversation.channelType,
    contactId: conversation.contactId,
    externalUserId: conversation.externalUserId ?? null,
    cycle,
    startedAt,
    firstCustomerMessageAt: null,
    handoffAt: null,
    firstHumanReplyAt: null,
    managerId: null,
    firstResponseSec: null,
    replyTimesSec: [],
    customerMessageTimes: [],
    humanReplyTimes: [],
    cannedReplies: 0,
    missed: false,
    visitorLeftBeforeReply: false,
    resolvedAt: null,
    resolutions: 0,
    transferred: false,
    handleTimeSec: null,
    resolutionTimeSec: null,
    tags: [],
    assignments: [],
    botReplies: 0,
    botFallbacks: 0,
    botHandled: false,
    botEscalated: false,
    botResolved: false,
    surveysSent: 0,
    surveyAnswers: [],
    offersMade: 0,
    offersAccepted: 0,
    waitToAcceptSec: [],
    proactiveAccepted: false,
    deals: conversation.deals.filter((deal) => deal.cycle === cycle),
  };
  let unansweredSince: Date | null = null;
  const offers = new Map<string, Date>();
  let span: AssignmentSpan | null = carry.assignee ? { userId: carry.assignee, from: startedAt, to: null } : null;
  const closeSpan = (at: Date | null) => {
    if (span) facts.assignments.push({ ...span, to: at });
    span = null;
  };
  const openSpan = (userId: string | null, at: Date) => {
    closeSpan(at);
    if (userId && facts.resolvedAt === null) span = { userId, from: at, to: null };
  };

  for (const event of events) {
    const at = event.at;
    switch (event.type) {
      case 'message_in':
        facts.customerMessageTimes.push(at);
        facts.firstCustomerMessageAt ??= at;
        unansweredSince ??= at;
        break;
      case 'human_reply':
        facts.humanReplyTimes.push(at);
        if (facts.firstHumanReplyAt === null) {
          facts.firstHumanReplyAt = at;
          facts.managerId = event.actorId;
        }
        if (unansweredSince) facts.replyTimesSec.push(secondsBetween(unansweredSince, at));
        unansweredSince = null;
        if (str(event.payload['cannedResponseId'])) facts.cannedReplies += 1;
        break;
      case 'assigned':
      case 'transferred': {
        const from = str(event.payload['from'] ?? event.payload['fromUserId']);
        const to = str(event.payload['to'] ?? event.payload['toUserId']);
        if (from && to && from !== to) facts.transferred = true;
        carry.assignee = to;
        openSpan(to, at);
        break;
      }
      case 'resolved':
        facts.resolvedAt = at;
        facts.resolutions += 1;
        closeSpan(at);
        break;
      case 'reopened':
      case 'status_changed':
        if (event.type === 'reopened' || event.payload['from'] === 'resolved') {
          facts.resolvedAt = null;
          openSpan(carry.assignee, at);
        }
        break;
      case 'visitor_left':
        if (facts.firstHumanReplyAt === null) facts.visitorLeftBeforeReply = true;
        break;
      case 'tag_added':
        if (str(event.payload['tag'])) carry.tags.add(str(event.payload['tag']) as string);
        break;
      case 'tag_removed':
        carry.tags.delete(str(event.payload['tag']) ?? '');
        break;
      case 'bot_reply':
        facts.botReplies += 1;
        facts.botHandled = true;
        if (event.payload['matched'] === false) facts.botFallbacks += 1;
        break;
      case 'bot_handoff':
        facts.handoffAt ??= at;
        if (facts.botHandled) facts.botEscalated = true;
        break;
      case 'survey_sent':
        facts.surveysSent += 1;
        break;
      case 'survey_answered': {
        const kind = event.payload['kind'];
        const score = event.payload['score'];
        if ((kind === 'csat' || kind === 'nps' || kind === 'ces') && typeof score === 'number')
          facts.surveyAnswers.push({ kind, score, managerId: str(event.payload['managerId']) });
        break;
      }
      case 'offer_made':
        facts.offersMade += 1;
        offers.set(str(event.payload['offerId']) ?? '', at);
        break;
      case 'offer_accepted': {
        facts.offersAccepted += 1;
        const made = offers.get(str(event.payload['offerId']) ?? '');
        if (made) facts.waitToAcceptSec.push(secondsBetween(made, at));
        break;
      }
      case 'proactive_accepted':
        facts.proactiveAccepted = true;
        break;
      default:
        break;
    }
  }
  // A span still running at the end stays open (`to` null): it ends whenever it is read.
  closeSpan(nextCycleAt ?? facts.resolvedAt ?? null);
  if (facts.resolvedAt === null && nextCycleAt) facts.resolvedAt = nextCycleAt;
  facts.tags = [...carry.tags].sort();
  facts.managerId ??= lastAssignee(facts);

  // First response and misses run from the hand-off when a bot held the cycle first.
  const clockFrom = responseClockFrom(facts);
  if (clockFrom && facts.firstHumanReplyAt)
    facts.firstResponseSec = Math.max(0, secondsBetween(clockFrom, facts.firstHumanReplyAt));
  const threshold = settings.missedChatThresholdSec;
  if (facts.visitorLeftBeforeReply) facts.missed = true;
  else if (clockFrom) {
    const waited = secondsBetween(clockFrom, facts.firstHumanReplyAt ?? asOf);
    facts.missed = facts.firstHumanReplyAt ? waited > threshold : waited >= threshold;
  }
  if (facts.resolvedAt) {
    if (facts.firstHumanReplyAt) facts.handleTimeSec = secondsBetween(facts.firstHumanReplyAt, facts.resolvedAt);
    if (facts.firstCustomerMessageAt)
      facts.resolutionTimeSec = secondsBetween(facts.firstCustomerMessageAt, facts.resolvedAt);
    facts.botResolved = facts.botHandled && facts.firstHumanReplyAt === null;
  }
  return facts;
}

/** Where a cycle's first-response (and missed-chat) clock starts: the hand-off after a bot, else the first customer message. */
export function responseClockFrom(
  facts: Pick<CycleFacts, 'botHandled' | 'handoffAt' | 'firstCustomerMessageAt'>,
): Date | null {
  return facts.botHandled ? facts.handoffAt : facts.firstCustomerMessageAt;
}

function lastAssignee(facts: CycleFacts): string | null {
  return facts.assignments.length ? facts.assignments[facts.assignments.length - 1].userId : null;
}
