import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ApiError } from '@onebox/contracts';
import type { Response } from 'express';
import { ApiException } from './api.exception';

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Every HTTP error leaves as `{code, message, details?}`; unexpected ones are logged and hidden. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body, headers } = this.toResponse(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).json(body);
  }

  private toResponse(exception: unknown): { status: number; body: ApiError; headers: Record<string, string> } {
    if (exception instanceof ApiException) {
      const body = exception.getResponse() as ApiError;
      return { status: exception.getStatus(), body, headers: exception.headers };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const message =
        typeof raw === 'string' ? raw : String((raw as { message?: unknown }).message ?? exception.message);
      // Nest turns body-parser's SyntaxError into a plain 400 carrying JSON.parse's message.
      if (status === 400 && /JSON/.test(message)) {
        return { status, body: { code: 'invalid_json', message: 'Request body is not valid JSON' }, headers: {} };
      }
      return { status, body: { code: CODES_BY_STATUS[status] ?? 'error', message }, headers: {} };
    }
    const parseError = exception as { type?: string; status?: number };
    if (parseError?.type === 'entity.parse.failed') {
      return { status: 400, body: { code: 'invalid_json', message: 'Request body is not valid JSON' }, headers: {} };
    }
    if (parseError?.type === 'entity.too.large') {
      return { status: 413, body: { code: 'payload_too_large', message: 'Request body is too large' }, headers: {} };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { code: 'internal_error', message: 'Something went wrong on our side' },
      headers: {},
    };
  }
}
