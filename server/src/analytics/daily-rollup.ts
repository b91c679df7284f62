import { SUM_COLUMNS } from './analytics.sql';

/** The columns of a `conversation_cycles` row that the daily rollup adds up. */
export interface CycleContribution {
  workspace_id: string;
  channel_id: string;
  manager_id: string | null;
  started_at: Date;
  resolved_at: Date | null;
  message_days: Record<string, [number, number]>;
  first_response_sec: number | null;
  reply_time_sum: number;
  reply_time_count: number;
  wait_to_accept_sum: number;
  wait_to_accept_count: number;
  handle_time_sec: number | null;
  resolution_time_sec: number | null;
  offers_made: number;
  offers_accepted: number;
  transferred: boolean;
  csat_sum: number;
  csat_count: number;
  csat_satisfied: number;
  nps_count: number;
  nps_promoters: number;
  nps_detractors: number;
  ces_sum: number;
  ces_count: number;
  surveys_sent: number;
  canned_replies: number;
  human_replies: number;
  customer_messages: number;
  tags: string[];
  deals_count: number;
  proactive_accepted: boolean;
  bot_handled: boolean;
  bot_resolved: boolean;
  bot_escalated: boolean;
  bot_fallbacks: number;
  bot_replies: number;
}

export const NO_MANAGER = '00000000-0000-0000-0000-000000000000';
export const DAILY_COLUMNS = [...SUM_COLUMNS, 'messages_in', 'messages_out', 'resolved', 'resolved_messages'] as const;
export type DailyColumn = (typeof DAILY_COLUMNS)[number];

/** `workspace|day|channel|manager` → column deltas. */
export type DailyDeltas = Map<string, Partial<Record<DailyColumn, number>>>;

const utcDay = (at: Date) => at.toISOString().slice(0, 10);
const ms = (sec: number | null) => (sec === null ? 0 : Math.round(sec * 1000));
const flag = (on: boolean) => (on ? 1 : 0);

/**
 * Adds `sign` × the cycle's share of `analytics_daily` to `deltas`: its additive figures on its
 * start day, its messages on the days they were sent, its resolution on the day it happened.
 * The refresher adds −1 × the old row and +1 × the new one, so the rollup follows the facts.
 */
export function addContribution(deltas: DailyDeltas, row: CycleContribution, sign: 1 | -1): void {
  const manager = row.manager_id ?? NO_MANAGER;
  const add = (day: string, values: Partial<Record<DailyColumn, number>>) => {
    const key = `${row.workspace_id}|${day}|${row.channel_id}|${manager}`;
    const total = deltas.get(key) ?? {};
    for (const [column, value] of Object.entries(values) as [DailyColumn, number][])
      if (value) total[column] = (total[column] ?? 0) + sign * value;
    deltas.set(key, total);
  };
  add(utcDay(row.started_at), {
    chats: 1,
    answered: flag(row.first_response_sec !== null),
    first_response_ms: ms(row.first_response_sec),
    reply_time_ms: ms(row.reply_time_sum),
    reply_time_count: row.reply_time_count,
    wait_ms: ms(row.wait_to_accept_sum),
    wait_count: row.wait_to_accept_count,
    handle_ms: ms(row.handle_time_sec),
    handle_count: flag(row.handle_time_sec !== null),
    resolution_ms: ms(row.resolution_time_sec),
    resolution_count: flag(row.resolution_time_sec !== null),
    offers_made: row.offers_made,
    offers_accepted: row.offers_accepted,
    transferred: flag(row.transferred),
    csat_sum: row.csat_sum,
    csat_count: row.csat_count,
    csat_satisfied: row.csat_satisfied,
    nps_count: row.nps_count,
    nps_promoters: row.nps_promoters,
    nps_detractors: row.nps_detractors,
    ces_sum: row.ces_sum,
    ces_count: row.ces_count,
    surveys_sent: row.surveys_sent,
    canned_replies: row.canned_replies,
    human_replies: row.human_replies,
    chats_with_canned: flag(row.canned_replies > 0),
    chats_with_replies: flag(row.human_replies > 0),
    tagged: flag(row.tags.length > 0),
    tag_count: row.tags.length,
    deals_created: row.deals_count,
    proactive_accepted: flag(row.proactive_accepted),
    bot_handled: flag(row.bot_handled),
    bot_resolved: flag(row.bot_resolved),
    bot_escalated: flag(row.bot_escalated),
    bot_fallbacks: row.bot_fallbacks,
    bot_replies: row.bot_replies,
  });
  for (const [day, [messagesIn, messagesOut]] of Object.entries(row.message_days))
    add(day, { messages_in: messagesIn, messages_out: messagesOut });
  if (row.resolved_at)
    add(utcDay(row.resolved_at), { resolved: 1, resolved_messages: row.customer_messages + row.human_replies });
}

