import { cyclesOf, type CycleFacts } from './cycle-facts';
import { groupCycles } from './grouping';
import { DEFAULT_METRIC_SETTINGS } from './inputs';
import {
  B_ID,
  C_ID,
  D_ID,
  A_ID,
  M1,
  M2,
  SCENARIO,
  SCENARIO_AS_OF,
  SCENARIO_COSTS,
  SCENARIO_EXPECTED,
  SCENARIO_EXPECTED_BUSINESS,
  SCENARIO_EXPECTED_COSTS,
  SCENARIO_PERIOD,
  SCENARIO_PRESENCE,
  SCENARIO_WORKING_HOURS,
  t,
} from './scenario';
import { cellKey, costMetrics, periodCosts } from './costs';
import { managerTime, summarize } from './summary';

const settings = DEFAULT_METRIC_SETTINGS;
const all: CycleFacts[] = SCENARIO.flatMap((c) => cyclesOf(c, settings, SCENARIO_AS_OF));
const day1 = SCENARIO_PERIOD;

describe('cycle facts', () => {
  it('measures first response from the hand-off when a bot held the cycle, reply times from the oldest unanswered message', () => {
    const b = all.find((c) => c.conversationId === B_ID) as CycleFacts;
    expect(b.firstResponseSec).toBe(60);
    expect(b.replyTimesSec).toEqual([80]);
    expect(b.managerId).toBe(M1);
    expect(b.transferred).toBe(true);
    expect(b.waitToAcceptSec).toEqual([15]); // o2 made 11:00:25, accepted 11:00:40
    expect(b.handleTimeSec).toBe(520);
  });

  it('marks late first replies and unanswered cycles past the threshold as missed, never bot-contained ones', () => {
    const byId = (id: string, cycle = 1) => all.find((c) => c.conversationId === id && c.cycle === cycle);
    expect(byId(D_ID)?.missed).toBe(true);
    expect(byId(A_ID, 2)?.missed).toBe(true);
    expect(byId(C_ID)?.missed).toBe(false);
    expect(byId(C_ID)?.botResolved).toBe(true);
    expect(byId(A_ID)?.missed).toBe(false);
  });
});

describe('summary of the worked example', () => {
  const m = summarize(all, day1, settings);

  it('gives every figure worked out by hand in scenario.ts', () => {
    for (const [key, expected] of Object.entries(SCENARIO_EXPECTED)) {
      const actual = m[key as keyof typeof m];
      if (typeof expected === 'number') expect([key, actual]).toEqual([key, expect.closeTo(expected, 9)]);
      else expect([key, actual]).toEqual([key, expected]);
    }
  });

  it('groups by manager and tag', () => {
    const byManager = groupCycles(all, 'manager');
    // A2 is unanswered: its manager is the assignee it kept from A1.
    expect(byManager.get(M1)?.map((c) => `${c.conversationId.slice(-1).toUpperCase()}${c.cycle}`)).toEqual([
      'A1',
      'A2',
      'B1',
    ]);
    expect(byManager.get(M2)?.map((c) => `${c.conversationId.slice(-1).toUpperCase()}${c.cycle}`)).toEqual(['D1']);
    expect(
      groupCycles(all, 'tag')
        .get('VIP')
        ?.map((c) => `${c.conversationId.slice(-1).toUpperCase()}${c.cycle}`),
    ).toEqual(['A1', 'A2']);
  });

  it("measures a manager's online time, utilization and concurrency", () => {
    const presence = [{ userId: M1, status: 'online' as const, from: t('10:00:00'), to: t('12:00:00') }];
    const time = managerTime(M1, presence, all, day1);
    expect(time.onlineSec).toBe(7200);
    expect(time.utilization).toBeCloseTo(830 / 7200); // 10:00:30–10:10 and 11:00:40–11:05
    expect(time.avgConcurrency).toBeCloseTo(830 / 7200);
  });
});

describe('working hours and costs of the worked example', () => {
  it('counts only the seconds inside working hours in the …BusinessSec variants', () => {
    const m = summarize(all, day1, { ...settings, workingHours: SCENARIO_WORKING_HOURS });
    for (const [key, expected] of Object.entries(SCENARIO_EXPECTED_BUSINESS))
      expect([key, m[key as keyof typeof m]]).toEqual([key, expect.closeTo(expected as number, 9)]);
    expect(m.firstResponseAvgSec).toBe(45); // the plain figures do not change
  });

  it('carries managers’ online cost and channels’ monthly cost by share of chats', () => {
    const m = summarize(all, day1, settings);
    const chats = all.filter((c) => c.startedAt >= day1.from && c.startedAt < day1.to);
    const cells = [...groupCycles(chats, 'channel').entries()].flatMap(([channelId, cycles]) =>
      [...new Set(cycles.map((c) => c.managerId))].map((managerId) => ({
        channelId,
        managerId,
        chats: cycles.filter((c) => c.managerId === managerId).length,
      })),
    );
    const online = new Map([[M1, managerTime(M1, SCENARIO_PRESENCE, all, day1).onlineSec]]);
    const costs = periodCosts(SCENARIO_COSTS, cells, online, day1);
    expect(costMetrics(costs.total, m, 'RUB')).toEqual({
      cost: SCENARIO_EXPECTED_COSTS.all.cost,
      costPerChat: SCENARIO_EXPECTED_COSTS.all.costPerChat,
      roi: expect.closeTo(SCENARIO_EXPECTED_COSTS.all.roi, 12),
    });
    const byChannel = (channelId: string) =>
      cells
        .filter((cell) => cell.channelId === channelId)
        .reduce((sum, cell) => sum + (costs.cells.get(cellKey(cell.channelId, cell.managerId)) ?? 0), 0);
    expect(byChannel('ch-telegram')).toBeCloseTo(SCENARIO_EXPECTED_COSTS.byChannel['ch-telegram'], 9);
    expect(byChannel('ch-webchat')).toBeCloseTo(SCENARIO_EXPECTED_COSTS.byChannel['ch-webchat'], 9);
  });
});
