import type { EventEmitter } from 'node:events';
import { nextEvent } from './next-event.ts';

/** A valid config JSON text whose realm tells configs apart. */
export const config = (realm: string, name = 'ns/gw') =>
  JSON.stringify({
    version: 'v1',
    admin: { name },
    auth: { type: 'static', realm, credentials: { username: 'u', password: 'p' } },
    listeners: [{ name: 'l', protocol: 'TURN-UDP', address: '127.0.0.1', port: 3478 }],
  });

/** Every event a config source (file watcher, CDS client) emits. */
const SOURCE_EVENTS = ['config', 'warning', 'connected', 'disconnected'];

/** The next `event` of a config source; a timeout names `what` was awaited and what the source emitted instead. */
export function next<T extends unknown[]>(emitter: EventEmitter, event: string, what: string, ms = 5000): Promise<T> {
  return nextEvent<T>(emitter, event, what, { ms, watch: SOURCE_EVENTS });
}
