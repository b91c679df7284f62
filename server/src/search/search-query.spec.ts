import { snippetHtml } from './search.dto';
import { HIT_END, HIT_START } from './search.repository';
import { likePattern, phoneDigits, prefixTsQuery } from './search-query';

describe('search query helpers', () => {
  it('turns typed words into stemmed prefixes, dropping tsquery syntax', () => {
    expect(prefixTsQuery('Доставка заказа')).toBe('доставка:* & заказа:*');
    expect(prefixTsQuery("a' | !b & (c):*")).toBe('a:* & b:* & c:*');
    expect(prefixTsQuery('  ?! ')).toBeNull();
    expect(prefixTsQuery('ёлка')).toBe('елка:*');
  });

  it('recognises phone-like queries by their digits', () => {
    expect(phoneDigits('+7 (999) 123-45')).toBe('799912345');
    expect(phoneDigits('12')).toBeNull();
    expect(phoneDigits('order 123')).toBeNull();
  });

  it('escapes LIKE wildcards', () => {
    expect(likePattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });

  it('escapes customer text in snippets and marks only the hits', () => {
    expect(snippetHtml(`<script>alert("x")</script> & ${HIT_START}доставка${HIT_END}`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>доставка</mark>',
    );
  });
});
