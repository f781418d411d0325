import type { PeerFilter } from '../peer-filter/peer-filter.ts';
import type { ClusterTraffic } from './listener-snapshot.ts';

/** Relayed traffic per admitting cluster name. */
type ClusterCounters = Record<string, ClusterTraffic>;

/**
 * A listener's peer admission and the per-cluster counters of what it relays, with one filter lookup
 * per relayed packet: the engine asks `admit` for a datagram's peer right before it sends the datagram
 * to the peer (sendToPeer) or relays it to the client (handleRelay returns true), so `count`, called
 * right after, charges the cluster that admission found. Counters are plain numbers by cluster index;
 * nothing is allocated per packet.
 */
export class ClusterAdmission {
  #filter: PeerFilter;
  /** Cluster index of the latest admission, -1 after a refusal or once counted. */
  #last = -1;
  #rxPackets: Float64Array;
  #rxBytes: Float64Array;
  #txPackets: Float64Array;
  #txBytes: Float64Array;
  /** Counts of filters replaced by `setFilter`, by cluster name (cluster indexes change with a filter). */
  #earlier: ClusterCounters = {};

  constructor(filter: PeerFilter) {
    this.#filter = filter;
    const n = filter.clusterNames.length;
    this.#rxPackets = new Float64Array(n);
    this.#rxBytes = new Float64Array(n);
    this.#txPackets = new Float64Array(n);
    this.#txBytes = new Float64Array(n);
  }

  /** The engine's `admitPeer`: whether the peer may be reached or heard from (stunner-v1.md §1.10). */
  readonly admit = (address: string, port: number): boolean => {
    this.#last = this.#filter.admitIndex(address, port);
    return this.#last >= 0;
  };

  /** The engine's `peerAdmissionCache.lastTag`: the cluster index `admit` found last. */
  readonly lastTag = (): number => this.#last;

  /** The engine's `peerAdmissionCache.reuse`: a datagram goes on an admission kept with its channel. */
  readonly reuse = (tag: number): void => {
    this.#last = tag;
  };

  /** The relay pool's `countPeerTraffic`: one datagram of `bytes` just relayed for the peer last admitted. */
  readonly count = (bytes: number, direction: 'rx' | 'tx'): void => {
    const i = this.#last;
    if (i < 0) return;
    this.#last = -1;
    if (direction === 'rx') {
      this.#rxPackets[i]!++;
      this.#rxBytes[i]! += bytes;
    } else {
      this.#txPackets[i]!++;
      this.#txBytes[i]! += bytes;
    }
  };

  /**
   * Admits by `filter` from now on; what the old one counted stays in the totals. The engine must be
   * told (`peerPolicyChanged`): admissions it keeps name the old filter's clusters.
   */
  setFilter(filter: PeerFilter): void {
    this.#earlier = this.snapshot();
    this.#filter = filter;
    this.#last = -1;
    const n = filter.clusterNames.length;
    this.#rxPackets = new Float64Array(n);
    this.#rxBytes = new Float64Array(n);
    this.#txPackets = new Float64Array(n);
    this.#txBytes = new Float64Array(n);
  }

  /** Totals per cluster name since start, over every filter this listener has had. */
  snapshot(): ClusterCounters {
    const out: ClusterCounters = {};
    for (const [name, c] of Object.entries(this.#earlier)) out[name] = { rx: { ...c.rx }, tx: { ...c.tx } };
    for (const [i, name] of this.#filter.clusterNames.entries()) {
      if (this.#rxPackets[i] === 0 && this.#txPackets[i] === 0) continue;
      const o = out[name] ?? { rx: { packets: 0, bytes: 0 }, tx: { packets: 0, bytes: 0 } };
      out[name] = o;
      o.rx.packets += this.#rxPackets[i]!;
      o.rx.bytes += this.#rxBytes[i]!;
      o.tx.packets += this.#txPackets[i]!;
      o.tx.bytes += this.#txBytes[i]!;
    }
    return out;
  }
}
