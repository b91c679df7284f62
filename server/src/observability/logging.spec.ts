import type { NextFunction, Request, Response } from 'express';
import {
  accessLevel,
  createLogger,
  loggedPath,
  PinoNestLogger,
  requestContextMiddleware,
  requestIdOf,
  scrubSecrets,
} from './logging';

/** A logger writing into an array of parsed lines. */
function capture(level: Parameters<typeof createLogger>[0] = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe(requestIdOf.name, () => {
  it('keeps a plain token and replaces anything else with a fresh uuid', () => {
    expect(requestIdOf('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    expect(requestIdOf(['first-id', 'second'])).toBe('first-id');
    for (const bad of [undefined, '', 'has space', '<script>', 'ü', 'x'.repeat(129), 42])
      expect(requestIdOf(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe(loggedPath.name, () => {
  it('drops the query and the secrets and capabilities in paths', () => {
    expect(loggedPath('/api/search?q=ivan%40mail.ru&limit=5')).toBe('/api/search');
    expect(loggedPath('/webhooks/whatsapp/ch-1?hub.verify_token=s3cret&hub.challenge=1')).toBe(
      '/webhooks/whatsapp/ch-1',
    );
    expect(loggedPath('/webhooks/amocrm/crm-1/path-secret-value')).toBe('/webhooks/amocrm/crm-1/[redacted]');
    expect(loggedPath('/files/0b7c-id/passport.pdf')).toBe('/files/[redacted]');
    expect(loggedPath('/webhooks/telegram/ch-1')).toBe('/webhooks/telegram/ch-1');
  });
});

describe(accessLevel.name, () => {
  it('logs server failures as errors, accepted webhooks at debug, everything else at info', () => {
    expect(accessLevel('/webhooks/telegram/c1', 200)).toBe('debug');
    expect(accessLevel('/webhooks/telegram/c1', 401)).toBe('info');
    expect(accessLevel('/webhooks/telegram/c1', 503)).toBe('error');
    expect(accessLevel('/api/conversations', 200)).toBe('info');
    expect(accessLevel('/api/conversations', 500)).toBe('error');
  });
});

describe(scrubSecrets.name, () => {
  it('hides bot tokens and authorization values inside texts', () => {
    expect(
      scrubSecrets('GET https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe failed'),
    ).toBe('GET https://api.telegram.org/bot[redacted]/getMe failed');
    expect(scrubSecrets('sent Authorization: Bearer eyJhbGciOi.J9.x-y_z')).toBe(
      'sent Authorization: Bearer [redacted]',
    );
  });
});

describe(createLogger.name, () => {
  it('censors secret keys and texts of logged objects, one level deep', () => {
    const { logger, lines } = capture();
    logger.info({ password: 'p', credentials: { botToken: 't' }, message: { text: 'hello', id: 'm-1' } }, 'x');
    expect(lines[0]).toMatchObject({
      level: 'info',
      password: '[redacted]',
      credentials: '[redacted]',
      message: { text: '[redacted]', id: 'm-1' },
      msg: 'x',
    });
    expect(lines[0]['time']).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
  });

  it('adds the request id to lines written while a request is handled', () => {
    const { logger, lines } = capture();
    const req = { id: 'req-7' } as unknown as Request;
    requestContextMiddleware(req, {} as Response, (() => logger.info('inside')) as NextFunction);
    logger.info('outside');
    expect(lines.map((l) => [l['msg'], l['reqId']])).toEqual([
      ['inside', 'req-7'],
      ['outside', undefined],
    ]);
  });
});

describe(PinoNestLogger.name, () => {
  it("maps Nest's levels and context, and keeps an error's stack apart", () => {
    const { logger, lines } = capture('debug');
    const nest = new PinoNestLogger(logger);
    nest.log('started', 'Jobs');
    nest.warn('slow', 'Jobs');
    nest.error(
      'failed for bot1234567:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'Error: x\n    at y (z.ts:1:1)',
      'HTTP',
    );
    nest.debug('detail');
    nest.verbose('hidden at debug');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', context: 'Jobs', msg: 'started' }),
      expect.objectContaining({ level: 'warn', context: 'Jobs', msg: 'slow' }),
      expect.objectContaining({
        level: 'error',
        context: 'HTTP',
        msg: 'failed for bot[redacted]',
        stack: 'Error: x\n    at y (z.ts:1:1)',
      }),
      expect.objectContaining({ level: 'debug', msg: 'detail' }),
    ]);
  });

  it('writes nothing below the configured level', () => {
    const { logger, lines } = capture('warn');
    new PinoNestLogger(logger).log('quiet', 'Ctx');
    expect(lines).toEqual([]);
  });
});
