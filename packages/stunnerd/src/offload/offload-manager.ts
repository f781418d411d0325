import type { AdminConfig, ListenerConfig } from '@stunner/api';
import type { Logger } from '@stunner/log';
import { type HostInterface, hostInterfaces, programObject, selectInterfaces, TcOffload } from '@stunner/offload';
import { LocalTurnListener } from '../listeners/local-turn-listener.ts';
import type { ListenerSetup, TurnListener } from '../listeners/turn-listener.ts';
import { PeerFilter } from '../peer-filter/peer-filter.ts';
import { OffloadBindings } from './offload-bindings.ts';
import { OffloadedListener } from './offloaded-listener.ts';

type Engine = NonNullable<AdminConfig['offload_engine']>;

interface Running {
  readonly key: string;
  readonly dataplane: TcOffload | undefined;
  readonly interfaces: HostInterface[];
}

/**
 * The daemon's kernel offload (`admin.offload_engine`, stunner-v1.md §1.15): one TC program on the
 * chosen interfaces, shared by every TURN-UDP listener. Without the capabilities, the toolchain or a
 * kernel that takes the program, one warning and everything stays in userspace.
 */
export class OffloadManager {
  readonly #log: Logger;
  #running: Running | undefined;
  /** Bindings of the listeners wrapped so far, moved to the new maps when the offload restarts. */
  readonly #bindings = new Set<OffloadBindings>();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Starts, restarts or stops the offload for the config's engine and interfaces. */
  configure(admin: AdminConfig): void {
    const engine: Engine = admin.offload_engine ?? 'None';
    const names = [...(admin.offload_interfaces ?? [])].sort();
    const key = `${engine}[${names.join(',')}]`;
    if (this.#running?.key === key || (this.#running === undefined && engine === 'None')) return;
    // stunner-v1.md §1.7: an offload_engine or offload_interfaces change restarts the offload object;
    // running listeners keep their allocations and move to the new program's maps.
    for (const b of this.#bindings) b.setMaps(undefined, []);
    this.#running?.dataplane?.close();
    this.#running = undefined;
    if (engine !== 'None') this.#running = { key, ...this.#start(engine, names) };
    const dataplane = this.#running?.dataplane;
    if (dataplane) for (const b of this.#bindings) b.setMaps(dataplane, this.#running!.interfaces);
  }

  #start(engine: Engine, names: string[]): Omit<Running, 'key'> {
    if (engine === 'XDP') this.#log.warn('offload_engine XDP: this build offloads with TC (clsact); using TC');
    let dataplane: TcOffload | undefined;
    try {
      const all = hostInterfaces();
      const chosen = selectInterfaces(all, names);
      if (chosen.length === 0) throw new Error(`no interface to attach to (offload_interfaces: ${names.join(',')})`);
      dataplane = TcOffload.load(programObject());
      for (const i of chosen) dataplane.attach(i.ifindex);
      this.#log.info('offload: TC program attached', { interfaces: chosen.map((i) => i.name) });
      return { dataplane, interfaces: all };
    } catch (err) {
      dataplane?.close();
      this.#log.warn(`offload_engine ${engine} unavailable, relaying in userspace: ${(err as Error).message}`);
      return { dataplane: undefined, interfaces: [] };
    }
  }

  /** The listener, offloaded when the offload runs and the listener is TURN-UDP on this thread. */
  wrap(listener: TurnListener, setup: ListenerSetup): TurnListener {
    const dataplane = this.#running?.dataplane;
    if (dataplane === undefined || setup.config.protocol !== 'TURN-UDP') return listener;
    if (!(listener instanceof LocalTurnListener)) {
      this.#log.warn(`listener ${setup.config.name}: offload needs --udp-thread-num 0 or 1; relaying in userspace`);
      return listener;
    }
    const config: ListenerConfig = setup.config;
    const bindings = new OffloadBindings(
      dataplane,
      config.port,
      this.#running!.interfaces,
      new PeerFilter(setup.peers),
    );
    // Registered so that an offload restart moves this listener's entries, and a stop removes them
    // (their maps are closed); forgotten when the listener closes.
    this.#bindings.add(bindings);
    return new OffloadedListener(listener, bindings, () => this.#bindings.delete(bindings));
  }

  /** Detaches the program and frees its maps. */
  close(): void {
    for (const b of this.#bindings) b.setMaps(undefined, []);
    this.#running?.dataplane?.close();
    this.#running = undefined;
  }
}
