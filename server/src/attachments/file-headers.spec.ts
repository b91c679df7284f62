import { FILE_CONTENT_SECURITY_POLICY } from '../common/security-headers';
import { fileHeaders } from './file-headers';

describe(fileHeaders.name, () => {
  it.each(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'IMAGE/PNG'])('shows %s inline', (type) => {
    expect(fileHeaders(type, 'photo')).toMatchObject({
      'Content-Type': type.toLowerCase(),
      'Content-Disposition': "inline; filename*=UTF-8''photo",
    });
  });

  it.each([
    'image/svg+xml',
    'text/html',
    'application/xhtml+xml',
    'text/xml',
    'application/xml',
    'application/javascript',
    'text/javascript',
    'application/pdf',
    'text/plain',
    'application/x-shockwave-flash',
    'multipart/x-mixed-replace',
    'application/octet-stream',
  ])('makes %s a download', (type) => {
    expect(fileHeaders(type, 'file')).toMatchObject({
      'Content-Type': type,
      'Content-Disposition': "attachment; filename*=UTF-8''file",
    });
  });

  it('answers every file with nosniff and the sandbox policy', () => {
    expect(fileHeaders('image/png', 'x.png')).toMatchObject({
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': FILE_CONTENT_SECURITY_POLICY,
    });
    expect(FILE_CONTENT_SECURITY_POLICY).toMatch(/(^|; )sandbox$/);
    expect(FILE_CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
  });

  it.each([
    ['text/html; charset=utf-8', 'text/html; charset=utf-8'],
    ['audio/ogg; codecs=opus', 'audio/ogg; codecs=opus'],
  ])('keeps simple parameters of %s', (type, expected) => {
    expect(fileHeaders(type, 'f')).toMatchObject({
      'Content-Type': expected,
      'Content-Disposition': "attachment; filename*=UTF-8''f",
    });
  });

  it.each(['text/html\r\nX-Injected: 1', '', 'html', 'image/png;', 'image/png,text/html', 'image/png; x="a,b"'])(
    'answers a declared type that is not a plain type/subtype (%p) as octet-stream, as a download',
    (type) => {
      expect(fileHeaders(type, 'f')).toMatchObject({
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': "attachment; filename*=UTF-8''f",
      });
    },
  );

  it('encodes the file name (RFC 5987), quotes and parentheses included', () => {
    expect(fileHeaders('text/plain', `"><img src=x onerror=alert(1)>'.txt`)['Content-Disposition']).toBe(
      "attachment; filename*=UTF-8''%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%27.txt",
    );
    expect(fileHeaders('image/png', 'счёт.png')['Content-Disposition']).toBe(
      "inline; filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82.png",
    );
  });
});
