import { HttpStatus } from '@nestjs/common';
import { DEFAULT_BOT_HANDOFF_PHRASES, type BotRule, type BotSettings } from '@onebox/contracts';
import { randomUUID } from 'node:crypto';
import { ApiException } from '../common/api.exception';

export const BOT_DEFAULTS: BotSettings = {
  enabled: false,
  greeting: null,
  rules: [],
  handoffPhrases: DEFAULT_BOT_HANDOFF_PHRASES,
  fallbackText: 'Я пока не знаю ответа на этот вопрос. Напишите «оператор», и я позову менеджера.',
  handoffText: 'Передаю диалог менеджеру — он скоро ответит.',
};

const MAX_RULES = 200;
const MAX_PHRASES = 50;
const MAX_TEXT = 4000;
const MAX_PHRASE = 200;
const KNOWN = ['enabled', 'greeting', 'rules', 'handoffPhrases', 'fallbackText', 'handoffText'];

/** The stored `channels.settings.bot` with defaults filled in (a channel without one has the bot off). */
export function botSettingsOf(stored: unknown): BotSettings {
  const bot = (stored && typeof stored === 'object' ? stored : {}) as Partial<BotSettings>;
  return {
    enabled: bot.enabled === true,
    greeting: typeof bot.greeting === 'string' && bot.greeting ? bot.greeting : null,
    rules: Array.isArray(bot.rules) ? bot.rules : [],
    handoffPhrases: Array.isArray(bot.handoffPhrases) ? bot.handoffPhrases : BOT_DEFAULTS.handoffPhrases,
    fallbackText: bot.fallbackText || BOT_DEFAULTS.fallbackText,
    handoffText: bot.handoffText || BOT_DEFAULTS.handoffText,
  };
}

/**
 * Checks a `PUT /api/channels/:id/bot` body; every problem names its field (`rules[2].phrases`).
 * Omitted optional fields take the defaults; rules without an id get one.
 */
export function parseBotSettings(body: unknown): BotSettings {
  const details: { field: string; message: string }[] = [];
  const bad = (field: string, message: string) => details.push({ field, message });
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ApiException.invalid('body', 'must be an object');
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!KNOWN.includes(key)) bad(key, 'is not a known field');
  if (typeof input['enabled'] !== 'boolean') bad('enabled', 'must be true or false');

  const text = (field: string, required: boolean): string | null => {
    const value = input[field];
    if (value === undefined || value === null || (!required && value === '')) return null;
    if (typeof value !== 'string' || !value.trim()) bad(field, 'must be a non-empty string');
    else if (value.length > MAX_TEXT) bad(field, `must be at most ${MAX_TEXT} characters`);
    else return value.trim();
    return null;
  };
  const greeting = text('greeting', false);
  const fallbackText = text('fallbackText', false);
  const handoffText = text('handoffText', false);

  const phrases = (value: unknown, field: string): string[] => {
    if (!Array.isArray(value)) {
      bad(field, 'must be a list of phrases');
      return [];
    }
    if (value.length > MAX_PHRASES) bad(field, `must have at most ${MAX_PHRASES} phrases`);
    const clean: string[] = [];
    value.forEach((phrase, i) => {
      if (typeof phrase !== 'string' || !phrase.trim()) bad(`${field}[${i}]`, 'must be a non-empty string');
      else if (phrase.length > MAX_PHRASE) bad(`${field}[${i}]`, `must be at most ${MAX_PHRASE} characters`);
      else clean.push(phrase.trim());
    });
    return clean;
  };

  const rules: BotRule[] = [];
  const rawRules = input['rules'] ?? [];
  if (!Array.isArray(rawRules)) bad('rules', 'must be a list');
  else {
    if (rawRules.length > MAX_RULES) bad('rules', `must have at most ${MAX_RULES} rules`);
    const ids = new Set<string>();
    rawRules.forEach((raw: unknown, i) => {
      const field = `rules[${i}]`;
      if (!raw || typeof raw !== 'object') return bad(field, 'must be an object');
      const rule = raw as Record<string, unknown>;
      for (const key of Object.keys(rule))
        if (!['id', 'phrases', 'answer'].includes(key)) bad(`${field}.${key}`, 'is not a known field');
      const id = rule['id'] === undefined || rule['id'] === '' ? randomUUID() : rule['id'];
      if (typeof id !== 'string' || id.length > 100) bad(`${field}.id`, 'must be a string of at most 100 characters');
      else if (ids.has(id)) bad(`${field}.id`, 'is used by another rule');
      else ids.add(id);
      const rulePhrases = phrases(rule['phrases'], `${field}.phrases`);
      if (Array.isArray(rule['phrases']) && rule['phrases'].length === 0) bad(`${field}.phrases`, 'must not be empty');
      const answer = rule['answer'];
      if (typeof answer !== 'string' || !answer.trim()) bad(`${field}.answer`, 'must be a non-empty string');
      else if (answer.length > MAX_TEXT) bad(`${field}.answer`, `must be at most ${MAX_TEXT} characters`);
      else if (typeof id === 'string') rules.push({ id, phrases: rulePhrases, answer: answer.trim() });
    });
  }
  const handoffPhrases =
    input['handoffPhrases'] === undefined
      ? BOT_DEFAULTS.handoffPhrases
      : phrases(input['handoffPhrases'], 'handoffPhrases');

  if (details.length) {
    throw new ApiException(
      HttpStatus.BAD_REQUEST,
      'validation_failed',
      `Invalid fields: ${[...new Set(details.map((d) => d.field))].join(', ')}`,
      details,
    );
  }
  return {
    enabled: input['enabled'] as boolean,
    greeting,
    rules,
    handoffPhrases,
    fallbackText: fallbackText ?? BOT_DEFAULTS.fallbackText,
    handoffText: handoffText ?? BOT_DEFAULTS.handoffText,
  };
}
