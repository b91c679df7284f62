import { Injectable } from '@nestjs/common';
import { CHANNEL_TYPES } from '@onebox/contracts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Webhook routes by their first path segment; anything else is `other`, so labels stay few. */
const WEBHOOK_TYPES = new Set<string>([...CHANNEL_TYPES, 'amocrm', 'bitrix24']);

/** Where the scrape-time gauges read their figures (the jobs table, the socket.io namespaces). */
export interface GaugeSources {
  deliveryQueue(): Promise<{ channel_type: string; n: number }[]>;
  crmBacklog(): Promise<{ crm_type: string; n: number }[]>;
  sockets(): { agent: number; webchat: number };
}

/**
 * The process's Prometheus metrics, in a registry of its own (two apps in one process — tests —
 * never share counters). Counters move where things happen; queue depths and socket counts are
 * read when Prometheus scrapes.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly inbound = new Counter({
    name: 'onebox_inbound_messages_total',
    help: 'Customer messages stored, by channel type',
    labelNames: ['channel_type'],
    registers: [this.registry],
  });

  private readonly duplicates = new Counter({
    name: 'onebox_inbound_duplicates_total',
    help: 'Redelivered customer messages recognised as already stored, by channel type',
    labelNames: ['channel_type'],
    registers: [this.registry],
  });

  private readonly webhooks = new Histogram({
    name: 'onebox_webhook_duration_seconds',
    help: 'Time to answer a platform or CRM webhook, by type and HTTP status',
    labelNames: ['type', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly deliveryFailures = new Counter({
    name: 'onebox_delivery_failures_total',
    help: 'Failed attempts to send a message through its channel, by channel type and error code',
    labelNames: ['channel_type', 'code'],
    registers: [this.registry],
  });

  private sources: GaugeSources | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'onebox_' });
    const sources = () => this.sources;
    new Gauge({
      name: 'onebox_delivery_queue_depth',
      help: 'Outgoing messages waiting for delivery (pending delivery jobs), by channel type',
      labelNames: ['channel_type'],
      registers: [this.registry],
      async collect() {
        const rows = (await sources()?.deliveryQueue()) ?? [];
        this.reset();
        for (const type of CHANNEL_TYPES) this.set({ channel_type: type }, 0);
        for (const row of rows) this.set({ channel_type: row.channel_type }, row.n);
      },
    });
    new Gauge({
      name: 'onebox_crm_sync_backlog',
      help: 'CRM sync jobs waiting (pending crm jobs), by CRM type of the workspace',
      labelNames: ['crm_type'],
      registers: [this.registry],
      async collect() {
        const rows = (await sources()?.crmBacklog()) ?? [];
        this.reset();
        for (const type of ['amocrm', 'bitrix24']) this.set({ crm_type: type }, 0);
        for (const row of rows) this.set({ crm_type: row.crm_type }, row.n);
      },
    });
    new Gauge({
      name: 'onebox_socket_connections',
      help: 'Socket.io connections held by this process, by namespace',
      labelNames: ['namespace'],
      registers: [this.registry],
      collect() {
        const counts = sources()?.sockets() ?? { agent: 0, webchat: 0 };
        this.set({ namespace: '/agent' }, counts.agent);
        this.set({ namespace: '/webchat' }, counts.webchat);
      },
    });
  }

  /** Set once at start-up by the module that can read them. */
  readFrom(sources: GaugeSources): void {
    this.sources = sources;
  }

  inboundStored(channelType: string, duplicate: boolean): void {
    (duplicate ? this.duplicates : this.inbound).inc({ channel_type: channelType });
  }

  webhookAnswered(url: string, status: number, seconds: number): void {
    this.webhooks.observe({ type: webhookType(url), status: String(status) }, seconds);
  }

  deliveryFailed(channelType: string, code: string): void {
    this.deliveryFailures.inc({ channel_type: channelType, code });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** `/webhooks/telegram/<id>` → `telegram`; unknown types → `other`. */
export function webhookType(url: string): string {
  const segment = url.replace(/^\/webhooks\/+/, '').split(/[/?]/)[0];
  return WEBHOOK_TYPES.has(segment) ? segment : 'other';
}
