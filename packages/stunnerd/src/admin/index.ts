export * from './endpoint-url.ts';
export * from './health-server.ts';
export * from './redact-config.ts';
