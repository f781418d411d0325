// A root filesystem layer as a list of entries, written either as a reproducible tar (an OCI layer)
// or into a directory (the Dockerfile's build stage copies those trees into `FROM scratch` images).
import { chmodSync, lchownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pack } from 'tar-stream';

export type TreeEntry =
  | { readonly type: 'directory'; readonly path: string; readonly mode: number; readonly uid?: number }
  | { readonly type: 'file'; readonly path: string; readonly mode: number; readonly source: string | Buffer }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string };

/** Entries' contents: a Buffer as given, a string as the path of a file to read. */
function contents(source: string | Buffer): Buffer {
  return typeof source === 'string' ? readFileSync(source) : source;
}

/** Adds the missing parent directories (root-owned, 0755) and sorts by path, so tars are reproducible. */
export function normalizeTree(entries: readonly TreeEntry[]): TreeEntry[] {
  const byPath = new Map<string, TreeEntry>();
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '').replace(/\/+$/, '');
    if (byPath.has(path)) throw new Error(`RELEASE_ERR_DUPLICATE_PATH: ${path} is in the layer twice`);
    byPath.set(path, { ...e, path });
  }
  for (const path of [...byPath.keys()]) {
    for (let d = dirname(path); d !== '.' && d !== '/'; d = dirname(d)) {
      if (!byPath.has(d)) byPath.set(d, { type: 'directory', path: d, mode: 0o755 });
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The layer as an uncompressed tar: mtime 0, owner root unless an entry says otherwise. */
export async function treeToTar(entries: readonly TreeEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  const mtime = new Date(0);
  for (const e of normalizeTree(entries)) {
    const uid = e.type === 'directory' ? (e.uid ?? 0) : 0;
    const base = { name: e.path, mtime, uid, gid: uid, uname: '', gname: '' };
    if (e.type === 'directory') p.entry({ ...base, type: 'directory', mode: e.mode });
    else if (e.type === 'symlink') p.entry({ ...base, type: 'symlink', linkname: e.target, mode: 0o777 });
    else p.entry({ ...base, type: 'file', mode: e.mode }, contents(e.source));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Writes the layer under `dir` (as root, ownership too), for a Dockerfile stage to copy. */
export function treeToDirectory(entries: readonly TreeEntry[], dir: string): void {
  for (const e of normalizeTree(entries)) {
    const to = join(dir, e.path);
    if (e.type === 'directory') {
      mkdirSync(to, { recursive: true });
      chmodSync(to, e.mode);
      if (e.uid !== undefined && process.getuid?.() === 0) lchownSync(to, e.uid, e.uid);
    } else if (e.type === 'symlink') {
      mkdirSync(dirname(to), { recursive: true });
      symlinkSync(e.target, to);
    } else {
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, contents(e.source), { mode: e.mode });
      chmodSync(to, e.mode);
    }
  }
}
