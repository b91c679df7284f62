import { businessSecondsBetween, type MetricValues } from '@onebox/contracts';
import { responseClockFrom, secondsBetween, type AssignmentSpan, type CycleFacts } from './cycle-facts';
import type { MetricSettings, Period, PresenceInterval, WidgetActivity } from './inputs';
import { average, median, percentile, perCount, ratio, sumDecimals } from './stats';

const DAY_SEC = 86_400;

const within = (at: Date, period: Pick<Period, 'from' | 'to'>) => at >= period.from && at < period.to;

/**
 * The summary over `cycles` (all cycles of the workspace, or of one group) for `period`.
 * Cycles are selected by their start; `messagesIn/Out` count messages sent in the period;
 * `openBacklog` counts cycles open at `to`; FCR and repeat contact look at every cycle of
 * `allCycles` (a contact's next cycle may be on another channel or outside the group).
 */
export function summarize(
  cycles: readonly CycleFacts[],
  period: Period,
  settings: MetricSettings,
  allCycles: readonly CycleFacts[] = cycles,
  widget: WidgetActivity = { pageViews: [], invitations: [] },
): MetricValues {
  const chats = cycles.filter((c) => within(c.startedAt, period));
  const answered = chats.filter((c) => c.firstResponseSec !== null);
  const firstResponses = answered.map((c) => c.firstResponseSec as number);
  const resolved = chats.filter((c) => c.resolvedAt !== null);
  const resolvedInPeriod = cycles.filter((c) => c.resolvedAt && within(c.resolvedAt, period));
  const managers = new Set(chats.map((c) => c.managerId).filter((id) => id !== null));
  const humanReplies = chats.reduce((n, c) => n + c.humanReplyTimes.length, 0);
  const answers = chats.flatMap((c) => c.surveyAnswers);
  const csat = answers.filter((a) => a.kind === 'csat').map((a) => a.score);
  const nps = answers.filter((a) => a.kind === 'nps').map((a) => a.score);
  const ces = answers.filter((a) => a.kind === 'ces').map((a) => a.score);
  const surveysSent = chats.reduce((n, c) => n + c.surveysSent, 0);
  const offersMade = chats.reduce((n, c) => n + c.offersMade, 0);
  const botHandled = chats.filter((c) => c.botHandled);
  const botReplies = chats.reduce((n, c) => n + c.botReplies, 0);
  const conversions = chats.flatMap((c) => {
    const deadline = c.startedAt.getTime() + 1000 * DAY_SEC * settings.conversionWindowDays;
    // The cycle's earliest won deal decides: won within the window, it converts with its amount.
    const won = earliestWon(c);
    return won && (won.wonAt as Date).getTime() <= deadline ? [{ cycle: c, deal: won }] : [];
  });
  const revenue: Record<string, string[]> = {};
  for (const { deal } of conversions) if (deal.amount !== null) (revenue[deal.currency ?? ''] ??= []).push(deal.amount);
  const totals = Object.fromEntries(
    Object.entries(revenue).map(([currency, amounts]) => [currency, sumDecimals(amounts)]),
  );
  const visitors = new Set(
    widget.pageViews.filter((v) => within(v.at, period)).map((v) => `${v.channelId}|${v.visitorId}`),
  );
  const chatted = new Set(
    chats.filter((c) => c.externalUserId !== null).map((c) => `${c.channelId}|${c.externalUserId}`),
  );
  const invitedChats = chats.filter((c) => c.proactiveAccepted);
  const converted = new Set(conversions.map(({ cycle }) => cycle));
  const repeat = repeatContacts(resolved, allCycles, period.asOf, settings.fcrWindowDays);
  const business = businessTimes(chats, settings);

  return {
    chats: chats.length,
    chatsPerManager: ratio(chats.length, managers.size),
    messagesIn: cycles.reduce((n, c) => n + c.customerMessageTimes.filter((at) => within(at, period)).length, 0),
    messagesOut: cycles.reduce((n, c) => n + c.humanReplyTimes.filter((at) => within(at, period)).length, 0),
    messagesPerChat: ratio(
      resolvedInPeriod.reduce((n, c) => n + c.customerMessageTimes.length + c.humanReplyTimes.length, 0),
      resolvedInPeriod.length,
    ),
    openBacklog: cycles.filter((c) => c.startedAt < period.to && (c.resolvedAt === null || c.resolvedAt >= period.to))
      .length,
    firstResponseAvgSec: average(firstResponses),
    firstResponseMedianSec: median(firstResponses),
    firstResponseP90Sec: percentile(firstResponses, 0.9),
    answeredWithinTargetRate: ratio(
      firstResponses.filter((s) => s <= settings.firstResponseTargetSec).length,
      firstResponses.length,
    ),
    replyTimeAvgSec: average(chats.flatMap((c) => c.replyTimesSec)),
    waitToAcceptAvgSec: average(chats.flatMap((c) => c.waitToAcceptSec)),
    handleTimeAvgSec: average(resolved.flatMap((c) => (c.handleTimeSec === null ? [] : [c.handleTimeSec]))),
    resolutionTimeAvgSec: average(resolved.flatMap((c) => (c.resolutionTimeSec === null ? [] : [c.resolutionTimeSec]))),
    ...business,
    missedChats: chats.filter((c) => c.missed).length,
    missedChatRate: ratio(chats.filter((c) => c.missed).length, chats.length),
    acceptanceRate: ratio(
      chats.reduce((n, c) => n + c.offersAccepted, 0),
      offersMade,
    ),
    fcrRate: ratio(repeat.firstContactResolved, repeat.eligible),
    repeatContactRate: ratio(repeat.repeated, repeat.eligible),
    transferRate: ratio(chats.filter((c) => c.transferred).length, chats.length),
    csatAvg: average(csat),
    csatSatisfiedRate: ratio(csat.filter((s) => s >= 4).length, csat.length),
    csatResponses: csat.length,
    nps: nps.length ? (100 * (nps.filter((s) => s >= 9).length - nps.filter((s) => s <= 6).length)) / nps.length : null,
    npsResponses: nps.length,
    cesAvg: average(ces),
    cesResponses: ces.length,
    surveyResponseRate: ratio(answers.length, surveysSent),
    cannedUsageRate: ratio(
      chats.reduce((n, c) => n + c.cannedReplies, 0),
      humanReplies,
    ),
    chatsWithCannedRate: ratio(
      chats.filter((c) => c.cannedReplies > 0).length,
      chats.filter((c) => c.humanReplyTimes.length > 0).length,
    ),
    taggedRate: ratio(chats.filter((c) => c.tags.length > 0).length, chats.length),
    tagsPerChat: ratio(
      chats.reduce((n, c) => n + c.tags.length, 0),
      chats.length,
    ),
    dealsCreated: chats.reduce((n, c) => n + c.deals.length, 0),
    conversions: conversions.length,
    conversionRate: ratio(conversions.length, chats.length),
    revenue: totals,
    revenuePerChat: Object.fromEntries(
      Object.entries(totals).map(([currency, amount]) => [currency, perCount(amount, chats.length) as string]),
    ),
    timeToDealAvgSec: average(
      conversions.map(({ cycle, deal }) => secondsBetween(cycle.startedAt, deal.wonAt as Date)),
    ),
    proactiveInvites: widget.invitations.filter((i) => within(i.shownAt, period)).length,
    proactiveAccepted: invitedChats.length,
    proactiveConversionRate: ratio(invitedChats.filter((c) => converted.has(c)).length, invitedChats.length),
    widgetVisitors: visitors.size,
    visitorToChatRate: ratio([...visitors].filter((v) => chatted.has(v)).length, visitors.size),
    botHandled: botHandled.length,
    botContainmentRate: ratio(botHandled.filter((c) => c.botResolved).length, botHandled.length),
    botEscalationRate: ratio(botHandled.filter((c) => c.botEscalated).length, botHandled.length),
    botFallbackRate: ratio(
      chats.reduce((n, c) => n + c.botFallbacks, 0),
      botReplies,
    ),
    // Costs need presence and the whole workspace's chats: `withCosts` adds them to a summary.
    cost: null,
    costPerChat: null,
    roi: null,
  };
}

