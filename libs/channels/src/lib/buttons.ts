/** Splits buttons into the fewest rows of at most `max`, as evenly as possible (11 by 6: 6 + 5). */
export function buttonRows<T>(buttons: readonly T[], max: number): T[][] {
  if (buttons.length === 0) return [];
  const count = Math.ceil(buttons.length / max);
  const size = Math.ceil(buttons.length / count);
  const rows: T[][] = [];
  for (let i = 0; i < buttons.length; i += size) rows.push(buttons.slice(i, i + size));
  return rows;
}
