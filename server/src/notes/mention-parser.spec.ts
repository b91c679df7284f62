import { parseMentions } from './mention-parser';

const users = [
  { id: 'u-anna', name: 'Anna' },
  { id: 'u-anna-maria', name: 'Anna Maria' },
  { id: 'u-ivan', name: 'Иван Петров' },
  { id: 'u-blank', name: '  ' },
];

describe('parseMentions', () => {
  it('finds @Name mentions case-insensitively, longest name first, each once', () => {
    expect(parseMentions('@anna maria please look, cc @Anna and @ANNA', users)).toEqual(['u-anna-maria', 'u-anna']);
    expect(parseMentions('Коллеги, @Иван Петров, посмотрите', users)).toEqual(['u-ivan']);
  });

  it('needs a word boundary after the name and ignores e-mail addresses', () => {
    expect(parseMentions('@Annabel is not Anna', users)).toEqual([]);
    expect(parseMentions('write to anna@Anna.com', users)).toEqual([]);
    expect(parseMentions('@Anna, hi', users)).toEqual(['u-anna']);
  });

  it('answers nothing without mentions', () => {
    expect(parseMentions('no mentions here @', users)).toEqual([]);
    expect(parseMentions('', users)).toEqual([]);
  });
});
