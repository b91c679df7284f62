export * from './lib/http/fake-http-server';
export * from './lib/telegram/fake-telegram';
export * from './lib/whatsapp/fake-whatsapp';
export * from './lib/max/fake-max';
export * from './lib/amocrm/fake-amocrm';
export * from './lib/bitrix24/fake-bitrix24';
export * from './lib/http/recording-agents';
