import { Injectable } from '@nestjs/common';
import { ChannelsRepository } from '../channels/channels.repository';

/** Which widget the demo shop embeds: the oldest live webchat channel. */
@Injectable()
export class DemoService {
  constructor(private readonly channels: ChannelsRepository) {}

  async widgetKey(): Promise<string | null> {
    return this.channels.findFirstWidgetKey();
  }
}
