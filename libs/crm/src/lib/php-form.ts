export type PhpValue = string | PhpValue[] | { [key: string]: PhpValue };

/**
 * Parses `application/x-www-form-urlencoded` text with PHP bracket keys the way PHP fills `$_POST`:
 * `data[FIELDS][ID]=759` → `{data:{FIELDS:{ID:'759'}}}`, `a[]=1&a[]=2` → `{a:['1','2']}`.
 * Bitrix24 sends its events this way (and `qs` is not a dependency here).
 */
export function parsePhpForm(text: string): Record<string, PhpValue> {
  // Null-prototype objects, and keys that name prototypes dropped: a body can't pollute anything.
  const root: Record<string, PhpValue> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const path = splitKey(key);
    if (!path || path.some((segment) => FORBIDDEN.has(segment))) continue;
    let node: Record<string, PhpValue> | PhpValue[] = root;
    for (let i = 0; i < path.length; i++) {
      const last = i === path.length - 1;
      let segment: string | number = path[i];
      if (segment === '') segment = Array.isArray(node) ? node.length : nextIndex(node);
      if (last) {
        setChild(node, segment, value);
        break;
      }
      let child = getChild(node, segment);
      if (typeof child !== 'object' || child === null) {
        child = path[i + 1] === '' ? [] : (Object.create(null) as Record<string, PhpValue>);
        setChild(node, segment, child);
      }
      node = child as Record<string, PhpValue> | PhpValue[];
    }
  }
  return root;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** `a[b][c]` → `['a','b','c']`; a key without brackets is one segment. */
function splitKey(key: string): string[] | null {
  const open = key.indexOf('[');
  if (open <= 0) return key ? [key] : null;
  const path = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^\]]*)\]/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = re.exec(rest))) {
    path.push(match[1]);
    consumed = re.lastIndex;
  }
  // PHP keeps malformed trailing text out of the path; ignore it the same way.
  return consumed > 0 ? path : [key];
}

function nextIndex(node: Record<string, PhpValue>): number {
  const numeric = Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .map(Number);
  return numeric.length ? Math.max(...numeric) + 1 : 0;
}

function getChild(node: Record<string, PhpValue> | PhpValue[], key: string | number): PhpValue | undefined {
  return Array.isArray(node) ? node[Number(key)] : node[String(key)];
}

function setChild(node: Record<string, PhpValue> | PhpValue[], key: string | number, value: PhpValue): void {
  if (Array.isArray(node) && /^\d+$/.test(String(key))) node[Number(key)] = value;
  else if (Array.isArray(node)) (node as unknown as Record<string, PhpValue>)[String(key)] = value;
  else node[String(key)] = value;
}
