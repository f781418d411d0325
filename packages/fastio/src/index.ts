export * from './batch-socket.ts';
export * from './datagram-socket.ts';
export * from './errors.ts';
export * from './family.ts';
export { closeTrackedFds, fdHandedOff, fdHandedTo, newFdTable, trackFds } from './fd-table.ts';
export { type IoLoop, ioLoop } from './io-loop.ts';
export type { LoopStats, SendStats } from './loop-types.ts';
export { closeUdpFd, dupFd, openUdpFd, type UdpFdOptions, udpFdPort } from './udp-fd.ts';
