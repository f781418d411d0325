export * from './admin/index.ts';
export * from './config/index.ts';
export * from './daemon/index.ts';
export * from './logging/index.ts';
export * from './peer-filter/index.ts';
export * from './reconcile/index.ts';
export * from './transport/index.ts';
export * from './turn/index.ts';
