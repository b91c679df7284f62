import type { NewJob } from '../jobs/jobs.repository';
import { routeJob } from '../routing/routing.constants';
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
  return [
    routeJob(handoff.workspaceId, handoff.conversationId, handoff.cycle),
    missedCheckJob(handoff.workspaceId, handoff.conversationId, handoff.cycle),
  ];
}
