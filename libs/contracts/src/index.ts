export * from './lib/enums';
export * from './lib/api';
export * from './lib/socket-events';
export * from './lib/crm';
export * from './lib/workflow';
