import { containsPhrase, decide, normalize, stem } from './bot-matcher';

const settings = {
  handoffPhrases: ['оператор', 'менеджер', 'operator', 'human', 'живой человек'],
  rules: [
    { id: 'delivery', phrases: ['доставка', 'delivery'], answer: 'D' },
    { id: 'delivery-moscow', phrases: ['доставка по москве'], answer: 'DM' },
    { id: 'price', phrases: ['цена', 'сколько стоит', 'price'], answer: 'P' },
  ],
};

describe('bot matcher', () => {
  it('normalises case, ё and punctuation', () => {
    expect(normalize('  Ещё — ДОСТАВКА?!  ')).toBe('еще доставка');
    expect(normalize('Price: $10, ok?')).toBe('price 10 ok');
  });

  it('stems Russian and English word forms to one stem', () => {
    expect(stem('доставки')).toBe(stem('доставка'));
    expect(stem('доставку')).toBe(stem('доставка'));
    expect(stem('prices')).toBe(stem('price'));
    expect(stem('да')).toBe('да');
  });

  it('matches whole words in order, not parts of other words', () => {
    expect(containsPhrase('Сколько СТОИТ диван?', 'сколько стоит')).toBe(true);
    expect(containsPhrase('стоит сколько', 'сколько стоит')).toBe(false);
    expect(containsPhrase('ценапредложение', 'цена')).toBe(false);
    expect(containsPhrase('anything', '   ')).toBe(false);
  });

  it('answers the rule whose phrase matches, the longest phrase winning', () => {
    expect(decide(settings, 'Когда будет доставка?')).toEqual({ kind: 'answer', rule: settings.rules[0] });
    expect(decide(settings, 'Есть доставка по Москве?')).toEqual({ kind: 'answer', rule: settings.rules[1] });
    expect(decide(settings, 'what are your PRICES')).toEqual({ kind: 'answer', rule: settings.rules[2] });
    expect(decide(settings, 'Сколько стоит доставки')).toEqual({ kind: 'answer', rule: settings.rules[2] });
  });

  it('hands over on a request for a person, before any rule', () => {
    expect(decide(settings, 'Позовите оператора, доставка не пришла')).toEqual({ kind: 'handoff' });
    expect(decide(settings, 'I want a HUMAN')).toEqual({ kind: 'handoff' });
    expect(decide(settings, 'Дайте живого человека')).toEqual({ kind: 'handoff' });
  });

  it('falls back when nothing matches (and on an empty message)', () => {
    expect(decide(settings, 'Какая погода?')).toEqual({ kind: 'fallback' });
    expect(decide(settings, '')).toEqual({ kind: 'fallback' });
    expect(decide({ handoffPhrases: [], rules: [] }, 'оператор')).toEqual({ kind: 'fallback' });
  });
});
