// A long-running child (etcd, kube-apiserver) with its output in a log file, killed with the test
// process at the latest; `stop()` waits for it to exit (SIGTERM, then SIGKILL after a bound).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

const live = new Set<ChildProcess>();
let signalsHooked = false;

/** A test process killed by a signal runs no 'exit' handlers: take the daemons down first. */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const c of live) c.kill('SIGKILL');
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #exitCode: number | null | undefined;
  readonly #killOnExit = (): void => {
    this.#child.kill('SIGKILL');
  };

  constructor(name: string, command: string, args: string[], logFile: string) {
    this.name = name;
    this.logFile = logFile;
    const fd = openSync(logFile, 'a');
    this.#child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    live.add(this.#child);
    hookSignals();
    process.once('exit', this.#killOnExit);
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exitCode = code ?? (signal ? -1 : null);
        live.delete(this.#child);
        process.off('exit', this.#killOnExit);
        resolve(this.#exitCode);
      });
      this.#child.once('error', () => {
        this.#exitCode = -1;
        resolve(-1);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }

  /** The last lines of the log, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
