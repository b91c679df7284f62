import { Inject, Injectable, Logger } from '@nestjs/common';
import { isOpenAt, workspaceSettingsFrom, type MissedReason, type WeeklySchedule } from '@onebox/contracts';
import { isBotOnlyCycle } from '../bot/bot.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { mapConversation } from '../conversations/conversations.dto';
import { ConversationsRepository } from '../conversations/conversations.repository';
import type { MessageRow } from '../conversations/messages.repository';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { RealtimeService } from '../realtime/realtime.service';
import { AutomatedMessages } from '../workflow/automated-messages';
import { resolutionJobs } from '../workflow/resolution-jobs';
import { WorkspaceSettingsRepository } from '../workspace-settings/workspace-settings.repository';
import { visitorLeftJob } from './timers.constants';
import { TimersRepository, type TimerConversationRow } from './timers.repository';

/** What a timer job asks of the worker: done, or run again after `ms`. */
export type TimerOutcome = { done: true } | { done: false; deferMs: number };

const DONE: TimerOutcome = { done: true };
const later = (ms: number): TimerOutcome => ({ done: false, deferMs: Math.max(0, Math.ceil(ms)) });

/** Conversations resolved per sweep run; a full batch runs the sweep again at once. */
const SWEEP_BATCH = 100;
/** The sweep re-reads the setting at least this often, even with nothing due. */
const SWEEP_MAX_WAIT_MS = 10 * 60_000;

/**
 * Time-driven rules: missed chats (threshold, visitor left), the after-hours reply, snooze
 * wake-ups and auto-resolve. Each runs from a durable `timers` job, is idempotent (re-checks the
 * conversation under lock, writes each fact once per cycle) and publishes after commit.
 */
@Injectable()
export class TimersService {
  private readonly logger = new Logger('Timers');

  constructor(
    private readonly tx: TransactionService,
    private readonly timers: TimersRepository,
    private readonly settings: WorkspaceSettingsRepository,
    private readonly conversations: ConversationsRepository,
    private readonly events: ConversationEventsRepository,
    private readonly jobs: JobsRepository,
    private readonly automated: AutomatedMessages,
    private readonly publisher: ConversationPublisher,
    private readonly realtime: RealtimeService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'visitorLeftGraceMs'>,
  ) {}

  private async workspaceSettings(workspaceId: string) {
    const row = await this.settings.find(workspaceId);
    return row ? workspaceSettingsFrom(row.settings, row.time_zone) : null;
  }

  /**
   * A cycle is missed when its first customer message (or the bot's hand-off) got no human reply
   * within the threshold.
   * Waits (defers) until the threshold has passed; the threshold is read afresh on each run.
   */
  async checkMissed(workspaceId: string, conversationId: string, cycle: number): Promise<TimerOutcome> {
    const settings = await this.workspaceSettings(workspaceId);
    const seen = await this.timers.find(workspaceId, conversationId);
    if (!settings || !seen || seen.cycle !== cycle || !seen.first_customer_message_at) return DONE;
    // A cycle the FAQ bot answered is missed only from its hand-off (which enqueues a new check);
    // one the bot still holds, or ended without people, is not a missed chat.
    const clock = await this.timers.missedClockStart(workspaceId, seen);
    if (!clock) return DONE;
    const due = new Date(clock.getTime() + settings.missedChatThresholdSec * 1000);
    if (seen.first_human_reply_at && seen.first_human_reply_at <= due) return DONE;
    const wait = due.getTime() - Date.now();
    if (wait > 0) return later(wait);
    const missed = await this.tx.run(async (tx) => {
      const row = await this.timers.find(workspaceId, conversationId, tx, true);
      if (!row || row.cycle !== cycle) return null;
      if (row.first_human_reply_at && row.first_human_reply_at <= due) return null;
      if (await this.timers.hasCycleEvent(tx, row, 'missed')) return null;
      await this.appendMissed(tx, row, 'threshold', due, { thresholdSec: settings.missedChatThresholdSec });
      return row;
    });
    if (missed) await this.publishMissed(missed, 'threshold', due);
    return DONE;
  }

