// Runs an unpacked image's root filesystem the way a container runtime would, without one (podman
// cannot run containers on these machines): a new mount and PID namespace, the root filesystem
// bound read-only, /proc of the new PID namespace and the host's /dev mounted, a writable directory
// of the test's on /tmp (a ConfigMap/emptyDir would be), then chroot as the image's user with only
// the image's environment, so the command is PID 1 and is found through the image's PATH.
// Networking is the host's: servers inside listen on 127.0.0.1. Needs root.
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Pid1Process, watchAsPid1 } from '@stunner/testing';

export interface RuntimeSpec {
  /** process.args of umoci's config.json: the image's entrypoint and cmd. */
  readonly args: string[];
  readonly env: string[];
  readonly uid: number;
  readonly gid: number;
}

/** Reads the OCI runtime config umoci writes beside the unpacked rootfs. */
export function readRuntimeSpec(bundleDir: string): RuntimeSpec {
  const spec = JSON.parse(readFileSync(join(bundleDir, 'config.json'), 'utf8')) as {
    process: { args: string[]; env: string[]; user: { uid: number; gid: number } };
  };
  return { args: spec.process.args, env: spec.process.env, uid: spec.process.user.uid, gid: spec.process.user.gid };
}

const SETUP = [
  'set -e',
  'root="$1"; data="$2"; shift 2',
  'mount --bind "$root" "$root"',
  'mount -o remount,bind,ro "$root"',
  'mount -t proc proc "$root/proc"',
  'mount --rbind /dev "$root/dev"',
  'mount --bind "$data" "$root/tmp"',
  'exec "$@"',
].join('\n');

/**
 * Starts `command` (a Kubernetes `command` + `args`, or the image's entrypoint) in `rootfs` as
 * `uid:gid` with `env`. `dataDir` appears as /tmp inside. The set-up shell is PID 1 of the new PID
 * namespace until it execs into the command, so the command is PID 1.
 */
export function runInRootfs(rootfs: string, dataDir: string, spec: RuntimeSpec, command: string[]): Pid1Process {
  // Mount points a runtime creates before it makes the root read-only.
  for (const d of ['proc', 'dev']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(dataDir, 0o777);
  return watchAsPid1(
    '/bin/sh',
    [
      '-c',
      SETUP,
      'setup',
      rootfs,
      dataDir,
      '/usr/bin/env',
      '-i',
      ...spec.env,
      '/usr/sbin/chroot',
      `--userspec=${spec.uid}:${spec.gid}`,
      rootfs,
      ...command,
    ],
    { name: command[0] ?? 'rootfs', unshareFlags: ['--mount', '--propagation', 'private'] },
  );
}

/** `Uid:` (real) and `NSpid:` of a process from /proc/<pid>/status. */
export function processIds(pid: number): { uid: number; nsPids: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
  const nsPids = (/^NSpid:\s+(.*)$/m.exec(status)?.[1] ?? '').trim().split(/\s+/).map(Number);
  return { uid, nsPids };
}

/** The mount options of the mount at `mountPoint` as process `pid` sees its filesystem (mountinfo). */
export function mountOptions(pid: number, mountPoint: string): string[] {
  const lines = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').trim().split('\n');
  // Fields: id parent major:minor root mount-point options ...; the last mount on a point wins.
  const line = lines.filter((l) => l.split(' ')[4] === mountPoint).at(-1);
  if (line === undefined) throw new Error(`process ${pid} has nothing mounted on ${mountPoint}`);
  return line.split(' ')[5]!.split(',');
}
