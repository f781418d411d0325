export * from './udp-socket.ts';
