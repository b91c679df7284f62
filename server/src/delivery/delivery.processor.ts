import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryErrorCode } from '@onebox/contracts';
import { ChannelsRepository } from '../channels/channels.repository';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { MessagesRepository } from '../conversations/messages.repository';
import { KeyedSerializer } from '../common/keyed-serializer';
import { JobError, type JobProcessor } from '../jobs/job-processor';
import { MetricsService } from '../observability/metrics.service';
import type { JobRow } from '../jobs/jobs.repository';
import { CHANNEL_SENDERS, DeliveryError, type ChannelSender } from './channel-sender';
import { DELIVERY_QUEUE } from './delivery.constants';

/** Delivers one queued message through its channel's sender and records the outcome on the message. */
@Injectable()
export class DeliveryProcessor implements JobProcessor {
  readonly queue = DELIVERY_QUEUE;
  private readonly senders: Map<string, ChannelSender>;
  private readonly serializer = new KeyedSerializer();

  constructor(
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsRepository,
    private readonly channels: ChannelsRepository,
    private readonly contacts: ContactsRepository,
    private readonly publisher: ConversationPublisher,
    @Inject(CHANNEL_SENDERS) senders: ChannelSender[],
    private readonly metrics: MetricsService,
  ) {
    this.senders = new Map(senders.flatMap((s) => s.types.map((type) => [type, s] as const)));
  }

  /** A conversation's messages go out one at a time, in the order they were queued. */
  async process(job: JobRow): Promise<void> {
    return this.serializer.run(String(job.payload['conversationId'] ?? job.payload['messageId']), () =>
      this.deliver(job),
    );
  }

  private async deliver(job: JobRow): Promise<void> {
    const message = await this.messages.findById(String(job.payload['messageId']));
    if (!message || message.status !== 'queued') return; // already handled by an earlier run
    // Keep the customer's order: an earlier message of the conversation still waiting goes first.
    if (await this.messages.hasEarlierQueued(message))
      throw JobError.defer('An earlier message is still being delivered', 300);
    const conversation = await this.conversations.findById(message.conversation_id);
    const channel = await this.channels.findById(message.channel_id);
    if (!conversation || !channel)
      throw new JobError('The conversation’s channel was removed', false, undefined, 'recipient_unreachable');
    const identity = await this.contacts.findIdentityOnChannel(channel.id, conversation.contact_id);
    const sender = this.senders.get(channel.type);
    if (!identity)
      throw new JobError('The contact has no identity on this channel', false, undefined, 'recipient_unreachable');
    if (!sender)
      throw new JobError(
        `Sending through ${channel.type} is not available yet`,
        false,
        undefined,
        'unsupported_content',
      );
    try {
      const { externalId } = await sender.send({
        channel,
        recipient: { externalId: identity.external_id, meta: identity.meta },
        message,
      });
      const sent = await this.messages.advanceStatus(message.id, 'sent', { externalId });
      if (sent) await this.publisher.messageChanged(sent, 'updated');
    } catch (err) {
      if (err instanceof DeliveryError) {
        this.metrics.deliveryFailed(channel.type, err.code);
        throw new JobError(err.message, err.retryable, err.retryAfterMs, err.code);
      }
      throw err;
    }
  }

  async onGiveUp(job: JobRow, error: JobError): Promise<void> {
    const code = (error.code ?? 'temporary') as DeliveryErrorCode;
    const failed = await this.messages.advanceStatus(String(job.payload['messageId']), 'failed', {
      error: { code, message: error.message },
    });
    if (failed) await this.publisher.messageChanged(failed, 'updated');
  }
}
