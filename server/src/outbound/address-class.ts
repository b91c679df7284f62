import { isIPv4, isIPv6 } from 'node:net';

/** Why an address is not on the public internet. */
export type AddressClass =
  'unspecified' | 'loopback' | 'private' | 'link-local' | 'shared (CGNAT)' | 'multicast' | 'reserved';

type V4Range = [base: string, bits: number, kind: AddressClass];

/** IANA IPv4 special-purpose registry, the parts a server must never be talked into calling. */
const V4_RANGES: readonly V4Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** A dotted-quad IPv4 address as an unsigned 32-bit number. */
export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** A canonical or compressed IPv6 address (dotted IPv4 tail and zone id allowed) as 16 bytes. */
export function ipv6ToBytes(address: string): number[] {
  let text = address
    .replace(/^\[|\]$/g, '')
    .split('%')[0]
    .toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const n = ipv4ToNumber(tail[1]);
    text = `${text.slice(0, tail.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(rest);
  const all = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function inV4Range(value: number, [base, bits]: V4Range): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (value & mask) >>> 0 === (ipv4ToNumber(base) & mask) >>> 0;
}

function classifyV4(address: string): AddressClass | null {
  const value = ipv4ToNumber(address);
  return V4_RANGES.find((range) => inV4Range(value, range))?.[2] ?? null;
}

const v4Of = (bytes: number[], at: number): string => bytes.slice(at, at + 4).join('.');
const startsWith = (bytes: number[], prefix: number[]): boolean => prefix.every((b, i) => bytes[i] === b);

function classifyV6(address: string): AddressClass | null {
  const b = ipv6ToBytes(address);
  const zeros = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (zeros(16)) return 'unspecified';
  if (zeros(15) && b[15] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address is what the socket reaches.
  if (zeros(10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(v4Of(b, 12));
  // IPv4-compatible (::a.b.c.d, deprecated) and the rest of ::/96: never a real server.
  if (zeros(12)) return classifyV4(v4Of(b, 12)) ?? 'reserved';
  // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address; the local-use prefix is private.
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b]) && b.slice(4, 12).every((x) => x === 0)) {
    return classifyV4(v4Of(b, 12));
  }
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return 'private';
  // 6to4 (2002:aabb:ccdd::/48) tunnels to the embedded IPv4 address.
  if (b[0] === 0x20 && b[1] === 0x02) return classifyV4(v4Of(b, 2));
  if (startsWith(b, [0x01, 0x00, 0, 0, 0, 0, 0, 0])) return 'reserved'; // discard-only 100::/64
  if (startsWith(b, [0x20, 0x01, 0x00, 0x00])) return 'reserved'; // Teredo 2001::/32
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8])) return 'reserved'; // documentation 2001:db8::/32
  if ((b[0] & 0xfe) === 0xfc) return 'private'; // unique local fc00::/7
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 'link-local'; // fe80::/10
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return 'private'; // site-local fec0::/10 (deprecated)
  if (b[0] === 0xff) return 'multicast';
  return null;
}

/**
 * What kind of non-public address this is, or null for a public one. Takes an IP literal as
 * sockets see it (dotted-quad IPv4, any IPv6 form); anything else is not an address at all.
 */
export function classifyAddress(address: string): AddressClass | null {
  if (isIPv4(address)) return classifyV4(address);
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIPv6(bare)) return classifyV6(bare);
  throw new Error(`Not an IP address: ${address}`);
}
