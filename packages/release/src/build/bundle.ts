// Bundles one program with esbuild into plain ESM JavaScript for the pinned Node: every npm
// dependency inlined, Node built-ins left as imports. A worker-thread entry that the sources name as
// `new URL('./x.ts', import.meta.url)` becomes an entry of its own, `x.mjs` beside the main bundle,
// and the reference is rewritten to it, so the main bundle finds it relative to itself. Code the
// entries share, and modules loaded by dynamic import(), go to chunks beside them.
import { cpSync, existsSync, rmSync } from 'node:fs';
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
 * Dependencies with a native addon that they find relative to their own files (koffi's loader looks
 * for `@koromix/koffi-<platform>-<arch>` beside itself): left out of the bundle and shipped as
 * packages in `node_modules/` beside it, with only this platform's binary.
 */
export const NATIVE_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  koffi: ['koffi', `@koromix/koffi-${process.platform}-${process.arch}`],
};

const ROOT_NODE_MODULES = resolve(import.meta.dirname, '../../../../node_modules');

/** Copies the packages of each native external the bundles import into `outDir/node_modules`. */
function shipNativePackages(externals: Set<string>, outDir: string): void {
  for (const [name, packages] of Object.entries(NATIVE_PACKAGES)) {
    if (!externals.has(name)) continue;
    for (const pkg of packages) {
      const from = join(ROOT_NODE_MODULES, pkg);
      if (!existsSync(from)) {
        throw new Error(`RELEASE_ERR_NATIVE_PACKAGE: ${from} is missing; run npm ci on this platform first`);
      }
      cpSync(from, join(outDir, 'node_modules', pkg), { recursive: true, dereference: true });
    }
  }
}

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

/** One esbuild run over the given entries, code split: a dynamic import() loads its chunk only then. */
async function bundleEntries(
  entries: Record<string, string>,
  outDir: string,
  found: Map<string, string>,
): Promise<{ files: string[]; bytes: number; externals: Set<string> }> {
  const result = await build({
    entryPoints: entries,
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    // Beside the entries, so `new URL('./x.mjs', import.meta.url)` means the same in every chunk.
    chunkNames: 'chunk-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: NODE_TARGET,
    // V8 keeps a module's whole source in memory for lazy compilation: minified, stunnerd's bundle
    // holds ~2 MiB less. Stack traces map back through the linked source map (node --enable-source-maps).
    minify: true,
    sourcemap: 'linked',
    legalComments: 'eof',
    external: [...OPTIONAL_EXTERNALS, ...Object.keys(NATIVE_PACKAGES)],
    banner: { js: BANNER },
    plugins: [runtimeEntries(found)],
    metafile: true,
    logLevel: 'warning',
  });
  const files: string[] = [];
  const externals = new Set<string>();
  let bytes = 0;
  for (const [file, out] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith('.mjs')) continue;
    files.push(resolve(file));
    bytes += out.bytes;
    for (const i of out.imports) if (i.external) externals.add(i.path);
  }
  return { files, bytes, externals };
}

/**
 * Bundles `entry` into `outDir/<name>.mjs`, each runtime entry it names (a worker's main) into
 * `outDir/<entry>.mjs`, and code they share or import dynamically into `outDir/chunk-*.mjs`.
 */
export async function bundleProgram(entry: string, outDir: string, name: string): Promise<BundleResult> {
  const found = new Map<string, string>();
  let entries: Record<string, string> = { [name]: entry };
  // A runtime entry is known only once the code naming it was read: build until the set is stable.
  for (;;) {
    rmSync(outDir, { recursive: true, force: true });
    const r = await bundleEntries(entries, outDir, found);
    if (found.has(name))
      throw new Error(`RELEASE_ERR_NAME_CLASH: a runtime entry of ${entry} is named ${name}; rename it`);
    const next = { [name]: entry, ...Object.fromEntries(found) };
    if (Object.keys(next).length === Object.keys(entries).length) {
      const main = join(outDir, `${name}.mjs`);
      shipNativePackages(r.externals, outDir);
      return {
        files: [main, ...r.files.filter((f) => f !== main).sort()],
        bytes: r.bytes,
        externals: [...r.externals].sort(),
      };
    }
    entries = next;
  }
}
