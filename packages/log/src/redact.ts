// The one place that keeps credentials out of log lines. Every field value passes through here before
// it is formatted, so no caller has to remember which of its fields are secret.

/** Field names whose values never reach a log line: passwords, shared secrets, keys, tokens, certificates. */
export const SECRET_FIELD = /pass|pwd|secret|credential|token|key|cert|authorization|cookie|signature|private/i;
export const REDACTED = '<redacted>';

// `scheme://user:password@host` → `scheme://user:<redacted>@host` (turn: URIs, CDS and kube URLs).
const URI_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@]*@/gi;
const MAX_DEPTH = 8;

/** The text with the password of every `scheme://user:password@` URI in it replaced. */
export function redactText(text: string): string {
  return text.includes('@') ? text.replace(URI_PASSWORD, `$1:${REDACTED}@`) : text;
}

/** Field values made safe and serializable: secrets redacted at any depth, errors as their messages. */
export function redactFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redactObject(fields, 0, new Set());
}

function redactObject(value: object, depth: number, seen: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  seen.add(value);
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_FIELD.test(k) ? REDACTED : redactValue(v, depth + 1, seen);
  seen.delete(value);
  return out;
}

function redactValue(value: unknown, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return redactText(value);
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return String(value);
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (seen.has(value)) return '[Circular]';
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return redactText(typeof code === 'string' ? `${code}: ${value.message}` : value.message);
  }
  // Raw bytes may be key material or a whole packet: say how many, never what.
  if (ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (depth >= MAX_DEPTH) return '[...]';
  if (Array.isArray(value)) {
    seen.add(value);
    const out = value.map((v) => redactValue(v, depth + 1, seen));
    seen.delete(value);
    return out;
  }
  if (value instanceof Map) {
    const entries: Record<string, unknown> = {};
    for (const [k, v] of value) entries[String(k)] = v;
    return redactObject(entries, depth, seen);
  }
  if (value instanceof Set) return redactValue([...value], depth, seen);
  return redactObject(value, depth, seen);
}
