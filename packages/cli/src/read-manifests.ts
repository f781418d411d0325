// Reads manifests from files, directories (recursively: *.yaml, *.yml, *.json) or stdin (`-`).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface ManifestDoc {
  doc: unknown;
  where: string;
}

export interface ReadResult {
  docs: ManifestDoc[];
  errors: { object: string; field: string; message: string }[];
}

function listFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((f) => {
      const p = join(path, f);
      if (statSync(p).isDirectory()) return listFiles(p);
      return /\.(ya?ml|json)$/.test(f) ? [p] : [];
    });
}

export function parseManifestText(text: string, name: string, out: ReadResult): void {
  const docs = parseAllDocuments(text);
  docs.forEach((d, i) => {
    const where = `${name}#${i + 1}`;
    if (d.errors.length > 0) {
      for (const e of d.errors) out.errors.push({ object: where, field: '', message: `YAML: ${e.message}` });
      return;
    }
    out.docs.push({ doc: d.toJS(), where });
  });
}

export function readManifests(paths: string[], stdin: () => string): ReadResult {
  const out: ReadResult = { docs: [], errors: [] };
  for (const p of paths) {
    if (p === '-') {
      parseManifestText(stdin(), 'stdin', out);
      continue;
    }
    let files: string[];
    try {
      files = listFiles(p);
    } catch (e) {
      out.errors.push({ object: p, field: '', message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    for (const f of files) parseManifestText(readFileSync(f, 'utf8'), f, out);
  }
  return out;
}
