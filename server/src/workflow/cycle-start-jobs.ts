import { CRM_MAX_ATTEMPTS, CRM_QUEUE } from '../crm/crm.constants';
import type { NewJob } from '../jobs/jobs.repository';
import { timerCycleStartJobs } from '../timers/timers.constants';
import { routeJob } from '../routing/routing.constants';

/** A conversation cycle that a customer message has just started (new conversation or reopened). */
export interface CycleStart {
  workspaceId: string;
  conversationId: string;
  channelId: string;
  cycle: number;
  /** The first customer message's time. */
  at: Date;
}

/**
 * Every job a new cycle starts, enqueued in the same transaction as its first message, so a
 * crash can neither lose them nor run them for a message that was rolled back. Each feature
 * that reacts to a new cycle adds its job here; its processor reads the settings it needs.
 */
export function cycleStartJobs(start: CycleStart): NewJob[] {
  const ref = { conversationId: start.conversationId, cycle: start.cycle };
  return [
    // The CRM worker decides whether the cycle gets a deal (connection, settings).
    {
      workspaceId: start.workspaceId,
      queue: CRM_QUEUE,
      payload: { action: 'cycle-started', ...ref },
      maxAttempts: CRM_MAX_ATTEMPTS,
    },
    // Routing offers the cycle to a manager when its channel is routed (round-robin, owner).
    routeJob(start.workspaceId, start.conversationId, start.cycle),
    // Timers: the after-hours reply and the missed-chat check (they read the workspace's settings).
    ...timerCycleStartJobs(start),
  ];
}
