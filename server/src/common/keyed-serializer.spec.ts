import { KeyedSerializer } from './keyed-serializer';

/** A promise the test settles by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const flush = () => new Promise((r) => setImmediate(r));

describe(KeyedSerializer.name, () => {
  let serializer: KeyedSerializer;
  let log: string[];

  beforeEach(() => {
    serializer = new KeyedSerializer();
    log = [];
  });

  /** A task that logs its start and end and finishes when `gate` settles. */
  function task<T>(name: string, gate: Promise<T>): () => Promise<T> {
    return async () => {
      log.push(`${name}:start`);
      try {
        return await gate;
      } finally {
        log.push(`${name}:end`);
      }
    };
  }

  it('answers the task’s result', async () => {
    await expect(serializer.run('k', async () => 42)).resolves.toBe(42);
  });

  it('runs the tasks of one key one at a time, in submission order', async () => {
    const a = deferred<string>();
    const b = deferred<string>();
    const c = deferred<string>();

    const results = [
      serializer.run('cv-1', task('a', a.promise)),
      serializer.run('cv-1', task('b', b.promise)),
      serializer.run('cv-1', task('c', c.promise)),
    ];
    await flush();
    expect(log).toEqual(['a:start']);

    // Finishing later tasks first changes nothing: they have not started.
    c.resolve('C');
    b.resolve('B');
    await flush();
    expect(log).toEqual(['a:start']);

    a.resolve('A');
    await expect(Promise.all(results)).resolves.toEqual(['A', 'B', 'C']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('runs tasks of different keys in parallel', async () => {
    const slow = deferred<string>();

    const first = serializer.run('cv-1', task('slow', slow.promise));
    await expect(serializer.run('cv-2', task('fast', Promise.resolve('fast')))).resolves.toBe('fast');

    expect(log).toEqual(['slow:start', 'fast:start', 'fast:end']);
    slow.resolve('slow');
    await expect(first).resolves.toBe('slow');
  });

  it('rejects with a failing task’s error and runs the next task of the key anyway', async () => {
    const failing = deferred<string>();

    const one = serializer.run('cv-1', task('one', failing.promise));
    const two = serializer.run('cv-1', task('two', Promise.resolve('two')));
    failing.reject(new Error('provider down'));

    await expect(one).rejects.toThrow('provider down');
    await expect(two).resolves.toBe('two');
    expect(log).toEqual(['one:start', 'one:end', 'two:start', 'two:end']);
  });

  it('runs the next task after one that threw synchronously', async () => {
    const one = serializer.run('cv-1', () => {
      throw new Error('bad input');
    });

    await expect(one).rejects.toThrow('bad input');
    await expect(serializer.run('cv-1', async () => 'next')).resolves.toBe('next');
  });

  it('starts a key afresh once its queue has drained', async () => {
    await serializer.run('cv-1', async () => 'first');
    await flush();

    const gate = deferred<string>();
    const second = serializer.run('cv-1', task('second', gate.promise));
    await flush();

    expect(log).toEqual(['second:start']);
    gate.resolve('second');
    await expect(second).resolves.toBe('second');
  });
});
