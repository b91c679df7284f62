/** A manager's availability as the agent app reports it (heartbeats; closing the app goes offline). */
export const PRESENCE_STATUSES = ['online', 'away', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

/**
 * How a channel's new conversations reach managers: `open` (an unassigned queue, the first to
 * reply takes it), `round_robin` (offered to the online manager under capacity offered least
 * recently) or `owner` (a returning contact is offered to their last manager first).
 */
export const ROUTING_MODES = ['open', 'round_robin', 'owner'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

export const OFFER_OUTCOMES = ['accepted', 'declined', 'expired', 'cancelled'] as const;
export type OfferOutcome = (typeof OFFER_OUTCOMES)[number];

export interface ChannelRoutingDto {
  mode: RoutingMode;
  /** Seconds a manager has to accept an offer before it moves on. */
  offerTimeoutSec: number;
  /** Seconds the last manager of a returning contact has before round-robin takes over (`owner`). */
  ownerTimeoutSec: number;
}

export interface UpdateChannelRoutingRequest {
  mode: RoutingMode;
  offerTimeoutSec?: number;
  ownerTimeoutSec?: number;
}

/** One member of the team as routing sees them (`GET /api/presence`). */
export interface PresenceDto {
  userId: string;
  name: string;
  role: string;
  status: PresenceStatus;
  /** When the current status began; null for someone never seen. */
  since: string | null;
  /** Open and pending conversations assigned to them. */
  activeChats: number;
  maxChats: number;
}

export interface PresenceUpdatedEvent {
  userId: string;
  status: PresenceStatus;
  since: string;
}

/** A conversation offered to one manager, who accepts or declines it before `expiresAt`. */
export interface OfferDto {
  id: string;
  conversationId: string;
  cycle: number;
  userId: string;
  /** `owner`: the contact's last manager; `round_robin`: the next available manager. */
  reason: 'owner' | 'round_robin';
  offeredAt: string;
  expiresAt: string;
  outcome: OfferOutcome | null;
  conversation: {
    contactName: string;
    channel: { id: string; type: string; name: string };
    lastMessageText: string | null;
  };
}

/** The offer left the manager's hands (accepted, declined, timed out, or taken by someone else). */
export interface OfferClosedEvent {
  offerId: string;
  conversationId: string;
  outcome: OfferOutcome;
}

export interface TransferRequest {
  /** Another user of the workspace, or null to put the conversation back to the queue (re-routed). */
  assigneeId: string | null;
  /** Kept in the thread as a private note. */
  note?: string;
}

export interface UpdateUserRequest {
  /** The most open conversations routing gives this user at once. */
  maxChats?: number;
}