  /** The widget's socket closed: after a grace period (page navigation reconnects), check whether they left. */
  async visitorDisconnected(channel: { id: string; workspace_id: string }, visitorId: string): Promise<void> {
    const found = await this.timers.findIdOfVisitor(channel.id, visitorId);
    if (!found) return;
    const row = await this.timers.find(channel.workspace_id, found.id);
    if (!row || row.status === 'resolved' || row.first_human_reply_at || !row.first_customer_message_at) return;
    await this.tx.run((tx) =>
      this.jobs.enqueue(
        tx,
        visitorLeftJob(channel.workspace_id, channel.id, visitorId, new Date(), this.config.visitorLeftGraceMs),
      ),
    );
  }

  /** The visitor left before any human reply: the cycle is missed (once; a threshold miss stays the only one). */
  async checkVisitorLeft(workspaceId: string, channelId: string, visitorId: string, at: Date): Promise<TimerOutcome> {
    if (await this.realtime.isVisitorConnected(channelId, visitorId)) return DONE;
    const found = await this.timers.findIdOfVisitor(channelId, visitorId);
    if (!found || found.workspace_id !== workspaceId) return DONE;
    const missed = await this.tx.run(async (tx) => {
      const row = await this.timers.find(workspaceId, found.id, tx, true);
      if (!row || row.status === 'resolved' || row.first_human_reply_at || !row.first_customer_message_at) return null;
      if (row.first_customer_message_at > at) return null; // a cycle that started after they left
      if (await this.timers.hasCycleEvent(tx, row, 'visitor_left')) return null;
      await this.events.append(tx, [
        { ...this.eventBase(row, at), type: 'visitor_left', actorType: 'contact', actorId: row.contact_id },
      ]);
      if (await this.timers.hasCycleEvent(tx, row, 'missed')) return null;
      await this.appendMissed(tx, row, 'visitor_left', at, {});
      return row;
    });
    if (missed) await this.publishMissed(missed, 'visitor_left', at);
    return DONE;
  }

  /**
   * A new cycle that started outside working hours (the channel's, else the workspace's) gets the
   * after-hours reply once, when the workspace has it on.
   */
  async afterHours(workspaceId: string, conversationId: string, cycle: number, startedAt: Date): Promise<TimerOutcome> {
    const settings = await this.workspaceSettings(workspaceId);
    const reply = settings?.afterHoursReply;
    if (!settings || !reply?.enabled || !reply.text.trim()) return DONE;
    const seen = await this.timers.find(workspaceId, conversationId);
    if (!seen || seen.cycle !== cycle) return DONE;
    const schedule = scheduleOf(seen, settings.workingHours);
    if (isOpenAt(schedule, settings.timeZone, startedAt)) return DONE;
    const message = await this.tx.run(async (tx): Promise<MessageRow | null> => {
      const row = await this.timers.find(workspaceId, conversationId, tx, true);
      if (!row || row.cycle !== cycle) return null;
      if (await this.timers.hasCycleEvent(tx, row, 'after_hours_reply')) return null;
      return this.automated.send(tx, row, {
        authorType: 'bot',
        authorName: row.channel_name,
        text: reply.text.trim(),
        event: { type: 'after_hours_reply', payload: { timeZone: settings.timeZone } },
      });
    });
    if (message) await this.publisher.messageAdded(message, 'updated');
    return DONE;
  }

  /** A snoozed conversation whose time has come goes back to open (unless snoozed again or reopened). */
  async wake(workspaceId: string, conversationId: string, until: Date): Promise<TimerOutcome> {
    const wait = until.getTime() - Date.now();
    if (wait > 0) return later(wait);
    const woke = await this.tx.run(async (tx) => {
      const row = await this.timers.find(workspaceId, conversationId, tx, true);
      if (!row || row.status !== 'snoozed' || row.snoozed_until?.getTime() !== until.getTime()) return false;
      const at = new Date();
      await this.conversations.setStatus(tx, row.id, 'open', at);
      await this.events.append(tx, [
        {
          ...this.eventBase(row, at),
          type: 'unsnoozed',
          actorType: 'system',
          actorId: null,
          payload: { until: until.toISOString() },
        },
      ]);
      return true;
    });
    if (woke) await this.publisher.conversationChanged(conversationId);
    return DONE;
  }

