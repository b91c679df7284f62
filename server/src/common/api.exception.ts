import { HttpException, HttpStatus } from '@nestjs/common';
import type { ApiError } from '@onebox/contracts';

/** An error with a stable code; the filter turns it into `{code, message, details?}`. */
export class ApiException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details?: ApiError['details'],
    readonly headers: Record<string, string> = {},
  ) {
    super({ code, message, ...(details ? { details } : {}) }, status);
  }

  /** Another workspace's record answers exactly like a missing one. */
  static notFound(what: string): ApiException {
    return new ApiException(HttpStatus.NOT_FOUND, 'not_found', `${what} not found`);
  }

  static invalid(field: string, message: string): ApiException {
    return new ApiException(HttpStatus.BAD_REQUEST, 'validation_failed', `${field}: ${message}`, [{ field, message }]);
  }

  static forbidden(message = 'You do not have access to this action'): ApiException {
    return new ApiException(HttpStatus.FORBIDDEN, 'forbidden', message);
  }
}
