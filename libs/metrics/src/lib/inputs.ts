import type { AuthorType, ChannelType, ConversationEventType, WeeklySchedule } from '@onebox/contracts';

/** One row of `conversation_events`, as the metrics read it. */
export interface MetricEvent {
  cycle: number;
  type: ConversationEventType;
  actorType: AuthorType;
  actorId: string | null;
  at: Date;
  payload: Record<string, unknown>;
}

/** A deal linked to a conversation cycle (`deals` + its stage history). */
export interface MetricDeal {
  cycle: number;
  createdAt: Date;
  /** When the deal reached a won stage; null while open or lost. */
  wonAt: Date | null;
  /** Exact decimal, e.g. `"125000.50"`. */
  amount: string | null;
  currency: string | null;
  /** Where the deal stands now. */
  semantic?: 'open' | 'won' | 'lost';
}

/** Everything about one conversation that its metrics depend on. */
export interface ConversationInput {
  conversationId: string;
  channelId: string;
  channelType: ChannelType;
  contactId: string;
  /** In the order they were written (by `at`, then id). */
  events: MetricEvent[];
  deals: MetricDeal[];
  /** The customer's id on the channel (the website visitor's id on webchat). */
  externalUserId?: string;
}

/** What the website widget recorded: page views and the proactive invitations it showed. */
export interface WidgetActivity {
  pageViews: { channelId: string; visitorId: string; at: Date }[];
  invitations: { channelId: string; visitorId: string; shownAt: Date }[];
}

/** A stretch of a manager's presence (`presence_intervals`); `to` null while it lasts. */
export interface PresenceInterval {
  userId: string;
  status: 'online' | 'away' | 'offline';
  from: Date;
  to: Date | null;
}

/** The workspace settings the definitions use (METRICS.md defaults). */
export interface MetricSettings {
  missedChatThresholdSec: number;
  firstResponseTargetSec: number;
  fcrWindowDays: number;
  conversionWindowDays: number;
  /** The workspace's working hours, for the `…BusinessSec` variants; absent or null: none set. */
  workingHours?: { schedule: WeeklySchedule; timeZone: string } | null;
}

export const DEFAULT_METRIC_SETTINGS: MetricSettings = {
  missedChatThresholdSec: 300,
  firstResponseTargetSec: 60,
  fcrWindowDays: 7,
  conversionWindowDays: 30,
};

/** A period `[from, to)`; `asOf` is "now" for rules that depend on elapsed time (missed, FCR windows). */
export interface Period {
  from: Date;
  to: Date;
  asOf: Date;
}
