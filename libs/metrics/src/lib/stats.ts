/** Arithmetic mean; null for no values (a metric over nothing is "no data", never 0). */
export function average(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * The `p` quantile (0..1) with linear interpolation between closest ranks — exactly what
 * PostgreSQL's `percentile_cont(p)` returns, so the SQL and this reference agree.
 */
export function percentile(values: readonly number[], p: number): number | null {
  return percentileOfSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** `percentile` of values already sorted ascending (e.g. a sorted `Float64Array`). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export const median = (values: readonly number[]): number | null => percentile(values, 0.5);

/** `part ÷ whole`, null when the whole is zero. */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/**
 * Sums exact decimal strings ("125000.50") without floating-point drift: money is added in
 * integer units of its finest scale.
 */
export function sumDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => (v.split('.')[1] ?? '').length));
  let total = 0n;
  for (const value of values) {
    const negative = value.startsWith('-');
    const [whole, fraction = ''] = value.replace('-', '').split('.');
    const units =
      BigInt(whole || '0') * 10n ** BigInt(scale) + BigInt((fraction + '0'.repeat(scale)).slice(0, scale) || '0');
    total += negative ? -units : units;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

/** An exact decimal divided by a count, rounded half up to 2 decimals (`null` for no count). */
export function perCount(amount: string, count: number): string | null {
  if (count === 0) return null;
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  // In units of 1/1000 to round the cents half up.
  const milli = (BigInt(whole || '0') * 1000n + BigInt((fraction + '000').slice(0, 3))) / BigInt(count);
  const cents = (milli + 5n) / 10n;
  const text = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
  return negative && cents !== 0n ? `-${text}` : text;
}
