export * from './cluster-endpoint.ts';
export * from './hard-deny.ts';
export * from './ip-prefix.ts';
export * from './peer-address.ts';
export * from './peer-filter.ts';
