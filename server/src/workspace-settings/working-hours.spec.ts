import { businessSecondsBetween, isOpenAt, scheduleProblem, weekdayAt, type WeeklySchedule } from '@onebox/contracts';

const weekdays9to18: WeeklySchedule = {
  mon: [{ from: '09:00', to: '18:00' }],
  tue: [{ from: '09:00', to: '18:00' }],
  wed: [{ from: '09:00', to: '18:00' }],
  thu: [{ from: '09:00', to: '18:00' }],
  fri: [{ from: '09:00', to: '18:00' }],
};
const H = 3600;

describe('working hours', () => {
  describe(isOpenAt.name, () => {
    it('is always open without a schedule', () => {
      expect(isOpenAt(null, 'Europe/Moscow', new Date('2026-11-22T03:00:00Z'))).toBe(true);
    });

    it('reads the schedule in the workspace time zone', () => {
      // Monday 2026-11-23, 09:30 in Moscow (UTC+3) is 06:30 UTC.
      expect(isOpenAt(weekdays9to18, 'Europe/Moscow', new Date('2026-11-23T06:30:00Z'))).toBe(true);
      expect(isOpenAt(weekdays9to18, 'UTC', new Date('2026-11-23T06:30:00Z'))).toBe(false);
      // 18:00 is closing time: closed from that minute.
      expect(isOpenAt(weekdays9to18, 'Europe/Moscow', new Date('2026-11-23T15:00:00Z'))).toBe(false);
      expect(isOpenAt(weekdays9to18, 'Europe/Moscow', new Date('2026-11-23T14:59:00Z'))).toBe(true);
      // Saturday is closed.
      expect(isOpenAt(weekdays9to18, 'Europe/Moscow', new Date('2026-11-28T09:00:00Z'))).toBe(false);
    });

    it('keeps an overnight range open past midnight into the next weekday', () => {
      const nights: WeeklySchedule = { sun: [{ from: '22:00', to: '02:00' }] };
      expect(isOpenAt(nights, 'UTC', new Date('2026-11-22T23:00:00Z'))).toBe(true); // Sunday 23:00
      expect(isOpenAt(nights, 'UTC', new Date('2026-11-23T01:59:00Z'))).toBe(true); // Monday 01:59
      expect(isOpenAt(nights, 'UTC', new Date('2026-11-23T02:00:00Z'))).toBe(false);
      expect(isOpenAt(nights, 'UTC', new Date('2026-11-22T21:59:00Z'))).toBe(false);
    });

    it('treats 24:00 as the end of the day', () => {
      const allDay: WeeklySchedule = { sun: [{ from: '00:00', to: '24:00' }] };
      expect(isOpenAt(allDay, 'UTC', new Date('2026-11-22T23:59:59Z'))).toBe(true);
      expect(isOpenAt(allDay, 'UTC', new Date('2026-11-23T00:00:00Z'))).toBe(false);
    });
  });

  describe(businessSecondsBetween.name, () => {
    it('counts every second without a schedule', () => {
      expect(
        businessSecondsBetween(null, 'UTC', new Date('2026-11-23T00:00:00Z'), new Date('2026-11-23T01:00:00Z')),
      ).toBe(H);
    });

    it('counts only open time, across a weekend', () => {
      // Friday 17:00 → Monday 10:00 (Moscow): 1 h on Friday + 1 h on Monday.
      const from = new Date('2026-11-27T14:00:00Z');
      const to = new Date('2026-11-30T07:00:00Z');
      expect(businessSecondsBetween(weekdays9to18, 'Europe/Moscow', from, to)).toBe(2 * H);
    });

    it('counts a full working week across the week boundary', () => {
      const from = new Date('2026-11-22T00:00:00Z'); // Sunday
      const to = new Date('2026-11-29T23:59:00Z'); // the next Sunday
      expect(businessSecondsBetween(weekdays9to18, 'UTC', from, to)).toBe(5 * 9 * H);
    });

    it('counts an overnight range that started the day before', () => {
      const nights: WeeklySchedule = { sun: [{ from: '22:00', to: '02:00' }] };
      const from = new Date('2026-11-23T00:30:00Z'); // Monday 00:30
      const to = new Date('2026-11-23T12:00:00Z');
      expect(businessSecondsBetween(nights, 'UTC', from, to)).toBe(1.5 * H);
    });

    it('counts overlapping ranges once', () => {
      const overlap: WeeklySchedule = {
        sun: [{ from: '20:00', to: '03:00' }],
        mon: [{ from: '01:00', to: '04:00' }],
      };
      const from = new Date('2026-11-22T00:00:00Z');
      const to = new Date('2026-11-24T00:00:00Z');
      expect(businessSecondsBetween(overlap, 'UTC', from, to)).toBe(8 * H); // Sun 20:00 → Mon 04:00
    });

    it('counts the real length of a day with a DST change', () => {
      const allDay: WeeklySchedule = {
        sun: [{ from: '00:00', to: '24:00' }],
      };
      // Europe/Berlin springs forward on Sunday 2026-03-29 (23 h) and falls back on 2026-10-25 (25 h).
      const spring = businessSecondsBetween(
        allDay,
        'Europe/Berlin',
        new Date('2026-03-28T00:00:00Z'),
        new Date('2026-03-31T00:00:00Z'),
      );
      expect(spring).toBe(23 * H);
      const autumn = businessSecondsBetween(
        allDay,
        'Europe/Berlin',
        new Date('2026-10-24T00:00:00Z'),
        new Date('2026-10-27T00:00:00Z'),
      );
      expect(autumn).toBe(25 * H);
    });

    it('keeps 09:00–18:00 at nine hours on the days around a DST change', () => {
      const daily: WeeklySchedule = { sun: [{ from: '01:00', to: '05:00' }], mon: [{ from: '09:00', to: '18:00' }] };
      // 2026-03-29 Berlin: 02:00 → 03:00, so 01:00–05:00 lasts 3 h; Monday is a normal 9 h.
      const total = businessSecondsBetween(
        daily,
        'Europe/Berlin',
        new Date('2026-03-28T00:00:00Z'),
        new Date('2026-03-31T00:00:00Z'),
      );
      expect(total).toBe(3 * H + 9 * H);
    });

    it('answers zero for an empty or reversed period', () => {
      const at = new Date('2026-11-23T10:00:00Z');
      expect(businessSecondsBetween(weekdays9to18, 'UTC', at, at)).toBe(0);
      expect(businessSecondsBetween(weekdays9to18, 'UTC', at, new Date(at.getTime() - 1000))).toBe(0);
    });
  });

  it('names the local weekday', () => {
    // 2026-11-22 23:30 UTC is already Monday in Moscow.
    expect(weekdayAt('Europe/Moscow', new Date('2026-11-22T23:30:00Z'))).toBe('mon');
    expect(weekdayAt('UTC', new Date('2026-11-22T23:30:00Z'))).toBe('sun');
  });

  describe(scheduleProblem.name, () => {
    it('accepts a weekly schedule and names what is wrong otherwise', () => {
      expect(scheduleProblem(weekdays9to18)).toBeNull();
      expect(scheduleProblem({ mon: [{ from: '22:00', to: '02:00' }], sun: [] })).toBeNull();
      expect(scheduleProblem([])).toMatch(/object/);
      expect(scheduleProblem({ monday: [] })).toMatch(/monday is not a weekday/);
      expect(scheduleProblem({ mon: [{ from: '9:00', to: '18:00' }] })).toMatch(/from must be HH:MM/);
      expect(scheduleProblem({ mon: [{ from: '09:00', to: '25:00' }] })).toMatch(/to must be/);
      expect(scheduleProblem({ mon: [{ from: '09:00', to: '09:00' }] })).toMatch(/differ/);
    });
  });
});
