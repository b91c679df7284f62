import { SecretBox } from './secret-box';

const SECRET = 'a-test-secret-that-is-at-least-32-chars-long';

/** Replaces one character of `part` (of the sealed value's dot-separated parts) so its bytes change. */
function tamper(sealed: string, part: number, at = 0): string {
  const parts = sealed.split('.');
  const chars = [...parts[part]];
  chars[at] = chars[at] === 'A' ? 'B' : 'A';
  parts[part] = chars.join('');
  return parts.join('.');
}

describe(SecretBox.name, () => {
  const box = new SecretBox(SECRET);

  it('opens what it sealed', () => {
    const plain = '{"botToken":"123:ABC","émoji":"🔑"}';
    expect(box.open(box.seal(plain))).toBe(plain);
  });

  it('round-trips an empty string', () => {
    expect(box.open(box.seal(''))).toBe('');
  });

  it('seals as v1.<iv>.<tag>.<ciphertext> without the plaintext in it', () => {
    const sealed = box.seal('super-secret-token');
    const [version, iv, tag, data] = sealed.split('.');
    expect(version).toBe('v1');
    expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(16);
    expect(Buffer.from(data, 'base64url')).toHaveLength('super-secret-token'.length);
    expect(sealed).not.toContain('super-secret-token');
  });

  it('uses a fresh IV each time, so equal plaintexts seal differently', () => {
    const a = box.seal('same');
    const b = box.seal('same');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(box.open(a)).toBe('same');
    expect(box.open(b)).toBe('same');
  });

  it.each([
    ['iv', 1],
    ['auth tag', 2],
    ['ciphertext', 3],
  ])('refuses a value whose %s was changed', (_, part) => {
    const sealed = box.seal('credentials');
    expect(() => box.open(tamper(sealed, part as number))).toThrow();
  });

  it('refuses a value sealed under another secret', () => {
    const other = new SecretBox('another-secret-that-is-also-32-chars-or-more');
    expect(() => other.open(box.seal('credentials'))).toThrow();
  });

  it('refuses a value sealed for another purpose with the same secret', () => {
    const jwtBox = new SecretBox(SECRET, 'onebox/jwt');
    expect(() => jwtBox.open(box.seal('credentials'))).toThrow();
  });

  it.each(['', 'v1', 'v1.a.b', 'v2.a.b.c', 'not a sealed value'])('refuses the malformed value %p', (value) => {
    expect(() => box.open(value)).toThrow('Unrecognised sealed value');
  });

  it('refuses a value whose auth tag was truncated (e.g. to 4 bytes)', () => {
    const parts = box.seal('secret').split('.');
    parts[2] = Buffer.from(parts[2], 'base64url').subarray(0, 4).toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });

  it('draws new secrets sealed, and opens stored secrets sealed or (from before sealing) plain', () => {
    const { secret, sealed } = box.newSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(sealed).not.toContain(secret);
    expect(box.openSecret(sealed)).toBe(secret);
    expect(box.openSecret('plain-legacy-secret')).toBe('plain-legacy-secret');
    expect(box.newSecret().secret).not.toBe(secret);
  });

  describe('key rotation', () => {
    const NEW = 'the-next-secret-key-also-32-chars-or-more';

    it('opens values of the previous key while it is given, and seals with the current one only', () => {
      const old = box.seal('token');
      const rotating = new SecretBox(NEW, undefined, SECRET);
      expect(rotating.open(old)).toBe('token');
      const fresh = rotating.seal('token');
      expect(new SecretBox(NEW).open(fresh)).toBe('token');
      expect(() => box.open(fresh)).toThrow();
    });

    it('refuses values of the previous key once it is no longer given', () => {
      expect(() => new SecretBox(NEW).open(box.seal('token'))).toThrow();
    });

    it('keeps purposes apart: a value sealed for one purpose does not open for another', () => {
      expect(() => new SecretBox(SECRET, 'onebox/crm').open(box.seal('token'))).toThrow();
    });
  });
});
