import type { LoggerService } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { pino, stdTimeFunctions, type DestinationStream, type Level, type Logger } from 'pino';
import type { LogLevel } from '../config/app-config';

/** The request a log line belongs to, for lines written by the code that handles it. */
const requestContext = new AsyncLocalStorage<{ reqId: string }>();

/** An incoming `X-Request-Id` is kept when it is a plain token; anything else gets a fresh id. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(header: unknown): string {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * The path as logged: without the query (search terms, OAuth codes, verify tokens) and without
 * the secrets and capabilities some paths carry (amoCRM's webhook secret, file ids).
 */
export function loggedPath(url: string): string {
  return url
    .split('?')[0]
    .replace(/^(\/webhooks\/amocrm\/[^/]+\/)[^/]+/, '$1[redacted]')
    .replace(/^\/files\/.+/, '/files/[redacted]');
}

/** Tokens that may hide in error texts (a Bot API URL carries the bot token; auth headers echoed back). */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\d{5,}:[A-Za-z0-9_-]{30,}/g, '[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
];

export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Keys never written as they are, wherever an object is logged (one level deep as well). */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'botToken',
  'appSecret',
  'verifyToken',
  'secret',
  'webhookSecret',
  'credentials',
  'settings',
  'text',
  'body',
];
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`]);

/**
 * Stdout, asynchronous: each line goes out at once, but without blocking the event loop on a
 * synchronous write (pino's default); lines written while a write is under way go out together.
 * Flushed on exit. (No minimum length: a line like "Ready" must not wait for more to come.)
 */
function bufferedStdout(): DestinationStream {
  const out = pino.destination({ dest: 1, sync: false });
  process.once('exit', () => {
    try {
      out.flushSync();
    } catch {
      // Nothing left to write, or stdout is gone.
    }
  });
  return out;
}

/** JSON lines: level as a word, ISO time, secrets censored, the request id on lines written during a request. */
export function createLogger(level: LogLevel, stream?: DestinationStream): Logger {
  return pino(
    {
      level,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Access lines carry their own `reqId` (see `httpLogger`).
      mixin: (line) => {
        const reqId = 'res' in line ? undefined : requestContext.getStore()?.reqId;
        return reqId ? { reqId } : {};
      },
    },
    stream ?? (level === 'silent' ? undefined : bufferedStdout()),
  );
}

const PROBES = /^\/(health|ready|metrics)(\?|$)/;

/**
 * One access line per request (`reqId`, method, path, status, time), none for probes and scrapes.
 * Headers, query strings and bodies are never logged; the request id is answered in `X-Request-Id`.
 * The line is built only when its level is written (see `accessLevel`): a request costs an id and
 * one listener, not a logger of its own.
 */
export function httpLogger(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = Date.now();
    const id = requestIdOf(req.headers['x-request-id']);
    (req as Request & { id?: string }).id = id;
    res.setHeader('X-Request-Id', id);
    if (!PROBES.test(req.url)) res.once('close', () => logAccess(logger, req, res, id, Date.now() - started));
    next();
  };
}

function logAccess(logger: Logger, req: Request, res: Response, reqId: string, responseTime: number): void {
  const aborted = !res.writableFinished;
  const level = aborted ? 'info' : accessLevel(req.originalUrl, res.statusCode);
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      reqId,
      req: {
        method: req.method,
        path: loggedPath(req.originalUrl),
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
        userAgent: req.headers['user-agent'],
      },
      res: { statusCode: res.statusCode },
      responseTime,
    },
    aborted ? 'request aborted' : 'request completed',
  );
}

/**
 * Failures are errors; a platform's accepted webhook is `debug`: at a thousand messages a second
 * its line would be most of the log (and of the server's time), and `/metrics` already counts and
 * times every webhook by type and status. Everything else is `info`.
 */
export function accessLevel(url: string, statusCode: number): Level {
  if (statusCode >= 500) return 'error';
  if (statusCode < 300 && url.startsWith('/webhooks/')) return 'debug';
  return 'info';
}

/** Runs the rest of the request inside its context (mounted after the body parsers, which lose it). */
export function requestContextMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const reqId = (req as { id?: unknown }).id;
  if (typeof reqId === 'string') requestContext.run({ reqId }, next);
  else next();
}

const NEST_LEVELS: Record<'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal', Level> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

/**
 * Nest's `Logger` written as pino JSON lines. Nest calls `log(message, ...params, context)`:
 * the last string is the context, an `error`'s stack comes before it.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(nestLevel: keyof typeof NEST_LEVELS, message: unknown, params: unknown[]): void {
    const level = NEST_LEVELS[nestLevel];
    if (!this.logger.isLevelEnabled(level)) return;
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields['context'] = rest.pop();
    const stack = rest.find((p): p is string => typeof p === 'string' && /\n\s+at /.test(p));
    if (stack) fields['stack'] = scrubSecrets(stack);
    if (message instanceof Error) {
      fields['err'] = {
        type: message.name,
        message: scrubSecrets(message.message),
        stack: scrubSecrets(message.stack ?? ''),
      };
      this.logger[level](fields, scrubSecrets(message.message));
    } else if (message !== null && typeof message === 'object') {
      this.logger[level]({ ...fields, ...(message as object) });
    } else {
      this.logger[level](fields, scrubSecrets(String(message)));
    }
  }
}

/**
 * The app's logging: Nest's logger and the access log over one pino instance writing to stdout
 * (or `stream`). `logger: false` silences both (the integration tests).
 */
export function createLogging(
  level: LogLevel,
  options: { logger?: false; logStream?: DestinationStream } = {},
): { nest: LoggerService | false; http: RequestHandler; context: RequestHandler } {
  const logger = createLogger(options.logger === false ? 'silent' : level, options.logStream);
  return {
    nest: options.logger === false ? false : new PinoNestLogger(logger),
    http: httpLogger(logger),
    context: requestContextMiddleware,
  };
}
