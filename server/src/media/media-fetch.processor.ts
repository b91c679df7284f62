import { Injectable } from '@nestjs/common';
import { ChannelError } from '@onebox/channels';
import { AttachmentsRepository } from '../attachments/attachments.repository';
import { AttachmentsService } from '../attachments/attachments.service';
import { ChannelsRepository } from '../channels/channels.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { MessagesRepository } from '../conversations/messages.repository';
import { JobError, type JobProcessor } from '../jobs/job-processor';
import type { JobRow } from '../jobs/jobs.repository';
import { MessengerRegistry } from '../messengers/messenger-registry.service';
import { isAddressRefusal } from '../outbound/guarded-agents';
import { MEDIA_QUEUE } from './media.constants';

const REFUSED = 'The media URL leads to a private or local address (see ONEBOX_ALLOWED_PRIVATE_HOSTS)';

/** Downloads a customer's photo or file from the platform into Onebox's own storage. */
@Injectable()
export class MediaFetchProcessor implements JobProcessor {
  readonly queue = MEDIA_QUEUE;

  constructor(
    private readonly attachments: AttachmentsRepository,
    private readonly files: AttachmentsService,
    private readonly channels: ChannelsRepository,
    private readonly messages: MessagesRepository,
    private readonly messengers: MessengerRegistry,
    private readonly publisher: ConversationPublisher,
  ) {}

  async process(job: JobRow): Promise<void> {
    const attachment = await this.attachments.findById(String(job.payload['attachmentId']));
    if (!attachment || attachment.storage_key || !attachment.source_ref) return;
    const channel = await this.channels.findById(String(job.payload['channelId']));
    if (!channel) return;
    const { adapter, credentials, ctx } = this.messengers.connect(channel);
    try {
      const media = await adapter.fetchMedia(credentials, attachment.source_ref, ctx);
      await this.files.completeDownload(attachment.id, media.data, attachment.source_ref.mimeType ?? media.mimeType);
    } catch (err) {
      // A URL leading to a private or local address stays refused: no retries.
      if (isAddressRefusal(err)) throw new JobError(REFUSED, false, undefined, 'unsupported_content');
      if (err instanceof ChannelError) throw new JobError(err.message, err.retryable, err.retryAfterMs, err.code);
      throw err;
    }
    const message = await this.messages.findById(String(job.payload['messageId']));
    if (message) await this.publisher.messageChanged(message, 'updated');
  }

  async onGiveUp(): Promise<void> {
    // The attachment stays without a file; the message shows it as unavailable.
  }
}
