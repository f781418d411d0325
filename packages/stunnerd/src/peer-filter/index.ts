export * from './hard-deny.ts';
export * from './peer-address.ts';
export * from './peer-filter.ts';
