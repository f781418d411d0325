export * from './endpoint-url.ts';
export * from './health-server.ts';
export * from './metrics.ts';
export * from './metrics-server.ts';
export * from './redact-config.ts';
