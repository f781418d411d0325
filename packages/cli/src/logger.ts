/** Log levels in STUNner's order (pion's logging): a scope logs at its level and above. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'DISABLE'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  readonly scope: string;
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  enabled(level: LogLevel): boolean;
}

export class LogSpecError extends Error {
  readonly code = 'TURNCAT_ERR_LOG_SPEC';
}

/**
 * Parses a STUNner log spec such as `all:WARN,turncat:DEBUG` into a level per scope; `all` sets the
 * default. Levels are case-insensitive.
 */
export function parseLogSpec(spec: string): Map<string, LogLevel> {
  const levels = new Map<string, LogLevel>();
  for (const part of spec.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const [scope, level, extra] = item.split(':');
    const upper = (level ?? '').trim().toUpperCase() as LogLevel;
    if (!scope || extra !== undefined || !LOG_LEVELS.includes(upper)) {
      throw new LogSpecError(
        `invalid log spec "${item}": expected <scope>:<level> with level one of ${LOG_LEVELS.join(', ')}`,
      );
    }
    levels.set(scope.trim().toLowerCase(), upper);
  }
  return levels;
}

/** A logger factory over one log spec, writing `<time> <scope> <LEVEL>: <message>` lines to `sink`. */
export class LoggerFactory {
  readonly #levels: Map<string, LogLevel>;
  readonly #sink: (line: string) => void;

  constructor(spec: string, sink: (line: string) => void = (line) => process.stderr.write(line)) {
    this.#levels = parseLogSpec(spec);
    this.#sink = sink;
  }

  levelOf(scope: string): LogLevel {
    return this.#levels.get(scope) ?? this.#levels.get('all') ?? 'WARN';
  }

  get(scope: string): Logger {
    const min = LOG_LEVELS.indexOf(this.levelOf(scope));
    const enabled = (level: LogLevel): boolean => LOG_LEVELS.indexOf(level) >= min && level !== 'DISABLE';
    const log = (level: LogLevel, message: string): void => {
      if (!enabled(level)) return;
      const time = new Date().toISOString().slice(11, 23);
      this.#sink(`${time} ${scope} ${level}: ${message}\n`);
    };
    return {
      scope,
      trace: (m) => log('TRACE', m),
      debug: (m) => log('DEBUG', m),
      info: (m) => log('INFO', m),
      warn: (m) => log('WARN', m),
      error: (m) => log('ERROR', m),
      enabled,
    };
  }
}
