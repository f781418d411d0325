// Starts netns-driver.ts inside a namespace and sends it commands, one promise per answer.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DriverCommand } from './netns-driver.ts';

const DRIVER = new URL('./netns-driver.ts', import.meta.url).pathname;

export interface Driver {
  call<T = Record<string, unknown>>(cmd: DriverCommand, timeoutMs?: number): Promise<T>;
  close(): void;
}

export function startDriver(namespace: string): Driver {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', namespace, process.execPath, DRIVER], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const m = JSON.parse(line) as { seq: number; result?: unknown; error?: string };
    const w = waiting.get(m.seq);
    waiting.delete(m.seq);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.result);
  });
  let seq = 0;
  return {
    call: <T>(cmd: DriverCommand, timeoutMs = 15_000) =>
      new Promise<T>((resolve, reject) => {
        const n = ++seq;
        const timer = setTimeout(() => {
          waiting.delete(n);
          reject(new Error(`driver in ${namespace}: no answer to ${cmd.op} in ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        waiting.set(n, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.stdin!.write(`${JSON.stringify({ ...cmd, seq: n })}\n`);
      }),
    close: () => {
      child.stdin!.end();
      setTimeout(() => child.kill('SIGKILL'), 1000).unref();
    },
  };
}
