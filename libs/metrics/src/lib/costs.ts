import type { CostSettings, MetricValues } from '@onebox/contracts';
import type { Period } from './inputs';
import { ratio } from './stats';

/** A channel's monthly cost counts pro rata: its share of a 30-day month per second of the period. */
export const COST_MONTH_SEC = 30 * 86_400;

/** Chats of one channel × manager cell in the period (manager null: unanswered and unassigned). */
export interface ChatCell {
  channelId: string;
  managerId: string | null;
  chats: number;
}

export interface PeriodCosts {
  /** Every configured cost of the period, whether or not a chat carries it. */
  total: number;
  /** Cost carried by the chats of each cell, keyed `<channelId>|<managerId or ''>`. */
  cells: Map<string, number>;
}

export const cellKey = (channelId: string, managerId: string | null) => `${channelId}|${managerId ?? ''}`;

/**
 * The period's costs: each manager's hourly cost × their online time, each channel's monthly
 * cost pro rata. A group carries them in proportion to its chats: a cell gets the share of its
 * manager's cost that its chats are of the manager's chats, and the share of its channel's cost
 * that they are of the channel's chats. Costs with no chats to carry them (a manager online but
 * without chats) count only in the total.
 */
export function periodCosts(
  costs: CostSettings,
  cells: readonly ChatCell[],
  onlineSec: ReadonlyMap<string, number>,
  period: Period,
): PeriodCosts {
  const elapsedSec = Math.max(0, (Math.min(period.to.getTime(), period.asOf.getTime()) - period.from.getTime()) / 1000);
  const managerCost = (id: string | null) =>
    id && costs.managerHourly[id] ? (Number(costs.managerHourly[id]) * (onlineSec.get(id) ?? 0)) / 3600 : 0;
  const channelCost = (id: string) =>
    costs.channelMonthly[id] ? (Number(costs.channelMonthly[id]) * elapsedSec) / COST_MONTH_SEC : 0;
  const byManager = new Map<string, number>();
  const byChannel = new Map<string, number>();
  for (const cell of cells) {
    if (cell.managerId) byManager.set(cell.managerId, (byManager.get(cell.managerId) ?? 0) + cell.chats);
    byChannel.set(cell.channelId, (byChannel.get(cell.channelId) ?? 0) + cell.chats);
  }
  const carried = new Map<string, number>();
  for (const cell of cells) {
    if (cell.chats === 0) continue;
    const manager = cell.managerId
      ? (managerCost(cell.managerId) * cell.chats) / (byManager.get(cell.managerId) ?? 1)
      : 0;
    const channel = (channelCost(cell.channelId) * cell.chats) / (byChannel.get(cell.channelId) ?? 1);
    const key = cellKey(cell.channelId, cell.managerId);
    carried.set(key, (carried.get(key) ?? 0) + manager + channel);
  }
  const total =
    Object.keys(costs.managerHourly).reduce((sum, id) => sum + managerCost(id), 0) +
    Object.keys(costs.channelMonthly).reduce((sum, id) => sum + channelCost(id), 0);
  return { total, cells: carried };
}

/** `cost`, `costPerChat` and `roi` of a group that carries `cost` (revenue in the cost currency only). */
export function costMetrics(
  cost: number,
  metrics: Pick<MetricValues, 'chats' | 'revenue'>,
  currency: string,
): Pick<MetricValues, 'cost' | 'costPerChat' | 'roi'> {
  const revenue = Number(metrics.revenue[currency] ?? 0);
  return {
    cost: round2(cost),
    costPerChat: ratio(cost, metrics.chats) === null ? null : round2(cost / metrics.chats),
    roi: ratio(revenue - cost, cost),
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;
