import { clientIp } from './client-ip';

const request = (remoteAddress: string, forwarded?: string) => ({
  socket: { remoteAddress } as never,
  headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
});
const loopback = (addr: string) => addr === '127.0.0.1' || addr === '::1';

describe(clientIp.name, () => {
  it('is the peer address when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    expect(clientIp(request('203.0.113.7', '1.2.3.4'), () => false)).toBe('203.0.113.7');
  });

  it('takes the address a trusted proxy forwarded', () => {
    expect(clientIp(request('127.0.0.1', '198.51.100.20'), loopback)).toBe('198.51.100.20');
  });

  it('ignores entries the client itself put before the trusted proxy’s', () => {
    expect(clientIp(request('127.0.0.1', '1.2.3.4, 198.51.100.20'), loopback)).toBe('198.51.100.20');
  });

  it('walks through a chain of trusted proxies', () => {
    expect(clientIp(request('127.0.0.1', '198.51.100.20, 127.0.0.1'), loopback)).toBe('198.51.100.20');
  });

  it('stays on the trusted peer when nothing was forwarded', () => {
    expect(clientIp(request('127.0.0.1'), loopback)).toBe('127.0.0.1');
  });
});
