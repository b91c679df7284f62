import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { PresenceDto, PresenceStatus } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { TransactionService } from '../database/transaction.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { JobsRepository } from '../jobs/jobs.repository';
import { RealtimeService } from '../realtime/realtime.service';
import { ROUTING_MAX_ATTEMPTS, ROUTING_QUEUE } from '../routing/routing.constants';
import { mapPresence } from './presence.dto';
import { PresenceRepository } from './presence.repository';

type Who = Pick<AuthUser, 'id' | 'workspaceId'>;

/**
 * Presence from the agent app: a socket's arrival sets the status it asks for (online by default),
 * heartbeats keep it, the last socket leaving or heartbeats missing for `presenceTimeoutSec` set
 * offline. Every change closes the open interval and opens the next in one transaction, with the
 * routing job it calls for (route the waiting queue, or withdraw the user's pending offers).
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Presence');
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly tx: TransactionService,
    private readonly presence: PresenceRepository,
    private readonly realtime: RealtimeService,
    private readonly jobs: JobsRepository,
    private readonly worker: JobWorkerService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'presenceTimeoutSec'>,
  ) {}

  onApplicationBootstrap(): void {
    const everyMs = Math.max(200, Math.min(15_000, (this.config.presenceTimeoutSec * 1000) / 3));
    this.sweeper = setInterval(() => {
      this.sweep().catch((err: Error) => this.logger.warn(`presence sweep failed: ${err.message}`));
    }, everyMs);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async team(auth: AuthUser): Promise<PresenceDto[]> {
    return (await this.presence.listTeam(auth.workspaceId)).map(mapPresence);
  }

  /** Sets the user's status; answers it. Coming online sends waiting conversations to routing. */
  async set(user: Who, status: PresenceStatus, at = new Date()): Promise<PresenceStatus> {
    const changed = await this.tx.run(async (tx) => {
      await this.presence.lockUser(tx, user.id);
      const current = await this.presence.findOpen(tx, user.workspaceId, user.id);
      if (current?.status === status) return null;
      if (current) await this.presence.close(tx, current.id, at);
      const next = await this.presence.open(tx, { workspaceId: user.workspaceId, userId: user.id, status, at });
      // Online: offer the conversations waiting in routed queues. Away or offline: the user's
      // pending offers move on at once instead of waiting for their timeout.
      await this.jobs.enqueue(tx, {
        workspaceId: user.workspaceId,
        queue: ROUTING_QUEUE,
        payload: status === 'online' ? { action: 'route-waiting' } : { action: 'withdraw', userId: user.id },
        maxAttempts: ROUTING_MAX_ATTEMPTS,
      });
      return next;
    });
    if (changed) {
      this.worker.nudge();
      this.realtime.toWorkspace(user.workspaceId, 'presence.updated', {
        userId: user.id,
        status,
        since: changed.started_at.toISOString(),
      });
    }
    return status;
  }

  /** Keeps the status alive; a user with no open interval (first contact) comes online. */
  async heartbeat(user: Who): Promise<PresenceStatus> {
    return (await this.presence.touch(user.workspaceId, user.id)) ?? this.set(user, 'online');
  }

  /** A socket closed: offline once none of the user's sockets is left (any tab, any process). */
  async disconnected(user: Who): Promise<void> {
    if (await this.realtime.isUserConnected(user.id)) return;
    await this.set(user, 'offline');
  }

  /** Apps that stopped sending heartbeats: offline from their last sign of life. */
  async sweep(now = new Date()): Promise<number> {
    const stale = await this.presence.listStale(new Date(now.getTime() - this.config.presenceTimeoutSec * 1000));
    for (const row of stale) {
      await this.set({ id: row.user_id, workspaceId: row.workspace_id }, 'offline', row.last_seen_at);
    }
    return stale.length;
  }
}
