import type { ThreadStats, TrafficStats } from '../admin/metrics.ts';

/** Relayed traffic of one admitting cluster: rx from peers, tx to peers (stunner_cluster_*). */
export interface ClusterTraffic {
  rx: TrafficStats;
  tx: TrafficStats;
}

/** A listener's counters at one moment, summed over its worker threads. */
export interface ListenerSnapshot {
  allocations: number;
  connections: number;
  connectionsTotal: number;
  /** Application data from clients relayed to peers. */
  rx: TrafficStats;
  /** Application data from peers relayed to clients. */
  tx: TrafficStats;
  /** Per admitting cluster name. */
  clusters: Record<string, ClusterTraffic>;
  /** Per serving thread, in thread order; one entry for a listener served on the main thread. */
  threads: ThreadStats[];
  /** Application data dropped by the bandwidth limit: rx from clients, tx from peers to clients. */
  bandwidthDropped: { rx: TrafficStats; tx: TrafficStats };
}

/** What a thread that has not answered (restarting, timed out) counts as. */
export function emptySnapshot(): ListenerSnapshot {
  return {
    allocations: 0,
    connections: 0,
    connectionsTotal: 0,
    rx: { packets: 0, bytes: 0 },
    tx: { packets: 0, bytes: 0 },
    clusters: {},
    threads: [],
    bandwidthDropped: { rx: { packets: 0, bytes: 0 }, tx: { packets: 0, bytes: 0 } },
  };
}

/** Sums per-cluster counters from several threads or listeners. */
export function mergeClusters(
  a: ListenerSnapshot['clusters'],
  b: ListenerSnapshot['clusters'],
): ListenerSnapshot['clusters'] {
  const out: ListenerSnapshot['clusters'] = {};
  for (const part of [a, b]) {
    for (const [name, c] of Object.entries(part)) {
      const o = out[name] ?? { rx: { packets: 0, bytes: 0 }, tx: { packets: 0, bytes: 0 } };
      out[name] = o;
      o.rx.packets += c.rx.packets;
      o.rx.bytes += c.rx.bytes;
      o.tx.packets += c.tx.packets;
      o.tx.bytes += c.tx.bytes;
    }
  }
  return out;
}

/** The sum of two traffic counters. */
export function addTraffic(a: TrafficStats, b: TrafficStats): TrafficStats {
  return { packets: a.packets + b.packets, bytes: a.bytes + b.bytes };
}
