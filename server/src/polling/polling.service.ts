import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ChannelError } from '@onebox/channels';
import { randomUUID } from 'node:crypto';
import { ChannelsRepository, type ChannelRow } from '../channels/channels.repository';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { InboundService } from '../inbound/inbound.service';
import { MessengerRegistry } from '../messengers/messenger-registry.service';

/**
 * Long polling for channels without a public webhook URL (a laptop, a closed network): each
 * channel is polled by one process at a time, under a lease in the channels table held in this
 * process's name (a process that stalled past its lease finds it taken and stops); the cursor is
 * saved after its updates are stored, so a crash replays updates that ingest then dedupes.
 */
@Injectable()
export class PollingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Polling');
  private readonly loops = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  /** This process, as the holder of polling leases. */
  private readonly owner = randomUUID();

  constructor(
    private readonly channels: ChannelsRepository,
    private readonly messengers: MessengerRegistry,
    private readonly inbound: InboundService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'pollTimeoutSec'>,
  ) {}

  private get leaseSeconds(): number {
    return Math.max(60, this.config.pollTimeoutSec * 2 + 10);
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.claim(), 2000);
    void this.claim();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    // A long poll in flight may take its full timeout; leases let another process take over.
    await Promise.race([Promise.all(this.loops.values()), new Promise((r) => setTimeout(r, 1000))]);
  }

  /** Starts polling channels connected since the last look (called after a channel is created, too). */
  async claim(): Promise<void> {
    if (this.stopped) return;
    try {
      for (const channel of await this.channels.claimPolling(this.owner, this.leaseSeconds)) {
        if (this.loops.has(channel.id)) continue;
        const loop = this.loop(channel).finally(() => this.loops.delete(channel.id));
        this.loops.set(channel.id, loop);
      }
    } catch (err) {
      this.logger.warn(`Could not claim channels to poll: ${(err as Error).message}`);
    }
  }

  private async loop(claimed: ChannelRow): Promise<void> {
    let cursor = claimed.poll_cursor;
    let failures = 0;
    while (!this.stopped) {
      const channel = await this.channels.findById(claimed.id).catch(() => null);
      if (!channel || channel.settings.mode !== 'polling') break;
      const connected = this.messengers.connect(channel);
      if (!connected.adapter.poll) break;
      try {
        const result = await connected.adapter.poll(connected.credentials, cursor, {
          ...connected.ctx,
          timeoutSec: this.config.pollTimeoutSec,
        });
        for (const update of result.updates) {
          await this.inbound.apply(channel, connected, connected.adapter.normalizeInbound(update));
        }
        cursor = result.cursor ?? cursor;
        failures = 0;
        if (channel.status !== 'active') await this.channels.setStatus(channel.id, 'active', null);
      } catch (err) {
        failures += 1;
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof ChannelError && err.code === 'invalid_credentials')
          await this.channels.setStatus(channel.id, 'error', message);
        this.logger.warn(`Polling ${channel.type} channel ${channel.id} failed (${message}); attempt ${failures}`);
        const retryAfter = err instanceof ChannelError && err.retryAfterMs ? err.retryAfterMs : 0;
        await this.pause(Math.max(retryAfter, Math.min(30_000, 500 * 2 ** failures)));
      }
      if (!(await this.channels.renewPollLease(claimed.id, this.owner, cursor, this.leaseSeconds).catch(() => false)))
        break;
    }
    await this.channels.releasePollLease(claimed.id, this.owner).catch(() => undefined);
  }

  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopped && Date.now() < until)
      await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
  }
}
