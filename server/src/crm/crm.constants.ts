export const CRM_QUEUE = 'crm';

/** At most 5 minutes between attempts: 40 attempts keep a deal waiting through hours of CRM outage. */
export const CRM_MAX_ATTEMPTS = 40;

export type CrmJob =
  | { action: 'cycle-started'; conversationId: string; cycle: number }
  | { action: 'create-deal'; dealId: string }
  | { action: 'link-deal'; dealId: string }
  | { action: 'update-deal'; dealId: string; stageId?: string; amount?: string; currency?: string }
  | { action: 'sync-deal'; connectionId: string; externalId: string }
  | { action: 'transcript'; conversationId: string; cycle: number }
  | { action: 'assigned'; conversationId: string; cycle: number; assigneeId: string | null };
