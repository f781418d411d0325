export * from './log-spec.ts';
export * from './logger.ts';
