// kube-apiserver and etcd binaries, built once from the Go module proxy by build-kube-apiserver.sh and
// cached under <repo>/.cache/kube/<version>/ (ignored by git), so only the first run on a machine pays.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KUBE_VERSION = 'v1.34.4';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');
const buildScript = resolve(here, '../../kube/build-kube-apiserver.sh');

export interface KubeBinaries {
  kubeApiserver: string;
  etcd: string;
}

export class KubeBinariesError extends Error {
  readonly code = 'STUNNER_ERR_KUBE_BINARIES';
}

/** Cache root; KUBE_CACHE_DIR overrides it (e.g. to share one build between worktrees). */
export function kubeCacheDir(): string {
  return process.env.KUBE_CACHE_DIR ?? join(repoRoot, '.cache', 'kube');
}

/** Returns the cached binaries, building them first when missing (minutes, once per machine). */
export function ensureKubeBinaries(): KubeBinaries {
  const dir = join(kubeCacheDir(), KUBE_VERSION);
  const bins = { kubeApiserver: join(dir, 'kube-apiserver'), etcd: join(dir, 'etcd') };
  if (existsSync(bins.kubeApiserver) && existsSync(bins.etcd)) return bins;
  process.stderr.write(`test setup: building kube-apiserver ${KUBE_VERSION} and etcd into ${dir} (once)\n`);
  const r = spawnSync('bash', [buildScript, kubeCacheDir()], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, KUBE_VERSION },
  });
  if (r.status !== 0 || !existsSync(bins.kubeApiserver) || !existsSync(bins.etcd)) {
    throw new KubeBinariesError(
      `building kube-apiserver ${KUBE_VERSION} failed (exit ${r.status ?? r.signal}); run ${buildScript} to see why`,
    );
  }
  return bins;
}
