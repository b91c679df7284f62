import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What each sealed column is sealed for (the HKDF purpose of its key). */
export const SEAL_PURPOSES = { channels: 'onebox/credentials', crm: 'onebox/crm' } as const;

/**
 * AES-256-GCM for credentials at rest. The key is derived from ONEBOX_SECRET_KEY with HKDF so the
 * same secret can also feed other purposes (JWT signing) without reusing key material.
 * Format: `v1.<iv>.<tag>.<ciphertext>` (base64url parts). During a key rotation the previous key
 * (ONEBOX_SECRET_KEY_OLD) still opens what it sealed; new values are always sealed with the current key.
 */
export class SecretBox {
  private readonly key: Buffer;
  private readonly previous: Buffer | null;

  constructor(secret: string, purpose: string = SEAL_PURPOSES.channels, previousSecret: string | null = null) {
    this.key = deriveKey(secret, purpose);
    this.previous = previousSecret ? deriveKey(previousSecret, purpose) : null;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** A new random secret (24 bytes, base64url), and its sealed form to store. */
  newSecret(): { secret: string; sealed: string } {
    const secret = randomBytes(24).toString('base64url');
    return { secret, sealed: this.seal(secret) };
  }

  /** A stored secret in clear: sealed ones are opened, plain ones (stored before sealing began) kept. */
  openSecret(stored: string): string {
    return isSealed(stored) ? this.open(stored) : stored;
  }

  /** Whether `open` succeeds (with the current or the previous key). */
  canOpen(sealed: string): boolean {
    try {
      this.open(sealed);
      return true;
    } catch {
      return false;
    }
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('Unrecognised sealed value');
    try {
      return openWith(this.key, iv, tag, data);
    } catch (err) {
      if (!this.previous) throw err;
      return openWith(this.previous, iv, tag, data);
    }
  }
}

/** Whether a stored value is sealed (values stored before sealing began are plain). */
export function isSealed(value: string): boolean {
  return value.startsWith('v1.');
}

function openWith(key: Buffer, iv: string, tag: string, data: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'onebox', purpose, 32));
}
