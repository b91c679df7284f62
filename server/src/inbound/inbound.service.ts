import { Injectable, Logger } from '@nestjs/common';
import type { InboundEditEvent, InboundEvent, InboundMessageEvent, MediaRef, StatusEvent } from '@onebox/channels';
import { SURVEY_CALLBACK_PREFIX, type AttachmentDto } from '@onebox/contracts';
import { AttachmentsRepository } from '../attachments/attachments.repository';
import { safeFileName } from '../attachments/attachments.service';
import type { ChannelRow } from '../channels/channels.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { MessagesRepository } from '../conversations/messages.repository';
import { IngestService } from '../ingest/ingest.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { MEDIA_QUEUE } from '../media/media.constants';
import type { ConnectedChannel } from '../messengers/messenger-registry.service';
import { SurveysService } from '../surveys/surveys.service';

const EXTENSIONS: Record<MediaRef['kind'], string> = {
  image: 'jpg',
  document: 'bin',
  audio: 'mp3',
  video: 'mp4',
  voice: 'ogg',
  sticker: 'webp',
};

/**
 * Applies a platform's normalized events to the store, for webhooks and long polling alike:
 * messages through the shared ingest (media fetched afterwards by a job), edits, and delivery
 * statuses (only ever forward).
 */
@Injectable()
export class InboundService {
  private readonly logger = new Logger('Inbound');

  constructor(
    private readonly ingest: IngestService,
    private readonly messages: MessagesRepository,
    private readonly attachments: AttachmentsRepository,
    private readonly publisher: ConversationPublisher,
    private readonly worker: JobWorkerService,
    private readonly surveys: SurveysService,
  ) {}

  async apply(channel: ChannelRow, connected: ConnectedChannel, events: InboundEvent[]): Promise<void> {
    for (const event of events) {
      if (event.kind === 'message') await this.message(channel, connected, event);
      else if (event.kind === 'edit') await this.edit(channel, event);
      else if (event.kind === 'status') await this.status(channel, event);
    }
  }

  private async message(channel: ChannelRow, connected: ConnectedChannel, event: InboundMessageEvent): Promise<void> {
    // One Meta app calls one URL for all its numbers: keep only this channel's number.
    const number = event.meta?.['phoneNumberId'];
    if (
      number !== undefined &&
      connected.credentials['phoneNumberId'] &&
      number !== connected.credentials['phoneNumberId']
    )
      return;
    // A survey button press is an answer, not a customer message: it neither reopens nor counts.
    if (event.callbackData?.startsWith(SURVEY_CALLBACK_PREFIX)) {
      await this.surveys.answerFromButton(channel, event);
      await this.answerCallback(connected, event);
      return;
    }
    // A redelivery with media is answered without new attachment rows; the unique key decides the rest.
    if (event.media.length && (await this.messages.findByExternalId(channel.id, event.externalMessageId))) return;
    const attachments: AttachmentDto[] = [];
    for (const media of event.media)
      attachments.push(
        await this.attachments.insertPending(channel.workspace_id, channel.id, media, fileNameOf(media)),
      );
    const result = await this.ingest.ingest({
      channel,
      externalUserId: event.externalUserId,
      contactName: event.contactName || event.username || event.externalUserId,
      username: event.username,
      phone: event.phone,
      identityMeta: event.businessConnectionId ? { businessConnectionId: event.businessConnectionId } : undefined,
      externalMessageId: event.externalMessageId,
      text: event.text,
      attachments,
      sentAt: receivedAt(event.sentAt, new Date()),
      jobs: attachments.map((a) => ({ queue: MEDIA_QUEUE, payload: { attachmentId: a.id, channelId: channel.id } })),
    });
    if (attachments.length && !result.duplicate) this.worker.nudge();
    if (event.callbackData !== undefined) await this.answerCallback(connected, event);
  }

  private async edit(channel: ChannelRow, event: InboundEditEvent): Promise<void> {
    const edited = await this.messages.applyEdit(channel.id, event.externalMessageId, event.text, event.editedAt);
    if (edited) await this.publisher.messageChanged(edited, 'updated');
  }

  private async status(channel: ChannelRow, event: StatusEvent): Promise<void> {
    const message = await this.messages.findByExternalId(channel.id, event.externalMessageId);
    if (!message) return;
    const error = event.error ? { code: mapStatusError(event.error.code), message: event.error.message } : undefined;
    const changed = await this.messages.advanceStatus(message.id, event.status, { error });
    if (changed) await this.publisher.messageChanged(changed, 'updated');
  }

  /** Stops the button's spinner in the customer's app; the press is already stored. */
  private async answerCallback(connected: ConnectedChannel, event: InboundMessageEvent): Promise<void> {
    const { adapter } = connected;
    const id = event.externalMessageId.startsWith('cb:') ? event.externalMessageId.slice(3) : null;
    if (!adapter.answerCallback || !id) return;
    await adapter
      .answerCallback(connected.credentials, id, connected.ctx)
      .catch((err: Error) => this.logger.warn(`answerCallback failed: ${err.message}`));
  }
}

/**
 * Platforms stamp messages in whole seconds (Telegram, WhatsApp): a message that arrives within
 * that second is stamped with its arrival time instead, so it sorts after a reply sent a moment
 * before it. Older stamps (redeliveries, polling after a pause) are kept: they order the thread.
 */
export function receivedAt(providerTime: Date, now: Date): Date {
  const age = now.getTime() - providerTime.getTime();
  return age >= 0 && age < 1000 ? now : providerTime > now ? now : providerTime;
}

/** The platform's file name is the customer's text: cleaned like an upload's. */
function fileNameOf(media: MediaRef): string {
  if (media.fileName) return safeFileName(media.fileName);
  const extension = media.mimeType?.split('/')[1]?.split(/[;+]/)[0] ?? EXTENSIONS[media.kind];
  return `${media.kind}.${extension}`;
}

/** WhatsApp's 131047 is the closed window; other platform codes are failures to reach the customer. */
function mapStatusError(code: string): 'window_closed' | 'recipient_unreachable' | 'unsupported_content' | 'temporary' {
  if (code === '131047') return 'window_closed';
  if (code === '131026' || code === '131030') return 'recipient_unreachable';
  if (code === '131051' || code === '131052' || code === '131053') return 'unsupported_content';
  return 'temporary';
}
