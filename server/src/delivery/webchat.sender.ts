import { Injectable } from '@nestjs/common';
import { mapWebchatMessage } from '../conversations/conversations.dto';
import { RealtimeService } from '../realtime/realtime.service';
import type { ChannelSender } from './channel-sender';

/**
 * The website chat has no provider: the message is pushed to the visitor's open tabs, and a
 * visitor who is away gets it with the history when the widget next connects.
 */
@Injectable()
export class WebchatSender implements ChannelSender {
  readonly types = ['webchat'] as const;

  constructor(private readonly realtime: RealtimeService) {}

  async send(input: Parameters<ChannelSender['send']>[0]): Promise<{ externalId: string }> {
    this.realtime.toVisitor(
      input.channel.id,
      input.recipient.externalId,
      'message.created',
      mapWebchatMessage(input.message),
    );
    return { externalId: `webchat:${input.message.id}` };
  }
}
