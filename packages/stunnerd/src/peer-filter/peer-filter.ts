import {
  addressBytes,
  type ClusterEndpoint,
  type IpPrefix,
  parseClusterEndpoint,
  prefixContains,
  prefixWithin,
} from '@stunner/api';
import { HARD_DENIED_PREFIXES, SELF_PREFIXES } from './hard-deny.ts';
import { normalizePeerAddress } from './peer-address.ts';

/** A cluster as the filter sees it: STATIC endpoints, or STRICT_DNS names resolved elsewhere. */
export interface FilterCluster {
  readonly name: string;
  readonly type: 'STATIC' | 'STRICT_DNS';
  /** STATIC: endpoint strings (stunner-v1.md §1.2). STRICT_DNS: the names (used only for reporting). */
  readonly endpoints: readonly string[];
  /** STRICT_DNS: the addresses the names resolved to, when known. */
  readonly resolved?: readonly string[];
}

export interface PeerFilterOptions {
  /** The clusters the listener's routes name, in route order. Unknown route names match nothing. */
  clusters: readonly FilterCluster[];
  /** Addresses of this gateway (interfaces, advertised listener addresses). */
  ownAddresses?: readonly string[];
  /** Ports of this gateway (listeners, health, metrics): refused on own, loopback and wildcard addresses. */
  ownPorts?: readonly number[];
  /** Decisions cached per peer IP; the cache is dropped whole when full. Default 4096. */
  cacheSize?: number;
}

interface Opening {
  /** Index of the admitting cluster in `clusterNames`. */
  readonly cluster: number;
  readonly minPort: number;
  readonly maxPort: number;
}

const NONE: readonly Opening[] = [];

/**
 * Decides which peers a listener's allocations may reach (stunner-v1.md §1.10, turn.md §5.3): a peer
 * is admitted iff its IP and port lie in an endpoint of one of the listener's clusters, its IP is not
 * in the hard-denied set (unless an endpoint names that range explicitly), and it is not one of the
 * gateway's own ports. Unlike STUNner, which checks the port only against the first cluster whose
 * prefixes hold the IP, every cluster holding the IP is tried for the port.
 *
 * The per-packet path is `admitIndex()`: a Map lookup by the address string and a port compare; it
 * answers with the admitting cluster's index, so a caller can charge traffic without a second lookup.
 */
export class PeerFilter {
  readonly #static: Array<{ cluster: number; endpoint: ClusterEndpoint }> = [];
  readonly #dns = new Map<string, ReadonlySet<string>>();
  readonly #dnsOrder: Array<{ cluster: number; name: string }> = [];
  readonly #ownAddresses: Buffer[];
  readonly #ownPorts: ReadonlySet<number>;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, readonly Opening[]>();
  /** Endpoint errors found while building the filter; such endpoints match nothing. */
  readonly errors: readonly string[];
  /** The clusters' names in option order: what an index from `admitIndex` names. */
  readonly clusterNames: readonly string[];

