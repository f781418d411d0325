// The helm CLI, built once from the Go module proxy by packages/testing/kube/build-helm.sh and cached under
// <repo>/.cache/helm/<version>/ (ignored by git), like kube-apiserver: only the first run on a machine pays.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HELM_VERSION = 'v3.19.0';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');
const buildScript = resolve(here, '../../kube/build-helm.sh');

export class HelmBinaryError extends Error {
  readonly code = 'STUNNER_ERR_HELM_BINARY';
}

/** Cache root; HELM_CACHE_DIR overrides it (e.g. to share one build between worktrees). */
export function helmCacheDir(): string {
  return process.env.HELM_CACHE_DIR ?? join(repoRoot, '.cache', 'helm');
}

/** Path of the cached helm binary, building it first when missing (a few minutes, once per machine). */
export function ensureHelm(): string {
  const bin = join(helmCacheDir(), HELM_VERSION, 'helm');
  if (existsSync(bin)) return bin;
  process.stderr.write(`test setup: building helm ${HELM_VERSION} into ${dirname(bin)} (once)\n`);
  const r = spawnSync('bash', [buildScript, helmCacheDir()], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, HELM_VERSION },
  });
  if (r.status !== 0 || !existsSync(bin)) {
    throw new HelmBinaryError(
      `building helm ${HELM_VERSION} failed (exit ${r.status ?? r.signal}); run ${buildScript} to see why`,
    );
  }
  return bin;
}
