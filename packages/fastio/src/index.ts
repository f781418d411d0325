export * from './batch-socket.ts';
export * from './datagram-socket.ts';
export * from './errors.ts';
export * from './family.ts';
export { closeTrackedFds, newFdTable, trackFds } from './fd-table.ts';
export { type IoLoop, ioLoop, type LoopStats, type SendStats } from './io-loop.ts';
