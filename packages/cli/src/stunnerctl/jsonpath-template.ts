// kubectl's JSONPath template form (`-o jsonpath='{.admin.name}{"\n"}'`), which STUNner's stunnerctl takes
// too: literal text mixed with `{…}` queries, `{range …}…{end}` loops, and quoted strings with \n and \t.
// Queries are evaluated by jsonpath-plus; the template layer around them is kubectl's.
import { JSONPath } from 'jsonpath-plus';
import { StunnerctlError } from './errors.ts';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'query'; path: string }
  | { kind: 'range'; path: string; body: Node[] };

export interface JsonPathTemplate {
  /** The template's text for one object (no newline added). */
  render(value: unknown): string;
}

function bad(template: string, why: string): StunnerctlError {
  return new StunnerctlError(
    'STUNNERCTL_ERR_OUTPUT',
    `invalid jsonpath template "${template}": ${why}; expected kubectl's form, e.g. -o jsonpath='{.admin.name}{"\\n"}'`,
  );
}

/** Splits the template into literal text and the contents of `{…}` (quotes may hold braces). */
function tokens(template: string): ({ text: string } | { expr: string })[] {
  const out: ({ text: string } | { expr: string })[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      out.push({ text: template.slice(i) });
      break;
    }
    if (open > i) out.push({ text: template.slice(i, open) });
    let j = open + 1;
    let quote: string | undefined;
    for (; j < template.length; j++) {
      const c = template[j]!;
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (j >= template.length) throw bad(template, `unclosed "{" at ${open}`);
    out.push({ expr: template.slice(open + 1, j).trim() });
    i = j + 1;
  }
  return out;
}

function unquote(s: string): string | undefined {
  const m = /^"((?:[^"\\]|\\.)*)"$/s.exec(s) ?? /^'((?:[^'\\]|\\.)*)'$/s.exec(s);
  if (!m) return undefined;
  return m[1]!.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

/** kubectl writes `.a.b`, `[0]`, `@` or `$`; jsonpath-plus wants a leading `$`. */
function toJsonPath(expr: string, template: string): string {
  if (expr === '' || expr === '@' || expr === '$' || expr === '.') return '$';
  if (expr.startsWith('$')) return expr;
  if (expr.startsWith('@')) return `$${expr.slice(1)}`;
  if (expr.startsWith('.') || expr.startsWith('[')) return `$${expr}`;
  throw bad(template, `"{${expr}}" is neither a query (.field, [n]) nor a quoted string`);
}

export function parseJsonPathTemplate(template: string): JsonPathTemplate {
  const stack: Node[][] = [[]];
  const ranges: { path: string }[] = [];
  for (const t of tokens(template)) {
    const top = stack.at(-1)!;
    if ('text' in t) {
      top.push({ kind: 'text', text: t.text });
      continue;
    }
    const literal = unquote(t.expr);
    if (literal !== undefined) {
      top.push({ kind: 'text', text: literal });
    } else if (/^range\s/.test(t.expr)) {
      ranges.push({ path: toJsonPath(t.expr.slice(6).trim(), template) });
      stack.push([]);
    } else if (t.expr === 'end') {
      const range = ranges.pop();
      if (!range) throw bad(template, '{end} without {range …}');
      const body = stack.pop()!;
      stack.at(-1)!.push({ kind: 'range', path: range.path, body });
    } else {
      top.push({ kind: 'query', path: toJsonPath(t.expr, template) });
    }
  }
  if (ranges.length > 0) throw bad(template, '{range …} without {end}');
  const root = stack[0]!;
  return { render: (value) => renderNodes(root, value, template) };
}

function query(path: string, value: unknown, template: string): unknown[] {
  if (path === '$') return [value];
  try {
    return JSONPath({ path, json: value as object, wrap: true, eval: 'safe' }) as unknown[];
  } catch (err) {
    throw bad(template, `query ${path}: ${(err as Error).message}`);
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v);
}

function renderNodes(nodes: Node[], value: unknown, template: string): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    // Like kubectl, several matches print space-separated and a missing key prints nothing.
    else if (n.kind === 'query') out += query(n.path, value, template).map(show).join(' ');
    else {
      let items = query(n.path, value, template);
      if (items.length === 1 && Array.isArray(items[0])) items = items[0];
      for (const item of items) out += renderNodes(n.body, item, template);
    }
  }
  return out;
}
