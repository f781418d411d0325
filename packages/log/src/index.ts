export * from './errors.ts';
export * from './format.ts';
export * from './levels.ts';
export * from './log-spec.ts';
export * from './logger.ts';
export * from './redact.ts';
