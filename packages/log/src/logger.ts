import type { LogSpecProblem } from './errors.ts';
import { formatJson, formatText, type LogFormat, type LogRecord } from './format.ts';
import { LogLevel } from './levels.ts';
import { EMPTY_LOG_SPEC, type LogSpec, levelFor, parseLogSpec, parseLogSpecLenient } from './log-spec.ts';
import { redactFields, redactText } from './redact.ts';

export type LogFields = Readonly<Record<string, unknown>>;
/** A message, or a function that builds it only when the level is enabled. */
export type LogMessage = string | (() => string);
/** Where lines go: a function, or anything with `write(string)` such as process.stderr. */
export type LogOutput = ((line: string) => void) | { write(line: string): unknown };

/** The level of one scope, shared by its logger and every `with()` logger made from it. */
interface ScopeState {
  level: LogLevel;
}

interface Emitter {
  emit(level: LogLevel, scope: string, msg: LogMessage, fields: LogFields | undefined): void;
  getLogger(scope: string): Logger;
}

/**
 * A scope's logger, from LoggerFactory.getLogger. A disabled call costs one integer compare; pass a
 * function as the message (or test `enabled()`) when building the message costs more than that.
 */
export class Logger {
  readonly scope: string;
  readonly #emitter: Emitter;
  readonly #state: ScopeState;
  readonly #bound: LogFields | undefined;

  /** @internal Use LoggerFactory.getLogger. */
  constructor(emitter: Emitter, scope: string, state: ScopeState, bound?: LogFields) {
    this.#emitter = emitter;
    this.scope = scope;
    this.#state = state;
    this.#bound = bound;
  }

  /** The scope's current level; it follows the factory's spec. */
  get level(): LogLevel {
    return this.#state.level;
  }

  enabled(level: LogLevel): boolean {
    return level !== LogLevel.DISABLE && level <= this.#state.level;
  }

  error(msg: LogMessage, fields?: LogFields): void {
    if (this.#state.level >= LogLevel.ERROR) this.#emit(LogLevel.ERROR, msg, fields);
  }
  warn(msg: LogMessage, fields?: LogFields): void {
    if (this.#state.level >= LogLevel.WARN) this.#emit(LogLevel.WARN, msg, fields);
  }
  info(msg: LogMessage, fields?: LogFields): void {
    if (this.#state.level >= LogLevel.INFO) this.#emit(LogLevel.INFO, msg, fields);
  }
  debug(msg: LogMessage, fields?: LogFields): void {
    if (this.#state.level >= LogLevel.DEBUG) this.#emit(LogLevel.DEBUG, msg, fields);
  }
  trace(msg: LogMessage, fields?: LogFields): void {
    if (this.#state.level >= LogLevel.TRACE) this.#emit(LogLevel.TRACE, msg, fields);
  }

  /** The logger of another scope from the same factory (one scope per module, e.g. `cds-client`). */
  child(scope: string): Logger {
    return this.#emitter.getLogger(scope);
  }

  /** The same scope, adding `fields` to every line (a call's own fields win on a clash). */
  with(fields: LogFields): Logger {
    return new Logger(this.#emitter, this.scope, this.#state, this.#bound ? { ...this.#bound, ...fields } : fields);
  }

  #emit(level: LogLevel, msg: LogMessage, fields: LogFields | undefined): void {
    const all = this.#bound ? (fields ? { ...this.#bound, ...fields } : this.#bound) : fields;
    this.#emitter.emit(level, this.scope, msg, all);
  }
}

export interface LoggerFactoryOptions {
  /** `scope:LEVEL,...` (stunner-v1.md §1.13); a malformed spec throws LogSpecError. Default: all at ERROR. */
  spec?: string;
  /** Default 'text'. */
  format?: LogFormat;
  /** Default process.stderr: stdout stays for what a program prints for its user. */
  output?: LogOutput;
  /** Clock for timestamps, in ms since the epoch. Default Date.now. */
  now?: () => number;
}

/**
 * One per program: hands out one logger per scope and re-levels all of them, existing and future,
 * when the spec changes (stunnerd follows its config's `admin.loglevel` at run time).
 */
export class LoggerFactory {
  readonly format: LogFormat;
  readonly #loggers = new Map<string, Logger>();
  readonly #states = new Map<string, ScopeState>();
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  readonly #emitter: Emitter;
  #spec: LogSpec = EMPTY_LOG_SPEC;

  constructor(options: LoggerFactoryOptions = {}) {
    this.format = options.format ?? 'text';
    const output = options.output ?? process.stderr;
    this.#write = typeof output === 'function' ? output : (line) => output.write(line);
    this.#now = options.now ?? Date.now;
    this.#emitter = {
      emit: (level, scope, msg, fields) => this.#emit(level, scope, msg, fields),
      getLogger: (scope) => this.getLogger(scope),
    };
    if (options.spec !== undefined) this.setSpec(options.spec);
  }

  get spec(): LogSpec {
    return this.#spec;
  }

  /** Applies a spec typed by a person; a malformed one throws LogSpecError and changes nothing. */
  setSpec(text: string): void {
    this.applySpec(parseLogSpec(text));
  }

  /**
   * Applies the usable items of a spec and returns the others, for a spec that arrives in a config
   * (STUNner ignores bad `admin.loglevel` items rather than refusing the config); the caller warns.
   */
  setSpecLenient(text: string): LogSpecProblem[] {
    const { spec, problems } = parseLogSpecLenient(text);
    this.applySpec(spec);
    return problems;
  }

  applySpec(spec: LogSpec): void {
    this.#spec = spec;
    for (const [scope, state] of this.#states) state.level = levelFor(spec, scope);
  }

  levelOf(scope: string): LogLevel {
    return levelFor(this.#spec, scope);
  }

  getLogger(scope: string): Logger {
    let logger = this.#loggers.get(scope);
    if (!logger) {
      const state: ScopeState = { level: levelFor(this.#spec, scope) };
      this.#states.set(scope, state);
      logger = new Logger(this.#emitter, scope, state);
      this.#loggers.set(scope, logger);
    }
    return logger;
  }

  #emit(level: LogLevel, scope: string, msg: LogMessage, fields: LogFields | undefined): void {
    const record: LogRecord = {
      time: this.#now(),
      level,
      scope,
      msg: redactText(typeof msg === 'function' ? msg() : msg),
      fields: fields ? redactFields(fields) : undefined,
    };
    this.#write(this.format === 'json' ? formatJson(record) : formatText(record));
  }
}

/** A one-scope factory's logger, for a program or test that needs just one. */
export function createLogger(scope: string, options: LoggerFactoryOptions = {}): Logger {
  return new LoggerFactory(options).getLogger(scope);
}
