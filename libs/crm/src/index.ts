export * from './lib/crm-adapter';
export * from './lib/crm-error';
export * from './lib/amocrm/amocrm.adapter';
export * from './lib/bitrix24/bitrix24.adapter';
