export * from './quick-mode.ts';
export * from './quick-uri.ts';
export * from './relay-binder.ts';
export * from './udp-turn-listener.ts';