type BusinessTimes = Pick<
  MetricValues,
  | 'firstResponseAvgBusinessSec'
  | 'firstResponseMedianBusinessSec'
  | 'firstResponseP90BusinessSec'
  | 'handleTimeAvgBusinessSec'
  | 'resolutionTimeAvgBusinessSec'
>;

/** The time metrics counting only seconds inside the workspace's working hours (null without hours). */
function businessTimes(chats: readonly CycleFacts[], settings: MetricSettings): BusinessTimes {
  const hours = settings.workingHours;
  if (!hours)
    return {
      firstResponseAvgBusinessSec: null,
      firstResponseMedianBusinessSec: null,
      firstResponseP90BusinessSec: null,
      handleTimeAvgBusinessSec: null,
      resolutionTimeAvgBusinessSec: null,
    };
  const between = (from: Date | null, to: Date | null) =>
    from && to ? [businessSecondsBetween(hours.schedule, hours.timeZone, from, to)] : [];
  const firstResponses = chats.flatMap((c) =>
    c.firstResponseSec === null ? [] : between(responseClockFrom(c), c.firstHumanReplyAt),
  );
  const resolved = chats.filter((c) => c.resolvedAt !== null);
  return {
    firstResponseAvgBusinessSec: average(firstResponses),
    firstResponseMedianBusinessSec: median(firstResponses),
    firstResponseP90BusinessSec: percentile(firstResponses, 0.9),
    handleTimeAvgBusinessSec: average(resolved.flatMap((c) => between(c.firstHumanReplyAt, c.resolvedAt))),
    resolutionTimeAvgBusinessSec: average(resolved.flatMap((c) => between(c.firstCustomerMessageAt, c.resolvedAt))),
  };
}

