import { EventEmitter } from 'node:events';
import { PGlite } from '@electric-sql/pglite';

interface PgLikeResult {
  rows: unknown[];
  rowCount: number;
  command: string;
}

type QueryCallback = (err: Error | null, result?: PgLikeResult) => void;

/**
 * A `pg`-shaped driver over one embedded PGlite database, for TypeORM's postgres driver.
 *
 * PGlite has a single session, so a transaction must own it: `connect()` hands out the one
 * connection and the next caller waits until `release()`. This keeps TypeORM transactions
 * isolated on the embedded database (typeorm-pglite shares the session between them).
 * Code must therefore never query outside its transaction while holding one.
 */
export function createEmbeddedPgDriver(dataDir: string) {
  let db: Promise<PGlite> | null = null;
  const open = () => (db ??= PGlite.create(dataDir));

  class EmbeddedConnection extends EventEmitter {
    query(
      statement: string | { text: string; values?: unknown[] },
      params?: unknown[] | QueryCallback,
      callback?: QueryCallback,
    ): Promise<PgLikeResult> {
      // `pg`'s config-object form (named statements): PGlite has one session, the name is not needed.
      const sql = typeof statement === 'string' ? statement : statement.text;
      if (typeof statement !== 'string') params = statement.values ?? [];
      const cb = typeof params === 'function' ? params : callback;
      const values = Array.isArray(params) ? params : [];
      const run = async (): Promise<PgLikeResult> => {
        const pg = await open();
        const command = (/^\s*(\w+)/.exec(sql)?.[1] ?? '').toUpperCase();
        if (values.length === 0) {
          const results = await pg.exec(sql);
          const last = results[results.length - 1];
          return { rows: last?.rows ?? [], rowCount: last?.affectedRows ?? last?.rows.length ?? 0, command };
        }
        const result = await pg.query(sql, values.map(serializeParam));
        return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length, command };
      };
      const promise = run();
      if (cb)
        promise.then(
          (r) => cb(null, r),
          (e: Error) => cb(e),
        );
      return promise;
    }
  }

  class EmbeddedPool extends EventEmitter {
    private readonly connection = new EmbeddedConnection();
    private queue: Promise<void> = Promise.resolve();

    connect(callback: (err: Error | null, connection?: EmbeddedConnection, release?: () => void) => void): void {
      let release!: () => void;
      const released = new Promise<void>((resolveRelease) => (release = resolveRelease));
      const turn = this.queue;
      this.queue = turn.then(() => released);
      turn
        .then(() => open())
        .then(
          () => callback(null, this.connection, () => release()),
          (err: Error) => {
            release();
            callback(err);
          },
        );
    }

    query(sql: string, params?: unknown[] | QueryCallback, callback?: QueryCallback): void {
      this.connect((err, connection, release) => {
        const cb = typeof params === 'function' ? params : callback;
        if (err || !connection || !release) return cb?.(err ?? new Error('no connection'));
        connection
          .query(sql, Array.isArray(params) ? params : [])
          .then(
            (r) => cb?.(null, r),
            (e: Error) => cb?.(e),
          )
          .finally(release);
      });
    }

    end(callback?: (err?: Error | null) => void): void {
      const closing = db ? db.then((pg) => pg.close()) : Promise.resolve();
      db = null;
      closing.then(
        () => callback?.(null),
        (e: Error) => callback?.(e),
      );
    }
  }

  return { Pool: EmbeddedPool };
}

/** PGlite wants booleans and dates as values it can serialize; keep the rest as given. */
function serializeParam(value: unknown): unknown {
  if (value === true) return 'true';
  if (value === false) return 'false';
  return value;
}
