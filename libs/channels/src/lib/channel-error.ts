import type { DeliveryErrorCode } from '@onebox/contracts';

/**
 * Every provider failure, mapped onto the shared vocabulary. `rate_limited` and `temporary` are
 * worth retrying (after `retryAfterMs` when the provider said so); the others are final.
 */
export class ChannelError extends Error {
  constructor(
    readonly code: DeliveryErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    /** The provider's own error code or description, for the record on the message. */
    readonly providerCode?: string | number,
  ) {
    super(message);
    this.name = 'ChannelError';
  }

  get retryable(): boolean {
    return this.code === 'rate_limited' || this.code === 'temporary';
  }
}
