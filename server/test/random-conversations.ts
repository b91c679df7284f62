import type { ChannelType, ConversationEventType } from '@onebox/contracts';
import type { ConversationInput, MetricDeal, MetricEvent, WidgetActivity } from '@onebox/metrics';

/** A small seeded PRNG (mulberry32): the same seed gives the same workspace history. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomWorld {
  channels: { id: string; type: ChannelType }[];
  managers: string[];
  contacts: string[];
  tags: string[];
  conversations: ConversationInput[];
  widget: WidgetActivity;
}

const uuid = (random: () => number) =>
  'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, () => Math.floor(random() * 16).toString(16));

/**
 * Random but plausible conversation histories: cycles that start with a customer message and
 * go through bot answers, hand-offs, offers, assignments, transfers, replies (some canned),
 * tags, visitor exits, resolutions, agent reopenings, surveys and deals — in whole seconds,
 * all before `end`.
 */
export function randomWorld(
  random: () => number,
  shape: { conversations: number; start: Date; spanDays: number },
  ids: { channels: { id: string; type: ChannelType }[]; managers: string[]; contacts: string[] },
): RandomWorld {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const chance = (p: number) => random() < p;
  const tags = ['VIP', 'опт', 'refund'];
  const used = new Set<string>();
  const conversations: ConversationInput[] = [];
  for (let n = 0; n < shape.conversations; n += 1) {
    const channel = pick(ids.channels);
    const contactId = pick(ids.contacts);
    if (used.has(`${channel.id}:${contactId}`)) continue;
    used.add(`${channel.id}:${contactId}`);
    let at = shape.start.getTime() + Math.floor(random() * shape.spanDays * 86_400) * 1000;
    const events: MetricEvent[] = [];
    const deals: MetricDeal[] = [];
    const push = (
      cycle: number,
      type: ConversationEventType,
      actor: Pick<MetricEvent, 'actorType' | 'actorId'>,
      payload: Record<string, unknown> = {},
    ) => events.push({ cycle, type, at: new Date(at), payload, ...actor });
    const later = (maxSec: number) => (at += (1 + Math.floor(random() * maxSec)) * 1000);
    const contact = { actorType: 'contact' as const, actorId: contactId };
    let assignee: string | null = null;
    const cycles = 1 + Math.floor(random() * 3);
    for (let cycle = 1; cycle <= cycles; cycle += 1) {
      push(cycle, 'cycle_started', contact);
      push(cycle, 'message_in', contact);
      const botHeld = chance(0.3);
      if (!botHeld && chance(0.35)) {
        // A first reply right on a threshold or target: the boundaries must agree exactly.
        at += pick([59, 60, 61, 299, 300, 301]) * 1000;
        const manager = assignee ?? pick(ids.managers);
        push(cycle, 'human_reply', { actorType: 'agent', actorId: manager }, { cannedResponseId: null });
      }
      if (botHeld) {
        for (let i = 0; i < 1 + Math.floor(random() * 3); i += 1) {
          later(20);
          push(cycle, 'bot_reply', { actorType: 'bot', actorId: null }, { matched: chance(0.6), ruleId: null });
          if (chance(0.5)) push(cycle, 'message_in', contact);
        }
        if (chance(0.6)) push(cycle, 'bot_handoff', { actorType: 'bot', actorId: null }, { reason: 'request' });
      }
      if (chance(0.3)) {
        for (let o = 0; o < 1 + Math.floor(random() * 2); o += 1) {
          const offerId = uuid(random);
          const user = pick(ids.managers);
          push(cycle, 'offer_made', { actorType: 'system', actorId: null }, { offerId, userId: user });
          later(60);
          const outcome = pick(['offer_accepted', 'offer_declined', 'offer_expired'] as const);
          push(cycle, outcome, { actorType: 'agent', actorId: user }, { offerId, userId: user });
          if (outcome === 'offer_accepted') {
            push(cycle, 'assigned', { actorType: 'agent', actorId: user }, { from: assignee, to: user });
            assignee = user;
            break;
          }
        }
      }
      const steps = Math.floor(random() * 8);
      for (let s = 0; s < steps; s += 1) {
        later(chance(0.2) ? 900 : 120);
        const manager = assignee ?? pick(ids.managers);
        const roll = random();
        if (roll < 0.3) push(cycle, 'message_in', contact);
        else if (roll < 0.6) {
          if (!assignee) {
            push(cycle, 'assigned', { actorType: 'agent', actorId: manager }, { from: null, to: manager });
            assignee = manager;
          }
          push(
            cycle,
            'human_reply',
            { actorType: 'agent', actorId: manager },
            {
              cannedResponseId: chance(0.3) ? uuid(random) : null,
            },
          );
        } else if (roll < 0.68) {
          const to = pick(ids.managers);
          push(cycle, 'transferred', { actorType: 'agent', actorId: manager }, { fromUserId: assignee, toUserId: to });
          assignee = to;
        } else if (roll < 0.78) push(cycle, 'tag_added', { actorType: 'agent', actorId: manager }, { tag: pick(tags) });
        else if (roll < 0.83) push(cycle, 'tag_removed', { actorType: 'agent', actorId: manager }, { tag: pick(tags) });
        else if (roll < 0.88 && channel.type === 'webchat') push(cycle, 'visitor_left', contact);
        else if (roll < 0.93) push(cycle, 'proactive_accepted', contact, { invitationId: uuid(random) });
        else push(cycle, 'message_in', contact);
      }
      const last = cycle === cycles;
      if (!last || chance(0.7)) {
        later(600);
        push(cycle, 'resolved', { actorType: 'agent', actorId: assignee });
        if (chance(0.15)) {
          later(60);
          push(cycle, 'reopened', { actorType: 'agent', actorId: assignee }, { from: 'resolved', to: 'open' });
          later(300);
          push(cycle, 'resolved', { actorType: 'agent', actorId: assignee });
        }
        if (chance(0.5)) {
          const surveyId = uuid(random);
          const kind = pick(['csat', 'nps', 'ces'] as const);
          push(cycle, 'survey_sent', { actorType: 'system', actorId: null }, { surveyId, kind });
          if (chance(0.6)) {
            later(300);
            const score = kind === 'nps' ? Math.floor(random() * 11) : 1 + Math.floor(random() * 5);
            push(cycle, 'survey_answered', contact, { surveyId, kind, score, managerId: assignee });
          }
        }
      }
      if (chance(0.4)) {
        const won = chance(0.5);
        const wonAt = won ? new Date(at + Math.floor(random() * 45 * 86_400) * 1000) : null;
        deals.push({
          cycle,
          createdAt: new Date(at),
          wonAt,
          amount: `${Math.floor(random() * 100_000)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`,
          currency: pick(['RUB', 'RUB', 'USD']),
          semantic: won ? 'won' : pick(['open', 'lost'] as const),
        });
      }
      at += Math.floor(random() * 12 * 86_400) * 1000;
    }
    conversations.push({
      conversationId: uuid(random),
      channelId: channel.id,
      channelType: channel.type,
      contactId,
      externalUserId: `visitor-${contactId.slice(-6)}`,
      events,
      deals,
    });
  }
  // Website visitors: those who chatted looked around first; others only browsed. Some saw invitations.
  const widget: WidgetActivity = { pageViews: [], invitations: [] };
  const sites = ids.channels.filter((c) => c.type === 'webchat');
  for (const site of sites) {
    const chatters = conversations
      .filter((c) => c.channelId === site.id)
      .map((c) => ({ visitor: c.externalUserId as string, at: c.events[0].at }));
    const browsers = Array.from({ length: 15 }, (_, i) => ({
      visitor: `browser-${i}-${Math.floor(random() * 1e6)}`,
      at: new Date(shape.start.getTime() + Math.floor(random() * shape.spanDays * 86_400) * 1000),
    }));
    for (const { visitor, at } of [...chatters, ...browsers]) {
      for (let v = 0; v < 1 + Math.floor(random() * 3); v += 1)
        widget.pageViews.push({
          channelId: site.id,
          visitorId: visitor,
          at: new Date(at.getTime() - (v + 1) * 60_000),
        });
      if (chance(0.4))
        widget.invitations.push({ channelId: site.id, visitorId: visitor, shownAt: new Date(at.getTime() - 30_000) });
    }
  }
  return { ...ids, tags, conversations, widget };
}
