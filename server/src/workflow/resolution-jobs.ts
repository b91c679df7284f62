import { CRM_MAX_ATTEMPTS, CRM_QUEUE } from '../crm/crm.constants';
import type { NewJob } from '../jobs/jobs.repository';
import { SURVEYS_MAX_ATTEMPTS, SURVEYS_QUEUE } from '../surveys/surveys.constants';
import { ROUTING_MAX_ATTEMPTS, ROUTING_QUEUE } from '../routing/routing.constants';

/** A conversation cycle that has just been resolved (by a manager, the auto-resolve timer or the bot). */
export interface CycleResolution {
  workspaceId: string;
  conversationId: string;
  channelId: string;
  cycle: number;
  at: Date;
}

/**
 * Every job a resolution starts, enqueued in the resolving transaction. Each feature that reacts
 * to a resolution (CRM transcript, survey) adds its job here; its processor reads its settings.
 */
export function resolutionJobs(resolution: CycleResolution): NewJob[] {
  const ref = { conversationId: resolution.conversationId, cycle: resolution.cycle };
  return [
    // The cycle's transcript goes to its CRM deal, if it has one (the CRM worker decides).
    {
      workspaceId: resolution.workspaceId,
      queue: CRM_QUEUE,
      payload: { action: 'transcript', ...ref },
      maxAttempts: CRM_MAX_ATTEMPTS,
    },
    // The post-resolution survey, when the workspace turned surveys on (one per cycle).
    { workspaceId: resolution.workspaceId, queue: SURVEYS_QUEUE, payload: ref, maxAttempts: SURVEYS_MAX_ATTEMPTS },
    // The manager's capacity freed: routing offers the conversations waiting in routed queues.
    {
      workspaceId: resolution.workspaceId,
      queue: ROUTING_QUEUE,
      payload: { action: 'route-waiting' },
      maxAttempts: ROUTING_MAX_ATTEMPTS,
    },
  ];
}
