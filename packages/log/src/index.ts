// @stunner/log: the one logging package of every STUNner program (stunnerd, turncat, the operator, ...).
//   const loggers = new LoggerFactory({ spec: logSpecFromFlags(flags, 'all:INFO'), format: parseLogFormat(f) });
//   const log = loggers.getLogger('cds-client');          // one scope per module
//   log.info('connected', { url });                       // fields redacted here, never by the caller
//   log.debug(() => `expensive ${dump(x)}`);             // built only when DEBUG is on
//   loggers.setSpecLenient(config.admin.loglevel);       // run-time change from a config (bad items returned)
// Specs follow stunner-v1.md §1.13: `scope:LEVEL[,...]`, `all:X` sets the default, later items win.
export * from './errors.ts';
export * from './format.ts';
export * from './levels.ts';
export * from './log-spec.ts';
export * from './logger.ts';
export * from './redact.ts';
