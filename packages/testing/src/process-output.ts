import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface WatchedProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /**
   * Resolves with the first match of `pattern` in stdout (or stderr); rejects after `timeoutMs` or on exit
   * with `what` (what the test awaited), the pattern and the tail of both streams.
   */
  waitFor(
    pattern: RegExp,
    options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number; what?: string },
  ): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal name), rejects after `timeoutMs`. Default 10000 ms. */
  exited(timeoutMs?: number): Promise<number | string>;
  /** SIGTERM, then SIGKILL after 2 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

export interface WatchProcessOptions extends SpawnOptions {
  /** The program's name in failure messages (e.g. `turncat` for `node turncat.ts`). Default the command. */
  name?: string;
}

/** Spawns a process with piped output collected as text, for tests that wait on what it prints. */
export function watchProcess(command: string, args: string[], options: WatchProcessOptions = {}): WatchedProcess {
  const { name = command, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOptions });
  const out = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out.stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    out.stderr += s;
  });
  const exit = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;

  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor(pattern, { stream = 'stdout', timeoutMs = 10_000, what } = {}) {
      const awaited = what === undefined ? '' : `waiting for ${what}: `;
      const source = stream === 'stdout' ? child.stdout : child.stderr;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out[stream].match(pattern);
          if (m) finish(undefined, m);
        };
        const onExit = (): void => {
          const m = out[stream].match(pattern);
          if (m) finish(undefined, m);
          else finish(new Error(`${awaited}${name} exited before printing ${pattern} on ${stream}:\n${describe()}`));
        };
        const timer = setTimeout(
          () =>
            finish(
              new Error(`${awaited}${name} did not print ${pattern} on ${stream} in ${timeoutMs} ms:\n${describe()}`),
            ),
          timeoutMs,
        );
        const finish = (err: Error | undefined, m?: RegExpMatchArray): void => {
          clearTimeout(timer);
          source?.off('data', check);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve(m!);
        };
        // Listeners run after the collecting one above, so the text is already appended.
        source?.on('data', check);
        child.once('exit', onExit);
        check();
        if (gone()) onExit();
      });
    },
    exited(timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name} still running after ${timeoutMs} ms:\n${describe()}`)),
          timeoutMs,
        );
        exit.then(
          (code) => {
            clearTimeout(timer);
            resolve(code);
          },
          () => {},
        );
      });
    },
    async stop() {
      if (gone()) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.kill('SIGTERM');
      await exit;
      clearTimeout(force);
    },
  };

  function describe(): string {
    return `--- stdout ---\n${out.stdout.slice(-2000)}\n--- stderr ---\n${out.stderr.slice(-2000)}`;
  }
}
