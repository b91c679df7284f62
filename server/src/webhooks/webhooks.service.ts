import { HttpStatus, Injectable } from '@nestjs/common';
import { ChannelsRepository, type ChannelRow } from '../channels/channels.repository';
import { ApiException } from '../common/api.exception';
import { InboundService } from '../inbound/inbound.service';
import { isMessenger, MessengerRegistry, type ConnectedChannel } from '../messengers/messenger-registry.service';

type Headers = Record<string, string | string[] | undefined>;

/** A messenger channel with its credentials and webhook secret opened. */
interface Found {
  channel: ChannelRow;
  connected: ConnectedChannel;
  webhookSecret: string;
}

/**
 * Platform webhooks: find the channel by id, verify the request (secret header or signature over
 * the raw bytes) before anything is parsed or written, then apply its events. The platform is
 * answered only after the events are committed, so its retries cover any failure.
 */
@Injectable()
export class WebhooksService {
  static readonly CACHE_MS = 2000;
  private readonly cache = new Map<string, { until: number; found: Found | null }>();

  constructor(
    private readonly channels: ChannelsRepository,
    private readonly messengers: MessengerRegistry,
    private readonly inbound: InboundService,
  ) {}

  async receive(type: string, channelId: string, headers: Headers, rawBody: unknown): Promise<{ ok: true }> {
    const { channel, connected, webhookSecret } = await this.channelOf(type, channelId);
    const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.alloc(0);
    if (!connected.adapter.verifyWebhook({ headers, rawBody: body }, connected.credentials, webhookSecret)) {
      throw new ApiException(
        HttpStatus.UNAUTHORIZED,
        'invalid_signature',
        'The webhook signature or secret does not match',
      );
    }
    let update: unknown;
    try {
      update = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ApiException(HttpStatus.BAD_REQUEST, 'invalid_json', 'Request body is not valid JSON');
    }
    let events;
    try {
      events = connected.adapter.normalizeInbound(update);
    } catch (err) {
      throw new ApiException(
        HttpStatus.BAD_REQUEST,
        'malformed_update',
        `The update could not be read: ${(err as Error).message}`,
      );
    }
    await this.inbound.apply(channel, connected, events);
    return { ok: true };
  }

  /** The GET handshake some platforms make when a webhook is configured (WhatsApp's hub.challenge). */
  async handshake(type: string, channelId: string, query: Record<string, string | undefined>): Promise<string> {
    const { connected } = await this.channelOf(type, channelId);
    const answer = connected.adapter.answerHandshake(query, connected.credentials);
    if (answer === null) throw new ApiException(HttpStatus.FORBIDDEN, 'forbidden', 'Verification token does not match');
    return answer;
  }

  /**
   * The channel and its decrypted credentials, remembered for a moment: a busy channel's webhooks
   * would otherwise each read and decrypt the same row. A removed channel stops answering within
   * `CACHE_MS`.
   */
  private async channelOf(type: string, channelId: string): Promise<Found> {
    const now = Date.now();
    let entry = this.cache.get(channelId);
    if (!entry || entry.until < now) {
      const channel = await this.channels.findById(channelId);
      entry = {
        until: now + WebhooksService.CACHE_MS,
        found:
          channel && isMessenger(channel.type)
            ? {
                channel,
                connected: this.messengers.connect(channel),
                webhookSecret: this.messengers.webhookSecret(channel),
              }
            : null,
      };
      this.cache.set(channelId, entry);
      if (this.cache.size > 1000) this.cache.delete(this.cache.keys().next().value as string);
    }
    if (!entry.found || entry.found.channel.type !== type) throw ApiException.notFound('Channel');
    return entry.found;
  }
}
