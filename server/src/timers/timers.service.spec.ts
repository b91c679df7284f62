import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { ConversationsRepository } from '../conversations/conversations.repository';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { RealtimeService } from '../realtime/realtime.service';
import { AutomatedMessages } from '../workflow/automated-messages';
import { WorkspaceSettingsRepository } from '../workspace-settings/workspace-settings.repository';
import { TimersRepository, type TimerConversationRow } from './timers.repository';
import { TimersService } from './timers.service';

const WS = 'ws-1';
const NOW = new Date('2026-11-23T10:00:00.000Z'); // a Monday
const fakeTx = {} as Db;

const conversation = (o: Partial<TimerConversationRow> = {}): TimerConversationRow => ({
  ...rows.conversationRow(),
  snoozed_until: null,
  channel_name: 'Website',
  channel_settings: {},
  ...o,
});

describe(TimersService.name, () => {
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let timers: ReturnType<typeof strictMock<TimersRepository>>;
  let settings: ReturnType<typeof strictMock<WorkspaceSettingsRepository>>;
  let conversations: ReturnType<typeof strictMock<ConversationsRepository>>;
  let events: ReturnType<typeof strictMock<ConversationEventsRepository>>;
  let jobs: ReturnType<typeof strictMock<JobsRepository>>;
  let automated: ReturnType<typeof strictMock<AutomatedMessages>>;
  let publisher: ReturnType<typeof strictMock<ConversationPublisher>>;
  let realtime: ReturnType<typeof strictMock<RealtimeService>>;
  let service: TimersService;

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    tx = strictMock(TransactionService);
    timers = strictMock(TimersRepository);
    settings = strictMock(WorkspaceSettingsRepository);
    conversations = strictMock(ConversationsRepository);
    events = strictMock(ConversationEventsRepository);
    jobs = strictMock(JobsRepository);
    automated = strictMock(AutomatedMessages);
    publisher = strictMock(ConversationPublisher);
    realtime = strictMock(RealtimeService);
    tx.run.mockImplementation((work) => work(fakeTx));
    service = new TimersService(
      tx as unknown as TransactionService,
      timers as unknown as TimersRepository,
      settings as unknown as WorkspaceSettingsRepository,
      conversations as unknown as ConversationsRepository,
      events as unknown as ConversationEventsRepository,
      jobs as unknown as JobsRepository,
      automated as unknown as AutomatedMessages,
      publisher as unknown as ConversationPublisher,
      realtime as unknown as RealtimeService,
      { visitorLeftGraceMs: 30_000 },
    );
  });

  afterEach(() => jest.useRealTimers());

  const withSettings = (stored: Record<string, unknown>, timeZone = 'UTC') =>
    settings.find.mockResolvedValue({ time_zone: timeZone, settings: stored });

  describe('checkMissed', () => {
    beforeEach(() => {
      timers.missedClockStart.mockImplementation(async (_ws, row) => row.first_customer_message_at);
    });

    it('counts from the hand-off when the FAQ bot held the cycle, and not at all while it does', async () => {
      withSettings({ missedChatThresholdSec: 120 });
      timers.find.mockResolvedValue(conversation({ first_customer_message_at: new Date(NOW.getTime() - 600_000) }));
      timers.missedClockStart.mockResolvedValueOnce(new Date(NOW.getTime() - 20_000));
      expect(await service.checkMissed(WS, 'cv-1', 1)).toEqual({ done: false, deferMs: 100_000 });
      timers.missedClockStart.mockResolvedValueOnce(null);
      expect(await service.checkMissed(WS, 'cv-1', 1)).toEqual({ done: true });
      expect(events.append).not.toHaveBeenCalled();
    });

    it('waits until first customer message + threshold', async () => {
      withSettings({ missedChatThresholdSec: 120 });
      timers.find.mockResolvedValue(conversation({ first_customer_message_at: new Date(NOW.getTime() - 30_000) }));
      expect(await service.checkMissed(WS, 'cv-1', 1)).toEqual({ done: false, deferMs: 90_000 });
    });

    it('is done without a fact when a human replied within the threshold', async () => {
      withSettings({});
      timers.find.mockResolvedValue(
        conversation({
          first_customer_message_at: new Date(NOW.getTime() - 600_000),
          first_human_reply_at: new Date(NOW.getTime() - 500_000),
        }),
      );
      expect(await service.checkMissed(WS, 'cv-1', 1)).toEqual({ done: true });
      expect(events.append).not.toHaveBeenCalled();
    });

    it('writes one missed event at the due time and tells the leads', async () => {
      withSettings({ missedChatThresholdSec: 60 });
      const first = new Date(NOW.getTime() - 90_000);
      const row = conversation({ first_customer_message_at: first });
      timers.find.mockResolvedValue(row);
      timers.hasCycleEvent.mockResolvedValue(false);
      events.append.mockResolvedValue();
      conversations.findById.mockResolvedValue(rows.listRow());
      realtime.toLeads.mockReturnValue();
      expect(await service.checkMissed(WS, 'cv-1', 1)).toEqual({ done: true });
      const due = new Date(first.getTime() + 60_000);
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        expect.objectContaining({
          type: 'missed',
          cycle: 1,
          actorType: 'system',
          at: due,
          payload: { reason: 'threshold', assigneeId: null, thresholdSec: 60 },
        }),
      ]);
      expect(realtime.toLeads).toHaveBeenCalledWith(
        WS,
        'conversation.missed',
        expect.objectContaining({ conversationId: 'cv-1', reason: 'threshold', at: due.toISOString() }),
      );
    });

    it('does nothing for another cycle or a cycle already missed', async () => {
      withSettings({ missedChatThresholdSec: 1 });
      timers.find.mockResolvedValueOnce(conversation({ cycle: 2 }));
      expect(await service.checkMissed(WS, 'cv-1', 1)).toEqual({ done: true });
      timers.find.mockResolvedValue(conversation());
      timers.hasCycleEvent.mockResolvedValue(true);
      expect(await service.checkMissed(WS, 'cv-1', 1)).toEqual({ done: true });
      expect(events.append).not.toHaveBeenCalled();
    });
  });

  describe('afterHours', () => {
    const closedMonday = { workingHours: { tue: [{ from: '09:00', to: '18:00' }] } };
    const reply = { afterHoursReply: { enabled: true, text: 'We are closed' } };

    it('replies once, as the bot, when the cycle started outside the hours', async () => {
      withSettings({ ...closedMonday, ...reply });
      timers.find.mockResolvedValue(conversation());
      timers.hasCycleEvent.mockResolvedValue(false);
      const message = rows.outboundMessageRow();
      automated.send.mockResolvedValue(message);
      publisher.messageAdded.mockResolvedValue();
      await service.afterHours(WS, 'cv-1', 1, NOW);
      expect(automated.send).toHaveBeenCalledWith(fakeTx, expect.objectContaining({ id: 'cv-1' }), {
        authorType: 'bot',
        authorName: 'Website',
        text: 'We are closed',
        event: { type: 'after_hours_reply', payload: { timeZone: 'UTC' } },
      });
      expect(publisher.messageAdded).toHaveBeenCalledWith(message, 'updated');
    });

    it('stays silent inside the channel’s own hours, when the reply is off, or after one reply', async () => {
      withSettings({ ...closedMonday, ...reply });
      timers.find.mockResolvedValueOnce(
        conversation({ channel_settings: { workingHours: { mon: [{ from: '00:00', to: '24:00' }] } } }),
      );
      await service.afterHours(WS, 'cv-1', 1, NOW);

      withSettings({ ...closedMonday, afterHoursReply: { enabled: false, text: 'x' } });
      await service.afterHours(WS, 'cv-1', 1, NOW);

      withSettings({ ...closedMonday, ...reply });
      timers.find.mockResolvedValue(conversation());
      timers.hasCycleEvent.mockResolvedValue(true);
      await service.afterHours(WS, 'cv-1', 1, NOW);
      expect(automated.send).not.toHaveBeenCalled();
    });
  });

  describe('wake', () => {
    const until = new Date(NOW.getTime() - 1000);

    it('opens a conversation still snoozed until that time', async () => {
      timers.find.mockResolvedValue(conversation({ status: 'snoozed', snoozed_until: until }));
      conversations.setStatus.mockResolvedValue();
      events.append.mockResolvedValue();
      publisher.conversationChanged.mockResolvedValue();
      await service.wake(WS, 'cv-1', until);
      expect(conversations.setStatus).toHaveBeenCalledWith(fakeTx, 'cv-1', 'open', NOW);
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        expect.objectContaining({ type: 'unsnoozed', actorType: 'system', payload: { until: until.toISOString() } }),
      ]);
    });

    it('leaves a conversation snoozed again to a later time, or already open', async () => {
      timers.find.mockResolvedValueOnce(
        conversation({ status: 'snoozed', snoozed_until: new Date(NOW.getTime() + 1) }),
      );
      await service.wake(WS, 'cv-1', until);
      timers.find.mockResolvedValueOnce(conversation({ status: 'open' }));
      await service.wake(WS, 'cv-1', until);
      expect(conversations.setStatus).not.toHaveBeenCalled();
    });

    it('defers a wake-up that is not due yet', async () => {
      expect(await service.wake(WS, 'cv-1', new Date(NOW.getTime() + 5000))).toEqual({ done: false, deferMs: 5000 });
    });
  });

  describe('sweepAutoResolve', () => {
    it('stops when auto-resolve is off', async () => {
      withSettings({ autoResolveHours: null });
      expect(await service.sweepAutoResolve(WS)).toEqual({ done: true });
    });

    it('resolves silent conversations as the system with the resolution jobs, then sleeps until the next is due', async () => {
      withSettings({ autoResolveHours: 2 });
      timers.silentIds.mockResolvedValue(['cv-1']);
      const lastMessage = new Date(NOW.getTime() - 3 * 3_600_000);
      timers.find.mockResolvedValue(conversation({ last_customer_message_at: lastMessage }));
      conversations.setStatus.mockResolvedValue();
      events.append.mockResolvedValue();
      jobs.enqueue.mockResolvedValue();
      publisher.conversationChanged.mockResolvedValue();
      // The oldest silence left is 1.5 h old: due in 30 minutes, but the sweep wakes at most every 10.
      timers.oldestSilence.mockResolvedValue(new Date(NOW.getTime() - 1.5 * 3_600_000));
      expect(await service.sweepAutoResolve(WS)).toEqual({ done: false, deferMs: 600_000 });
      expect(timers.silentIds).toHaveBeenCalledWith(WS, new Date(NOW.getTime() - 2 * 3_600_000), 100);
      expect(conversations.setStatus).toHaveBeenCalledWith(fakeTx, 'cv-1', 'resolved', NOW);
      expect(events.append).toHaveBeenCalledWith(fakeTx, [
        expect.objectContaining({
          type: 'resolved',
          actorType: 'system',
          actorId: null,
          payload: { from: 'open', to: 'resolved', reason: 'auto', silentHours: 2 },
        }),
      ]);
      expect(jobs.enqueue).toHaveBeenCalledWith(
        fakeTx,
        expect.objectContaining({ queue: 'crm', payload: { action: 'transcript', conversationId: 'cv-1', cycle: 1 } }),
      );
    });

    it('skips a conversation whose customer wrote meanwhile', async () => {
      withSettings({ autoResolveHours: 1 });
      timers.silentIds.mockResolvedValue(['cv-1']);
      timers.find.mockResolvedValue(conversation({ last_customer_message_at: NOW }));
      timers.oldestSilence.mockResolvedValue(NOW);
      expect(await service.sweepAutoResolve(WS)).toEqual({ done: false, deferMs: 600_000 });
      expect(conversations.setStatus).not.toHaveBeenCalled();
    });
  });
});
