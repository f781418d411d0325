import { LogError } from './errors.ts';
import { type LogLevel, levelName } from './levels.ts';

/** `text`: `HH:MM:SS.micro <scope> <LEVEL>: msg key=value ...` (STUNner's text line); `json`: one object a line. */
export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** One log line before formatting; `fields` are already redacted. */
export interface LogRecord {
  readonly time: number;
  readonly level: LogLevel;
  readonly scope: string;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

/** `--log-format` as STUNner takes it: `text` or `json`, any case. */
export function parseLogFormat(text: string): LogFormat {
  const format = text.trim().toLowerCase();
  if (format === 'text' || format === 'json') return format;
  throw new LogError('LOG_ERR_BAD_FORMAT', `invalid log format "${text}": use text or json`);
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** UTC wall-clock time as STUNner prints it: `HH:MM:SS.micro`. */
export function formatClock(time: number): string {
  const d = new Date(time);
  const micro = String(d.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${micro}`;
}

// Bare when it cannot be misread as two fields; quoted (JSON) otherwise.
const BARE = /^[^\s"=]+$/;

function textValue(value: unknown): string {
  if (typeof value === 'string') return BARE.test(value) ? value : JSON.stringify(value);
  if (value === undefined || typeof value !== 'object' || value === null) return String(value);
  return JSON.stringify(value);
}

export function formatText(record: LogRecord): string {
  let line = `${formatClock(record.time)} ${record.scope} ${levelName(record.level)}: ${record.msg}`;
  if (record.fields) for (const [k, v] of Object.entries(record.fields)) line += ` ${k}=${textValue(v)}`;
  return `${line}\n`;
}

const RESERVED = new Set(['time', 'level', 'scope', 'msg']);

export function formatJson(record: LogRecord): string {
  const out: Record<string, unknown> = {
    time: new Date(record.time).toISOString(),
    level: levelName(record.level),
    scope: record.scope,
    msg: record.msg,
  };
  // A field never overwrites the line's own keys.
  if (record.fields) for (const [k, v] of Object.entries(record.fields)) out[RESERVED.has(k) ? `field.${k}` : k] = v;
  return `${JSON.stringify(out)}\n`;
}
