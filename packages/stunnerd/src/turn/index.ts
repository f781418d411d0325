export * from './dtls-turn-listener.ts';
export * from './quick-mode.ts';
export * from './quick-uri.ts';
export * from './relay-binder.ts';
export * from './relay-pool.ts';
export * from './stream-turn-listener.ts';
export * from './udp-turn-listener.ts';
