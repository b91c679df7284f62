import type { BotRule, BotSettings } from '@onebox/contracts';

/** What the bot does with one customer message. */
export type BotDecision = { kind: 'handoff' } | { kind: 'answer'; rule: BotRule } | { kind: 'fallback' };

// Longest first: the first ending that leaves a stem of 3+ letters is cut.
const RU_ENDINGS = [
  'иями',
  'ями',
  'ами',
  'ого',
  'его',
  'ому',
  'ему',
  'ыми',
  'ими',
  'ешь',
  'ией',
  'ей',
  'ой',
  'ий',
  'ый',
  'ая',
  'яя',
  'ое',
  'ее',
  'ые',
  'ие',
  'ую',
  'юю',
  'ам',
  'ям',
  'ах',
  'ях',
  'ом',
  'ем',
  'ов',
  'ев',
  'ия',
  'ть',
  'ет',
  'ют',
  'ут',
  'ит',
  'ат',
  'ят',
  'а',
  'я',
  'ы',
  'и',
  'у',
  'ю',
  'е',
  'о',
  'ь',
  'й',
];
const EN_ENDINGS = ['ing', 'ies', 'ed', 'es', 's', 'e', 'y'];

/** Lower case, `ё` → `е`, every run of non-letters/digits → one space. */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A crude stem so «доставка», «доставки», «доставку» (and "prices"/"price") compare equal. */
export function stem(word: string): string {
  const endings = /[а-я]/.test(word) ? RU_ENDINGS : EN_ENDINGS;
  for (const ending of endings) {
    if (word.endsWith(ending) && word.length - ending.length >= 3) return word.slice(0, -ending.length);
  }
  return word;
}

function words(text: string): string[] {
  const normal = normalize(text);
  return normal ? normal.split(' ').map(stem) : [];
}

/** True when the phrase's words occur in the text's words, in order and next to each other. */
export function containsPhrase(text: string, phrase: string): boolean {
  return phraseLength(words(text), phrase) > 0;
}

function phraseLength(textWords: string[], phrase: string): number {
  const wanted = words(phrase);
  if (wanted.length === 0) return 0;
  for (let i = 0; i + wanted.length <= textWords.length; i++) {
    if (wanted.every((w, j) => textWords[i + j] === w)) return wanted.length;
  }
  return 0;
}

/**
 * A request for a person wins; otherwise the rule whose matching phrase is longest (in words)
 * answers, the earlier rule on a tie; otherwise the fallback.
 */
export function decide(settings: Pick<BotSettings, 'rules' | 'handoffPhrases'>, text: string): BotDecision {
  const textWords = words(text);
  if (settings.handoffPhrases.some((phrase) => phraseLength(textWords, phrase) > 0)) return { kind: 'handoff' };
  let best: { rule: BotRule; length: number } | null = null;
  for (const rule of settings.rules) {
    const length = Math.max(0, ...rule.phrases.map((phrase) => phraseLength(textWords, phrase)));
    if (length > 0 && (!best || length > best.length)) best = { rule, length };
  }
  return best ? { kind: 'answer', rule: best.rule } : { kind: 'fallback' };
}
