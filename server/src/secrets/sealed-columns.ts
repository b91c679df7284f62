import { SEAL_PURPOSES } from '../common/secret-box';

/** A column holding values sealed with the secret key (SecretBox). */
export interface SealedColumn {
  table: 'channels' | 'crm_connections';
  column: 'credentials_enc' | 'settings_enc' | 'webhook_secret';
  /** The HKDF purpose its values are sealed for. */
  purpose: string;
  /** Rows written before webhook secrets were sealed hold them plain; they are sealed on sight. */
  plainAllowed: boolean;
}

/**
 * Every sealed value in the database. A new column of secrets belongs here: key rotation and the
 * start-up key check cover exactly these (and the secrets-at-rest test fails for one left plain).
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'channels', column: 'credentials_enc', purpose: SEAL_PURPOSES.channels, plainAllowed: false },
  { table: 'channels', column: 'webhook_secret', purpose: SEAL_PURPOSES.channels, plainAllowed: true },
  { table: 'crm_connections', column: 'settings_enc', purpose: SEAL_PURPOSES.crm, plainAllowed: false },
  { table: 'crm_connections', column: 'webhook_secret', purpose: SEAL_PURPOSES.crm, plainAllowed: true },
];
