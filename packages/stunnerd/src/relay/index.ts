export * from './relay-pool.ts';
