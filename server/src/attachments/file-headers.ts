import { FILE_CONTENT_SECURITY_POLICY } from '../common/security-headers';

/**
 * Shown in the browser: raster images only. Everything else (SVG, HTML, XML, JavaScript, PDF,
 * office files, whatever a platform declared) is a download; see `fileHeaders`.
 */
const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
/** `type/subtype` with optional simple parameters (`audio/ogg; codecs=opus`); nothing that could break a header. */
const MIME_TYPE =
  /^([a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126})((?:; ?[a-z0-9_-]{1,40}=[a-z0-9_.+-]{1,80})*)$/i;

/**
 * How a stored file is answered. Its type is only what an uploader or a platform declared, so
 * the browser must not guess another (`nosniff`), must not render anything active as a page of
 * this origin (`attachment`), and if it ever does, the page has no script and an opaque origin
 * (the sandbox CSP).
 */
export function fileHeaders(mimeType: string, name: string): Record<string, string> {
  const valid = MIME_TYPE.exec(mimeType.trim());
  const type = valid ? valid[0].toLowerCase() : 'application/octet-stream';
  const disposition = valid && INLINE_TYPES.has(valid[1].toLowerCase()) ? 'inline' : 'attachment';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return {
    'Content-Type': type,
    'Content-Disposition': `${disposition}; filename*=UTF-8''${encoded}`,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': FILE_CONTENT_SECURITY_POLICY,
    'Cache-Control': 'private, max-age=86400',
  };
}
