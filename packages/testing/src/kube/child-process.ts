// A long-running child (etcd, kube-apiserver) with its output in a log file, killed with the test
// process at the latest; `stop()` waits for it to exit (SIGTERM, then SIGKILL after a bound).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

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
    process.once('exit', this.#killOnExit);
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exitCode = code ?? (signal ? -1 : null);
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
