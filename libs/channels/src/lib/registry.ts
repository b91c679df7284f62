import type { ChannelAdapter } from './channel-adapter';
import { MaxAdapter } from './max/max.adapter';
import { TelegramAdapter } from './telegram/telegram.adapter';
import { WhatsAppAdapter } from './whatsapp/whatsapp.adapter';

/** Every messenger adapter, by channel type. */
export function createChannelAdapters(): Record<ChannelAdapter['type'], ChannelAdapter> {
  return {
    telegram: new TelegramAdapter() as unknown as ChannelAdapter,
    whatsapp: new WhatsAppAdapter() as unknown as ChannelAdapter,
    max: new MaxAdapter() as unknown as ChannelAdapter,
  };
}
