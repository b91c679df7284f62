import type { IncomingMessage } from 'node:http';

/** Express's compiled `trust proxy` setting: whether the hop at `addr` (`i` hops from us) is a proxy we trust. */
export type TrustProxy = (addr: string, i: number) => boolean;

/**
 * The client's address as Express computes `req.ip`, for requests Express does not see (socket.io
 * handshakes): `X-Forwarded-For` entries are believed right to left only while the hop that added
 * them is a trusted proxy, so a client cannot pick its own address by sending the header.
 */
export function clientIp(request: Pick<IncomingMessage, 'headers' | 'socket'>, trust: TrustProxy): string {
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .reverse();
  const chain = [request.socket.remoteAddress ?? '', ...forwarded];
  let i = 0;
  while (i < chain.length - 1 && trust(chain[i], i)) i++;
  return chain[i];
}
