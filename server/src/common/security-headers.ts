import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * The Content Security Policy of everything the server answers (the Angular app, the demo shop,
 * Swagger UI, JSON). Scripts only from this origin, never inline, never eval: injected markup
 * cannot run. Styles may be inline: Angular adds component styles as `<style>` elements and
 * bindings as style attributes (a style cannot run script). Same-origin socket.io is `'self'`.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'media-src': ["'self'"],
  'object-src': ["'none'"],
  'worker-src': ["'self'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

/**
 * For stored files: whatever a file contains, it is not a page of this origin — no script, no
 * plugin, no form, a unique origin (`sandbox`). Images and media still display.
 */
export const FILE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox";

/** Loaded by customers' sites: the widget bundle, and files it shows (images an agent sent). */
const EMBEDDABLE = /^\/(widget\.js$|files\/)/;

/**
 * helmet with Onebox's policy: the CSP above, no `upgrade-insecure-requests` (a self-hosted
 * server on plain http must keep working), framing refused, and cross-origin loads allowed only
 * for what customers' sites embed.
 */
export function securityHeaders(): RequestHandler {
  const options = {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    xFrameOptions: { action: 'deny' as const },
  };
  const own = helmet({ ...options, crossOriginResourcePolicy: { policy: 'same-origin' } });
  const embeddable = helmet({ ...options, crossOriginResourcePolicy: { policy: 'cross-origin' } });
  // Platforms' webhook calls are answered `{ ok: true }` (or a handshake's text) to a server, never
  // to a browser: no page to protect, and at a thousand calls a second helmet's work is real; the
  // one header that matters if a browser ever opens one (no sniffing text into HTML) stays.
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith('/webhooks/')) return (EMBEDDABLE.test(req.path) ? embeddable : own)(req, res, next);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };
}
