import { HttpErrorResponse } from '@angular/common/http';
import type { ApiError } from '@onebox/contracts';

/** The server's JSON error body, when the failure carries one. */
export function apiErrorOf(err: unknown): ApiError | null {
  if (!(err instanceof HttpErrorResponse)) return null;
  const body: unknown = err.error;
  if (body && typeof body === 'object' && typeof (body as ApiError).message === 'string') {
    return body as ApiError;
  }
  return null;
}

/** The human message of an API failure, or `fallback` (e.g. for network errors). */
export function apiErrorMessage(err: unknown, fallback: string, networkFallback = fallback): string {
  if (err instanceof HttpErrorResponse && err.status === 0) return networkFallback;
  const message = apiErrorOf(err)?.message;
  return Array.isArray(message) ? message.join(', ') : message || fallback;
}

/** Validation errors by field name, from `details: [{field, message}]`. */
export function fieldErrors(err: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const detail of apiErrorOf(err)?.details ?? []) {
    if (detail?.field && !(detail.field in result)) result[detail.field] = detail.message;
  }
  return result;
}

/** Seconds to wait after a 429: `Retry-After` header, else a `retryAfter` field in the body. */
export function retryAfterSeconds(err: unknown): number | null {
  if (!(err instanceof HttpErrorResponse)) return null;
  const header = err.headers?.get('Retry-After');
  const fromHeader = header ? Number(header) : NaN;
  if (Number.isFinite(fromHeader) && fromHeader >= 0) return Math.ceil(fromHeader);
  const body = err.error as { retryAfter?: unknown; details?: { field: string; message: string }[] } | null;
  const fromBody = Number(body?.retryAfter ?? body?.details?.find((d) => d.field === 'retryAfter')?.message);
  return Number.isFinite(fromBody) && fromBody >= 0 ? Math.ceil(fromBody) : null;
}
