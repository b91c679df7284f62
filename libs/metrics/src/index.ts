export * from './lib/inputs';
export * from './lib/cycle-facts';
export * from './lib/stats';
export * from './lib/summary';
export * from './lib/grouping';
export * from './lib/scenario';
export * from './lib/costs';
