// `npm run build [-- name...]`: bundles every program (or the named ones) into dist/<name>/.
import { rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleProgram } from './bundle.ts';
import { PROGRAMS, programNamed } from './programs.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const names = process.argv.slice(2);
const programs = names.length > 0 ? names.map(programNamed) : PROGRAMS;
for (const p of programs) {
  const outDir = join(root, 'dist', p.name);
  rmSync(outDir, { recursive: true, force: true });
  const t0 = performance.now();
  const { files, bytes } = await bundleProgram(join(root, p.entry), outDir, p.name);
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(
    `build: ${p.name}: ${files.map((f) => relative(root, f)).join(', ')} (${(bytes / 1024).toFixed(0)} KiB, ${ms} ms)\n`,
  );
}
