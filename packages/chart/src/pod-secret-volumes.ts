// The kubelet's part for Secret volumes, in tests that run a pod's container as a process: each Secret
// volume the container mounts becomes a directory of the Secret's keys, and environment values that name
// a path under a mount path name the same file there (STUNNER_CDS_TOKEN_FILE, for one).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdminRequest } from '@stunner/testing';

export interface PodSpecWithVolumes {
  volumes?: { name: string; secret?: { secretName: string } }[];
  containers: { volumeMounts?: { name: string; mountPath: string }[] }[];
}

export interface MountedSecrets {
  /** `value` with a mount path prefix replaced by the directory that stands for it. */
  path(value: string): string;
  cleanup(): void;
}

export class PodVolumeError extends Error {
  readonly code = 'STUNNER_ERR_POD_VOLUME';
}

/** Writes the Secret volumes of the pod's first container, read from the apiserver as the kubelet does. */
export async function mountSecretVolumes(
  request: AdminRequest,
  namespace: string,
  pod: PodSpecWithVolumes,
): Promise<MountedSecrets> {
  const root = mkdtempSync(join(tmpdir(), 'stunner-pod-volumes-'));
  const mounts: [string, string][] = [];
  for (const m of pod.containers[0]?.volumeMounts ?? []) {
    const secretName = pod.volumes?.find((v) => v.name === m.name)?.secret?.secretName;
    if (!secretName) continue;
    let data: Record<string, string> | undefined;
    try {
      const s = await request<{ data?: Record<string, string> }>(
        'GET',
        `/api/v1/namespaces/${namespace}/secrets/${secretName}`,
      );
      data = s.data ?? {};
    } catch (err) {
      rmSync(root, { recursive: true, force: true });
      // A pod whose Secret is missing does not start: the kubelet retries the mount.
      throw new PodVolumeError(`volume ${m.name}: Secret ${namespace}/${secretName}: ${(err as Error).message}`);
    }
    const dir = join(root, m.name);
    mkdirSync(dir);
    for (const [k, v] of Object.entries(data)) writeFileSync(join(dir, k), Buffer.from(v, 'base64'));
    mounts.push([m.mountPath.replace(/\/+$/, ''), dir]);
  }
  return {
    path(value) {
      for (const [mountPath, dir] of mounts) {
        if (value === mountPath || value.startsWith(`${mountPath}/`)) return dir + value.slice(mountPath.length);
      }
      return value;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
