import { fileURLToPath } from 'node:url';
import { type WatchedProcess, watchProcess } from '@stunner/testing';

const TURNCAT = fileURLToPath(new URL('../src/turncat.ts', import.meta.url));
const GREETER = fileURLToPath(new URL('../src/udp-greeter.ts', import.meta.url));

/** Runs the turncat program as a user would, with the test's Node. */
export function turncat(args: string[], env: Record<string, string> = {}): WatchedProcess {
  return watchProcess(process.execPath, [TURNCAT, ...args], { env: { ...process.env, ...env } });
}

export function udpGreeterProcess(args: string[]): WatchedProcess {
  return watchProcess(process.execPath, [GREETER, ...args]);
}

/** Writes a line to turncat's stdin and waits for the greeting on its stdout. */
export async function greet(p: WatchedProcess, times = 1): Promise<void> {
  const pattern = new RegExp(`(Greetings from STUNner!\\n){${times}}`);
  p.child.stdin!.write('Hello STUNner\n');
  await p.waitFor(pattern);
}
