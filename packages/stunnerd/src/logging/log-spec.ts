/** Log levels in STUNner's order (stunner-v1.md §1.13); a logger prints messages at or below its level. */
export const LOG_LEVELS = ['DISABLE', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
export const LogLevel = { DISABLE: 0, ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4, TRACE: 5 } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export interface LogSpec {
  readonly defaultLevel: LogLevel;
  readonly scopes: ReadonlyMap<string, LogLevel>;
}

/** Level used when no spec is given at all (STUNner's factory default). */
export const FACTORY_DEFAULT_LEVEL: LogLevel = LogLevel.ERROR;

/**
 * Parses `scope:LEVEL[,scope:LEVEL]` (case-insensitive levels). `all:X` sets the default and overrides
 * every scope set before it, so order matters (`all:DEBUG,turn:INFO`). Malformed items are ignored,
 * as STUNner ignores them; `unknown` lists them so the caller can warn.
 */
export function parseLogSpec(spec: string, base: LogSpec = { defaultLevel: FACTORY_DEFAULT_LEVEL, scopes: new Map() }) {
  let defaultLevel = base.defaultLevel;
  const scopes = new Map(base.scopes);
  const unknown: string[] = [];
  for (const item of spec.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const colon = trimmed.lastIndexOf(':');
    const scope = colon > 0 ? trimmed.slice(0, colon).trim() : '';
    const level = (LOG_LEVELS as readonly string[]).indexOf(
      trimmed
        .slice(colon + 1)
        .trim()
        .toUpperCase(),
    );
    if (scope === '' || level < 0) {
      unknown.push(trimmed);
      continue;
    }
    if (scope === 'all') {
      defaultLevel = level as LogLevel;
      scopes.clear();
    } else {
      scopes.set(scope, level as LogLevel);
    }
  }
  return { spec: { defaultLevel, scopes } as LogSpec, unknown };
}

export function levelFor(spec: LogSpec, scope: string): LogLevel {
  return spec.scopes.get(scope) ?? spec.defaultLevel;
}
