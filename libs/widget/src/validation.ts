/** Upload rules; the server enforces the same ones, these only save the visitor a wasted upload. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

const ALLOWED_TYPES: Record<string, string[]> = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt'],
  'application/msword': ['doc'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
};

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

/** Value for the file input's `accept`. */
export const ACCEPT = Object.keys(ALLOWED_TYPES)
  .concat(...Object.values(ALLOWED_TYPES).map((exts) => exts.map((e) => '.' + e)))
  .join(',');

/** The declared type, or the one its extension implies (browsers leave `type` empty for some files). */
export function mimeTypeOf(file: { name: string; type: string }): string {
  if (file.type) return file.type;
  const ext = (file.name.split('.').pop() ?? '').toLowerCase();
  return Object.keys(ALLOWED_TYPES).find((type) => ALLOWED_TYPES[type].includes(ext)) ?? '';
}

export type FileProblem = 'fileType' | 'fileTooLarge';

/**
 * Checks type and size. Browsers leave `type` empty for some files (often .doc/.xls on Windows),
 * so an empty type is judged by the extension; a declared type must be allowed and match it.
 */
export function checkFile(file: { name: string; type: string; size: number }): FileProblem | null {
  const ext = (file.name.split('.').pop() ?? '').toLowerCase();
  if (!(ALLOWED_TYPES[mimeTypeOf(file)] ?? []).includes(ext)) return 'fileType';
  if (file.size > MAX_FILE_BYTES) return 'fileTooLarge';
  return null;
}

export type ContactProblem = 'contactRequired' | 'emailInvalid' | 'phoneInvalid';
export type Contact = { email: string } | { phone: string };

/** One "email or phone" field: anything with "@" must be an email, anything else a phone of 7–15 digits. */
export function parseContact(raw: string): Contact | ContactProblem {
  const value = raw.trim();
  if (!value) return 'contactRequired';
  if (value.includes('@')) {
    return /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(value) ? { email: value } : 'emailInvalid';
  }
  if (!/^\+?[\d\s\-().]+$/.test(value)) return 'phoneInvalid';
  const digits = value.replace(/\D/g, '');
  return digits.length >= 7 && digits.length <= 15
    ? { phone: (value.startsWith('+') ? '+' : '') + digits }
    : 'phoneInvalid';
}

/** Attachment links only to http(s) or to our own server (root-relative paths, prefixed with its origin). */
export function safeUrl(url: string, origin: string): string | null {
  if (/^https?:\/\//i.test(url)) return url;
  if (url.startsWith('/')) return origin + url;
  return null;
}
