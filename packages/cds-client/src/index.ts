export * from './cds-error.ts';
export * from './cds-http.ts';
export * from './cds-token.ts';
export * from './cds-url.ts';
export * from './cds-watch.ts';
