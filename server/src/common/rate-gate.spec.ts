import { MemoryPacingStore } from '../cluster/memory-pacing.store';
import { RateGate } from './rate-gate';

/** A clock the test moves, and a sleep that records the wait and moves the clock by it. */
function fakeTime(start = 1_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    sleep: jest.fn(async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    }),
    sleeps,
  };
}

describe(RateGate.name, () => {
  it('lets the first call of a key through at once', async () => {
    const time = fakeTime();
    const gate = new RateGate(new MemoryPacingStore(time.now), time.sleep);

    await gate.wait('chat-1', 1000);

    expect(time.sleep).not.toHaveBeenCalled();
  });

  it('spaces calls of one key by the interval', async () => {
    const time = fakeTime();
    const gate = new RateGate(new MemoryPacingStore(time.now), time.sleep);

    await gate.wait('chat-1', 1000);
    time.advance(300);
    await gate.wait('chat-1', 1000);

    expect(time.sleeps).toEqual([700]);
  });

  it('gives calls made together consecutive slots', async () => {
    const time = fakeTime();
    const sleeps: number[] = [];
    const gate = new RateGate(new MemoryPacingStore(time.now), async (ms) => {
      sleeps.push(ms);
    });

    await Promise.all([gate.wait('chat-1', 1000), gate.wait('chat-1', 1000), gate.wait('chat-1', 1000)]);

    expect(sleeps).toEqual([1000, 2000]);
  });

  it('does not wait once the interval has passed', async () => {
    const time = fakeTime();
    const gate = new RateGate(new MemoryPacingStore(time.now), time.sleep);

    await gate.wait('chat-1', 1000);
    time.advance(1000);
    await gate.wait('chat-1', 1000);
    time.advance(5000);
    await gate.wait('chat-1', 1000);

    expect(time.sleep).not.toHaveBeenCalled();
  });

  it('keeps keys apart', async () => {
    const time = fakeTime();
    const gate = new RateGate(new MemoryPacingStore(time.now), time.sleep);

    await gate.wait('chat-1', 1000);
    await gate.wait('chat-2', 1000);
    await gate.wait('account', 33);

    expect(time.sleep).not.toHaveBeenCalled();
  });

  it('never waits for an interval of zero', async () => {
    const time = fakeTime();
    const gate = new RateGate(new MemoryPacingStore(time.now), time.sleep);

    await Promise.all([gate.wait('k', 0), gate.wait('k', 0), gate.wait('k', 0)]);

    expect(time.sleep).not.toHaveBeenCalled();
  });

  it('waits on the real clock by default', async () => {
    jest.useFakeTimers();
    try {
      const gate = new RateGate();
      await gate.wait('chat-1', 1000);
      let passed = false;
      const second = gate.wait('chat-1', 1000).then(() => (passed = true));

      await jest.advanceTimersByTimeAsync(999);
      expect(passed).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await second;
      expect(passed).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
