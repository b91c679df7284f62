import { CRM_MAX_ATTEMPTS, CRM_QUEUE } from '../crm/crm.constants';
import type { NewJob } from '../jobs/jobs.repository';

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
  ];
}
