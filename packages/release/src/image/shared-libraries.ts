// The shared libraries a dynamically linked binary loads, from `ldd`, so an image can carry exactly
// those (the pinned Node needs glibc, libstdc++ and libgcc_s) without a base image.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';

export interface SharedLibrary {
  /** Where the dynamic loader looks for it: the path the image must hold it at. */
  readonly path: string;
  /** The file on this machine (symlinks resolved). */
  readonly source: string;
}

/** Parses `ldd` output: `name => /path (0x...)` lines and the loader's own `/path (0x...)` line. */
export function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const m = /=>\s+(\/\S+)\s+\(/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) paths.push(m[1]!);
  }
  return paths;
}

export function sharedLibraries(binary: string): SharedLibrary[] {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `RELEASE_ERR_LDD: ldd ${binary} failed (${r.error?.message ?? r.stderr.trim()}); the image needs glibc's ldd`,
    );
  }
  const paths = parseLdd(r.stdout);
  if (!paths.some((p) => /\/ld-linux[^/]*\.so/.test(p))) {
    throw new Error(`RELEASE_ERR_LDD: ldd ${binary} named no dynamic loader; is it a dynamically linked glibc binary?`);
  }
  return paths.map((path) => ({ path, source: realpathSync(path) }));
}
