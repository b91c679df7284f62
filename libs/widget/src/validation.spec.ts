import { MAX_FILE_BYTES, checkFile, parseContact, safeUrl } from './validation';

describe(checkFile.name, () => {
  it.each([
    ['photo.JPG', 'image/jpeg'],
    ['a.png', 'image/png'],
    ['a.gif', 'image/gif'],
    ['a.webp', 'image/webp'],
    ['a.pdf', 'application/pdf'],
    ['a.txt', 'text/plain'],
    ['a.doc', 'application/msword'],
    ['a.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['a.xls', 'application/vnd.ms-excel'],
    ['a.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['report.xlsx', ''],
  ])('accepts %s (%p)', (name, type) => {
    expect(checkFile({ name, type, size: 1000 })).toBeNull();
  });

  it.each([
    ['setup.exe', 'application/x-msdownload'],
    ['page.html', 'text/html'],
    ['image.svg', 'image/svg+xml'],
    ['fake.exe', 'image/png'],
    ['archive.zip', ''],
    ['noext', ''],
  ])('rejects %s (%p)', (name, type) => {
    expect(checkFile({ name, type, size: 1000 })).toBe('fileType');
  });

  it('accepts exactly 10 MB and rejects one byte more', () => {
    expect(checkFile({ name: 'a.pdf', type: 'application/pdf', size: MAX_FILE_BYTES })).toBeNull();
    expect(checkFile({ name: 'a.pdf', type: 'application/pdf', size: MAX_FILE_BYTES + 1 })).toBe('fileTooLarge');
  });
});

describe(parseContact.name, () => {
  it.each([
    ['ivan@example.com', { email: 'ivan@example.com' }],
    ['  ivan.petrov+shop@mail.co.uk ', { email: 'ivan.petrov+shop@mail.co.uk' }],
    ['+7 (900) 123-45-67', { phone: '+79001234567' }],
    ['8 900 123 45 67', { phone: '89001234567' }],
    ['', 'contactRequired'],
    ['ivan@', 'emailInvalid'],
    ['ivan@mail', 'emailInvalid'],
    ['a b@c.com', 'emailInvalid'],
    ['12345', 'phoneInvalid'],
    ['call me', 'phoneInvalid'],
    ['+1234567890123456', 'phoneInvalid'],
  ])('%p → %p', (input, expected) => {
    expect(parseContact(input)).toEqual(expected);
  });
});

describe(safeUrl.name, () => {
  it.each([
    ['/api/webchat/files/1', 'https://o.test/api/webchat/files/1'],
    ['https://cdn.test/x.png', 'https://cdn.test/x.png'],
    ['HTTP://cdn.test/x.png', 'HTTP://cdn.test/x.png'],
    ['//evil.test/x', 'https://o.test//evil.test/x'],
    ['javascript:alert(1)', null],
    ['data:text/html,<script>', null],
    ['files/1', null],
  ])('%p → %p', (url, expected) => {
    expect(safeUrl(url, 'https://o.test')).toBe(expected);
  });
});
