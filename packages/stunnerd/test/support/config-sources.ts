import { once } from 'node:events';

/** A valid config JSON text whose realm tells configs apart. */
export const config = (realm: string, name = 'ns/gw') =>
  JSON.stringify({
    version: 'v1',
    admin: { name },
    auth: { type: 'static', realm, credentials: { username: 'u', password: 'p' } },
    listeners: [{ name: 'l', protocol: 'TURN-UDP', address: '127.0.0.1', port: 3478 }],
  });

/** The next `event` from `emitter`, failing after `ms`. */
export async function next<T extends unknown[]>(emitter: NodeJS.EventEmitter, event: string, ms = 5000): Promise<T> {
  return (await once(emitter, event, { signal: AbortSignal.timeout(ms) })) as T;
}
