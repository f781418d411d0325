import { FACTORY_DEFAULT_LEVEL, LOG_LEVELS, LogLevel, type LogSpec, levelFor, parseLogSpec } from './log-spec.ts';

export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

/** Field names whose values never reach a log line (credentials, keys, certificates). */
const SECRET_FIELD = /pass|secret|key|cert|credential|token/i;

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_FIELD.test(k) ? '<redacted>' : v;
  return out;
}

/** A scope's logger. Level checks are a field compare, so disabled calls cost next to nothing. */
export class Logger {
  readonly scope: string;
  readonly #factory: LoggerFactory;
  level: LogLevel;

  constructor(factory: LoggerFactory, scope: string, level: LogLevel) {
    this.#factory = factory;
    this.scope = scope;
    this.level = level;
  }

  enabled(level: LogLevel): boolean {
    return level <= this.level;
  }

  error(msg: string, fields?: LogFields): void {
    if (this.level >= LogLevel.ERROR) this.#factory.write(this.scope, LogLevel.ERROR, msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    if (this.level >= LogLevel.WARN) this.#factory.write(this.scope, LogLevel.WARN, msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    if (this.level >= LogLevel.INFO) this.#factory.write(this.scope, LogLevel.INFO, msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    if (this.level >= LogLevel.DEBUG) this.#factory.write(this.scope, LogLevel.DEBUG, msg, fields);
  }
  trace(msg: string, fields?: LogFields): void {
    if (this.level >= LogLevel.TRACE) this.#factory.write(this.scope, LogLevel.TRACE, msg, fields);
  }
}

export interface LoggerFactoryOptions {
  /** `scope:LEVEL,...` (stunner-v1.md §1.13). Default: everything at ERROR. */
  spec?: string;
  /** Line format. Default 'text': `HH:MM:SS.micro <scope> <LEVEL>: msg key=value ...`. */
  format?: LogFormat;
  /** Where lines go. Default process.stdout. */
  write?: (line: string) => void;
  /** Clock for timestamps. Default Date.now. */
  now?: () => number;
}

/** One per process: hands out scoped loggers and re-levels all of them when the spec changes. */
export class LoggerFactory {
  readonly #loggers = new Map<string, Logger>();
  readonly #format: LogFormat;
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  #spec: LogSpec = { defaultLevel: FACTORY_DEFAULT_LEVEL, scopes: new Map() };

  constructor(options: LoggerFactoryOptions = {}) {
    this.#format = options.format ?? 'text';
    this.#write = options.write ?? ((line) => process.stdout.write(line));
    this.#now = options.now ?? Date.now;
    if (options.spec !== undefined) this.setSpec(options.spec);
  }

  /** Applies a new spec to every logger, existing and future; returns the items it did not understand. */
  setSpec(spec: string): string[] {
    const parsed = parseLogSpec(spec);
    this.#spec = parsed.spec;
    for (const logger of this.#loggers.values()) logger.level = levelFor(this.#spec, logger.scope);
    return parsed.unknown;
  }

  getLogger(scope: string): Logger {
    let logger = this.#loggers.get(scope);
    if (!logger) {
      logger = new Logger(this, scope, levelFor(this.#spec, scope));
      this.#loggers.set(scope, logger);
    }
    return logger;
  }

  write(scope: string, level: LogLevel, msg: string, fields?: LogFields): void {
    const time = this.#now();
    const safe = fields ? redact(fields) : undefined;
    if (this.#format === 'json') {
      this.#write(
        `${JSON.stringify({ time: new Date(time).toISOString(), level: LOG_LEVELS[level], scope, msg, ...safe })}\n`,
      );
      return;
    }
    const d = new Date(time);
    const hms = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
      .map((n) => String(n).padStart(2, '0'))
      .join(':');
    const micro = String(d.getUTCMilliseconds() * 1000).padStart(6, '0');
    let line = `${hms}.${micro} ${scope} ${LOG_LEVELS[level]}: ${msg}`;
    if (safe)
      for (const [k, v] of Object.entries(safe)) line += ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    this.#write(`${line}\n`);
  }
}