  constructor(options: PeerFilterOptions) {
    const errors: string[] = [];
    this.clusterNames = options.clusters.map((c) => c.name);
    for (const [cluster, c] of options.clusters.entries()) {
      if (c.type === 'STRICT_DNS') {
        this.#dnsOrder.push({ cluster, name: c.name });
        if (c.resolved) this.#dns.set(c.name, new Set(c.resolved));
        continue;
      }
      for (const text of c.endpoints) {
        const e = parseClusterEndpoint(text);
        if (typeof e === 'string') errors.push(`cluster ${c.name}: ${e}`);
        else this.#static.push({ cluster, endpoint: e });
      }
    }
    this.errors = errors;
    this.#ownAddresses = (options.ownAddresses ?? []).flatMap((a) => {
      const n = normalizePeerAddress(a);
      return n ? [n.bytes] : [];
    });
    this.#ownPorts = new Set(options.ownPorts ?? []);
    this.#cacheSize = options.cacheSize ?? 4096;
  }

  /** Sets the IPs a STRICT_DNS cluster resolved to (stunner-v1.md §1.1: re-resolved every 5 s). */
  setResolved(cluster: string, addresses: Iterable<string>): void {
    this.#dns.set(cluster, new Set(addresses));
    this.#cache.clear();
  }

  /** Whether the peer may be reached or heard from. `port` 0 checks the IP only (permissions are per IP). */
  admit(address: string, port: number): boolean {
    return this.admitIndex(address, port) >= 0;
  }

  /** The admitting cluster's name (the metrics label of relayed traffic), or undefined when refused. */
  clusterFor(address: string, port: number): string | undefined {
    const index = this.admitIndex(address, port);
    return index >= 0 ? this.clusterNames[index] : undefined;
  }

  /** The admitting cluster's index in `clusterNames`, or -1 when the peer is refused. */
  admitIndex(address: string, port: number): number {
    let openings = this.#cache.get(address);
    if (openings === undefined) {
      openings = this.#decide(address);
      if (this.#cache.size >= this.#cacheSize) this.#cache.clear();
      this.#cache.set(address, openings);
    }
    for (let i = 0; i < openings.length; i++) {
      const o = openings[i]!;
      if (port === 0 || (port >= o.minPort && port <= o.maxPort)) return o.cluster;
    }
    return -1;
  }

  #decide(address: string): readonly Opening[] {
    const peer = normalizePeerAddress(address);
    if (!peer) return NONE;
    const openings: Opening[] = [];
    for (const { cluster, endpoint } of this.#static) {
      if (!prefixContains(endpoint.prefix, peer.bytes)) continue;
      if (!this.#opensDenied(peer.bytes, endpoint.prefix)) continue;
      if (peer.embedded && !this.#embeddedAllowed(peer.embedded)) continue;
      openings.push({ cluster, minPort: endpoint.minPort, maxPort: endpoint.maxPort });
    }
    for (const { cluster, name } of this.#dnsOrder) {
      if (!this.#dnsHas(name, address, peer.bytes)) continue;
      if (HARD_DENIED_PREFIXES.some((d) => prefixContains(d, peer.bytes))) continue;
      if (peer.embedded && !this.#embeddedAllowed(peer.embedded)) continue;
      openings.push({ cluster, minPort: 1, maxPort: 65535 });
    }
    return this.#withoutOwnPorts(peer.bytes, openings);
  }

  /** A hard-denied IP is open only through an endpoint prefix lying inside the denied range. */
  #opensDenied(ip: Buffer, endpoint: IpPrefix): boolean {
    for (const d of HARD_DENIED_PREFIXES) if (prefixContains(d, ip) && !prefixWithin(endpoint, d)) return false;
    return true;
  }

  /** The IPv4 a translator would reach must not be hard-denied either. */
  #embeddedAllowed(embedded: Buffer): boolean {
    return !HARD_DENIED_PREFIXES.some((d) => prefixContains(d, embedded));
  }

  #dnsHas(cluster: string, address: string, bytes: Buffer): boolean {
    const resolved = this.#dns.get(cluster);
    if (!resolved) return false;
    if (resolved.has(address)) return true;
    for (const r of resolved) if (addressBytes(r)?.equals(bytes)) return true;
    return false;
  }

  /**
   * The gateway's own ports on its own, loopback or wildcard addresses are never peers: an allocation
   * must not reach the TURN listener (a relay loop), the health or the metrics server.
   */
  #withoutOwnPorts(ip: Buffer, openings: Opening[]): readonly Opening[] {
    if (openings.length === 0 || this.#ownPorts.size === 0) return openings.length === 0 ? NONE : openings;
    const own = this.#ownAddresses.some((a) => a.equals(ip)) || SELF_PREFIXES.some((d) => prefixContains(d, ip));
    if (!own) return openings;
    const out: Opening[] = [];
    const ports = [...this.#ownPorts].sort((a, b) => a - b);
    for (const o of openings) {
      let from = o.minPort;
      for (const p of ports) {
        if (p < from || p > o.maxPort) continue;
        if (p > from) out.push({ cluster: o.cluster, minPort: from, maxPort: p - 1 });
        from = p + 1;
      }
      if (from <= o.maxPort) out.push({ cluster: o.cluster, minPort: from, maxPort: o.maxPort });
    }
    return out;
  }
}
