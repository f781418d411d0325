// `npm run check:layout`: the house rules that a reviewer should not have to count by hand.
// - no import circle between files (static imports and re-exports, across packages through their
//   package.json `exports`), and none between packages;
// - no source file (packages/*/src) over MAX_SOURCE_LINES lines.
// Exits 1 listing every violation, so CI fails with what to fix.
import { existsSync, globSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';

const MAX_SOURCE_LINES = 450;
const root = resolve(import.meta.dirname, '..');

const files = [
  ...globSync('packages/*/{src,test,fuzz}/**/*.ts', { cwd: root }),
  ...globSync('{scripts,bench}/**/*.ts', { cwd: root }),
].map((f) => normalize(f));
const known = new Set(files);

/** `@stunner/<name>[/<sub>]` → repository-relative file, from the package's `exports` map. */
function resolvePackage(spec: string): string | undefined {
  const m = /^@stunner\/([^/]+)(\/.*)?$/.exec(spec);
  if (m === null) return undefined;
  const pkgDir = join('packages', m[1] as string);
  const manifest = join(root, pkgDir, 'package.json');
  if (!existsSync(manifest)) return undefined;
  const exportsMap = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, string> }).exports;
  const target = exportsMap?.[m[2] === undefined ? '.' : `.${m[2]}`];
  return target === undefined ? undefined : normalize(join(pkgDir, target));
}

// Static imports and re-exports only: a dynamic import() is how a module defers loading on purpose.
const IMPORT_RE = /^\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] as string;
    const target = spec.startsWith('.') ? normalize(join(dirname(file), spec)) : resolvePackage(spec);
    if (target !== undefined && known.has(target)) out.push(target);
  }
  return out;
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** Strongly connected components with more than one member (or a self-import): the circles. */
function circles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (g.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return found;
}

const problems: string[] = [];
for (const c of circles(graph)) problems.push(`import circle between files: ${c.join(' ↔ ')}`);

// Package level: only what src/ imports counts (tests may import a package that depends on theirs).
const pkgOf = (f: string): string | undefined => /^packages\/([^/]+)\//.exec(f)?.[1];
const pkgGraph = new Map<string, string[]>();
for (const [f, deps] of graph) {
  const p = pkgOf(f);
  if (p === undefined || !f.startsWith(`packages/${p}/src/`)) continue;
  const set = new Set(pkgGraph.get(p) ?? []);
  for (const d of deps) {
    const q = pkgOf(d);
    if (q !== undefined && q !== p) set.add(q);
  }
  pkgGraph.set(p, [...set]);
}
for (const c of circles(pkgGraph)) problems.push(`import circle between packages: ${c.join(' ↔ ')}`);

for (const f of files) {
  if (!/^packages\/[^/]+\/src\//.test(f)) continue;
  const lines = readFileSync(join(root, f), 'utf8').split('\n').length;
  if (lines > MAX_SOURCE_LINES) {
    problems.push(`${f}: ${lines} lines; split it along its concerns (limit ${MAX_SOURCE_LINES})`);
  }
}

if (problems.length > 0) {
  process.stderr.write(`check-layout: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(
  `check-layout: ${files.length} files, no import circle, no source file over ${MAX_SOURCE_LINES} lines (${relative(process.cwd(), root) || '.'})\n`,
);
