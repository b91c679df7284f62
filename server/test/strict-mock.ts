/**
 * A mock of a class's methods where every call must be stubbed: an unexpected call throws,
 * so a test fails when the code under test does I/O it did not declare.
 */
export type StrictMock<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? jest.Mock<R, A> : T[K] };

export function strictMock<T extends object>(
  cls: abstract new (...args: never[]) => T,
  name = cls.name,
): StrictMock<T> {
  const mock = {} as Record<string, jest.Mock>;
  let proto = cls.prototype as object | null;
  while (proto && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor' || key in mock) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (typeof descriptor?.value !== 'function') continue;
      mock[key] = jest.fn((...args: unknown[]) => {
        throw new Error(`Unexpected call: ${name}.${key}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
      });
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return mock as unknown as StrictMock<T>;
}
