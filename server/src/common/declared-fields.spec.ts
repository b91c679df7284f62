import { ApiException } from './api.exception';
import { validateDeclaredFields, type DeclaredField } from './declared-fields';

const FIELDS: DeclaredField[] = [
  { key: 'token', required: true, pattern: '^\\d+:[A-Za-z0-9_-]{5,}$' },
  { key: 'note', required: false },
];

function problems(given: Record<string, unknown>, options?: Parameters<typeof validateDeclaredFields>[3]): unknown {
  try {
    validateDeclaredFields(FIELDS, given, 'credentials', options);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiException);
    return (err as ApiException).getResponse();
  }
}

describe(validateDeclaredFields.name, () => {
  it('answers the trimmed values of the declared fields', () => {
    expect(validateDeclaredFields(FIELDS, { token: ' 123:abcdef ', note: ' hi ' }, 'credentials')).toEqual({
      token: '123:abcdef',
      note: 'hi',
    });
  });

  it('leaves out optional fields that were not given', () => {
    expect(validateDeclaredFields(FIELDS, { token: '123:abcdef', note: '  ' }, 'credentials')).toEqual({
      token: '123:abcdef',
    });
  });

  it('names every problem at once, unknown keys first, with the prefix', () => {
    expect(problems({ extra: 'x', token: 'nope', note: 5 })).toEqual({
      code: 'validation_failed',
      message: 'Invalid fields: credentials.extra, credentials.token, credentials.note',
      details: [
        { field: 'credentials.extra', message: 'is not a known field' },
        { field: 'credentials.token', message: 'does not look right' },
        { field: 'credentials.note', message: 'must be a string' },
      ],
    });
  });

  it('treats a blank required value as missing', () => {
    expect(problems({ token: '   ' })).toMatchObject({
      details: [{ field: 'credentials.token', message: 'is required' }],
    });
  });

  it('accepts keys declared elsewhere without validating them, and words the unknown-key message as asked', () => {
    expect(
      problems(
        { token: '123:abcdef', clientId: 'x', other: 'y' },
        { alsoKnown: ['clientId'], unknownMessage: 'is not a setting of this CRM' },
      ),
    ).toMatchObject({
      details: [{ field: 'credentials.other', message: 'is not a setting of this CRM' }],
    });
  });
});
