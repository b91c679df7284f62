import type { ChannelDto } from '@onebox/contracts';
import { FakeMax } from '@onebox/fakes';
import { FILE_CONTENT_SECURITY_POLICY } from '../src/common/security-headers';
import { api, eventually, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(30_000);

const MAX_TOKEN = 'f9LHodD0cOI_max_bot_token_headers_0123456789';

/** A CSP header as directive → sources. */
function directives(header: string | null): Record<string, string[]> {
  expect(header).toBeTruthy();
  return Object.fromEntries(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name, sources]),
  );
}

/** A page that a CSP without 'unsafe-inline' for scripts can run: no inline script, no handler attribute. */
function expectNoInlineScript(html: string): void {
  expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
  expect(html).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/javascript:/i);
}

describe('Security headers: CSP on everything served, safe answers for stored files', () => {
  const max = new FakeMax({ token: MAX_TOKEN, botUsername: 'headers_max_bot' });
  let t: TestApp;

  beforeAll(async () => {
    await max.start();
    t = await startTestApp({ MAX_API_ROOT: max.url, ONEBOX_UPDATE_MODE: 'polling', ONEBOX_POLL_TIMEOUT_SEC: '1' });
  });

  afterAll(async () => {
    await t.close();
    await max.stop();
  });

  it.each(['/', '/inbox', '/demo', '/api/docs/', '/api/me', '/health'])(
    '%s carries the CSP: scripts from this origin only, nothing inline, no framing',
    async (path) => {
      const res = await fetch(t.url + path, { headers: { accept: 'text/html' } });

      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['script-src-attr']).toEqual(["'none'"]);
      expect(csp['default-src']).toEqual(["'self'"]);
      expect(csp['object-src']).toEqual(["'none'"]);
      expect(csp['frame-ancestors']).toEqual(["'none'"]);
      expect(csp['base-uri']).toEqual(["'self'"]);
      expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
      // Plain-http self-hosting keeps working.
      expect(csp['upgrade-insecure-requests']).toBeUndefined();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    },
  );

  it.each(['/', '/demo', '/api/docs/'])('the HTML of %s runs under that CSP (no inline script)', async (path) => {
    const res = await fetch(t.url + path, { headers: { accept: 'text/html' } });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expectNoInlineScript(await res.text());
  });

  it('lets customers’ sites load the widget bundle (cross-origin resource policy)', async () => {
    const res = await fetch(`${t.url}/widget.js`);

    expect(res.status).toBe(200);
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const code = await res.text();
    expect(code).not.toMatch(/\beval\(|new Function\(/);
  });

  describe('files customers send', () => {
    let channel: ChannelDto;
    const SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>';
    const files = [
      { fileName: 'evil.svg', mimeType: 'image/svg+xml', data: SVG, disposition: 'attachment' },
      { fileName: 'page.html', mimeType: 'text/html', data: '<script>alert(1)</script>', disposition: 'attachment' },
      {
        fileName: 'feed.xml',
        mimeType: 'text/xml',
        data: '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
        disposition: 'attachment',
      },
      { fileName: 'app.js', mimeType: 'application/javascript', data: 'alert(1)', disposition: 'attachment' },
      {
        fileName: 'invoice.pdf',
        mimeType: 'application/pdf',
        data: '%PDF-1.4 /JS (app.alert(1))',
        disposition: 'attachment',
      },
      {
        fileName: 'photo.png',
        mimeType: 'image/png',
        data: '\x89PNG\r\n\x1a\n<script>alert(1)</script>',
        disposition: 'inline',
      },
    ];

    beforeAll(async () => {
      const token = await login(t.url, 'admin@onebox.test', 'admin-password-1');
      channel = (
        await api<ChannelDto>(t.url, '/api/channels', {
          token,
          body: { type: 'max', name: 'MAX', credentials: { token: MAX_TOKEN } },
        })
      ).body;
      for (const [i, file] of files.entries())
        await max.customerSendsFile({
          userId: 8000 + i,
          name: 'Mallory',
          fileName: file.fileName,
          mimeType: file.mimeType,
          data: Buffer.from(file.data, 'latin1'),
        });
      await eventually(async () => {
        const rows = await t.db.query(
          `SELECT id FROM attachments WHERE uploader_ref = $1 AND storage_key IS NOT NULL`,
          [channel.id],
        );
        return rows.length === files.length;
      }, 15_000);
    });

    it.each(files.map((f) => [f.fileName, f.mimeType, f.disposition]))(
      '%s (%s) is answered %s, with nosniff and the sandbox CSP',
      async (fileName, mimeType, disposition) => {
        const [row] = await t.db.query(
          `SELECT id, name, mime_type FROM attachments WHERE uploader_ref = $1 AND name = $2`,
          [channel.id, fileName],
        );
        expect(row.mime_type).toBe(mimeType);

        const res = await fetch(`${t.url}/files/${row.id}/${encodeURIComponent(row.name)}`);

        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(mimeType);
        expect(res.headers.get('content-disposition')).toBe(`${disposition}; filename*=UTF-8''${fileName}`);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('content-security-policy')).toBe(FILE_CONTENT_SECURITY_POLICY);
        expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      },
    );
  });
});
