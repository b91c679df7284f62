import { isIP } from 'node:net';
import { classifyAddress, ipv4ToNumber, ipv6ToBytes } from './address-class';

interface Cidr {
  bytes: number[];
  bits: number;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?)*$/;

function bytesOf(address: string): number[] {
  if (isIP(address) === 4) {
    const n = ipv4ToNumber(address);
    return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  }
  const bytes = ipv6ToBytes(address);
  // An IPv4-mapped address is its IPv4 address: allowing 10.0.0.5 allows ::ffff:10.0.0.5.
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function inCidr(bytes: number[], cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.bits; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((bytes[bit >> 3] & mask) !== (cidr.bytes[bit >> 3] & mask)) return false;
  }
  return true;
}

const normalHost = (host: string): string =>
  host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

/**
 * Which addresses the server may call on behalf of users and platforms: public ones, plus what
 * the operator allowed for a self-hosted setup — host names (exact), IP addresses and CIDR
 * ranges (`ONEBOX_ALLOWED_PRIVATE_HOSTS=crm.internal,10.0.0.5,192.168.10.0/24`).
 */
export class AddressPolicy {
  private readonly hosts = new Set<string>();
  private readonly ranges: Cidr[] = [];

  /** Throws on an entry that is neither a host name, an IP address nor a CIDR range. */
  constructor(allowed: readonly string[] = []) {
    for (const entry of allowed) {
      const problem = AddressPolicy.problem(entry);
      if (problem) throw new Error(problem);
      const [address, bits] = entry.split('/');
      if (isIP(normalHost(address))) {
        const bytes = bytesOf(normalHost(address));
        this.ranges.push({ bytes, bits: bits === undefined ? bytes.length * 8 : Number(bits) });
      } else {
        this.hosts.add(normalHost(entry));
      }
    }
  }

  /** Why an allowlist entry is unusable, or null. */
  static problem(entry: string): string | null {
    const [address, bits, extra] = entry.split('/');
    const host = normalHost(address ?? '');
    const family = isIP(host);
    if (extra !== undefined) return `"${entry}" is not a host, an IP address or a CIDR range`;
    if (bits !== undefined) {
      const width = family === 4 ? 32 : family === 6 ? 128 : 0;
      if (!width || !/^\d{1,3}$/.test(bits) || Number(bits) > width) return `"${entry}" is not a valid CIDR range`;
      return null;
    }
    return family || HOSTNAME.test(host) ? null : `"${entry}" is not a host, an IP address or a CIDR range`;
  }

  /** True when the operator named this host: whatever it resolves to is allowed. */
  allowsHost(host: string): boolean {
    return this.hosts.has(normalHost(host));
  }

  /**
   * Why connecting to `address` (reached through the name `host`) is refused, or null when it is
   * public or allowed. `address` is an IP literal, as a socket would connect to it.
   */
  refusal(host: string, address: string): string | null {
    const kind = classifyAddress(address);
    if (!kind || this.allowsHost(host)) return null;
    const bytes = bytesOf(normalHost(address));
    if (this.ranges.some((range) => inCidr(bytes, range))) return null;
    return `${normalHost(address)} is a ${kind} address`;
  }
}
