import { ApiException } from '../common/api.exception';
import { botSettingsOf, parseBotSettings } from './bot.dto';

function fieldsOf(body: unknown): string[] {
  try {
    parseBotSettings(body);
  } catch (err) {
    if (err instanceof ApiException) return (err.details ?? []).map((d) => d.field);
    throw err;
  }
  return [];
}

describe('bot settings', () => {
  it('fills defaults and ids, trimming texts', () => {
    const parsed = parseBotSettings({ enabled: true, rules: [{ phrases: [' цена '], answer: ' 100 ₽ ' }] });
    expect(parsed).toMatchObject({ enabled: true, greeting: null, rules: [{ phrases: ['цена'], answer: '100 ₽' }] });
    expect(parsed.rules[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed.handoffPhrases).toEqual(['оператор', 'менеджер', 'человек', 'operator', 'manager', 'human', 'agent']);
    expect(parsed.fallbackText).toBeTruthy();
  });

  it('names every bad field', () => {
    expect(
      fieldsOf({
        enabled: 1,
        greeting: 5,
        rules: [{ id: 'a', phrases: ['x', ''], answer: 'y' }, { id: 'a', phrases: 'x', answer: '' }, 'nope'],
        handoffPhrases: [3],
        extra: true,
      }),
    ).toEqual([
      'extra',
      'enabled',
      'greeting',
      'rules[0].phrases[1]',
      'rules[1].id',
      'rules[1].phrases',
      'rules[1].answer',
      'rules[2]',
      'handoffPhrases[0]',
    ]);
    expect(fieldsOf(null)).toEqual(['body']);
    expect(fieldsOf({ enabled: true, rules: [{ phrases: [], answer: 'a' }] })).toEqual(['rules[0].phrases']);
  });

  it('reads a stored value with defaults; a channel without one has the bot off', () => {
    expect(botSettingsOf(undefined)).toMatchObject({ enabled: false, rules: [] });
    expect(botSettingsOf({ enabled: true, handoffPhrases: [] })).toMatchObject({ enabled: true, handoffPhrases: [] });
  });
});
