// Which external peers (packages/testing/src/peers.ts) a test file needs, read from its source and the
// test helpers it imports: a harness of @stunner/testing that starts a peer (found from the harness
// modules each peer declares and every module that imports them), an npm package that drives one
// (playwright-core), or a program spawned by name. A file with no peer is a unit test.
import { existsSync, globSync, readFileSync } from 'node:fs';
import { basename, dirname, join, normalize, relative, resolve } from 'node:path';
import { EXTERNAL_PEERS } from '../packages/testing/src/peers.ts';

const root = resolve(import.meta.dirname, '..');
const TESTING_SRC = 'packages/testing/src';

// Static imports and re-exports, and dynamic imports of a literal specifier.
const IMPORT_RE = /^\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
// A program started by name: the first word of the command given to child_process or watchProcess
// (`exec` only unqualified, since `regex.exec('…')` is no process).
const SPAWN_RE =
  /(?:(?<![\w$])(?:spawn|spawnSync|execFile|execFileSync|execSync|watchProcess)|(?<![\w$.])exec)\(\s*['"`]([^'"`\s]+)/g;
const EXPORT_RE = /^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/gm;

const read = (file: string): string => readFileSync(join(root, file), 'utf8');

function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT_RE)].map((m) => (m[1] ?? m[2]) as string);
}

/** Names of the programs `text` starts by name (`/usr/bin/chromium` → `chromium`). */
export function spawnedCommands(text: string): string[] {
  return [...text.matchAll(SPAWN_RE)].map((m) => basename(m[1] as string));
}

const peerOfCommand = new Map(EXTERNAL_PEERS.flatMap((p) => p.commands.map((c) => [c, p.name] as const)));

/** The peer a spawned program belongs to; a program no peer declares counts as a peer of its own. */
function peerOfProgram(command: string): string {
  return peerOfCommand.get(command) ?? command;
}

/** For each module of @stunner/testing: the peers its exports start (directly or through its imports). */
function harnessModulePeers(): Map<string, Set<string>> {
  const modules = globSync(`${TESTING_SRC}/**/*.ts`, { cwd: root }).map((f) => normalize(f));
  const declared = new Map<string, Set<string>>();
  for (const peer of EXTERNAL_PEERS) {
    for (const m of peer.harnessModules) {
      const file = normalize(join(TESTING_SRC, m));
      declared.set(file, (declared.get(file) ?? new Set()).add(peer.name));
    }
  }
  const memo = new Map<string, Set<string>>();
  const visit = (file: string): Set<string> => {
    const known = memo.get(file);
    if (known) return known;
    const peers = new Set(declared.get(file));
    memo.set(file, peers);
    const text = read(file);
    for (const command of spawnedCommands(text)) if (peerOfCommand.has(command)) peers.add(peerOfProgram(command));
    for (const spec of importsOf(text)) {
      if (!spec.startsWith('.')) continue;
      const target = normalize(join(dirname(file), spec));
      if (existsSync(join(root, target))) for (const p of visit(target)) peers.add(p);
    }
    return peers;
  };
  for (const m of modules) if (!m.endsWith('/index.ts')) visit(m);
  return memo;
}

/** Export name of @stunner/testing → the peers it starts, for the exports that start any. */
export function harnessPeers(): Map<string, Set<string>> {
  const byName = new Map<string, Set<string>>();
  for (const [file, peers] of harnessModulePeers()) {
    if (peers.size === 0) continue;
    for (const m of read(file).matchAll(EXPORT_RE)) byName.set(m[1] as string, peers);
  }
  return byName;
}

/** The peers test file `file` (repository-relative) needs; empty for a unit test. */
export function peersOfTest(file: string, harness = harnessPeers()): Set<string> {
  const peers = new Set<string>();
  const seen = new Set<string>();
  const visit = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    const text = read(f);
    let usesTesting = false;
    for (const spec of importsOf(text)) {
      if (spec.startsWith('.')) {
        // Follow the test's own helpers; a package's src/ runs no external program.
        const target = normalize(join(dirname(f), spec));
        if (!target.includes('/src/') && existsSync(join(root, target))) visit(target);
      } else if (spec === '@stunner/testing' || spec.startsWith('@stunner/testing/')) {
        usesTesting = true;
      } else {
        for (const p of EXTERNAL_PEERS) {
          if (p.packages?.some((pkg) => spec === pkg || spec.startsWith(`${pkg}/`))) peers.add(p.name);
        }
      }
    }
    if (usesTesting) {
      for (const [name, ps] of harness) if (new RegExp(`\\b${name}\\b`).test(text)) for (const p of ps) peers.add(p);
    }
    for (const command of spawnedCommands(text)) peers.add(peerOfProgram(command));
  };
  visit(normalize(relative(root, resolve(root, file))));
  return peers;
}
