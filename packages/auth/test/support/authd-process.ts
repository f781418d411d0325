import { fileURLToPath } from 'node:url';
import { type WatchedProcess, watchProcess } from '@stunner/testing';

export const AUTHD_MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** Starts `node packages/auth/src/main.ts <args>` as a user would and waits for its listening line. */
export async function startAuthd(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ proc: WatchedProcess; base: string }> {
  const proc = watchProcess(process.execPath, [AUTHD_MAIN, '-p', '0', '--address', '127.0.0.1', ...args], {
    env: { ...process.env, ...env },
  });
  const m = await proc.waitFor(/authd: listening on (http:\/\/\S+)/, { timeoutMs: 15_000 });
  return { proc, base: m[1]! };
}
