// `npm run build [-- name...]`: bundles every program (or the named ones) into dist/<name>/.
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bundleProgram } from './bundle.ts';
import { entryPath, PROGRAMS, programNamed, REPO_ROOT as root } from './programs.ts';

const names = process.argv.slice(2);
const programs = names.length > 0 ? names.map(programNamed) : PROGRAMS;
for (const p of programs) {
  const outDir = join(root, 'dist', p.name);
  rmSync(outDir, { recursive: true, force: true });
  const t0 = performance.now();
  const { files, bytes } = await bundleProgram(entryPath(p), outDir, p.name);
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(
    `build: ${p.name}: ${files.map((f) => relative(root, f)).join(', ')} (${(bytes / 1024).toFixed(0)} KiB, ${ms} ms)\n`,
  );
}
