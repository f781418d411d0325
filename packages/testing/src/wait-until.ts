// Waiting in tests for something another process or a server does. Both helpers poll (no sleeps to
// tune) and, on timeout, say what was awaited and what was seen last, so a failure explains itself.
import { inspect } from 'node:util';

/** Thrown when a wait times out; `cause` is the last error seen, if any. */
export class WaitTimeoutError extends Error {
  readonly code = 'TESTING_ERR_WAIT_TIMEOUT';
}

function describeLast(err: unknown): string {
  if (err instanceof Error) return err.message;
  return inspect(err, { depth: 4, breakLength: Number.POSITIVE_INFINITY });
}

/**
 * Polls `check` until it returns a value other than undefined and resolves with that value. Throws a
 * WaitTimeoutError after `timeoutMs` naming `what` and the last error `check` threw.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : `; last error: ${describeLast(lastError)}`;
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${why}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Runs `attempt` (which asserts what the test expects) until it stops throwing and resolves with its
 * result. After `timeoutMs` it throws a WaitTimeoutError naming `what` with the last failure, e.g. an
 * AssertionError's actual-vs-expected message, as its text and cause.
 */
export async function eventually<T>(
  what: string,
  attempt: () => Promise<T> | T,
  { timeoutMs = 10_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) {
        throw new WaitTimeoutError(`${what}: still failing after ${timeoutMs} ms: ${describeLast(err)}`, {
          cause: err,
        });
      }
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