export function earliestWon(cycle: CycleFacts): CycleFacts['deals'][number] | null {
  const won = cycle.deals.filter((d) => d.wonAt !== null);
  won.sort((a, b) => (a.wonAt as Date).getTime() - (b.wonAt as Date).getTime());
  return won[0] ?? null;
}

/**
 * FCR and repeat contact: a resolved cycle is eligible once its window has passed by `asOf`;
 * it repeats when the same contact starts another cycle (any channel) within the window after
 * its resolution; it is first-contact-resolved with one resolution, no transfer, no repeat.
 */
function repeatContacts(
  resolved: readonly CycleFacts[],
  allCycles: readonly CycleFacts[],
  asOf: Date,
  windowDays: number,
): { eligible: number; repeated: number; firstContactResolved: number } {
  const windowMs = windowDays * DAY_SEC * 1000;
  const starts = new Map<string, Date[]>();
  for (const c of allCycles) starts.set(c.contactId, [...(starts.get(c.contactId) ?? []), c.startedAt]);
  let eligible = 0;
  let repeated = 0;
  let firstContactResolved = 0;
  for (const c of resolved) {
    const resolvedAt = c.resolvedAt as Date;
    if (resolvedAt.getTime() + windowMs > asOf.getTime()) continue;
    eligible += 1;
    const repeats = (starts.get(c.contactId) ?? []).some(
      (at) => at > resolvedAt && at.getTime() <= resolvedAt.getTime() + windowMs,
    );
    if (repeats) repeated += 1;
    else if (c.resolutions === 1 && !c.transferred) firstContactResolved += 1;
  }
  return { eligible, repeated, firstContactResolved };
}

export interface ManagerTime {
  onlineSec: number;
  utilization: number | null;
  avgConcurrency: number | null;
}

/**
 * A manager's online time in the period, the share of it holding at least one open assigned
 * conversation (utilization), and the time-weighted number of such conversations (concurrency).
 */
export function managerTime(
  userId: string,
  presence: readonly PresenceInterval[],
  cycles: readonly Pick<CycleFacts, 'assignments'>[],
  period: Period,
): ManagerTime {
  const clip = (from: Date, to: Date | null): [number, number] | null => {
    const start = Math.max(from.getTime(), period.from.getTime());
    const end = Math.min((to ?? period.asOf).getTime(), period.to.getTime(), period.asOf.getTime());
    return end > start ? [start, end] : null;
  };
  const online = presence
    .filter((p) => p.userId === userId && p.status === 'online')
    .map((p) => clip(p.from, p.to))
    .filter((span): span is [number, number] => span !== null);
  const spans: AssignmentSpan[] = cycles.flatMap((c) => c.assignments.filter((a) => a.userId === userId));
  const held = spans.map((s) => clip(s.from, s.to)).filter((span): span is [number, number] => span !== null);
  // Sweep the boundaries: between two consecutive ones, online and concurrency are constant.
  const points = [...new Set([...online.flat(), ...held.flat()])].sort((a, b) => a - b);
  let onlineMs = 0;
  let busyMs = 0;
  let weighted = 0;
  for (let i = 0; i + 1 < points.length; i += 1) {
    const [a, b] = [points[i], points[i + 1]];
    if (!online.some(([s, e]) => s <= a && b <= e)) continue;
    const open = held.filter(([s, e]) => s <= a && b <= e).length;
    onlineMs += b - a;
    if (open > 0) busyMs += b - a;
    weighted += open * (b - a);
  }
  return {
    onlineSec: onlineMs / 1000,
    utilization: ratio(busyMs, onlineMs),
    avgConcurrency: ratio(weighted, onlineMs),
  };
}
