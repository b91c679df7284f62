import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config';

/**
 * The Redis that several server processes share (`REDIS_URL`), or none: one process keeps its
 * socket rooms and limits in memory. Every key and pub/sub channel starts with `redisPrefix`.
 * Closed last on shutdown (its module outlives the app's providers), after jobs have finished.
 */
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly extra: Redis[] = [];

  private constructor(
    /** Commands (limits, the socket.io adapter's publishing); null without REDIS_URL. */
    readonly client: Redis | null,
    private readonly prefix: string,
  ) {}

  /** Connects at boot, so a wrong REDIS_URL stops the server with a clear message instead of hanging requests. */
  static async open(config: Pick<AppConfig, 'redisUrl' | 'redisPrefix'>): Promise<RedisConnection> {
    if (!config.redisUrl) return new RedisConnection(null, config.redisPrefix);
    const client = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 });
    const connection = new RedisConnection(client, config.redisPrefix);
    client.on('error', (err: Error) => connection.logger.warn(`Redis: ${err.message}`));
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw new Error(`Cannot reach Redis at REDIS_URL: ${(err as Error).message}`);
    }
    return connection;
  }

  /** A key (or channel) name of this deployment: `<prefix>:<parts…>`. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** One more connection (a subscriber cannot run commands), closed with this one. */
  duplicate(options: RedisOptions = {}): Redis {
    if (!this.client) throw new Error('Redis is not configured');
    const copy = this.client.duplicate(options);
    copy.on('error', (err: Error) => this.logger.warn(`Redis: ${err.message}`));
    this.extra.push(copy);
    return copy;
  }

  /** Runs a Lua script by its digest, loading it on first use (EVALSHA, then EVAL on NOSCRIPT). */
  async script(source: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    if (!this.client) throw new Error('Redis is not configured');
    const sha = digests.get(source) ?? createHash('sha1').update(source).digest('hex');
    digests.set(source, sha);
    try {
      return await this.client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!/NOSCRIPT/.test((err as Error).message)) throw err;
      return this.client.eval(source, keys.length, ...keys, ...args);
    }
  }

  /** For readiness checks: true when Redis answers (or is not used). */
  async ping(): Promise<boolean> {
    if (!this.client) return true;
    return (await this.client.ping().catch(() => null)) === 'PONG';
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [...this.extra, ...(this.client ? [this.client] : [])].map((c) => c.quit().catch(() => c.disconnect())),
    );
  }
}

const digests = new Map<string, string>();
