import { MemoryPacingStore } from '../cluster/memory-pacing.store';
import { RateGate, type RateLimit } from './rate-gate';

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
    const gate = new RateGate(time.now, time.sleep);

    await gate.wait('chat-1', 1000);

    expect(time.sleep).not.toHaveBeenCalled();
  });

  it('spaces calls of one key by the interval', async () => {
    const time = fakeTime();
    const gate = new RateGate(time.now, time.sleep);

    await gate.wait('chat-1', 1000);
    time.advance(300);
    await gate.wait('chat-1', 1000);

    expect(time.sleeps).toEqual([700]);
  });

  it('gives calls made together consecutive slots', async () => {
    const time = fakeTime();
    const sleeps: number[] = [];
    const gate = new RateGate(time.now, async (ms) => {
      sleeps.push(ms);
    });

    await Promise.all([gate.wait('chat-1', 1000), gate.wait('chat-1', 1000), gate.wait('chat-1', 1000)]);

    expect(sleeps).toEqual([1000, 2000]);
  });

  it('does not wait once the interval has passed', async () => {
    const time = fakeTime();
    const gate = new RateGate(time.now, time.sleep);

    await gate.wait('chat-1', 1000);
    time.advance(1000);
    await gate.wait('chat-1', 1000);
    time.advance(5000);
    await gate.wait('chat-1', 1000);

    expect(time.sleep).not.toHaveBeenCalled();
  });

  it('keeps keys apart', async () => {
    const time = fakeTime();
    const gate = new RateGate(time.now, time.sleep);

    await gate.wait('chat-1', 1000);
    await gate.wait('chat-2', 1000);
    await gate.wait('account', 33);

    expect(time.sleep).not.toHaveBeenCalled();
  });

  it('never waits for an interval of zero', async () => {
    const time = fakeTime();
    const gate = new RateGate(time.now, time.sleep);

    await Promise.all([gate.wait('k', 0), gate.wait('k', 0), gate.wait('k', 0)]);

    expect(time.sleep).not.toHaveBeenCalled();
  });

  it('holds the key’s later calls for a pause, leaving other keys alone', async () => {
    const time = fakeTime();
    const gate = new RateGate(time.now, time.sleep);

    await gate.wait('bot', 33);
    gate.pause('bot', 2000);
    await gate.wait('other', 33);
    await gate.wait('bot', 33);
    await gate.wait('bot', 33);

    expect(time.sleeps).toEqual([2000, 33]);
  });

  it('never shortens a wait already promised by a pause', async () => {
    const time = fakeTime();
    const gate = new RateGate(time.now, time.sleep);

    gate.pause('bot', 5000);
    gate.pause('bot', 1000);
    await gate.wait('bot', 33);

    expect(time.sleeps).toEqual([5000]);
  });

  describe('waitAll (a call bound by several rates)', () => {
    const bot = (ms = 100): RateLimit => ['bot', ms];
    const chat = (id: string, ms = 1000): RateLimit => [`chat:${id}`, ms];

    it('takes the earliest moment free under every limit', async () => {
      const time = fakeTime();
      const gate = new RateGate(time.now, time.sleep);

      await gate.waitAll([bot(), chat('a')]);
      time.advance(10);
      await gate.waitAll([bot(), chat('a')]);

      expect(time.sleeps).toEqual([990]);
    });

    it('lets a call to another chat go in the gap while one waits for its chat, and keeps the bot’s spacing', async () => {
      const time = fakeTime(0);
      const sent: number[] = [];
      const gate = new RateGate(time.now, async (ms) => {
        sent.push(time.now() + ms);
      });

      await gate.waitAll([bot(), chat('a')]);
      sent.push(0);
      await Promise.all([
        gate.waitAll([bot(), chat('a')]), // waits for chat a: at 1000
        gate.waitAll([bot(), chat('b')]), // the bot is free at 100
        gate.waitAll([bot(), chat('c')]), // and at 200
      ]);

      expect(sent.sort((x, y) => x - y)).toEqual([0, 100, 200, 1000]);
    });

    it('never lets two calls of the bot closer than its interval, wherever they fall', async () => {
      const time = fakeTime(0);
      const sent: number[] = [];
      const gate = new RateGate(time.now, async (ms) => {
        sent.push(ms);
      });

      // One chat with five messages, then twenty other chats, all at once.
      const calls = [...Array(5).fill('a'), ...Array.from({ length: 20 }, (_, i) => `c${i}`)].map((id: string) =>
        gate.waitAll([bot(), chat(id)]).then(() => undefined),
      );
      await Promise.all(calls);
      await gate.waitAll([bot(), chat('a')]);

      const moments = [0, ...sent].sort((x, y) => x - y);
      const gaps = moments.slice(1).map((m, i) => m - moments[i]);
      expect(moments).toHaveLength(26);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
    });

    it('answers the wait and takes nothing when the moment is further than allowed', async () => {
      const time = fakeTime();
      const gate = new RateGate(time.now, time.sleep);

      await gate.waitAll([bot(), chat('a')]);
      expect(await gate.waitAll([bot(), chat('a')], 500)).toBe(1000);
      expect(await gate.waitAll([bot(), chat('b')], 500)).toBe(0);

      expect(time.sleeps).toEqual([100]);
    });

    it('gives up a moment taken before a pause that began while the call waited for it', async () => {
      const time = fakeTime();
      const gate = new RateGate(time.now, async (ms) => {
        gate.pause('bot', 2000); // the call before this one was answered 429 meanwhile
        time.advance(ms);
      });

      await gate.waitAll([bot(), chat('a')]);
      expect(await gate.waitAll([bot(), chat('b')])).toBe(1900);
    });

    it('holds calls while a key is paused', async () => {
      const time = fakeTime();
      const gate = new RateGate(time.now, time.sleep);

      gate.pause('bot', 3000);
      expect(await gate.waitAll([bot(), chat('a')], 1000)).toBe(3000);
      await gate.waitAll([bot(), chat('a')]);

      expect(time.sleeps).toEqual([3000]);
    });
  });

  it('forgets idle keys once it holds many, keeping the busy ones', async () => {
    const time = fakeTime();
    const gate = new RateGate(time.now, time.sleep);
    for (let i = 0; i <= RateGate.SWEEP_AT; i++) await gate.wait(`chat-${i}`, 1000);
    time.advance(61_000);
    await gate.wait('busy', 1000);

    await gate.wait('chat-next', 1000); // sweeps the idle chats
    time.advance(10);
    await gate.wait('busy', 1000);

    expect(time.sleeps).toEqual([990]);
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

  it('takes turns in a shared store too, so two processes together keep the rate', async () => {
    const time = fakeTime();
    const shared = new MemoryPacingStore(time.now);
    const [a, b] = [new RateGate(time.now, time.sleep, shared), new RateGate(time.now, time.sleep, shared)];

    await a.wait('bot', 100);
    await b.wait('bot', 100);
    await a.wait('bot', 100);

    expect(time.sleeps).toEqual([100, 100]);
  });

  it('shares a pause with the other processes', async () => {
    const time = fakeTime();
    const shared = new MemoryPacingStore(time.now);
    const [a, b] = [new RateGate(time.now, time.sleep, shared), new RateGate(time.now, time.sleep, shared)];

    a.pause('bot', 5000);
    await new Promise((r) => setImmediate(r));
    await b.wait('bot', 100);

    expect(time.sleeps).toEqual([5000]);
  });

  it('answers a shared turn too far away instead of waiting for it (another process’s Retry-After)', async () => {
    const time = fakeTime();
    const shared = new MemoryPacingStore(time.now);
    const [a, b] = [new RateGate(time.now, time.sleep, shared), new RateGate(time.now, time.sleep, shared)];

    a.pause('bot', 30_000);
    await new Promise((r) => setImmediate(r));

    expect(await b.waitAll([['bot', 100]], 1500)).toBe(30_000);
    expect(time.sleeps).toEqual([]);
  });
});
