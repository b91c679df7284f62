import { NO_MANAGER, packResponses, responseChanges, unpackResponses, type CycleContribution } from './daily-rollup';

const W = '00000000-0000-4000-8000-000000000001';
const CH = '00000000-0000-4000-8000-000000000002';
const M = '00000000-0000-4000-8000-000000000003';

/** A cycle with only what `responseChanges` reads. */
const cycle = (startedAt: string, firstResponseSec: number | null, managerId: string | null = M) =>
  ({
    workspace_id: W,
    channel_id: CH,
    manager_id: managerId,
    started_at: new Date(startedAt),
    first_response_sec: firstResponseSec,
  }) as CycleContribution;

describe(responseChanges.name, () => {
  it('takes the old cycles’ first responses out of their rows and puts the new ones in, one occurrence each', () => {
    const old = [
      cycle('2025-03-01T10:00:00Z', 12.5),
      cycle('2025-03-01T11:00:00Z', 12.5),
      cycle('2025-03-02T09:00:00Z', 7),
    ];
    const rows = [
      cycle('2025-03-01T10:00:00Z', 12.5),
      cycle('2025-03-01T11:00:00Z', 30),
      cycle('2025-03-02T09:00:00Z', null, null),
    ];
    expect(responseChanges(old, rows)).toEqual([
      { workspaceId: W, day: '2025-03-01', channelId: CH, managerKey: M, added: [30], removed: [12.5] },
      { workspaceId: W, day: '2025-03-02', channelId: CH, managerKey: M, added: [], removed: [7] },
    ]);
  });

  it('lists nothing when the first responses stay where they were', () => {
    const rows = [cycle('2025-03-01T10:00:00Z', 61), cycle('2025-03-01T12:00:00Z', null)];
    expect(responseChanges(rows, rows)).toEqual([]);
  });

  it('files a cycle without a manager under the nil manager key', () => {
    const [change] = responseChanges([], [cycle('2025-03-01T10:00:00Z', 3, null)]);
    expect(change).toMatchObject({ managerKey: NO_MANAGER, added: [3], removed: [] });
  });
});

describe(unpackResponses.name, () => {
  it('reads back every packed value exactly, from parts in any number', () => {
    const values = [0, 61, 0.001, 299.999, 12345.678, 1e-9, 86_400 * 40];
    const part = (from: number, to: number) => Buffer.from(packResponses(values.slice(from, to)).slice(2), 'hex');
    expect([...unpackResponses([part(0, 3), part(3, 3), part(3, 7)])]).toEqual(values);
    expect(unpackResponses([])).toHaveLength(0);
  });

  it('packs in PostgreSQL float8send order (network byte order)', () => {
    expect(packResponses([1])).toBe('\\x3ff0000000000000');
  });
});
