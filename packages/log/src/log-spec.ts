import { LogSpecError, type LogSpecProblem } from './errors.ts';
import { FACTORY_DEFAULT_LEVEL, LOG_LEVELS, type LogLevel, levelFromName } from './levels.ts';

/** A parsed log spec: the level of every scope it names, and of all others. */
export interface LogSpec {
  readonly defaultLevel: LogLevel;
  readonly scopes: ReadonlyMap<string, LogLevel>;
}

/** What `-v/--verbose` means in every STUNner program (stunner-v1.md §1.4): `-l all:DEBUG`. */
export const VERBOSE_LOG_SPEC = 'all:DEBUG';

/** The spec that sets nothing: every scope at the factory default (ERROR). */
export const EMPTY_LOG_SPEC: LogSpec = { defaultLevel: FACTORY_DEFAULT_LEVEL, scopes: new Map() };

const LEVEL_LIST = LOG_LEVELS.join(', ');

type Item = { readonly scope: string; readonly level: LogLevel };

function parseItem(item: string): Item | LogSpecProblem {
  const parts = item.split(':');
  if (parts.length === 1) return { item, reason: `"${item}" has no level: write ${item}:<LEVEL>` };
  if (parts.length > 2) {
    return { item, reason: `"${item}" has more than one ":": write one <scope>:<LEVEL> per comma-separated item` };
  }
  const scope = (parts[0] ?? '').trim();
  const levelText = (parts[1] ?? '').trim();
  if (scope === '') {
    return {
      item,
      reason: `"${item}" has no scope before the ":": write all:${levelText || '<LEVEL>'} to set every scope`,
    };
  }
  if (/\s/.test(scope)) return { item, reason: `"${item}": the scope "${scope}" contains white space` };
  if (levelText === '') return { item, reason: `"${item}" has no level after the ":": use one of ${LEVEL_LIST}` };
  const level = levelFromName(levelText);
  if (level === undefined) {
    return { item, reason: `"${item}": "${levelText}" is not a level: use one of ${LEVEL_LIST} (any case)` };
  }
  return { scope: scope.toLowerCase() === 'all' ? 'all' : scope, level };
}

/**
 * Reads `scope:LEVEL[,scope:LEVEL]` (stunner-v1.md §1.13) and collects the items it cannot use instead of
 * throwing. Levels are case-insensitive; items apply left to right, so a later item overrides an earlier
 * one and `all:X` sets the default and resets every scope named before it (`all:DEBUG,turn:INFO` keeps
 * turn at INFO, `turn:INFO,all:DEBUG` does not). Empty items (`a:INFO,,b:INFO`, a trailing comma) are
 * skipped. Use this where STUNner ignores bad items (a config's `admin.loglevel`); use parseLogSpec
 * where a person typed the spec.
 */
export function parseLogSpecLenient(text: string): { spec: LogSpec; problems: LogSpecProblem[] } {
  let defaultLevel = FACTORY_DEFAULT_LEVEL;
  const scopes = new Map<string, LogLevel>();
  const problems: LogSpecProblem[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const parsed = parseItem(item);
    if ('reason' in parsed) {
      problems.push(parsed);
    } else if (parsed.scope === 'all') {
      defaultLevel = parsed.level;
      scopes.clear();
    } else {
      scopes.set(parsed.scope, parsed.level);
    }
  }
  return { spec: { defaultLevel, scopes }, problems };
}

/**
 * Parses a log spec as parseLogSpecLenient does, but throws a LogSpecError (code LOG_ERR_BAD_SPEC) that
 * names every bad item and how to fix it: a bad level name, an empty scope, a missing or extra colon.
 */
export function parseLogSpec(text: string): LogSpec {
  const { spec, problems } = parseLogSpecLenient(text);
  if (problems.length > 0) throw new LogSpecError(text, problems);
  return spec;
}

export function levelFor(spec: LogSpec, scope: string): LogLevel {
  return spec.scopes.get(scope) ?? spec.defaultLevel;
}

export interface LogFlags {
  /** `-l/--log`. */
  readonly log?: string | undefined;
  /** `-v/--verbose`. */
  readonly verbose?: boolean | undefined;
}

/**
 * The spec a program's `-l` and `-v` ask for: `-v` means `-l all:DEBUG` and wins over `-l`, as in
 * STUNner's programs; with neither, `fallback` (the program's default, e.g. `all:INFO` for stunnerd,
 * `all:WARN` for turncat), or undefined when the program lets its config decide.
 */
export function logSpecFromFlags(flags: LogFlags): string | undefined;
export function logSpecFromFlags(flags: LogFlags, fallback: string): string;
export function logSpecFromFlags(flags: LogFlags, fallback?: string): string | undefined {
  if (flags.verbose) return VERBOSE_LOG_SPEC;
  return flags.log ?? fallback;
}
