/**
 * RFC 4180 CSV with a UTF-8 BOM (Excel reads Cyrillic right). Cells that a spreadsheet would
 * run as a formula (`=`, `+`, `-`, `@`, tab, CR at the start) are prefixed with `'`: customer
 * names are untrusted.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(cell).join(','));
  return '\ufeff' + lines.join('\r\n') + '\r\n';
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
