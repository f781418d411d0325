// A program as PID 1 of its own PID namespace, as a container runtime starts its entrypoint: the kernel
// delivers no signal to PID 1 that it has no handler for, so SIGTERM ends it only if the program
// handles it. Needs root (or an unprivileged user namespace).
import { readdirSync, readFileSync } from 'node:fs';
import { type WatchedProcess, type WatchProcessOptions, watchProcess } from './process-output.ts';

export interface Pid1Process extends WatchedProcess {
  /** The program's PID as this process sees it (it is PID 1 inside), once it runs. */
  hostPid(): number;
}

export interface Pid1Options extends WatchProcessOptions {
  /** More unshare flags (e.g. `--mount`), before the command; the PID namespace is always new. */
  readonly unshareFlags?: readonly string[];
}

/** Starts `command args` as PID 1 of a new PID namespace; unshare exits with its exit status. */
export function watchAsPid1(command: string, args: string[], options: Pid1Options = {}): Pid1Process {
  const { unshareFlags = [], ...watchOptions } = options;
  const p = watchProcess('unshare', ['--pid', '--fork', '--kill-child', ...unshareFlags, command, ...args], {
    name: watchOptions.name ?? command,
    ...watchOptions,
  });
  const hostPid = (): number => {
    const unsharePid = p.child.pid!;
    for (const task of readdirSync(`/proc/${unsharePid}/task`)) {
      const children = readFileSync(`/proc/${unsharePid}/task/${task}/children`, 'utf8').trim();
      if (children) return Number(children.split(' ')[0]);
    }
    throw new Error(`TESTING_ERR_NO_CHILD: unshare ${unsharePid} has not started ${command} yet`);
  };
  return {
    ...p,
    hostPid,
    // unshare forwards no signal: the program (PID 1 inside, its namespace going with it) is killed.
    async stop() {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        try {
          process.kill(hostPid(), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await p.stop();
    },
  };
}
