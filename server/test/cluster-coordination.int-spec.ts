import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MemoryPacingStore } from '../src/cluster/memory-pacing.store';
import { MemoryRateLimiterStore } from '../src/cluster/memory-rate-limiter.store';
import type { PacingStore } from '../src/cluster/pacing-store';
import type { RateLimiterStore } from '../src/cluster/rate-limiter-store';
import { RedisConnection } from '../src/cluster/redis-connection';
import { RedisPacingStore } from '../src/cluster/redis-pacing.store';
import { RedisRateLimiterStore } from '../src/cluster/redis-rate-limiter.store';
import { ChannelsRepository } from '../src/channels/channels.repository';
import { openDatabase } from '../src/database/database';
import { JobsRepository } from '../src/jobs/jobs.repository';
import { ownDatabase } from './test-app';

jest.setTimeout(30_000);
Logger.overrideLogger(false);

const REDIS_URL = process.env['TEST_REDIS_URL'] || 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What keeps several server processes in step: the limit stores (two Redis connections stand for
 * two processes), job claims and polling leases on one PostgreSQL database.
 */
describe('coordination between server processes', () => {
  const prefix = `onebox-test-${process.pid}-${Date.now()}`;
  let redisA: RedisConnection;
  let redisB: RedisConnection;

  beforeAll(async () => {
    [redisA, redisB] = await Promise.all([
      RedisConnection.open({ redisUrl: REDIS_URL, redisPrefix: prefix }),
      RedisConnection.open({ redisUrl: REDIS_URL, redisPrefix: prefix }),
    ]);
  });

  afterAll(async () => {
    const keys = await redisA.client!.keys(`${prefix}:*`);
    if (keys.length) await redisA.client!.del(...keys);
    await Promise.all([redisA.onApplicationShutdown(), redisB.onApplicationShutdown()]);
  });

  describe.each([
    ['memory', () => new MemoryRateLimiterStore()],
    ['Redis', () => new RedisRateLimiterStore(redisA)],
  ])('RateLimiterStore in %s', (_kind, make: () => RateLimiterStore) => {
    let store: RateLimiterStore;
    let key: string;
    beforeEach(() => {
      store = make();
      key = `spec:${Math.random()}`;
    });

    it('counts hits up to the maximum, then answers the wait without counting', async () => {
      expect(await store.hit(key, 10_000, 2)).toBe(0);
      expect(await store.hit(key, 10_000, 2)).toBe(0);
      const wait = await store.hit(key, 10_000, 2);
      expect(wait).toBeGreaterThan(9_000);
      expect(wait).toBeLessThanOrEqual(10_000);
      expect(await store.check(key, 10_000, 3)).toBe(0); // the refused hit was not counted
    });

    it('checks without counting', async () => {
      for (let i = 0; i < 5; i++) expect(await store.check(key, 10_000, 1)).toBe(0);
      expect(await store.hit(key, 10_000, 1)).toBe(0);
      expect(await store.check(key, 10_000, 1)).toBeGreaterThan(0);
    });

    it('slides the window', async () => {
      expect(await store.hit(key, 300, 1)).toBe(0);
      expect(await store.hit(key, 300, 1)).toBeGreaterThan(0);
      await sleep(350);
      expect(await store.hit(key, 300, 1)).toBe(0);
    });

    it('forgets a key on reset, and keeps keys apart', async () => {
      await store.hit(key, 10_000, 1);
      await store.hit(`${key}:other`, 10_000, 1);
      await store.reset(key);
      expect(await store.check(key, 10_000, 1)).toBe(0);
      expect(await store.check(`${key}:other`, 10_000, 1)).toBeGreaterThan(0);
    });
  });

  it('lets no more than the maximum through when two processes hit one key at once', async () => {
    const a = new RedisRateLimiterStore(redisA);
    const b = new RedisRateLimiterStore(redisB);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit('spec:race', 60_000, 7)),
    );
    expect(answers.filter((w) => w === 0)).toHaveLength(7);
  });

  describe.each([
    ['memory', () => new MemoryPacingStore()],
    ['Redis', () => new RedisPacingStore(redisA)],
  ])('PacingStore in %s', (_kind, make: () => PacingStore) => {
    it('gives consecutive slots one interval apart, and none once they have passed', async () => {
      const store = make();
      const key = `spec:${Math.random()}`;
      const waits = await Promise.all([1, 2, 3].map(() => store.reserve(key, 100)));
      expect(waits[0]).toBe(0);
      expect(waits[1]).toBeGreaterThan(80);
      expect(waits[1]).toBeLessThanOrEqual(100);
      expect(waits[2]).toBeGreaterThan(180);
      await sleep(320);
      expect(await store.reserve(key, 100)).toBe(0);
    });
  });

  it('spaces the turns of two processes on one schedule (1000/30 ms kept exactly)', async () => {
    const a = new RedisPacingStore(redisA);
    const b = new RedisPacingStore(redisB);
    const waits = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).reserve('spec:bot', 1000 / 30)),
    );
    const sorted = [...waits].sort((x, y) => x - y);
    // 30 turns of one schedule: the last waits about 29/30 s, whichever process asked.
    expect(sorted[29]).toBeGreaterThan(900);
    expect(sorted[29]).toBeLessThanOrEqual(967);
    for (let i = 1; i < 30; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThan(25);
  });

  describe('on one PostgreSQL database', () => {
    let database: { url: string; drop(): Promise<void> };
    let dbA: DataSource;
    let dbB: DataSource;

    beforeAll(async () => {
      database = await ownDatabase();
      dbA = await openDatabase({ databaseUrl: database.url, dataDir: '' });
      dbB = await openDatabase({ databaseUrl: database.url, dataDir: '' });
    });

    afterAll(async () => {
      await Promise.all([dbA?.destroy(), dbB?.destroy()]);
      await database?.drop();
    });

    it('hands each job to one of two workers claiming at once', async () => {
      const jobsA = new JobsRepository(dbA);
      const jobsB = new JobsRepository(dbB);
      const ids: string[] = [];
      for (let i = 0; i < 300; i++) {
        const [row] = await dbA.query(
          `INSERT INTO jobs (workspace_id, queue, payload, max_attempts) VALUES (NULL, 'spec', $1, 3) RETURNING id`,
          [JSON.stringify({ i })],
        );
        ids.push(row.id);
      }
      const claimed: { by: string; id: string }[] = [];
      const worker = async (name: string, jobs: JobsRepository) => {
        for (;;) {
          const batch = await jobs.claim(['spec'], 7);
          if (!batch.length) return;
          for (const job of batch) {
            claimed.push({ by: name, id: job.id });
            await jobs.complete(job.id);
          }
        }
      };
      await Promise.all([worker('a', jobsA), worker('b', jobsB), worker('a2', jobsA), worker('b2', jobsB)]);

      expect(claimed.map((c) => c.id).sort()).toEqual([...ids].sort());
      expect(new Set(claimed.filter((c) => c.by.startsWith('a')).map((c) => c.id)).size).toBeGreaterThan(0);
      expect(new Set(claimed.filter((c) => c.by.startsWith('b')).map((c) => c.id)).size).toBeGreaterThan(0);
      const [{ n }] = await dbA.query(`SELECT count(*)::int AS n FROM jobs WHERE queue = 'spec' AND attempts <> 1`);
      expect(n).toBe(0);
    });

    it('gives a job whose lease ran out (its process died) to another worker', async () => {
      const jobsA = new JobsRepository(dbA);
      const jobsB = new JobsRepository(dbB);
      await dbA.query(`INSERT INTO jobs (workspace_id, queue, payload) VALUES (NULL, 'spec-lease', '{}')`);
      const [taken] = await jobsA.claim(['spec-lease'], 1);
      expect(await jobsB.claim(['spec-lease'], 1)).toEqual([]);

      await dbA.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [taken.id]);
      expect((await jobsB.claim(['spec-lease'], 1)).map((j) => [j.id, j.attempts])).toEqual([[taken.id, 2]]);
    });

    it('lets one process poll a channel; one whose lease lapsed cannot renew it or save its cursor', async () => {
      const [workspace] = await dbA.query(`INSERT INTO workspaces (name) VALUES ('Poll') RETURNING id`);
      const [channel] = await dbA.query(
        `INSERT INTO channels (workspace_id, type, name, webhook_secret, settings)
         VALUES ($1, 'telegram', 'Bot', 's', '{"mode":"polling"}') RETURNING id`,
        [workspace.id],
      );
      const channelsA = new ChannelsRepository(dbA);
      const channelsB = new ChannelsRepository(dbB);
      const A = '00000000-0000-4000-8000-00000000000a';
      const B = '00000000-0000-4000-8000-00000000000b';

      const [claimedA, claimedB] = await Promise.all([channelsA.claimPolling(A, 60), channelsB.claimPolling(B, 60)]);
      expect([...claimedA, ...claimedB].map((c) => c.id)).toEqual([channel.id]);
      const [first, second] = claimedA.length ? [A, B] : [B, A];
      expect(await channelsA.renewPollLease(channel.id, first, '10', 60)).toBe(true);

      // The first process stalls past its lease; the second takes the channel over.
      await dbA.query(`UPDATE channels SET poll_locked_until = now() - interval '1 second' WHERE id = $1`, [
        channel.id,
      ]);
      expect((await channelsB.claimPolling(second, 60)).map((c) => [c.id, c.poll_cursor])).toEqual([
        [channel.id, '10'],
      ]);
      expect(await channelsA.renewPollLease(channel.id, first, '5', 60)).toBe(false);
      await channelsA.releasePollLease(channel.id, first);
      expect(await channelsB.renewPollLease(channel.id, second, '12', 60)).toBe(true);

      const [row] = await dbA.query(
        `SELECT poll_cursor, poll_owner, poll_locked_until > now() AS leased FROM channels WHERE id = $1`,
        [channel.id],
      );
      expect(row).toEqual({ poll_cursor: '12', poll_owner: second, leased: true });
    });
  });
});
