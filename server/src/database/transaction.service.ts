import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Db } from './database';

/** Runs work in one database transaction; every repository call inside must use the given `tx`. */
@Injectable()
export class TransactionService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** A transaction that also holds a cluster-wide advisory lock named `name` (one holder at a time). */
  runExclusive<T>(name: string, work: (tx: Db) => Promise<T>): Promise<T> {
    return this.run(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
      return work(tx);
    });
  }
}
