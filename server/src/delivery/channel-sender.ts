import type { DeliveryErrorCode } from '@onebox/contracts';
import type { ChannelRow } from '../channels/channels.repository';
import type { MessageRow } from '../conversations/messages.repository';

export interface Recipient {
  /** The customer's id on the channel. */
  externalId: string;
  /** What the platform told about the identity that replies need (Telegram business connection). */
  meta: Record<string, unknown>;
}

/**
 * Sends an agent's message out through channels of some types. Implement `send` so that it
 * throws a `DeliveryError` with a code from the shared vocabulary; the code decides retry or fail.
 */
export interface ChannelSender {
  readonly types: readonly ChannelRow['type'][];
  /** Answers the provider's message id. */
  send(input: { channel: ChannelRow; recipient: Recipient; message: MessageRow }): Promise<{ externalId: string }>;
}

export class DeliveryError extends Error {
  constructor(
    readonly code: DeliveryErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    /** Not a failure: the message's turn has not come yet; try again after `retryAfterMs`. */
    readonly deferred = false,
  ) {
    super(message);
  }

  /** Nothing was sent: the send limits put the message off by `delayMs`. */
  static later(reason: string, delayMs: number): DeliveryError {
    return new DeliveryError('rate_limited', reason, delayMs, true);
  }

  get retryable(): boolean {
    return this.code === 'rate_limited' || this.code === 'temporary';
  }
}

export const CHANNEL_SENDERS = Symbol('CHANNEL_SENDERS');