  /**
   * Resolves the workspace's open and pending conversations whose customer has been silent for
   * `autoResolveHours`, as the system, then waits until the next one can be due. Stops (done)
   * when the setting is off; turning it on again starts a new sweep.
   */
  async sweepAutoResolve(workspaceId: string): Promise<TimerOutcome> {
    const settings = await this.workspaceSettings(workspaceId);
    const hours = settings?.autoResolveHours;
    if (!hours) return DONE;
    const silenceMs = hours * 3_600_000;
    const cutoff = new Date(Date.now() - silenceMs);
    const ids = await this.timers.silentIds(workspaceId, cutoff, SWEEP_BATCH);
    for (const id of ids) {
      try {
        if (await this.autoResolve(workspaceId, id, cutoff, hours))
          await this.publisher.conversationChanged(id).catch(() => undefined);
      } catch (err) {
        this.logger.warn(`Auto-resolve of ${id} failed: ${(err as Error).message}`);
      }
    }
    if (ids.length === SWEEP_BATCH) return later(0);
    const oldest = await this.timers.oldestSilence(workspaceId);
    const next = oldest ? oldest.getTime() + silenceMs - Date.now() : silenceMs;
    return later(Math.min(SWEEP_MAX_WAIT_MS, Math.max(50, next + 10)));
  }

  private async autoResolve(workspaceId: string, id: string, cutoff: Date, hours: number): Promise<boolean> {
    return this.tx.run(async (tx) => {
      const row = await this.timers.find(workspaceId, id, tx, true);
      if (!row || (row.status !== 'open' && row.status !== 'pending')) return false;
      if (!row.last_customer_message_at || row.last_customer_message_at >= cutoff) return false;
      const at = new Date();
      await this.conversations.setStatus(tx, row.id, 'resolved', at);
      await this.events.append(tx, [
        {
          ...this.eventBase(row, at),
          type: 'resolved',
          actorType: 'system',
          actorId: null,
          payload: {
            from: row.status,
            to: 'resolved',
            reason: 'auto',
            silentHours: hours,
            // Containment: the customer went quiet after the FAQ bot, with no human in the cycle.
            ...(isBotOnlyCycle(row) ? { botOnly: true } : {}),
          },
        },
      ]);
      const resolution = { workspaceId, conversationId: row.id, channelId: row.channel_id, cycle: row.cycle, at };
      for (const job of resolutionJobs(resolution)) await this.jobs.enqueue(tx, job);
      return true;
    });
  }

  private eventBase(row: TimerConversationRow, at: Date) {
    return { workspaceId: row.workspace_id, conversationId: row.id, channelId: row.channel_id, cycle: row.cycle, at };
  }

  private async appendMissed(
    tx: Db,
    row: TimerConversationRow,
    reason: MissedReason,
    at: Date,
    extra: Record<string, unknown>,
  ): Promise<void> {
    await this.events.append(tx, [
      {
        ...this.eventBase(row, at),
        type: 'missed',
        actorType: 'system',
        actorId: null,
        payload: { reason, assigneeId: row.assignee_id, ...extra },
      },
    ]);
  }

  /** Heads and admins hear of every missed chat at once. */
  private async publishMissed(row: TimerConversationRow, reason: MissedReason, at: Date): Promise<void> {
    const current = await this.conversations.findById(row.id);
    if (!current) return;
    this.realtime.toLeads(row.workspace_id, 'conversation.missed', {
      conversationId: row.id,
      cycle: row.cycle,
      reason,
      at: at.toISOString(),
      conversation: mapConversation(current),
    });
  }
}

/** The channel's own working hours when it has them, else the workspace's (null: always open). */
export function scheduleOf(
  row: Pick<TimerConversationRow, 'channel_settings'>,
  workspaceHours: WeeklySchedule | null,
): WeeklySchedule | null {
  const own = row.channel_settings?.['workingHours'];
  return own && typeof own === 'object' ? (own as WeeklySchedule) : workspaceHours;
}
