/**
 * Log levels in STUNner's order (stunner-v1.md §1.13). A logger set to a level prints messages at that
 * level and every level before it in this list: `INFO` prints ERROR, WARN and INFO; `DISABLE` prints none.
 */
export const LOG_LEVELS = ['DISABLE', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** The levels as numbers, so that a level check is one integer compare. */
export const LogLevel = { DISABLE: 0, ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4, TRACE: 5 } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Level of every scope a spec does not name, when no spec sets `all` (STUNner's factory default). */
export const FACTORY_DEFAULT_LEVEL: LogLevel = LogLevel.ERROR;

export function levelName(level: LogLevel): LogLevelName {
  return LOG_LEVELS[level] ?? 'DISABLE';
}

/** `info`, `Info`, `INFO` → LogLevel.INFO; undefined for anything else. */
export function levelFromName(name: string): LogLevel | undefined {
  const index = (LOG_LEVELS as readonly string[]).indexOf(name.trim().toUpperCase());
  return index < 0 ? undefined : (index as LogLevel);
}
