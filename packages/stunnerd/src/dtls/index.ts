export * from './dtls-client-hello.ts';
export * from './dtls-listener.ts';
