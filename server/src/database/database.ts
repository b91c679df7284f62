import { Logger } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { createEmbeddedPgDriver } from './embedded-pg-pool';
import { InitialSchema1732200000000 } from './migrations/1732200000000-initial-schema';
import { MessengerChannels1732300000000 } from './migrations/1732300000000-messenger-channels';
import { LeanIngest1732400000000 } from './migrations/1732400000000-lean-ingest';
import { Crm1732500000000 } from './migrations/1732500000000-crm';
import { LastMessageAuthor1732600000000 } from './migrations/1732600000000-last-message-author';
import { CrmOAuth1732700000000 } from './migrations/1732700000000-crm-oauth';
import { TagsCanned1732800000000 } from './migrations/1732800000000-tags-canned';
import { Routing1732900000000 } from './migrations/1732900000000-routing';
import { Timers1733000000000 } from './migrations/1733000000000-timers';
import { SurveysProactive1733100000000 } from './migrations/1733100000000-surveys-proactive';
import { BotSearchNotes1733200000000 } from './migrations/1733200000000-bot-search-notes';
import { Analytics1733300000000 } from './migrations/1733300000000-analytics';
import { PollLeaseOwner1733430000000 } from './migrations/1733430000000-poll-lease-owner';
import { BusinessHours1733450000000 } from './migrations/1733450000000-business-hours';
import { AnalyticsIndexes1733460000000 } from './migrations/1733460000000-analytics-indexes';
import { AnalyticsSettled1733470000000 } from './migrations/1733470000000-analytics-settled';
import { Lifecycle1733400000000 } from './migrations/1733400000000-lifecycle';
import { CrmDegraded1733440000000 } from './migrations/1733440000000-crm-degraded';
import { TokenVersion1733410000000 } from './migrations/1733410000000-token-version';

/** A query surface: the data source's manager, or a transaction's. Repositories accept either. */
export type Db = EntityManager;

export const MIGRATIONS = [
  InitialSchema1732200000000,
  MessengerChannels1732300000000,
  LeanIngest1732400000000,
  Crm1732500000000,
  LastMessageAuthor1732600000000,
  CrmOAuth1732700000000,
  TagsCanned1732800000000,
  Routing1732900000000,
  Timers1733000000000,
  SurveysProactive1733100000000,
  BotSearchNotes1733200000000,
  Analytics1733300000000,
  PollLeaseOwner1733430000000,
  BusinessHours1733450000000,
  AnalyticsIndexes1733460000000,
  AnalyticsSettled1733470000000,
  Lifecycle1733400000000,
  CrmDegraded1733440000000,
  TokenVersion1733410000000,
];

/** Opens PostgreSQL (DATABASE_URL) or the embedded PGlite database, then applies pending migrations. */
export async function openDatabase(config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>): Promise<DataSource> {
  const common = { type: 'postgres' as const, migrations: MIGRATIONS, synchronize: false, logging: false };
  let dataSource: DataSource;
  if (config.databaseUrl) {
    dataSource = new DataSource({ ...common, url: config.databaseUrl, poolSize: 10 });
  } else {
    const dir = join(config.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    dataSource = new DataSource({ ...common, driver: createEmbeddedPgDriver(dir), poolSize: 1 });
  }
  await dataSource.initialize();
  const applied = config.databaseUrl
    ? await withSessionLock(dataSource, 'onebox:migrations', () => dataSource.runMigrations({ transaction: 'each' }))
    : await dataSource.runMigrations({ transaction: 'each' });
  if (applied.length) new Logger('Database').log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  return dataSource;
}

/** Holds a PostgreSQL advisory lock on a connection of its own while `work` runs: one process migrates at a time. */
async function withSessionLock<T>(dataSource: DataSource, name: string, work: () => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    return await work();
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
    await runner.release();
  }
}

/** TypeORM answers UPDATE/DELETE with `[rows, affected]` and other statements with `rows`. */
export function returnedRows<T>(result: T[] | [T[], number]): T[] {
  return result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number'
    ? (result[0] as T[])
    : (result as T[]);
}

interface RawConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a statement as a named prepared statement on the transaction's own connection, so
 * PostgreSQL plans it once per connection instead of on every call: for the few statements on
 * the ingest hot path. Outside a transaction it falls back to a plain query.
 */
export async function preparedQuery<T>(tx: Db, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = tx.queryRunner;
  if (!runner || runner.isReleased) return tx.query(text, values);
  const connection = (await (runner as unknown as { connect(): Promise<RawConnection> }).connect()) as RawConnection;
  const result = await connection.query({ name, text, values });
  return result.rows as T[];
}

/** `preparedQuery` for a single statement outside any transaction: on a pooled connection of its own. */
export async function preparedStatement<T>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return await preparedQuery<T>(runner.manager, name, text, values);
  } finally {
    await runner.release();
  }
}
