// Bundles one program with esbuild into plain ESM JavaScript for the pinned Node: every npm
// dependency inlined, Node built-ins left as imports. A worker-thread entry that the sources name as
// `new URL('./x.ts', import.meta.url)` becomes a bundle of its own, `x.mjs` beside the main bundle,
// and the reference is rewritten to it, so the main bundle finds it relative to itself.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** `new URL('./name.ts', import.meta.url)`: a file the program loads at run time (a worker's main). */
const RUNTIME_ENTRY = /new URL\((['"])\.\/([\w.-]+)\.ts\1,\s*import\.meta\.url\)/g;

/** Node ≥ 22.12 as the bundles' floor; the pinned Node (24) runs them. */
export const NODE_TARGET = 'node22.12';

/**
 * Optional peers that dependencies `require()` inside try/catch and run without (ws's native
 * speed-ups, debug's terminal colours): left out of the bundle, and absent at run time on purpose.
 */
export const OPTIONAL_EXTERNALS = ['bufferutil', 'utf-8-validate', 'supports-color'];

/**
 * CommonJS dependencies in an ESM bundle call `require()` for Node built-ins; esbuild's ESM output has
 * no `require`, so the bundle defines one.
 */
const BANNER = [
  '#!/usr/bin/env node',
  "import { createRequire as __stunnerCreateRequire } from 'node:module';",
  'const require = __stunnerCreateRequire(import.meta.url);',
].join('\n');

export interface BundleResult {
  /** Files written, absolute paths: the main bundle first, then the worker bundles. */
  readonly files: string[];
  /** Bytes of JavaScript written (source maps not counted). */
  readonly bytes: number;
  /** Modules the bundles leave to Node at run time (built-ins, and the optional peers above). */
  readonly externals: string[];
}

/** Rewrites runtime `.ts` entries to their `.mjs` bundles and records them for bundling. */
function runtimeEntries(found: Map<string, string>): Plugin {
  return {
    name: 'stunner-runtime-entries',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const contents = source.replace(RUNTIME_ENTRY, (_all, quote: string, name: string) => {
          found.set(name, resolve(dirname(args.path), `${name}.ts`));
          return `new URL(${quote}./${name}.mjs${quote}, import.meta.url)`;
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

async function bundleOne(
  entry: string,
  outfile: string,
  found: Map<string, string>,
  externals: Set<string>,
): Promise<number> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: NODE_TARGET,
    // V8 keeps a module's whole source in memory for lazy compilation: minified, stunnerd's bundle
    // holds ~2 MiB less. Stack traces map back through the linked source map (node --enable-source-maps).
    minify: true,
    sourcemap: 'linked',
    legalComments: 'eof',
    external: OPTIONAL_EXTERNALS,
    banner: { js: BANNER },
    plugins: [runtimeEntries(found)],
    metafile: true,
    logLevel: 'warning',
  });
  const out = Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('.mjs'));
  for (const i of out?.[1].imports ?? []) if (i.external) externals.add(i.path);
  return out ? out[1].bytes : 0;
}

/** Bundles `entry` into `outDir/<name>.mjs` plus one bundle per runtime entry it names. */
export async function bundleProgram(entry: string, outDir: string, name: string): Promise<BundleResult> {
  const found = new Map<string, string>();
  const externals = new Set<string>();
  const main = join(outDir, `${name}.mjs`);
  let bytes = await bundleOne(entry, main, found, externals);
  const files = [main];
  const done = new Set<string>();
  // A worker may itself name further runtime entries: bundle until none is new.
  for (let pending = [...found]; pending.length > 0; pending = [...found].filter(([n]) => !done.has(n))) {
    for (const [workerName, workerEntry] of pending) {
      done.add(workerName);
      const file = join(outDir, `${workerName}.mjs`);
      bytes += await bundleOne(workerEntry, file, found, externals);
      files.push(file);
    }
  }
  if (found.has(name))
    throw new Error(`RELEASE_ERR_NAME_CLASH: a runtime entry of ${entry} is named ${name}; rename it`);
  return { files, bytes, externals: [...externals].sort() };
}
