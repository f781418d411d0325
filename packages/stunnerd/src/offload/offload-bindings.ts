import type { Binding, BindingStats, HostInterface } from '@stunner/offload';
import { egressFor } from '@stunner/offload';
import type { AllocationInfo, TurnEngine } from '@stunner/turn';
import type { ClusterTraffic } from '../listeners/listener-snapshot.ts';
import type { PeerFilter } from '../peer-filter/peer-filter.ts';

/** What the bindings need of the kernel dataplane (TcOffload). */
export interface OffloadMaps {
  add(b: Binding): number;
  remove(b: Binding, slot: number): BindingStats;
  stats(slot: number): BindingStats;
}

interface ChannelState {
  readonly number: number;
  readonly address: string;
  readonly port: number;
}

interface AllocationState {
  readonly info: AllocationInfo;
  readonly permissions: Set<string>;
  readonly channels: Map<number, ChannelState>;
  /** Channels in the kernel now, by number. */
  readonly offloaded: Map<number, { binding: Binding; slot: number; cluster: string }>;
}

/** Offloaded traffic totals, in the listener snapshot's terms. */
export interface OffloadTotals {
  toPeer: { packets: number; bytes: number };
  toClient: { packets: number; bytes: number };
  clusters: Record<string, ClusterTraffic>;
}

function isIpv4(address: string): boolean {
  return !address.includes(':');
}

/**
 * Mirrors one engine's channels into the kernel maps: an entry exists exactly while its channel is
 * bound (RFC 8656 §12), its peer holds a permission (§9: ChannelData needs both), and the peer
 * filter admits it (stunner-v1.md §1.10). Driven by the engine's typed events; the engine's own
 * lifetimes stay authoritative, since relayed data refreshes neither a channel nor a permission.
 * IPv4 UDP clients with IPv4 relays and unicast peers beyond this host only (`egressFor`); everything
 * else keeps being relayed in userspace, where the filter is checked per packet. The filter is applied
 * again here rather than trusted from the engine's 403: a policy change (`setFilter`) must close the
 * kernel path at once, as it closes the userspace one.
 */
