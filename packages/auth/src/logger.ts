// The logger authd writes through. Until the shared logger package lands this is a small local one:
// `-l scope:LEVEL,...` specs as STUNner's (stunner-v1.md §1.13), text or JSON lines, secrets redacted.
export type LogFields = Record<string, unknown>;

export interface AuthLogger {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
}

const LEVELS = ['DISABLE', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;
const SECRET_FIELD = /pass|secret|key|credential|token|authorization/i;

/** A logger that drops everything (library default). */
export const silentLogger: AuthLogger = { error() {}, warn() {}, info() {}, debug() {} };

/** The level a `scope:LEVEL,...` spec gives `scope` (`all:` sets the default); unknown items are ignored. */
export function levelOf(spec: string, scope: string): number {
  let level = LEVELS.indexOf('INFO');
  for (const item of spec.split(',')) {
    const colon = item.lastIndexOf(':');
    const s = item.slice(0, colon).trim();
    const l = (LEVELS as readonly string[]).indexOf(
      item
        .slice(colon + 1)
        .trim()
        .toUpperCase(),
    );
    if (colon <= 0 || l < 0) continue;
    if (s === 'all' || s === scope) level = l;
  }
  return level;
}

export function makeLogger(
  scope: string,
  options: { spec?: string; format?: 'text' | 'json'; write?: (line: string) => void } = {},
): AuthLogger {
  const level = levelOf(options.spec ?? 'all:INFO', scope);
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const json = options.format === 'json';
  const at = (l: number) => (msg: string, fields?: LogFields) => {
    if (l > level) return;
    const safe: LogFields = {};
    for (const [k, v] of Object.entries(fields ?? {})) safe[k] = SECRET_FIELD.test(k) ? '<redacted>' : v;
    const time = new Date().toISOString();
    if (json) {
      write(`${JSON.stringify({ time, level: LEVELS[l], scope, msg, ...safe })}\n`);
      return;
    }
    let line = `${time} ${scope} ${LEVELS[l]}: ${msg}`;
    for (const [k, v] of Object.entries(safe)) line += ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    write(`${line}\n`);
  };
  return { error: at(1), warn: at(2), info: at(3), debug: at(4) };
}
