import type { DataSource } from 'typeorm';
import { isSealed, SecretBox } from '../common/secret-box';
import { SEALED_COLUMNS } from './sealed-columns';
import { SecretsRepository } from './secrets.repository';

export class KeyRotationError extends Error {}

export interface RotationResult {
  /** Values now sealed with the new key that were sealed with the old one (or stored plain). */
  rotated: number;
  /** Values already sealed with the new key (a server running with the new key wrote them). */
  alreadyNew: number;
}

/**
 * Re-seals every sealed value (SEALED_COLUMNS) from the old key to the new one, in one transaction
 * holding the rows: either every value opens with the new key afterwards, or nothing changed.
 * Values the new key already opens are left as they are, so the rotation can run while servers
 * started with the new key and `ONEBOX_SECRET_KEY_OLD` are writing.
 */
export async function rotateSealedValues(db: DataSource, oldKey: string, newKey: string): Promise<RotationResult> {
  if (oldKey === newKey) throw new KeyRotationError('The new key is the old key: nothing to rotate');
  const repository = new SecretsRepository(db);
  return db.transaction(async (tx) => {
    const result: RotationResult = { rotated: 0, alreadyNew: 0 };
    for (const column of SEALED_COLUMNS) {
      const from = new SecretBox(oldKey, column.purpose);
      const to = new SecretBox(newKey, column.purpose);
      for (const { id, value } of await repository.values(column, tx, true)) {
        if (isSealed(value) && to.canOpen(value)) {
          result.alreadyNew++;
          continue;
        }
        let plain: string;
        if (!isSealed(value) && column.plainAllowed) plain = value;
        else if (isSealed(value) && from.canOpen(value)) plain = from.open(value);
        else {
          throw new KeyRotationError(
            `${column.table}.${column.column} of ${id} opens with neither the old nor the new key: nothing was changed`,
          );
        }
        await repository.replace(column, id, value, to.seal(plain), tx);
        result.rotated++;
      }
    }
    return result;
  });
}