export class OffloadBindings {
  #maps: OffloadMaps | undefined;
  readonly #listenerPort: number;
  #interfaces: readonly HostInterface[];
  #filter: PeerFilter;
  readonly #allocations = new Map<number, AllocationState>();
  /** What removed entries relayed, so totals survive them. */
  readonly #retired: OffloadTotals = {
    toPeer: { packets: 0, bytes: 0 },
    toClient: { packets: 0, bytes: 0 },
    clusters: {},
  };
  /** Map writes that failed (map full); the channel stays in userspace. */
  failures = 0;

  constructor(
    maps: OffloadMaps | undefined,
    listenerPort: number,
    interfaces: readonly HostInterface[],
    filter: PeerFilter,
  ) {
    this.#maps = maps;
    this.#listenerPort = listenerPort;
    this.#interfaces = interfaces;
    this.#filter = filter;
  }

  /** Subscribes to the engine's events. */
  watch(engine: TurnEngine): void {
    engine.on('channel-bound', (a, number, address, port) => {
      this.#state(a).channels.set(number, { number, address, port });
      this.#sync(this.#state(a), number);
    });
    engine.on('channel-expired', (a, number) => {
      const s = this.#allocations.get(a.id);
      if (!s) return;
      s.channels.delete(number);
      this.#drop(s, number);
    });
    engine.on('permission-created', (a, address) => {
      const s = this.#state(a);
      s.permissions.add(address);
      for (const ch of s.channels.values()) if (ch.address === address) this.#sync(s, ch.number);
    });
    engine.on('permission-expired', (a, address) => {
      const s = this.#allocations.get(a.id);
      if (!s) return;
      s.permissions.delete(address);
      for (const ch of s.channels.values()) if (ch.address === address) this.#drop(s, ch.number);
    });
    engine.on('allocation-deleted', (a) => {
      const s = this.#allocations.get(a.id);
      if (!s) return;
      for (const number of [...s.offloaded.keys()]) this.#drop(s, number);
      this.#allocations.delete(a.id);
    });
  }

  /** Applies a new peer filter: entries it refuses are removed at once, ones it now admits added. */
  setFilter(filter: PeerFilter): void {
    this.#filter = filter;
    for (const s of this.#allocations.values()) for (const number of s.channels.keys()) this.#sync(s, number);
  }

  /** Channels relayed in the kernel now. */
  get size(): number {
    let n = 0;
    for (const s of this.#allocations.values()) n += s.offloaded.size;
    return n;
  }

  /** Totals since start: removed entries' final counts plus the live entries' counts now. */
  totals(): OffloadTotals {
    const out: OffloadTotals = {
      toPeer: { ...this.#retired.toPeer },
      toClient: { ...this.#retired.toClient },
      clusters: {},
    };
    for (const [name, c] of Object.entries(this.#retired.clusters)) {
      out.clusters[name] = { rx: { ...c.rx }, tx: { ...c.tx } };
    }
    for (const s of this.#allocations.values()) {
      for (const e of s.offloaded.values()) this.#addStats(out, e.cluster, this.#maps!.stats(e.slot));
    }
    return out;
  }

  /** Removes every entry (listener closing). */
  clear(): void {
    for (const s of this.#allocations.values()) for (const number of [...s.offloaded.keys()]) this.#drop(s, number);
    this.#allocations.clear();
  }

  /**
   * Moves the entries to another program's maps (the offload restarted with a new engine or interface
   * list), or with `undefined` back to userspace; what the old entries counted stays in the totals.
   */
  setMaps(maps: OffloadMaps | undefined, interfaces: readonly HostInterface[]): void {
    for (const s of this.#allocations.values()) for (const number of [...s.offloaded.keys()]) this.#drop(s, number);
    this.#maps = maps;
    this.#interfaces = interfaces;
    for (const s of this.#allocations.values()) for (const number of s.channels.keys()) this.#sync(s, number);
  }

  #state(a: AllocationInfo): AllocationState {
    let s = this.#allocations.get(a.id);
    if (!s) {
      s = { info: a, permissions: new Set(), channels: new Map(), offloaded: new Map() };
      this.#allocations.set(a.id, s);
    }
    return s;
  }

  /** Adds or removes the entry of one channel so that it matches what the engine would relay. */
  #sync(s: AllocationState, number: number): void {
    const ch = s.channels.get(number);
    const cluster = ch ? this.#filter.clusterFor(ch.address, ch.port) : undefined;
    const relay = s.info.relayed.find((r) => r.family === 'IPv4');
    const client = s.info.client;
    const wanted =
      ch !== undefined &&
      cluster !== undefined &&
      relay !== undefined &&
      s.permissions.has(ch.address) &&
      client.transport === 'udp' &&
      isIpv4(client.address) &&
      isIpv4(ch.address);
    let current = s.offloaded.get(number);
    // A peer now admitted by another cluster: the entry is rewritten so its traffic counts there.
    if (current && current.cluster !== cluster) {
      this.#drop(s, number);
      current = undefined;
    }
    if (!wanted || this.#maps === undefined) {
      if (current) this.#drop(s, number);
      return;
    }
    if (current) return;
    const egress = egressFor(this.#interfaces, ch.address);
    if (!egress) return;
    const binding: Binding = {
      clientAddress: client.address,
      clientPort: client.port,
      listenerPort: this.#listenerPort,
      channel: number,
      peerAddress: ch.address,
      peerPort: ch.port,
      relayAddress: egress.source,
      relayPort: relay.port,
      peerIfindex: egress.ifindex,
    };
    try {
      s.offloaded.set(number, { binding, slot: this.#maps!.add(binding), cluster });
    } catch {
      this.failures++;
    }
  }

  #drop(s: AllocationState, number: number): void {
    const e = s.offloaded.get(number);
    if (!e) return;
    s.offloaded.delete(number);
    if (this.#maps) this.#addStats(this.#retired, e.cluster, this.#maps.remove(e.binding, e.slot));
  }

  #addStats(out: OffloadTotals, cluster: string, st: BindingStats): void {
    out.toPeer.packets += st.toPeerPackets;
    out.toPeer.bytes += st.toPeerBytes;
    out.toClient.packets += st.toClientPackets;
    out.toClient.bytes += st.toClientBytes;
    const c = out.clusters[cluster] ?? { rx: { packets: 0, bytes: 0 }, tx: { packets: 0, bytes: 0 } };
    out.clusters[cluster] = c;
    // stunner_cluster_*: rx is what came from the cluster's peers, tx what went to them.
    c.rx.packets += st.toClientPackets;
    c.rx.bytes += st.toClientBytes;
    c.tx.packets += st.toPeerPackets;
    c.tx.bytes += st.toPeerBytes;
  }
}
