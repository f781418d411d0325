export * from './errors.ts';
export * from './peer-address.ts';
export * from './timers.ts';
export * from './transaction-table.ts';
export type { ClientTransport, TransportKind } from './transport.ts';
export * from './turn-client.ts';
