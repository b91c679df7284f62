import axios from 'axios';
import type { LookupAddress } from 'node:dns';
import { createServer, get, type Agent, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { AddressPolicy } from './address-policy';
import {
  ADDRESS_REFUSED,
  AddressRefusedError,
  guardedAgents,
  hostRefusal,
  isAddressRefusal,
  type Resolver,
} from './guarded-agents';

/** A resolver that answers from a table (and fails for names it does not know), recording each question. */
function tableResolver(table: Record<string, string[] | (() => string[])>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolver = async (hostname: string): Promise<LookupAddress[]> => {
    asked.push(hostname);
    const entry = table[hostname];
    if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return (typeof entry === 'function' ? entry() : entry).map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
  };
  return Object.assign(resolver, { asked });
}

function request(url: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsGet : get)(url, { agent, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('guardedAgents', () => {
  let server: Server;
  let port: number;
  let connections: number;
  let refusals: AddressRefusedError[];
  let refusedRequests = 0;
  const refusedHosts = new Set<string>();
  const onRefused = (err: AddressRefusedError) => {
    refusals.push(err);
    refusedRequests++;
    refusedHosts.add(err.host);
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to) res.writeHead(302, { location: to }).end();
      else res.end('hello');
    });
    server.on('connection', (socket: Socket) => {
      connections++;
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  beforeEach(() => {
    connections = 0;
    refusals = [];
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    console.log(
      `guarded agents: ${refusedRequests} SSRF requests refused, ${refusedHosts.size} distinct hosts: ${[...refusedHosts].join(', ')}`,
    );
  });

  it('refuses an IP literal before any connection is made', async () => {
    const agents = guardedAgents(new AddressPolicy(), onRefused);

    const err = await request(`http://127.0.0.1:${port}/`, agents.http).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AddressRefusedError);
    expect(err).toMatchObject({ code: ADDRESS_REFUSED, host: '127.0.0.1', reason: '127.0.0.1 is a loopback address' });
    expect(connections).toBe(0);
    expect(refusals).toHaveLength(1);
  });

  it('refuses https the same way', async () => {
    const agents = guardedAgents(new AddressPolicy(), onRefused);

    const err = await request(`https://127.0.0.1:${port}/`, agents.https).catch((e: unknown) => e);

    expect(isAddressRefusal(err)).toBe(true);
    expect(connections).toBe(0);
  });

  it('refuses a name that resolves to a loopback address (checked answers, no connection)', async () => {
    const resolver = tableResolver({ 'innocent.example': ['127.0.0.1'] });
    const agents = guardedAgents(new AddressPolicy(), onRefused, resolver);

    const err = await request(`http://innocent.example:${port}/`, agents.http).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: ADDRESS_REFUSED, host: 'innocent.example' });
    expect(resolver.asked).toEqual(['innocent.example']);
    expect(connections).toBe(0);
  });

  it('refuses `localhost` through the system resolver', async () => {
    const agents = guardedAgents(new AddressPolicy(), onRefused);

    const err = await request(`http://localhost:${port}/`, agents.http).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: ADDRESS_REFUSED, host: 'localhost' });
    expect(connections).toBe(0);
  });

  it('refuses a name when any of its answers is private', async () => {
    const resolver = tableResolver({ 'mixed.example': ['93.184.216.34', '10.0.0.7'] });
    const agents = guardedAgents(new AddressPolicy(), onRefused, resolver);

    const err = await request(`http://mixed.example:${port}/`, agents.http).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: ADDRESS_REFUSED, reason: '10.0.0.7 is a private address' });
  });

  it('connects to exactly the address it checked: a rebinding answer on the next lookup is refused', async () => {
    let calls = 0;
    const resolver = tableResolver({ 'rebind.example': () => (++calls === 1 ? ['127.0.0.1'] : ['169.254.169.254']) });
    const agents = guardedAgents(new AddressPolicy(['127.0.0.1']), onRefused, resolver);

    const first = await request(`http://rebind.example:${port}/`, agents.http);
    const second = await request(`http://rebind.example:${port}/`, agents.http).catch((e: unknown) => e);

    expect(first).toEqual({ status: 200, body: 'hello' });
    expect(second).toMatchObject({ code: ADDRESS_REFUSED, reason: '169.254.169.254 is a link-local address' });
    expect(connections).toBe(1);
  });

  it('lets allowed addresses, ranges and names through', async () => {
    const resolver = tableResolver({ 'crm.internal': ['127.0.0.1'] });
    for (const allowed of [['127.0.0.1'], ['127.0.0.0/8'], ['::ffff:127.0.0.1'], ['crm.internal']]) {
      const agents = guardedAgents(new AddressPolicy(allowed), onRefused, resolver);
      const host = allowed[0] === 'crm.internal' ? 'crm.internal' : '127.0.0.1';

      await expect(request(`http://${host}:${port}/`, agents.http)).resolves.toEqual({ status: 200, body: 'hello' });
    }
    expect(refusals).toEqual([]);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/latest/meta-data/',
    'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
    'http://0251.0376.0251.0376/',
    'http://[fd00::1]/',
    'http://100.100.100.200/',
  ])('checks every redirect hop: an allowed server redirecting to %s is refused', async (target) => {
    const agents = guardedAgents(new AddressPolicy(['127.0.0.1']), onRefused);

    const err = await axios
      .get(`http://127.0.0.1:${port}/media?to=${encodeURIComponent(target)}`, {
        httpAgent: agents.http,
        httpsAgent: agents.https,
        timeout: 5000,
      })
      .catch((e: unknown) => e);

    expect(isAddressRefusal(err)).toBe(true);
    expect(connections).toBe(1);
    expect(refusals).toHaveLength(1);
  });

  it('follows a redirect to an allowed address', async () => {
    const agents = guardedAgents(new AddressPolicy(['127.0.0.1']), onRefused);
    const target = `http://127.0.0.1:${port}/file`;

    const answer = await axios.get<string>(`http://127.0.0.1:${port}/media?to=${encodeURIComponent(target)}`, {
      httpAgent: agents.http,
      httpsAgent: agents.https,
    });

    expect(answer.data).toBe('hello');
  });
});

