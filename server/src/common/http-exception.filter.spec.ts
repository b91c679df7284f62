import {
  type ArgumentsHost,
  BadRequestException,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { ApiException } from './api.exception';
import { HttpExceptionFilter } from './http-exception.filter';

function fakeResponse() {
  const res = {
    setHeader: jest.fn(),
    status: jest.fn(),
    json: jest.fn(),
  };
  res.status.mockReturnValue(res);
  return res;
}

function httpHost(res: ReturnType<typeof fakeResponse>): ArgumentsHost {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({}), getNext: () => undefined }),
  } as unknown as ArgumentsHost;
}

describe(HttpExceptionFilter.name, () => {
  let filter: HttpExceptionFilter;
  let res: ReturnType<typeof fakeResponse>;
  let logError: jest.SpyInstance;

  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    filter = new HttpExceptionFilter();
    res = fakeResponse();
  });

  afterEach(() => jest.restoreAllMocks());

  function respond(exception: unknown): { status: number; body: unknown } {
    filter.catch(exception, httpHost(res));
    expect(res.status).toHaveBeenCalledTimes(1);
    expect(res.json).toHaveBeenCalledTimes(1);
    return { status: res.status.mock.calls[0][0], body: res.json.mock.calls[0][0] };
  }

  it('passes an ApiException’s status, body and headers through', () => {
    const exception = new ApiException(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', 'Try again in 42 s.', undefined, {
      'Retry-After': '42',
    });

    expect(respond(exception)).toEqual({ status: 429, body: { code: 'rate_limited', message: 'Try again in 42 s.' } });
    expect(res.setHeader).toHaveBeenCalledWith('Retry-After', '42');
    expect(logError).not.toHaveBeenCalled();
  });

  it('keeps the offending fields of a validation error', () => {
    expect(respond(ApiException.invalid('cursor', 'is not a cursor this API returned'))).toEqual({
      status: 400,
      body: {
        code: 'validation_failed',
        message: 'cursor: is not a cursor this API returned',
        details: [{ field: 'cursor', message: 'is not a cursor this API returned' }],
      },
    });
    expect(res.setHeader).not.toHaveBeenCalled();
  });

  it.each([
    [new NotFoundException('Cannot GET /api/nope'), 404, 'not_found', 'Cannot GET /api/nope'],
    [new PayloadTooLargeException('File too large'), 413, 'payload_too_large', 'File too large'],
    [new HttpException('Gone for good', HttpStatus.GONE), 410, 'error', 'Gone for good'],
  ])('gives Nest’s %p a stable code', (exception, status, code, message) => {
    expect(respond(exception)).toEqual({ status, body: { code, message } });
  });

  it('answers 400 invalid_json for body-parser’s parse error', () => {
    const parseError = Object.assign(new SyntaxError('Unexpected token } in JSON at position 10'), {
      type: 'entity.parse.failed',
      status: 400,
      body: '{"text": }',
    });

    expect(respond(parseError)).toEqual({
      status: 400,
      body: { code: 'invalid_json', message: 'Request body is not valid JSON' },
    });
    expect(logError).not.toHaveBeenCalled();
  });

  it('answers 400 invalid_json for the parse error as Nest rethrows it', () => {
    const exception = new BadRequestException("Expected property name or '}' in JSON at position 1");

    expect(respond(exception)).toEqual({
      status: 400,
      body: { code: 'invalid_json', message: 'Request body is not valid JSON' },
    });
  });

  it('answers 413 for body-parser’s too-large error', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 });

    expect(respond(tooLarge)).toEqual({
      status: 413,
      body: { code: 'payload_too_large', message: 'Request body is too large' },
    });
  });

  it('hides an unexpected error behind 500 internal_error and logs it', () => {
    const error = new Error('connect ECONNREFUSED postgres://onebox:hunter2@db:5432');

    const { status, body } = respond(error);

    expect(status).toBe(500);
    expect(body).toEqual({ code: 'internal_error', message: 'Something went wrong on our side' });
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(logError).toHaveBeenCalledWith(error.stack);
  });

  it('hides a thrown non-error too', () => {
    expect(respond('kaboom')).toEqual({
      status: 500,
      body: { code: 'internal_error', message: 'Something went wrong on our side' },
    });
    expect(logError).toHaveBeenCalledWith('kaboom');
  });

  it('leaves non-HTTP contexts alone', () => {
    const host = { getType: () => 'ws', switchToHttp: jest.fn() } as unknown as ArgumentsHost;

    filter.catch(new Error('socket trouble'), host);

    expect(host.switchToHttp).not.toHaveBeenCalled();
  });
});
