import { strictMock } from '../../test/strict-mock';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { RealtimeService } from '../realtime/realtime.service';
import { PresenceRepository, type PresenceIntervalRow } from './presence.repository';
import { PresenceService } from './presence.service';

const fakeTx = {} as Db;
const ANNA = { id: 'u-anna', workspaceId: 'ws-1' };
const T0 = new Date('2026-01-01T10:00:00.000Z');

const interval = (o: Partial<PresenceIntervalRow> = {}): PresenceIntervalRow => ({
  id: 'pi-1',
  workspace_id: 'ws-1',
  user_id: ANNA.id,
  status: 'online',
  started_at: T0,
  ended_at: null,
  last_seen_at: T0,
  ...o,
});

describe(PresenceService.name, () => {
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let presence: ReturnType<typeof strictMock<PresenceRepository>>;
  let realtime: ReturnType<typeof strictMock<RealtimeService>>;
  let jobs: ReturnType<typeof strictMock<JobsRepository>>;
  let worker: ReturnType<typeof strictMock<JobWorkerService>>;
  let service: PresenceService;

  beforeEach(() => {
    tx = strictMock(TransactionService);
    presence = strictMock(PresenceRepository);
    realtime = strictMock(RealtimeService);
    jobs = strictMock(JobsRepository);
    worker = strictMock(JobWorkerService);
    tx.run.mockImplementation(async (work) => work(fakeTx));
    presence.lockUser.mockResolvedValue(undefined);
    jobs.enqueue.mockResolvedValue(undefined);
    worker.nudge.mockReturnValue(undefined);
    service = new PresenceService(
      tx as unknown as TransactionService,
      presence as unknown as PresenceRepository,
      realtime as unknown as RealtimeService,
      jobs as unknown as JobsRepository,
      worker as unknown as JobWorkerService,
      { presenceTimeoutSec: 90 },
    );
  });

  describe('set', () => {
    it('closes the open interval and opens the next at the same instant, then tells the workspace', async () => {
      const at = new Date('2026-01-01T10:05:00.000Z');
      presence.findOpen.mockResolvedValueOnce(interval());
      presence.close.mockResolvedValueOnce(undefined);
      presence.open.mockResolvedValueOnce(interval({ id: 'pi-2', status: 'away', started_at: at }));
      realtime.toWorkspace.mockReturnValueOnce(undefined);

      expect(await service.set(ANNA, 'away', at)).toBe('away');

      expect(presence.lockUser).toHaveBeenCalledWith(fakeTx, ANNA.id);
      expect(presence.close).toHaveBeenCalledWith(fakeTx, 'pi-1', at);
      expect(presence.open).toHaveBeenCalledWith(fakeTx, { workspaceId: 'ws-1', userId: ANNA.id, status: 'away', at });
      // Nobody is there to answer her pending offers: they move on now.
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: 'ws-1',
        queue: 'routing',
        payload: { action: 'withdraw', userId: ANNA.id },
        maxAttempts: 10,
      });
      expect(worker.nudge).toHaveBeenCalledTimes(1);
      expect(realtime.toWorkspace).toHaveBeenCalledWith('ws-1', 'presence.updated', {
        userId: ANNA.id,
        status: 'away',
        since: at.toISOString(),
      });
    });

    it('coming online sends the waiting conversations to routing, in the same transaction', async () => {
      presence.findOpen.mockResolvedValueOnce(null);
      presence.open.mockResolvedValueOnce(interval());
      realtime.toWorkspace.mockReturnValueOnce(undefined);

      await service.set(ANNA, 'online', T0);

      expect(presence.close).not.toHaveBeenCalled();
      expect(jobs.enqueue).toHaveBeenCalledWith(fakeTx, {
        workspaceId: 'ws-1',
        queue: 'routing',
        payload: { action: 'route-waiting' },
        maxAttempts: 10,
      });
      expect(worker.nudge).toHaveBeenCalledTimes(1);
    });

    it('writes and broadcasts nothing when the status does not change', async () => {
      presence.findOpen.mockResolvedValueOnce(interval({ status: 'away' }));

      await service.set(ANNA, 'away');

      expect(presence.open).not.toHaveBeenCalled();
      expect(jobs.enqueue).not.toHaveBeenCalled();
      expect(realtime.toWorkspace).not.toHaveBeenCalled();
    });
  });

  describe('disconnected', () => {
    it('keeps the status while another tab is open', async () => {
      realtime.isUserConnected.mockResolvedValueOnce(true);

      await service.disconnected(ANNA);

      expect(tx.run).not.toHaveBeenCalled();
    });

    it('goes offline when the last tab closed', async () => {
      realtime.isUserConnected.mockResolvedValueOnce(false);
      presence.findOpen.mockResolvedValueOnce(interval());
      presence.close.mockResolvedValueOnce(undefined);
      presence.open.mockResolvedValueOnce(interval({ status: 'offline' }));
      realtime.toWorkspace.mockReturnValueOnce(undefined);

      await service.disconnected(ANNA);

      expect(presence.open).toHaveBeenCalledWith(fakeTx, expect.objectContaining({ status: 'offline' }));
    });
  });

  describe('heartbeat', () => {
    it('keeps the open interval alive and answers its status', async () => {
      presence.touch.mockResolvedValueOnce('away');
      expect(await service.heartbeat(ANNA)).toBe('away');
      expect(presence.touch).toHaveBeenCalledWith('ws-1', ANNA.id);
    });
  });

  describe('sweep', () => {
    it('sets offline, from their last heartbeat, those silent for longer than the timeout', async () => {
      const now = new Date('2026-01-01T10:10:00.000Z');
      const lastSeen = new Date('2026-01-01T10:07:00.000Z');
      presence.listStale.mockResolvedValueOnce([{ workspace_id: 'ws-1', user_id: ANNA.id, last_seen_at: lastSeen }]);
      presence.findOpen.mockResolvedValueOnce(interval());
      presence.close.mockResolvedValueOnce(undefined);
      presence.open.mockResolvedValueOnce(interval({ status: 'offline', started_at: lastSeen }));
      realtime.toWorkspace.mockReturnValueOnce(undefined);

      expect(await service.sweep(now)).toBe(1);

      expect(presence.listStale).toHaveBeenCalledWith(new Date('2026-01-01T10:08:30.000Z'));
      expect(presence.close).toHaveBeenCalledWith(fakeTx, 'pi-1', lastSeen);
      expect(presence.open).toHaveBeenCalledWith(fakeTx, {
        workspaceId: 'ws-1',
        userId: ANNA.id,
        status: 'offline',
        at: lastSeen,
      });
    });
  });
});
