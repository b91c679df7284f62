/** A teammate who can be mentioned as `@Name`. */
export interface Mentionable {
  id: string;
  name: string;
}

const WORD = /[\p{L}\p{N}_]/u;

/**
 * The users a note mentions as `@Name` (case-insensitive; the name must end at a word boundary;
 * the longest name wins, so `@Anna Maria` is not also `@Anna`). Answers ids in order of first mention.
 */
export function parseMentions(text: string, users: readonly Mentionable[]): string[] {
  const candidates = users
    .filter((u) => u.name.trim())
    .map((u) => ({ id: u.id, name: u.name.trim().toLocaleLowerCase() }))
    .sort((a, b) => b.name.length - a.name.length);
  const lower = text.toLocaleLowerCase();
  const found: string[] = [];
  for (let at = lower.indexOf('@'); at !== -1; at = lower.indexOf('@', at + 1)) {
    if (at > 0 && WORD.test(lower[at - 1])) continue; // an e-mail address, not a mention
    const rest = lower.slice(at + 1);
    const user = candidates.find((c) => rest.startsWith(c.name) && !WORD.test(rest.charAt(c.name.length)));
    if (user && !found.includes(user.id)) found.push(user.id);
  }
  return found;
}
