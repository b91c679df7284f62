import type { NewJob } from '../jobs/jobs.repository';

/** Durable routing work: `route` a conversation, `expire` an offer, `route-waiting` a workspace's queue. */
export const ROUTING_QUEUE = 'routing';
export const ROUTING_MAX_ATTEMPTS = 10;

/** Offers a conversation's cycle per its channel's routing mode (a new cycle, a bot's hand-off). */
export function routeJob(workspaceId: string, conversationId: string, cycle: number): NewJob {
  return {
    workspaceId,
    queue: ROUTING_QUEUE,
    payload: { action: 'route', conversationId, cycle },
    maxAttempts: ROUTING_MAX_ATTEMPTS,
  };
}