describe(hostRefusal.name, () => {
  it('answers the reason for a refused name, and nothing for a public one', async () => {
    const resolver = tableResolver({ 'metadata.example': ['169.254.169.254'], 'public.example': ['93.184.216.34'] });
    const policy = new AddressPolicy();

    await expect(hostRefusal(policy, 'metadata.example', resolver)).resolves.toMatchObject({
      reason: '169.254.169.254 is a link-local address',
    });
    await expect(hostRefusal(policy, 'public.example', resolver)).resolves.toMatchObject({ reason: null });
    await expect(hostRefusal(policy, '[::1]', resolver)).resolves.toMatchObject({
      reason: '::1 is a loopback address',
    });
  });

  it('does not resolve a name the operator allowed', async () => {
    const resolver = tableResolver({});

    await expect(hostRefusal(new AddressPolicy(['CRM.Internal.']), 'crm.internal', resolver)).resolves.toMatchObject({
      reason: null,
    });
    expect(resolver.asked).toEqual([]);
  });
});

describe(AddressPolicy.name, () => {
  it.each([
    [['10.0.0.5'], '10.0.0.5', null],
    [['10.0.0.5'], '10.0.0.6', '10.0.0.6 is a private address'],
    [['10.0.0.5'], '::ffff:10.0.0.5', null],
    [['192.168.10.0/24'], '192.168.10.77', null],
    [['192.168.10.0/24'], '192.168.11.1', '192.168.11.1 is a private address'],
    [['fd00::/8'], 'fd12::1', null],
    [['fd00::/8'], 'fc00::1', 'fc00::1 is a private address'],
    [[], '8.8.8.8', null],
  ])('with %j, %s → %s', (allowed, address, reason) => {
    expect(new AddressPolicy(allowed).refusal('some.host', address)).toBe(reason);
  });

  it('refuses to start with an entry it cannot understand', () => {
    expect(() => new AddressPolicy(['https://crm.internal/'])).toThrow('is not a host');
  });
});
