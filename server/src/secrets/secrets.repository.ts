import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';
import type { SealedColumn } from './sealed-columns';

export interface SealedValue {
  id: string;
  value: string;
}

/** Reads and rewrites the sealed columns (SEALED_COLUMNS), whatever table they are in. */
@Injectable()
export class SecretsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** Every non-null value of the column; `lock` holds the rows until the transaction ends. */
  values(column: SealedColumn, tx: Db = this.db.manager, lock = false): Promise<SealedValue[]> {
    return tx.query(
      `SELECT id, ${column.column} AS value FROM ${column.table} WHERE ${column.column} IS NOT NULL ORDER BY id${lock ? ' FOR UPDATE' : ''}`,
    );
  }

  /** Replaces one value if it is still `from` (another process may have got there first). */
  async replace(
    column: SealedColumn,
    id: string,
    from: string,
    to: string,
    tx: Db = this.db.manager,
  ): Promise<boolean> {
    const rows = returnedRows<{ id: string }>(
      await tx.query(
        `UPDATE ${column.table} SET ${column.column} = $3 WHERE id = $1 AND ${column.column} = $2 RETURNING id`,
        [id, from, to],
      ),
    );
    return rows.length === 1;
  }
}
