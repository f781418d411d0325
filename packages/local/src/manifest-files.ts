// The manifests local mode runs: files and directories (recursively: *.yaml, *.yml, *.json), read
// afresh on every change. Unreadable paths and YAML errors are reported per document, never thrown.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseManifestText, type ReadResult } from '@stunner/cli';

export interface ManifestRead extends ReadResult {
  /** Every file read, for watching. */
  files: string[];
  /** The directories given, for watching new files. */
  dirs: string[];
}

function listFiles(path: string, out: ManifestRead): void {
  if (!statSync(path).isDirectory()) {
    out.files.push(path);
    return;
  }
  out.dirs.push(path);
  for (const f of readdirSync(path).sort()) {
    const p = join(path, f);
    if (f.startsWith('.')) continue;
    if (statSync(p).isDirectory()) listFiles(p, out);
    else if (/\.(ya?ml|json)$/.test(f)) out.files.push(p);
  }
}

/** `base` shortens file names in messages (the working directory). */
export function readManifestFiles(paths: readonly string[], base = process.cwd()): ManifestRead {
  const out: ManifestRead = { docs: [], errors: [], files: [], dirs: [] };
  for (const p of paths) {
    try {
      listFiles(p, out);
    } catch (err) {
      out.errors.push({ object: p, field: '', message: `cannot read: ${(err as Error).message}` });
    }
  }
  for (const f of out.files) {
    const name = relative(base, f) || f;
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (err) {
      out.errors.push({ object: name, field: '', message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    parseManifestText(text, name.startsWith('..') ? f : name, out);
  }
  return out;
}
