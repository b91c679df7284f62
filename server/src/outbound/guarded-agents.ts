import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { Agent as HttpAgent, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AddressPolicy } from './address-policy';

/** The `code` of the error a refused connection fails with (axios keeps it on its AxiosError). */
export const ADDRESS_REFUSED = 'ERR_ADDRESS_REFUSED';

export class AddressRefusedError extends Error {
  readonly code = ADDRESS_REFUSED;

  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`Refused to connect to ${host}: ${reason} (allow it with ONEBOX_ALLOWED_PRIVATE_HOSTS)`);
    this.name = 'AddressRefusedError';
  }
}

/** True for a refusal, whether thrown directly or carried by a client's error (`code`, `cause`, `providerCode`). */
export function isAddressRefusal(err: unknown): boolean {
  for (let e = err as Record<string, unknown> | undefined, depth = 0; e && depth < 4; depth++) {
    if (e['code'] === ADDRESS_REFUSED || e['providerCode'] === ADDRESS_REFUSED) return true;
    e = e['cause'] as Record<string, unknown> | undefined;
  }
  return false;
}

export type Resolver = (hostname: string, options: LookupAllOptions) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname, options) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, options, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/**
 * Resolves `host` and answers why connecting to it is refused (the first refused answer), or
 * null. An IP literal is checked as it is; a name the policy allows is not resolved at all.
 */
export async function hostRefusal(
  policy: AddressPolicy,
  host: string,
  resolver: Resolver = systemResolver,
): Promise<{ reason: string | null; addresses: LookupAddress[] }> {
  const bare = host.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family) return { reason: policy.refusal(bare, bare), addresses: [{ address: bare, family }] };
  if (policy.allowsHost(bare)) return { reason: null, addresses: [] };
  const addresses = await resolver(bare, { all: true });
  for (const { address } of addresses) {
    const reason = policy.refusal(bare, address);
    if (reason) return { reason, addresses };
  }
  return { reason: null, addresses };
}

/**
 * A socket `lookup` that resolves the name once and checks every answer: the socket connects to
 * exactly the addresses that were checked, so a DNS answer that changes between a check and the
 * connection (rebinding) cannot slip through. Any refused answer refuses the name.
 */
export function guardedLookup(
  policy: AddressPolicy,
  onRefused: (err: AddressRefusedError) => void,
  resolver: Resolver = systemResolver,
): LookupFunction {
  return (hostname, options, callback) => {
    hostRefusal(policy, hostname, resolver).then(
      async ({ reason, addresses }) => {
        if (reason) {
          const err = new AddressRefusedError(hostname, reason);
          onRefused(err);
          return callback(err, '', 0);
        }
        // An allowed name was not resolved by the check: resolve it now.
        const answers = addresses.length ? addresses : await resolver(hostname, { all: true });
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = answers.filter((a) => !wanted || a.family === wanted);
        if (!usable.length) {
          const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
          return callback(err, '', 0);
        }
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        callback(null, usable[0].address, usable[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

type ConnectionOptions = ClientRequestArgs & { lookup?: LookupFunction };
type ConnectionCallback = (err: Error | null, socket: Duplex) => void;
/** The options to connect with (the guarded lookup added), or null after failing the callback. */
type ConnectionCheck = (options: ConnectionOptions, callback?: ConnectionCallback) => ConnectionOptions | null;

function connectionCheck(
  policy: AddressPolicy,
  lookup: LookupFunction,
  onRefused: (err: AddressRefusedError) => void,
): ConnectionCheck {
  return (options, callback) => {
    // An IP literal never reaches `lookup` (sockets connect to it directly), so it is checked here.
    const host = String(options.host ?? options.hostname ?? 'localhost').replace(/^\[|\]$/g, '');
    const reason = isIP(host) ? policy.refusal(host, host) : null;
    if (!reason) return { ...options, lookup };
    const err = new AddressRefusedError(host, reason);
    onRefused(err);
    callback?.(err, undefined as unknown as Duplex);
    return null;
  };
}

/** The agent, with every connection it makes passed through `check` first. */
function guarded<A extends HttpAgent>(agent: A, check: ConnectionCheck): A {
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (options: ConnectionOptions, callback?: ConnectionCallback) => {
    const checked = check(options, callback);
    return checked ? connect(checked, callback) : undefined;
  };
  return agent;
}

export interface GuardedAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/**
 * http and https agents that refuse private, loopback, link-local and other non-public
 * addresses (see address-class.ts) unless the policy allows them. Every connection is checked,
 * including each hop of a redirect, whatever HTTP client uses the agent.
 */
export function guardedAgents(
  policy: AddressPolicy,
  onRefused: (err: AddressRefusedError) => void = () => undefined,
  resolver: Resolver = systemResolver,
): GuardedAgents {
  const check = connectionCheck(policy, guardedLookup(policy, onRefused, resolver), onRefused);
  return { http: guarded(new HttpAgent(), check), https: guarded(new HttpsAgent(), check) };
}
