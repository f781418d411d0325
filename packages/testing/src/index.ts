export * from './coturn.ts';
export * from './fake-timers.ts';
export * from './free-port.ts';
export * from './process-output.ts';
export * from './self-signed-cert.ts';
