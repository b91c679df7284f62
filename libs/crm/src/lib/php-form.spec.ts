import { parsePhpForm } from './php-form';

describe(parsePhpForm.name, () => {
  it('nests PHP bracket keys like $_POST, with %-encoded brackets too', () => {
    expect(parsePhpForm('data%5BFIELDS%5D%5BID%5D=759&auth[application_token]=abc&ts=1767225600')).toEqual({
      data: { FIELDS: { ID: '759' } },
      auth: { application_token: 'abc' },
      ts: '1767225600',
    });
  });

  it('collects [] into arrays and keeps explicit indices', () => {
    expect(parsePhpForm('a[]=1&a[]=2&leads[status][0][id]=5')).toEqual({
      a: ['1', '2'],
      leads: { status: { 0: { id: '5' } } },
    });
  });

  it('drops keys that name prototypes, so a body cannot pollute objects', () => {
    const parsed = parsePhpForm('__proto__[polluted]=1&a[__proto__][x]=2&constructor[prototype][y]=3&ok=1');
    expect(parsed).toEqual({ ok: '1' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['y']).toBeUndefined();
  });
});
