import { classifyAddress } from './address-class';

/** Every address the table refuses, counted for the report at the end. */
const refused = new Set<string>();

describe(classifyAddress.name, () => {
  afterAll(() => {
    console.log(`address classifier: ${refused.size} non-public addresses refused, public ones let through`);
  });

  it.each([
    // IPv4
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    // IPv4 inside IPv6: what the socket reaches is the IPv4 address
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:100.64.0.1', 'shared (CGNAT)'],
    ['::127.0.0.1', 'loopback'],
    ['::10.0.0.1', 'private'],
    ['::8.8.8.8', 'reserved'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2001:0:4136:e378::1', 'reserved'],
  ])('refuses %s (%s)', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
    refused.add(address);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '192.169.0.1',
    '223.255.255.255',
    '2a00:1450:4010:c05::8b',
    '2606:4700::6810:84e5',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    'fbff::1',
    'fe7f::1',
  ])('lets the public address %s through', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });

  /**
   * Decimal, octal, hexadecimal and short IPv4 forms are not IP literals to a socket; in a URL the
   * WHATWG parser (which axios, fetch and `new URL` use) turns them into dotted quads first.
   */
  it.each([
    ['http://2130706433/', '127.0.0.1', 'loopback'],
    ['http://0177.0.0.1/', '127.0.0.1', 'loopback'],
    ['http://0x7f.0.0.1/', '127.0.0.1', 'loopback'],
    ['http://0x7f000001/', '127.0.0.1', 'loopback'],
    ['http://127.1/', '127.0.0.1', 'loopback'],
    ['http://017700000001/', '127.0.0.1', 'loopback'],
    ['http://0/', '0.0.0.0', 'unspecified'],
    ['http://2852039166/', '169.254.169.254', 'link-local'],
    ['http://0251.0376.0251.0376/', '169.254.169.254', 'link-local'],
    ['http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254', 'link-local'],
    ['http://10.1/', '10.0.0.1', 'private'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]', 'loopback'],
    ['http://[0:0:0:0:0:ffff:169.254.169.254]/', '[::ffff:a9fe:a9fe]', 'link-local'],
    ['http://[::]/', '[::]', 'unspecified'],
  ])('the URL parser normalises %s to %s, refused as %s', (url, hostname, kind) => {
    const parsed = new URL(url).hostname;
    expect(parsed).toBe(hostname);
    expect(classifyAddress(parsed)).toBe(kind);
    refused.add(url);
  });

  it('throws for something that is not an IP address (names are resolved, then checked)', () => {
    expect(() => classifyAddress('localhost')).toThrow('Not an IP address');
    expect(() => classifyAddress('2130706433')).toThrow('Not an IP address');
  });
});
