// One Node single executable application (SEA) for every program of the images: the pinned Node
// binary with a small launcher injected (postject). The launcher picks the program by the name it
// was started as (argv[0], a symlink such as /usr/local/bin/stunnerd) and imports that program's
// bundle from ../lib/stunner/<name>/<name>.mjs, so `command: [stunnerd]` with any args works without
// a shell, Node's own flags never swallow the program's (`-w`, `-c`), and all images share one layer
// holding the binary.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** postject's fuse for Node's SEA blob (documented in Node's single-executable-applications.md). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Where the launcher finds bundles, relative to the binary's directory. */
export const BUNDLE_DIR_FROM_BIN = '../lib/stunner';

/** The injected main script (CommonJS, built-ins only, as SEA requires). */
export const LAUNCHER = `'use strict';
const { basename, dirname, join } = require('node:path');
const { existsSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const name = basename(process.argv0);
const bundle = join(dirname(process.execPath), ${JSON.stringify(BUNDLE_DIR_FROM_BIN)}, name, name + '.mjs');
if (!existsSync(bundle)) {
  process.stderr.write('RELEASE_ERR_NO_PROGRAM: no program ' + name + ' in this image (' + bundle + '); run it by one of the names in ' + dirname(process.execPath) + '\\n');
  process.exit(127);
}
import(pathToFileURL(bundle).href).catch((err) => {
  process.stderr.write(name + ': ' + (err && err.stack ? err.stack : String(err)) + '\\n');
  process.exit(1);
});
`;

/** Builds the SEA from the Node binary running this script; returns its bytes. */
export async function buildSeaBinary(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'release-sea-'));
  try {
    writeFileSync(join(dir, 'launcher.cjs'), LAUNCHER);
    // Relative paths, run in `dir`: the blob records the main script's path, and a temporary one would
    // make every build's binary (and so the shared layer) differ.
    writeFileSync(
      join(dir, 'sea.json'),
      JSON.stringify({
        main: 'launcher.cjs',
        output: 'sea.blob',
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        useCodeCache: false,
      }),
    );
    const r = spawnSync(process.execPath, ['--experimental-sea-config', 'sea.json'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`RELEASE_ERR_SEA: node --experimental-sea-config failed: ${r.stderr}`);
    const binary = join(dir, 'node-sea');
    copyFileSync(process.execPath, binary);
    // Node's release binaries keep their symbol tables and debug info: ~18 MiB (4 MiB compressed) that
    // only native debuggers read. binutils' strip drops them where it is installed.
    const strip = spawnSync('strip', ['--strip-all', binary], { encoding: 'utf8' });
    if (strip.error === undefined && strip.status !== 0) {
      throw new Error(`RELEASE_ERR_STRIP: strip ${binary} failed: ${strip.stderr}`);
    }
    // postject is CommonJS with no types of its own.
    const postject = createRequire(import.meta.url)('postject') as {
      inject: (file: string, name: string, data: Buffer, options: { sentinelFuse: string }) => Promise<void>;
    };
    // postject's ELF parser warns about every note section without a name string; those do not matter.
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!/Can't find string offset for section name/.test(String(args[0]))) warn(...args);
    };
    try {
      await postject.inject(binary, 'NODE_SEA_BLOB', readFileSync(join(dir, 'sea.blob')), { sentinelFuse: SEA_FUSE });
    } finally {
      console.warn = warn;
    }
    return readFileSync(binary);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
