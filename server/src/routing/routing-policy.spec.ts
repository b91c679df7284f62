import { isAvailable, pickManager, routingOf, type Candidate } from './routing-policy';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s));
const manager = (userId: string, o: Partial<Candidate> = {}): Candidate => ({
  userId,
  status: 'online',
  maxChats: 3,
  load: 0,
  lastOfferedAt: null,
  ...o,
});

describe('routing policy', () => {
  describe(routingOf.name, () => {
    it('defaults to the open queue with 30 s offers and a 60 s owner wait', () => {
      expect(routingOf({})).toEqual({ mode: 'open', offerTimeoutSec: 30, ownerTimeoutSec: 60 });
      expect(routingOf(null)).toEqual({ mode: 'open', offerTimeoutSec: 30, ownerTimeoutSec: 60 });
    });

    it('keeps what the channel stores', () => {
      expect(routingOf({ routing: { mode: 'owner', offerTimeoutSec: 5 } })).toEqual({
        mode: 'owner',
        offerTimeoutSec: 5,
        ownerTimeoutSec: 60,
      });
    });
  });

  describe(isAvailable.name, () => {
    it('is online and under capacity', () => {
      expect(isAvailable(manager('a'))).toBe(true);
      expect(isAvailable(manager('a', { status: 'away' }))).toBe(false);
      expect(isAvailable(manager('a', { status: 'offline' }))).toBe(false);
      expect(isAvailable(manager('a', { load: 3 }))).toBe(false);
      expect(isAvailable(manager('a', { maxChats: 0 }))).toBe(false);
    });
  });

  describe(pickManager.name, () => {
    it('offers the manager offered least recently, never-offered first', () => {
      const pick = pickManager([
        manager('a', { lastOfferedAt: at(5) }),
        manager('b', { lastOfferedAt: at(1) }),
        manager('c', { lastOfferedAt: null }),
      ]);
      expect(pick).toEqual({ userId: 'c', reason: 'round_robin' });
      expect(pickManager([manager('a', { lastOfferedAt: at(5) }), manager('b', { lastOfferedAt: at(1) })])).toEqual({
        userId: 'b',
        reason: 'round_robin',
      });
    });

    it('skips managers who are away, offline or full', () => {
      const pick = pickManager([
        manager('away', { status: 'away' }),
        manager('off', { status: 'offline' }),
        manager('full', { load: 3, maxChats: 3 }),
        manager('free', { lastOfferedAt: at(9), load: 2 }),
      ]);
      expect(pick).toEqual({ userId: 'free', reason: 'round_robin' });
    });

    it('skips the excluded (declined or let expire this cycle) and answers null when nobody is left', () => {
      const team = [manager('a'), manager('b', { lastOfferedAt: at(1) })];
      expect(pickManager(team, { excludeUserIds: ['a'] })).toEqual({ userId: 'b', reason: 'round_robin' });
      expect(pickManager(team, { excludeUserIds: ['a', 'b'] })).toBeNull();
      expect(pickManager([])).toBeNull();
    });

    it('breaks ties by the lighter load, then by id', () => {
      expect(pickManager([manager('b', { load: 1 }), manager('a', { load: 2 })])?.userId).toBe('b');
      expect(pickManager([manager('b'), manager('a')])?.userId).toBe('a');
    });

    it('offers the owner first when available, else falls back to round-robin', () => {
      const team = [manager('a'), manager('owner', { lastOfferedAt: at(9) })];
      expect(pickManager(team, { ownerId: 'owner' })).toEqual({ userId: 'owner', reason: 'owner' });
      const away = [manager('a'), manager('owner', { status: 'away' })];
      expect(pickManager(away, { ownerId: 'owner' })).toEqual({ userId: 'a', reason: 'round_robin' });
      expect(pickManager(team, { ownerId: 'owner', excludeUserIds: ['owner'] })).toEqual({
        userId: 'a',
        reason: 'round_robin',
      });
    });
  });
});
