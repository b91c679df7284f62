import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDatabase } from '../database/database';
import { KeyRotationError, rotateSealedValues } from './key-rotation';

/**
 * `npm run rotate-key`: re-seals every stored secret (channel credentials, CRM settings, webhook
 * secrets) with a new key, in one transaction.
 *
 * - PostgreSQL (`DATABASE_URL`): `ONEBOX_SECRET_KEY_OLD` is the key in use, `ONEBOX_SECRET_KEY`
 *   the new one; start the servers with the new key afterwards.
 * - Embedded database (no `DATABASE_URL`; stop the server first): the old key is the key file under
 *   `ONEBOX_DATA_DIR` unless `ONEBOX_SECRET_KEY_OLD` is given, and a new random key replaces the
 *   file after the commit unless `ONEBOX_SECRET_KEY` gives one.
 *
 * Answers what it did; throws KeyRotationError (nothing changed) when a value opens with neither key.
 */
export async function rotateKey(env: NodeJS.ProcessEnv): Promise<string> {
  const databaseUrl = env['DATABASE_URL'] || null;
  const dataDir = resolve(env['ONEBOX_DATA_DIR'] || '.onebox');
  const keyFile = join(dataDir, 'secret.key');
  const fromFile = !databaseUrl && !env['ONEBOX_SECRET_KEY_OLD'] && existsSync(keyFile);
  const oldKey = env['ONEBOX_SECRET_KEY_OLD'] || (fromFile ? readFileSync(keyFile, 'utf8').trim() : '');
  const writesFile = !databaseUrl && !env['ONEBOX_SECRET_KEY'];
  const newKey = env['ONEBOX_SECRET_KEY'] || (writesFile ? randomBytes(32).toString('base64url') : '');
  const problems: string[] = [];
  if (!oldKey) problems.push('ONEBOX_SECRET_KEY_OLD (the key in use) is required');
  if (!newKey) problems.push('ONEBOX_SECRET_KEY (the new key) is required with DATABASE_URL');
  else if (newKey.length < 32) problems.push('ONEBOX_SECRET_KEY must be at least 32 characters');
  if (problems.length) throw new KeyRotationError(problems.join('; '));

  // The new key is on disk before the commit, so a crash in between loses nothing.
  if (writesFile) writeFileSync(`${keyFile}.new`, newKey, { mode: 0o600 });
  const db = await openDatabase({ databaseUrl, dataDir });
  try {
    const { rotated, alreadyNew } = await rotateSealedValues(db, oldKey, newKey);
    if (writesFile) renameSync(`${keyFile}.new`, keyFile);
    const where = writesFile ? `; the new key is in ${keyFile}` : '; start the servers with the new ONEBOX_SECRET_KEY';
    return `Re-sealed ${rotated} secrets with the new key (${alreadyNew} already were)${where}.`;
  } catch (err) {
    if (writesFile) rmSync(`${keyFile}.new`, { force: true });
    throw err;
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  rotateKey(process.env).then(
    (message) => console.log(message),
    (err: Error) => {
      console.error(err instanceof KeyRotationError ? `Key rotation failed: ${err.message}` : err);
      process.exit(1);
    },
  );
}