/** Messages per UTC day of a cycle: `{ "2025-03-01": [customer messages, human replies] }`. */
export function messageDays(customer: readonly Date[], replies: readonly Date[]): Record<string, [number, number]> {
  const days: Record<string, [number, number]> = {};
  for (const at of customer) (days[utcDay(at)] ??= [0, 0])[0] += 1;
  for (const at of replies) (days[utcDay(at)] ??= [0, 0])[1] += 1;
  return days;
}

/** How one rollup row's first responses change: values to add and values to take out (a multiset). */
export interface ResponseChange {
  workspaceId: string;
  day: string;
  channelId: string;
  managerKey: string;
  added: number[];
  removed: number[];
}

/**
 * The first responses leaving (`old` cycles) and entering (`rows`) each start day × channel ×
 * manager, with what both hold cancelled out; rows left unchanged are not listed.
 */
export function responseChanges(
  old: readonly CycleContribution[],
  rows: readonly CycleContribution[],
): ResponseChange[] {
  const net = new Map<string, Map<number, number>>();
  const count = (row: CycleContribution, sign: number) => {
    if (row.first_response_sec === null) return;
    const key = `${row.workspace_id}|${utcDay(row.started_at)}|${row.channel_id}|${row.manager_id ?? NO_MANAGER}`;
    const values = net.get(key) ?? new Map<number, number>();
    values.set(row.first_response_sec, (values.get(row.first_response_sec) ?? 0) + sign);
    net.set(key, values);
  };
  for (const row of old) count(row, -1);
  for (const row of rows) count(row, 1);
  const changes: ResponseChange[] = [];
  for (const [key, values] of net) {
    const [workspaceId, day, channelId, managerKey] = key.split('|');
    const change: ResponseChange = { workspaceId, day, channelId, managerKey, added: [], removed: [] };
    for (const [value, n] of values)
      for (let i = 0; i < Math.abs(n); i++) (n > 0 ? change.added : change.removed).push(value);
    if (change.added.length || change.removed.length) changes.push(change);
  }
  return changes;
}

/**
 * A rollup row's first responses as stored: packed float8s, 8 bytes each in network order
 * (PostgreSQL's `float8send`), so the rows of a period concatenate with `string_agg` and reach
 * node as bytes instead of text to parse. As a bytea literal (`\x…`) to pass through text.
 */
export function packResponses(values: readonly number[]): string {
  const bytes = Buffer.alloc(values.length * 8);
  values.forEach((value, i) => bytes.writeDoubleBE(value, i * 8));
  return `\\x${bytes.toString('hex')}`;
}

/** The values of packed first responses, in parts (`packResponses`), as one array to sort. */
export function unpackResponses(parts: readonly Uint8Array[]): Float64Array {
  const values = new Float64Array(parts.reduce((n, part) => n + part.byteLength / 8, 0));
  let at = 0;
  for (const part of parts) {
    const view = new DataView(part.buffer, part.byteOffset, part.byteLength);
    for (let offset = 0; offset < part.byteLength; offset += 8) values[at++] = view.getFloat64(offset);
  }
  return values;
}
