import type { ListenerConfig } from '@stunner/api';
import type { TransportAddress } from '@stunner/stun';
import type { AuthOptions } from '@stunner/turn';
import type { ThreadStats, TrafficStats } from '../admin/metrics.ts';
import { PeerFilter, type PeerFilterOptions } from '../peer-filter/peer-filter.ts';
import { DtlsTurnListener } from '../turn/dtls-turn-listener.ts';
import { StreamTurnListener } from '../turn/stream-turn-listener.ts';
import { UdpTurnListener } from '../turn/udp-turn-listener.ts';
import { WorkerUdpListener } from './worker-udp-listener.ts';

/** A listener's counters at one moment, summed over its worker threads. */
export interface ListenerSnapshot {
  allocations: number;
  connections: number;
  connectionsTotal: number;
  /** Application data from clients relayed to peers. */
  rx: TrafficStats;
  /** Application data from peers relayed to clients. */
  tx: TrafficStats;
  /** Per admitting cluster: rx from peers, tx to peers (stunner_cluster_*). */
  clusters: Record<string, { rx: TrafficStats; tx: TrafficStats }>;
  /** Per serving thread, in thread order; one entry for a listener served on the main thread. */
  threads: ThreadStats[];
}

/** What a running listener takes in place, without new sockets (stunner-v1.md §1.7). */
export interface ListenerUpdate {
  auth?: AuthOptions;
  peers?: PeerFilterOptions;
}

/** What the daemon needs of a listener, whatever its protocol and threading. */
export interface TurnListener {
  start(): Promise<TransportAddress[]>;
  close(): Promise<void>;
  configure(update: ListenerUpdate): void;
  snapshot(): Promise<ListenerSnapshot>;
}

/** Plain data, so it can cross to a worker thread. */
export interface ListenerSetup {
  config: ListenerConfig;
  /** The address advertised as XOR-RELAYED-ADDRESS, after `address` is resolved. */
  relayAddress: string;
  auth: AuthOptions;
  peers: PeerFilterOptions;
  /** Bind on IPv6 too. */
  ipv6: boolean;
  /** Share the UDP port with sibling sockets (worker threads). */
  reusePort?: boolean;
}

const pem = (base64: string | undefined) => (base64 ? Buffer.from(base64, 'base64').toString('utf8') : '');

type Inner = UdpTurnListener | StreamTurnListener | DtlsTurnListener;

/** A listener served on this thread. */
export class LocalTurnListener implements TurnListener {
  readonly inner: Inner;
  #filter: PeerFilter;
  readonly #clusters = new Map<string, { rx: TrafficStats; tx: TrafficStats }>();

  constructor(setup: ListenerSetup) {
    const { config } = setup;
    this.#filter = new PeerFilter(setup.peers);
    const relay = setup.relayAddress.includes(':')
      ? { relayAddress6: setup.relayAddress }
      : { relayAddress: setup.relayAddress };
    const common = {
      port: config.port,
      ...relay,
      auth: setup.auth,
      admitPeer: (address: string, port: number) => this.#filter.admit(address, port),
      countPeerTraffic: (address: string, port: number, bytes: number, direction: 'rx' | 'tx') =>
        this.#countCluster(address, port, bytes, direction),
      // RFC 5766 clients (coturn 4.6's turnutils_uclient among them) still bind channels up to 0x7FFF.
      engine: { legacyChannelNumbers: true },
    };
    switch (config.protocol) {
      case 'TURN-UDP':
        this.inner = new UdpTurnListener({ ...common, ipv6: setup.ipv6, reusePort: setup.reusePort ?? false });
        break;
      case 'TURN-TCP':
        this.inner = new StreamTurnListener({ ...common, transport: 'tcp' });
        break;
      case 'TURN-TLS':
        this.inner = new StreamTurnListener({
          ...common,
          transport: 'tls',
          cert: pem(config.cert),
          key: pem(config.key),
        });
        break;
      case 'TURN-DTLS':
        this.inner = new DtlsTurnListener({
          ...common,
          cert: pem(config.cert),
          key: pem(config.key),
          ipv6: setup.ipv6,
        });
        break;
      default:
        throw new Error(`listener ${config.name}: protocol ${config.protocol} is not served`);
    }
  }

  start(): Promise<TransportAddress[]> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  configure(update: ListenerUpdate): void {
    if (update.auth) this.inner.engine.setAuth(update.auth);
    if (update.peers) this.#filter = new PeerFilter(update.peers);
  }

  /** Per-packet: two map lookups (the filter's decision cache and the counters) and two additions. */
  #countCluster(address: string, port: number, bytes: number, direction: 'rx' | 'tx'): void {
    const cluster = this.#filter.clusterFor(address, port);
    if (cluster === undefined) return;
    let stats = this.#clusters.get(cluster);
    if (stats === undefined) {
      stats = { rx: { packets: 0, bytes: 0 }, tx: { packets: 0, bytes: 0 } };
      this.#clusters.set(cluster, stats);
    }
    const t = stats[direction];
    t.packets++;
    t.bytes += bytes;
  }

  /** Synchronous, for the worker thread that reports it. */
  snapshotNow(): ListenerSnapshot {
    const s = this.inner.engine.stats;
    const streams = this.inner instanceof UdpTurnListener ? undefined : this.inner;
    const allocations = this.inner.engine.allocationCount;
    const rx = { packets: s.toPeerPackets, bytes: s.toPeerBytes };
    const tx = { packets: s.toClientPackets, bytes: s.toClientBytes };
    return {
      allocations,
      connections: streams ? streams.connections : 1,
      connectionsTotal: streams ? streams.connectionsTotal : 1,
      rx,
      tx,
      threads: [{ allocations, rx: { ...rx }, tx: { ...tx } }],
      clusters: Object.fromEntries(
        [...this.#clusters].map(([name, c]) => [name, { rx: { ...c.rx }, tx: { ...c.tx } }]),
      ),
    };
  }

  async snapshot(): Promise<ListenerSnapshot> {
    return this.snapshotNow();
  }
}

/**
 * Builds the listener a config entry asks for (stunner-v1.md §1.8): with `udpThreads` > 1 a TURN-UDP
 * listener runs that many worker threads, each with its own SO_REUSEPORT socket, engine and relays;
 * 0 and 1 serve it on the calling thread.
 */
export function createTurnListener(setup: ListenerSetup, udpThreads = 0): TurnListener {
  if (setup.config.protocol === 'TURN-UDP' && udpThreads > 1) return new WorkerUdpListener(setup, udpThreads);
  return new LocalTurnListener(setup);
}
