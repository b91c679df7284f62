import type { PacingStore } from './pacing-store';
import type { RedisConnection } from './redis-connection';

/**
 * The key holds the next free slot in µs of Redis's clock (processes' clocks may differ; µs keep
 * intervals like 1000/30 ms exact); it expires once that slot has passed.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', math.ceil((slot + interval - now) / 1000) + 1000)
return math.floor(slot - now)
`;

/** `PacingStore` in Redis: every server process takes its turns from the same schedule. */
export class RedisPacingStore implements PacingStore {
  constructor(private readonly redis: RedisConnection) {}

  async reserve(key: string, intervalMs: number): Promise<number> {
    const waitUs = Number(
      await this.redis.script(RESERVE, [this.redis.key('pace', key)], [Math.round(intervalMs * 1000)]),
    );
    return waitUs / 1000;
  }
}
