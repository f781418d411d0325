import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/** The house rule (DESIGN.md): no source file over about 400 lines. */
const MAX_LINES = 400;

const sources = (readdirSync(SRC, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(SRC, f));

/** Relative imports and re-exports of a file (static, dynamic and side-effect), as absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) out.push(resolve(dirname(file), m[1]!));
  return out;
}

/** Every circle of an import graph (file → files it imports), each as the files along it. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const next of graph.get(f) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

describe('stunnerd source layout', () => {
  it('has no import circle', () => {
    const found = circles(new Map(sources.map((f) => [f, importsOf(f)]))).map((c) =>
      c.map((f) => relative(SRC, f)).join(' → '),
    );
    assert.deepEqual(found, [], `import circles under packages/stunnerd/src:\n${found.join('\n')}`);
  });

  it('reads the imports and finds a circle when there is one (the check itself works)', () => {
    const listener = join(SRC, 'listeners/worker-udp-listener.ts');
    const messages = join(SRC, 'listeners/worker-messages.ts');
    assert.ok(importsOf(listener).includes(messages), 'worker-udp-listener imports worker-messages');
    // The circle this layout removed: turn-listener → worker-udp-listener → worker-messages → turn-listener.
    const graph = new Map([
      ['turn-listener', ['worker-udp-listener']],
      ['worker-udp-listener', ['worker-messages']],
      ['worker-messages', ['turn-listener']],
      ['main', ['turn-listener']],
    ]);
    assert.deepEqual(circles(graph), [['turn-listener', 'worker-udp-listener', 'worker-messages', 'turn-listener']]);
  });

  it(`keeps every source file under ${MAX_LINES} lines`, () => {
    const long = sources
      .map((f) => ({ f: relative(SRC, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((x) => x.lines > MAX_LINES);
    assert.deepEqual(long, [], `split these files: ${long.map((x) => `${x.f} (${x.lines})`).join(', ')}`);
  });
});
