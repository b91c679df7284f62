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
});
