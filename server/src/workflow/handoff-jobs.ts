import type { NewJob } from '../jobs/jobs.repository';
import { ROUTING_MAX_ATTEMPTS, ROUTING_QUEUE } from '../routing/routing.constants';
import { missedCheckJob } from '../timers/timers.constants';

/** A cycle the FAQ bot has just handed to people (the customer asked for a person). */
export interface BotHandoff {
  workspaceId: string;
  conversationId: string;
  cycle: number;
}

/**
 * What waits for a bot's hand-off, enqueued in its transaction: routing offers the cycle to a
 * manager, and the missed-chat clock starts (both skip cycles the bot still holds).
 */
export function handoffJobs(handoff: BotHandoff): NewJob[] {
  const ref = { conversationId: handoff.conversationId, cycle: handoff.cycle };
  return [
    {
      workspaceId: handoff.workspaceId,
      queue: ROUTING_QUEUE,
      payload: { action: 'route', ...ref },
      maxAttempts: ROUTING_MAX_ATTEMPTS,
    },
    missedCheckJob(handoff.workspaceId, handoff.conversationId, handoff.cycle),
  ];
}
