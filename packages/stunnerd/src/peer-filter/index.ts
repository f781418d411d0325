export * from './peer-address.ts';
export * from './peer-filter.ts';
