import { randomUUID } from 'node:crypto';
import type { RateLimiterStore } from './rate-limiter-store';
import type { RedisConnection } from './redis-connection';

/**
 * A sorted set per key, scored by Redis's own clock (processes' clocks may differ): drop hits
 * older than the window, then count — one atomic script, so concurrent processes never both take
 * the last slot.
 */
const HIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n >= max then
  local oldest = redis.call('ZRANGE', KEYS[1], n - max, n - max, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
end
return 0
`;

/** `RateLimiterStore` in Redis: every server process counts against the same windows. */
export class RedisRateLimiterStore implements RateLimiterStore {
  constructor(private readonly redis: RedisConnection) {}

  hit(key: string, windowMs: number, max: number): Promise<number> {
    return this.run(key, windowMs, max, true);
  }

  check(key: string, windowMs: number, max: number): Promise<number> {
    return this.run(key, windowMs, max, false);
  }

  async reset(key: string): Promise<void> {
    await this.redis.client?.del(this.redis.key('limit', key));
  }

  private async run(key: string, windowMs: number, max: number, count: boolean): Promise<number> {
    const args = [Math.ceil(windowMs), max, count ? '1' : '0', randomUUID()];
    return Number(await this.redis.script(HIT, [this.redis.key('limit', key)], args));
  }
}
