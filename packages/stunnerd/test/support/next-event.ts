import type { EventEmitter } from 'node:events';

export interface NextEventOptions {
  /** Fail after this long, ms. Default 5000. */
  ms?: number;
  /** Other events to report in the failure, when they came instead. */
  watch?: readonly string[];
}

/** A short text of an event argument for a failure message. */
function show(arg: unknown): string {
  if (Buffer.isBuffer(arg)) return `<${arg.length} bytes>`;
  const realm = (arg as { auth?: { realm?: unknown } } | undefined)?.auth?.realm;
  if (typeof realm === 'string') return `config with realm ${realm}`;
  return String(arg).slice(0, 120);
}

/**
 * The arguments of the next `event` from `emitter`. Rejects after `ms` with a message naming `what`
 * was awaited and the watched events that arrived meanwhile, so a failure says what went wrong.
 */
export function nextEvent<T extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  what: string,
  options: NextEventOptions = {},
): Promise<T> {
  const ms = options.ms ?? 5000;
  return new Promise<T>((resolve, reject) => {
    const seen: string[] = [];
    const others = (options.watch ?? [])
      .filter((e) => e !== event)
      .map((e) => [e, (...args: unknown[]) => seen.push(`'${e}'(${args.map(show).join(', ')})`)] as const);
    const done = () => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      for (const [e, listener] of others) emitter.off(e, listener);
    };
    const onEvent = (...args: unknown[]) => {
      done();
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new Error(
          `${what}: no '${event}' within ${ms} ms; ${seen.length > 0 ? `got ${seen.join(', ')}` : 'no other event either'}`,
        ),
      );
    }, ms);
    emitter.on(event, onEvent);
    for (const [e, listener] of others) emitter.on(e, listener);
  });
}
