import { ParseUUIDPipe } from '@nestjs/common';
import { ApiException } from './api.exception';

/** A malformed id answers exactly like an unknown one: 404. */
export function uuidPipe(what: string): ParseUUIDPipe {
  return new ParseUUIDPipe({ exceptionFactory: () => ApiException.notFound(what) });
}
