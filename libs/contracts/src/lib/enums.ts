/** Roles, in increasing order of reach: managers see their own and unassigned conversations. */
export const USER_ROLES = ['manager', 'head', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const CHANNEL_TYPES = ['telegram', 'whatsapp', 'max', 'webchat'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const CHANNEL_STATUSES = ['active', 'error', 'disabled'] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];

export const CONVERSATION_STATUSES = ['open', 'pending', 'snoozed', 'resolved'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export type MessageDirection = 'in' | 'out';
export const AUTHOR_TYPES = ['contact', 'agent', 'bot', 'system'] as const;
export type AuthorType = (typeof AUTHOR_TYPES)[number];

/** Delivery statuses in the only order they may move: a message never goes backwards. */
export const DELIVERY_STATUSES = ['queued', 'sent', 'delivered', 'read'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number] | 'failed' | 'received';

/**
 * True when `next` may replace `current`. `failed` can follow `queued`/`sent` only;
 * `received` (inbound messages) never changes.
 */
export function canAdvanceDeliveryStatus(current: DeliveryStatus, next: DeliveryStatus): boolean {
  if (current === 'received' || next === 'received') return false;
  if (next === 'failed') return current === 'queued' || current === 'sent';
  if (current === 'failed') return next !== 'queued';
  return DELIVERY_STATUSES.indexOf(next) > DELIVERY_STATUSES.indexOf(current);
}

/** Error vocabulary shared by every channel adapter; it decides retry or fail. */
export const DELIVERY_ERROR_CODES = [
  'rate_limited',
  'temporary',
  'invalid_credentials',
  'recipient_unreachable',
  'window_closed',
  'unsupported_content',
] as const;
export type DeliveryErrorCode = (typeof DELIVERY_ERROR_CODES)[number];

export const CONVERSATION_EVENT_TYPES = [
  'cycle_started',
  'message_in',
  'human_reply',
  'assigned',
  'status_changed',
  'resolved',
  'reopened',
  'visitor_left',
  'tag_added',
  'tag_removed',
  // Routing (issue 5): payload { offerId, userId } / transfers { fromUserId, toUserId, note }.
  'offer_made',
  'offer_accepted',
  'offer_declined',
  'offer_expired',
  'transferred',
  // Timers and statuses: missed { reason: 'threshold' | 'visitor_left' }; snoozed { until }.
  'missed',
  'snoozed',
  'unsnoozed',
  'after_hours_reply',
  // Private notes: { messageId, mentionedUserIds }.
  'note_added',
  // FAQ bot: bot_reply { messageId, ruleId | null, matched }; bot_handoff { reason: 'request' | 'button' | 'human_reply' }.
  'bot_reply',
  'bot_handoff',
  // Surveys: survey_sent { surveyId, kind }; survey_answered { surveyId, kind, score, managerId }.
  'survey_sent',
  'survey_answered',
  // Proactive chat: the visitor answered an invitation { invitationId, triggerId }.
  'proactive_accepted',
] as const;
export type ConversationEventType = (typeof CONVERSATION_EVENT_TYPES)[number];
