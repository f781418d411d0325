export * from './cds-config-client.ts';
export * from './config-origin.ts';
export * from './file-config-watcher.ts';
export * from './quick-uri.ts';
