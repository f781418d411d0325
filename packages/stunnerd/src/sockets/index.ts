export * from './dgram-datagram-socket.ts';
export * from './udp-io.ts';
export * from './udp-socket.ts';
