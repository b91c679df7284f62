import type { NewJob } from '../jobs/jobs.repository';
import type { CycleStart } from '../workflow/cycle-start-jobs';

export const TIMERS_QUEUE = 'timers';

/** Timer jobs defer (no attempt spent) while they wait; attempts only count real failures. */
export const TIMERS_MAX_ATTEMPTS = 20;

export type TimerJob =
  /** A new cycle: reply with the after-hours text when it started outside working hours. */
  | { action: 'after-hours'; conversationId: string; cycle: number; at: string }
  /** A new cycle: mark it missed when no human replied within the workspace threshold. */
  | { action: 'missed-check'; conversationId: string; cycle: number }
  /** A website visitor disconnected; if they are still gone and nobody replied, the cycle is missed. */
  | { action: 'visitor-left'; channelId: string; visitorId: string; at: string }
  /** A snoozed conversation's time has come: back to open. */
  | { action: 'wake'; conversationId: string; until: string }
  /** The workspace's auto-resolve sweep: one pending job per workspace that defers itself. */
  | { action: 'auto-resolve'; singleton: 'auto-resolve' };

function job(workspaceId: string, payload: TimerJob, runAt?: Date): NewJob {
  return { workspaceId, queue: TIMERS_QUEUE, payload, maxAttempts: TIMERS_MAX_ATTEMPTS, runAt };
}

/** The timers a new cycle starts (see `cycleStartJobs`). */
export function timerCycleStartJobs(start: CycleStart): NewJob[] {
  const ref = { conversationId: start.conversationId, cycle: start.cycle };
  return [
    job(start.workspaceId, { action: 'after-hours', ...ref, at: start.at.toISOString() }),
    missedCheckJob(start.workspaceId, start.conversationId, start.cycle),
  ];
}

/** Flags the cycle missed once its threshold passes without a human reply (see TimersService.checkMissed). */
export function missedCheckJob(workspaceId: string, conversationId: string, cycle: number): NewJob {
  return job(workspaceId, { action: 'missed-check', conversationId, cycle });
}

/** Wakes a snoozed conversation at `until` (a later snooze makes this one a no-op). */
export function snoozeWakeJob(workspaceId: string, conversationId: string, until: Date): NewJob {
  return job(workspaceId, { action: 'wake', conversationId, until: until.toISOString() }, until);
}

export function visitorLeftJob(
  workspaceId: string,
  channelId: string,
  visitorId: string,
  at: Date,
  graceMs: number,
): NewJob {
  return job(
    workspaceId,
    { action: 'visitor-left', channelId, visitorId, at: at.toISOString() },
    new Date(at.getTime() + graceMs),
  );
}
