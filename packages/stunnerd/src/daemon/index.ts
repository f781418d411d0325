export * from './auth-options.ts';
export * from './dns-clusters.ts';
export * from './quick-config.ts';
export * from './self-signed-cert.ts';
export * from './stunnerd.ts';
export * from './turn-listener.ts';
export * from './worker-udp-listener.ts';
