/** The text search configuration: Cyrillic words get the Russian stemmer, Latin words the English one. */
export const FTS_CONFIG = 'russian';

/** The indexed expression (must match `messages_fts_idx` exactly for the index to be used). */
export function messageVector(alias: string): string {
  return `to_tsvector('${FTS_CONFIG}'::regconfig, ${alias}.text)`;
}

/**
 * A `to_tsquery` input for what a user typed: every word (letters and digits only, so nothing
 * of tsquery's syntax gets through) as a stemmed prefix, all required — «достав» finds
 * «доставка», "ship" finds "shipping". Null when nothing searchable was typed.
 */
export function prefixTsQuery(q: string): string | null {
  const words = (
    q
      .toLowerCase()
      .replace(/ё/g, 'е')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).slice(0, 8);
  return words.length ? words.map((w) => `${w}:*`).join(' & ') : null;
}

/** The digits of a phone-like query (3+ digits), to match stored phones whatever their punctuation. */
export function phoneDigits(q: string): string | null {
  if (!/^[\d\s()+\-.]+$/.test(q.trim())) return null;
  const digits = q.replace(/\D/g, '');
  return digits.length >= 3 ? digits : null;
}

/** `LIKE` pattern for a substring, with `%`, `_` and `\` taken literally. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
