import type { ConversationListItem } from './api';
import type { WeeklySchedule } from './working-hours';

/** The workspace's automatic reply to customers who write outside working hours. */
export interface AfterHoursReply {
  enabled: boolean;
  text: string;
}

/**
 * What the team costs, for `cost`, `costPerChat` and `roi`: exact decimal amounts in one
 * currency — per manager (user id) an hourly cost counted over their online time, per channel
 * (channel id) a monthly cost counted pro rata.
 */
export interface CostSettings {
  currency: string;
  managerHourly: Record<string, string>;
  channelMonthly: Record<string, string>;
}

/**
 * Workspace-wide settings (`GET|PUT /api/workspace/settings`). Each is stored under its own key
 * of `workspaces.settings`; the time zone is the workspace's own column.
 */
export interface WorkspaceSettingsDto {
  /** IANA time zone the working hours are read in, e.g. `Europe/Moscow`. */
  timeZone: string;
  /** A cycle whose first customer message has no human reply after this many seconds is missed. */
  missedChatThresholdSec: number;
  /** First responses at or under this many seconds count as answered within target. */
  firstResponseTargetSec: number;
  /** Open/pending conversations whose customer has been silent this long are resolved; null = never. */
  autoResolveHours: number | null;
  /** Days after a resolution in which a new cycle of the same contact counts as a repeat contact. */
  fcrWindowDays: number;
  /** Days after the cycle start in which a won deal counts as a conversion. */
  conversionWindowDays: number;
  /** Null: always open. */
  workingHours: WeeklySchedule | null;
  afterHoursReply: AfterHoursReply;
  /** Null: no costs configured (cost metrics are null). */
  costs: CostSettings | null;
  /** Messages (and their files) older than this many days are deleted daily; null = kept forever. */
  messageRetentionDays: number | null;
}

/** Only the given fields change. */
export type UpdateWorkspaceSettingsRequest = Partial<WorkspaceSettingsDto>;

export const WORKSPACE_SETTINGS_DEFAULTS: Omit<WorkspaceSettingsDto, 'timeZone'> = {
  missedChatThresholdSec: 300,
  firstResponseTargetSec: 60,
  autoResolveHours: null,
  fcrWindowDays: 7,
  conversionWindowDays: 30,
  workingHours: null,
  afterHoursReply: { enabled: false, text: '' },
  costs: null,
  messageRetentionDays: null,
};

/** The longest retention a workspace may set (about ten years). */
export const MESSAGE_RETENTION_MAX_DAYS = 3650;

/** The settings keys this module owns inside `workspaces.settings`. */
export const WORKSPACE_SETTINGS_KEYS = [
  'missedChatThresholdSec',
  'firstResponseTargetSec',
  'autoResolveHours',
  'fcrWindowDays',
  'conversionWindowDays',
  'workingHours',
  'afterHoursReply',
  'costs',
  'messageRetentionDays',
] as const;

/**
 * Reads the settings out of a workspace's stored jsonb, falling back to the defaults for missing
 * or malformed keys (for server code and metrics that need, e.g., the FCR window).
 */
export function workspaceSettingsFrom(stored: Record<string, unknown>, timeZone: string): WorkspaceSettingsDto {
  const d = WORKSPACE_SETTINGS_DEFAULTS;
  const num = (key: string, fallback: number): number => {
    const v = stored[key];
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
  };
  const autoResolve = stored['autoResolveHours'];
  const reply = stored['afterHoursReply'] as Partial<AfterHoursReply> | undefined;
  const hours = stored['workingHours'];
  const costs = stored['costs'] as Partial<CostSettings> | null | undefined;
  const retention = stored['messageRetentionDays'];
  return {
    timeZone,
    missedChatThresholdSec: num('missedChatThresholdSec', d.missedChatThresholdSec),
    firstResponseTargetSec: num('firstResponseTargetSec', d.firstResponseTargetSec),
    autoResolveHours: typeof autoResolve === 'number' && autoResolve > 0 ? autoResolve : null,
    fcrWindowDays: num('fcrWindowDays', d.fcrWindowDays),
    conversionWindowDays: num('conversionWindowDays', d.conversionWindowDays),
    workingHours: hours && typeof hours === 'object' && !Array.isArray(hours) ? (hours as WeeklySchedule) : null,
    afterHoursReply: {
      enabled: reply?.enabled === true,
      text: typeof reply?.text === 'string' ? reply.text : '',
    },
    costs:
      costs && typeof costs.currency === 'string'
        ? {
            currency: costs.currency,
            managerHourly: costs.managerHourly ?? {},
            channelMonthly: costs.channelMonthly ?? {},
          }
        : null,
    messageRetentionDays:
      Number.isInteger(retention) && (retention as number) >= 1 && (retention as number) <= MESSAGE_RETENTION_MAX_DAYS
        ? (retention as number)
        : null,
  };
}

/** A channel's own working hours (`GET|PUT /api/channels/:id/working-hours`); null uses the workspace's. */
export interface ChannelWorkingHoursDto {
  channelId: string;
  workingHours: WeeklySchedule | null;
}

export type MissedReason = 'threshold' | 'visitor_left';

/** `conversation.missed` on `/agent`, to heads and admins: a cycle got no human reply in time. */
export interface ConversationMissedEvent {
  conversationId: string;
  cycle: number;
  reason: MissedReason;
  at: string;
  conversation: ConversationListItem;
}

/** `POST /api/conversations/:id/status`; `snoozedUntil` (ISO time in the future) is required for `snoozed`. */
export interface SetStatusRequest {
  status: 'open' | 'pending' | 'snoozed' | 'resolved';
  snoozedUntil?: string;
}
