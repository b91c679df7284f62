import { Global, Module } from '@nestjs/common';
import { RateGate } from '../common/rate-gate';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MemoryPacingStore } from './memory-pacing.store';
import { MemoryRateLimiterStore } from './memory-rate-limiter.store';
import { RATE_LIMITER_STORE } from './rate-limiter-store';
import { RedisConnection } from './redis-connection';
import { RedisPacingStore } from './redis-pacing.store';
import { RedisRateLimiterStore } from './redis-rate-limiter.store';

/**
 * What several server processes share besides PostgreSQL: the Redis connection (`REDIS_URL`), and
 * the stores behind rate limits and call pacing — in Redis when it is configured, in process
 * memory otherwise (one process, or the embedded database). A module of its own so that Redis
 * closes after the app's providers (jobs still finishing) on shutdown.
 */
@Global()
@Module({
  providers: [
    { provide: RedisConnection, inject: [APP_CONFIG], useFactory: (config: AppConfig) => RedisConnection.open(config) },
    {
      provide: RATE_LIMITER_STORE,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) =>
        redis.client ? new RedisRateLimiterStore(redis) : new MemoryRateLimiterStore(),
    },
    {
      provide: RateGate,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) =>
        new RateGate(redis.client ? new RedisPacingStore(redis) : new MemoryPacingStore()),
    },
  ],
  exports: [RedisConnection, RATE_LIMITER_STORE, RateGate],
})
export class ClusterModule {}
