// The programs a user runs, each bundled into dist/<name>/<name>.mjs by `npm run build`.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

export interface Program {
  /** Bundle and image name; also the command on PATH inside an image. */
  readonly name: string;
  /** Entry point, relative to the repository root. */
  readonly entry: string;
}

export const PROGRAMS: readonly Program[] = [
  { name: 'stunnerd', entry: 'packages/stunnerd/src/main.ts' },
  { name: 'stunner-gateway-operator', entry: 'packages/operator/src/main.ts' },
  { name: 'authd', entry: 'packages/auth/src/main.ts' },
  { name: 'turncat', entry: 'packages/cli/src/turncat.ts' },
  { name: 'stunnerctl', entry: 'packages/cli/src/stunnerctl.ts' },
  { name: 'udp-greeter', entry: 'packages/cli/src/udp-greeter.ts' },
];

export function programNamed(name: string): Program {
  const p = PROGRAMS.find((x) => x.name === name);
  if (!p)
    throw new Error(
      `RELEASE_ERR_UNKNOWN_PROGRAM: no program ${name}; use one of ${PROGRAMS.map((x) => x.name).join(', ')}`,
    );
  return p;
}

/** The program's entry point as an absolute path. */
export function entryPath(p: Program): string {
  return join(REPO_ROOT, p.entry);
}
