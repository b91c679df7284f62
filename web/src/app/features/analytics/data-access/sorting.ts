export type SortDir = 'asc' | 'desc';

export interface SortState<C extends string = string> {
  column: C;
  dir: SortDir;
}

/** Clicking the sorted column flips it; another column starts descending (biggest first), names ascending. */
export function nextSort<C extends string>(
  current: SortState<C>,
  column: C,
  textColumns: readonly C[] = [],
): SortState<C> {
  if (current.column === column) return { column, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { column, dir: textColumns.includes(column) ? 'asc' : 'desc' };
}

/** Sorts a copy; `null` values (no data) always go last, whatever the direction. */
export function sortRows<T>(
  rows: readonly T[],
  value: (row: T) => string | number | null,
  dir: SortDir,
  locale?: string,
): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === null && vb === null) return 0;
    if (va === null) return 1;
    if (vb === null) return -1;
    if (typeof va === 'string' || typeof vb === 'string') {
      return sign * String(va).localeCompare(String(vb), locale);
    }
    return sign * (va - vb);
  });
}

/** The `aria-sort` value of a header cell. */
export function ariaSort(state: SortState, column: string): 'ascending' | 'descending' | 'none' {
  if (state.column !== column) return 'none';
  return state.dir === 'asc' ? 'ascending' : 'descending';
}
