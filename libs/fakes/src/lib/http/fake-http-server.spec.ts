import { FakeHttpServer } from './fake-http-server';

describe(FakeHttpServer.name, () => {
  const server = new FakeHttpServer(() => ({ status: 200, body: { ok: true } }));
  const get = async (path: string) => (await fetch(server.url + path)).status;

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    server.clearFaults();
    server.calls.length = 0;
  });

  it('records each answer’s status and whether a fault gave it', async () => {
    server.inject({ pathEndsWith: '/send', times: 1, reply: { status: 429 } });

    expect([await get('/send'), await get('/send'), await get('/other')]).toEqual([429, 200, 200]);
    expect(server.calls.map((c) => [c.path, c.status, c.faulted])).toEqual([
      ['/send', 429, true],
      ['/send', 200, false],
      ['/other', 200, false],
    ]);
  });

  it('answers only its share of the matching requests, spread evenly', async () => {
    server.inject({ pathEndsWith: '/send', times: Infinity, share: 0.5, reply: { status: 503 } });

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await get('/send'));

    expect(statuses).toEqual([200, 503, 200, 503, 200, 503]);
  });

  it('ends at its `until` moment, whatever is left of `times`', async () => {
    server.inject({ times: Infinity, until: Date.now() + 300, reply: { status: 503 } });

    expect(await get('/send')).toBe(503);
    await new Promise((r) => setTimeout(r, 350));
    expect(await get('/send')).toBe(200);
  });
});
