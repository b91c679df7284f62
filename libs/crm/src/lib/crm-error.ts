/** What went wrong talking to a CRM; the code decides retry (rate_limited, temporary) or fail. */
export type CrmErrorCode = 'rate_limited' | 'temporary' | 'invalid_credentials' | 'not_found' | 'validation';

export class CrmError extends Error {
  constructor(
    readonly code: CrmErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    /** The CRM's own error code or title, kept for the sync status panel. */
    readonly providerCode?: string | number,
  ) {
    super(message);
    this.name = 'CrmError';
  }

  get retryable(): boolean {
    return this.code === 'rate_limited' || this.code === 'temporary';
  }
}
