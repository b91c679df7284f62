import { Injectable } from '@nestjs/common';
import { ChannelError, type OutgoingAttachment } from '@onebox/channels';
import { AttachmentsService } from '../attachments/attachments.service';
import { ChannelsRepository } from '../channels/channels.repository';
import { RateGate } from '../common/rate-gate';
import { MessengerRegistry, type MessengerType } from '../messengers/messenger-registry.service';
import { DeliveryError, type ChannelSender } from './channel-sender';

/**
 * The platforms' published send limits, kept by spacing calls: per bot / number, and per
 * customer where the platform limits that too (Telegram: about 1 message a second per chat).
 * The gate's turns are shared by every server process (Redis), so two processes stay under them too.
 */
const LIMITS: Record<MessengerType, { accountIntervalMs: number; recipientIntervalMs: number }> = {
  telegram: { accountIntervalMs: 1000 / 30, recipientIntervalMs: 1000 },
  whatsapp: { accountIntervalMs: 1000 / 80, recipientIntervalMs: 0 },
  max: { accountIntervalMs: 1000 / 30, recipientIntervalMs: 0 },
};

/** Sends agents' messages through the messenger adapters (Telegram, WhatsApp, MAX). */
@Injectable()
export class MessengerSender implements ChannelSender {
  readonly types = ['telegram', 'whatsapp', 'max'] as const;
  constructor(
    private readonly messengers: MessengerRegistry,
    private readonly files: AttachmentsService,
    private readonly channels: ChannelsRepository,
    private readonly gate: RateGate,
  ) {}

  async send({ channel, recipient, message }: Parameters<ChannelSender['send']>[0]): Promise<{ externalId: string }> {
    const { adapter, credentials, ctx } = this.messengers.connect(channel);
    const attachments: OutgoingAttachment[] = [];
    for (const attachment of message.attachments) {
      const stored = await this.files.readBytes(attachment.id);
      if (!stored) throw new DeliveryError('unsupported_content', `The file ${attachment.name} is no longer available`);
      attachments.push({ fileName: stored.row.name, mimeType: stored.row.mime_type, data: stored.data });
    }
    const limits = LIMITS[adapter.type];
    await this.gate.wait(`account:${channel.id}`, limits.accountIntervalMs);
    if (limits.recipientIntervalMs)
      await this.gate.wait(`recipient:${channel.id}:${recipient.externalId}`, limits.recipientIntervalMs);
    const businessConnectionId = recipient.meta['businessConnectionId'];
    try {
      const result = await adapter.send(
        credentials,
        {
          recipient: recipient.externalId,
          text: message.template ? '' : message.text,
          attachments,
          template: message.template ?? undefined,
          businessConnectionId: typeof businessConnectionId === 'string' ? businessConnectionId : undefined,
          buttons: message.buttons?.length ? message.buttons : undefined,
        },
        ctx,
      );
      const externalId = result.externalIds[0];
      if (!externalId) throw new DeliveryError('temporary', 'The platform answered without a message id');
      return { externalId };
    } catch (err) {
      if (err instanceof ChannelError) {
        // The admin sees a revoked token on the channel itself, not only on each failed message.
        if (err.code === 'invalid_credentials') {
          await this.channels.setStatus(channel.id, 'error', err.message).catch(() => undefined);
        }
        throw new DeliveryError(err.code, err.message, err.retryAfterMs);
      }
      throw err;
    }
  }
}
