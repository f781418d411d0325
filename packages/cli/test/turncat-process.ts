import { fileURLToPath } from 'node:url';
import { type WatchedProcess, watchProcess } from '@stunner/testing';
import { GREETING } from '../src/udp-greeter.ts';

const TURNCAT = fileURLToPath(new URL('../src/turncat.ts', import.meta.url));
const GREETER = fileURLToPath(new URL('../src/udp-greeter.ts', import.meta.url));

/** Runs the turncat program as a user would, with the test's Node. */
export function turncat(args: string[], env: Record<string, string> = {}): WatchedProcess {
  return watchProcess(process.execPath, [TURNCAT, ...args], { name: 'turncat', env: { ...process.env, ...env } });
}

export function udpGreeterProcess(args: string[]): WatchedProcess {
  return watchProcess(process.execPath, [GREETER, ...args], { name: 'udp-greeter' });
}

/**
 * Writes a line to turncat's stdin (tunnelled to the greeter) and waits until `times` greetings in all
 * came back; resolves with turncat's stdout for the test to assert on.
 */
export async function greet(p: WatchedProcess, times = 1): Promise<string> {
  p.child.stdin!.write('Hello STUNner\n');
  await p.waitFor(new RegExp(`(${GREETING.trimEnd()}\\n){${times}}`), {
    what: `greeting #${times} from the udp-greeter through the tunnel`,
  });
  return p.stdout();
}
