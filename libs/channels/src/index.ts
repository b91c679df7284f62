export * from './lib/channel-adapter';
export * from './lib/channel-error';
export * from './lib/constant-time';
export * from './lib/telegram/telegram.adapter';
export * from './lib/whatsapp/whatsapp.adapter';
export * from './lib/max/max.adapter';
export * from './lib/registry';
