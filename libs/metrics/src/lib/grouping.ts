import type { CycleFacts } from './cycle-facts';

export const GROUPINGS = ['none', 'channel', 'channelType', 'manager', 'tag'] as const;
export type Grouping = (typeof GROUPINGS)[number];

/**
 * Cycles grouped as the summary groups them: a cycle belongs to one channel, channel type and
 * manager (`null` key: no manager), and to each of its tags (so tag groups may overlap).
 */
export function groupCycles(cycles: readonly CycleFacts[], by: Grouping): Map<string | null, CycleFacts[]> {
  const groups = new Map<string | null, CycleFacts[]>();
  const add = (key: string | null, cycle: CycleFacts) => groups.set(key, [...(groups.get(key) ?? []), cycle]);
  for (const cycle of cycles) {
    if (by === 'none') add('all', cycle);
    else if (by === 'channel') add(cycle.channelId, cycle);
    else if (by === 'channelType') add(cycle.channelType, cycle);
    else if (by === 'manager') add(cycle.managerId, cycle);
    else for (const tag of cycle.tags) add(tag, cycle);
  }
  return groups;
}
