import type { ChannelRoutingDto, PresenceStatus, RoutingMode } from '@onebox/contracts';

export const DEFAULT_ROUTING: ChannelRoutingDto = { mode: 'open', offerTimeoutSec: 30, ownerTimeoutSec: 60 };

/** A channel's routing as stored in `channels.settings.routing`, with defaults for what is missing. */
export function routingOf(settings: { routing?: Partial<ChannelRoutingDto> } | null | undefined): ChannelRoutingDto {
  const stored = settings?.routing ?? {};
  return {
    mode: stored.mode ?? DEFAULT_ROUTING.mode,
    offerTimeoutSec: stored.offerTimeoutSec ?? DEFAULT_ROUTING.offerTimeoutSec,
    ownerTimeoutSec: stored.ownerTimeoutSec ?? DEFAULT_ROUTING.ownerTimeoutSec,
  };
}

export function isRouted(mode: RoutingMode): boolean {
  return mode !== 'open';
}

/** A manager as routing weighs them. */
export interface Candidate {
  userId: string;
  status: PresenceStatus;
  maxChats: number;
  /** Open and pending conversations assigned to them plus offers waiting for their answer. */
  load: number;
  /** Their latest offer of any conversation; null when never offered. */
  lastOfferedAt: Date | null;
}

export function isAvailable(c: Candidate): boolean {
  return c.status === 'online' && c.load < c.maxChats;
}

export interface Pick {
  userId: string;
  reason: 'owner' | 'round_robin';
}

/**
 * Who gets the offer: the owner (a returning contact's last manager) when available and not
 * excluded, else round-robin among available managers — the one offered least recently (never
 * offered first), ties broken by the lighter load, then by id so the choice is stable. Null when
 * nobody is available: the conversation waits in the open queue.
 */
export function pickManager(
  candidates: Candidate[],
  options: { excludeUserIds?: Iterable<string>; ownerId?: string | null } = {},
): Pick | null {
  const excluded = new Set(options.excludeUserIds ?? []);
  const available = candidates.filter((c) => isAvailable(c) && !excluded.has(c.userId));
  if (options.ownerId) {
    const owner = available.find((c) => c.userId === options.ownerId);
    if (owner) return { userId: owner.userId, reason: 'owner' };
  }
  const [next] = [...available].sort(
    (a, b) =>
      (a.lastOfferedAt?.getTime() ?? -Infinity) - (b.lastOfferedAt?.getTime() ?? -Infinity) ||
      a.load - b.load ||
      (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0),
  );
  return next ? { userId: next.userId, reason: 'round_robin' } : null;
}
