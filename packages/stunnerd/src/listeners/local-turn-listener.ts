import type { TransportAddress } from '@stunner/stun';
import type { AllocationQuota, TurnEngine } from '@stunner/turn';
import { PeerFilter } from '../peer-filter/peer-filter.ts';
import { ClusterAdmission } from './cluster-admission.ts';
import type { ListenerCoreOptions, RemoteQuota } from './listener-core.ts';
import type { ListenerSnapshot } from './listener-snapshot.ts';
import type { ListenerSetup, ListenerUpdate, TurnListener } from './turn-listener.ts';

/** A UDP, stream or DTLS TURN listener as LocalTurnListener drives it. */
export interface ProtocolListener {
  readonly engine: TurnEngine;
  start(): Promise<TransportAddress[]>;
  close(): Promise<void>;
  /** Client connections open now and accepted since start (TCP, TLS, DTLS); a UDP listener has none. */
  readonly connections?: number;
  readonly connectionsTotal?: number;
}

/** Builds the protocol listener of a setup from the options every listener shares. */
export type ProtocolListenerFactory = (
  setup: ListenerSetup,
  common: ListenerCoreOptions & { port: number },
) => ProtocolListener;

/** What the listeners of one daemon share: the user quota (`admin.user_quota`), here or on the main thread. */
export interface SharedListenerState {
  /** The daemon's quota counter, when this listener runs on its thread. */
  quota?: AllocationQuota;
  /** The daemon's quota counter reached by message, when this listener runs in a worker thread. */
  remoteQuota?: RemoteQuota;
}

/**
 * A listener served on this thread: the protocol listener, the peer filter its engine admits peers
 * with (stunner-v1.md §1.10), and the per-cluster counters of the traffic it relays.
 */
export class LocalTurnListener implements TurnListener {
  readonly inner: ProtocolListener;
  readonly #admission: ClusterAdmission;
  /** Peers of RFC 6062 TCP allocations: only clusters whose `protocol` is TCP admit them. */
  #tcpFilter: PeerFilter | undefined;

  constructor(setup: ListenerSetup, create: ProtocolListenerFactory, shared: SharedListenerState = {}) {
    this.#admission = new ClusterAdmission(new PeerFilter(setup.peers));
    this.#tcpFilter = setup.tcpPeers ? new PeerFilter(setup.tcpPeers) : undefined;
    const relay = setup.relayAddress.includes(':')
      ? { relayAddress6: setup.relayAddress }
      : { relayAddress: setup.relayAddress };
    this.inner = create(setup, {
      port: setup.config.port,
      ...relay,
      auth: setup.auth,
      // UDP clusters admit the peers of UDP allocations, TCP clusters those of TCP allocations.
      admitPeer: (address, port, transport) =>
        transport === 'tcp' ? (this.#tcpFilter?.admit(address, port) ?? false) : this.#admission.admit(address, port),
      countPeerTraffic: this.#admission.count,
      tcpRelays: (setup.tcpPeers?.clusters.length ?? 0) > 0,
      engine: {
        // The filter changes only in `configure`, which tells the engine: admissions are kept per channel.
        peerAdmissionCache: { lastTag: this.#admission.lastTag, reuse: this.#admission.reuse },
        // RFC 5766 clients (coturn 4.6's turnutils_uclient among them) still bind channels up to 0x7FFF.
        legacyChannelNumbers: true,
        // RFC 8489 §9.2: SHA-256 keys and USERHASH for clients that know them; others see an opaque
        // nonce and an attribute they ignore, at 28 bytes more per 401.
        passwordAlgorithms: true,
        bandwidthLimit: setup.bandwidthLimit ?? 0,
        ...setup.limits,
        ...(shared.quota ? { quota: shared.quota } : {}),
      },
      ...(shared.remoteQuota ? { remoteQuota: shared.remoteQuota } : {}),
    });
  }

  start(): Promise<TransportAddress[]> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  configure(update: ListenerUpdate): void {
    if (update.auth) this.inner.engine.setAuth(update.auth);
    if (update.bandwidthLimit !== undefined) this.inner.engine.setBandwidthLimit(update.bandwidthLimit);
    if (update.peers) {
      this.#admission.setFilter(new PeerFilter(update.peers));
      this.inner.engine.peerPolicyChanged();
    }
    if (update.tcpPeers) {
      this.#tcpFilter = new PeerFilter(update.tcpPeers);
      // stunner-v1.md §1.8: a listener that routes to no TCP cluster refuses TCP allocations.
      this.inner.engine.setTcpRelays(update.tcpPeers.clusters.length > 0);
    }
  }

  /** Synchronous, for the worker thread that reports it. */
  snapshotNow(): ListenerSnapshot {
    const s = this.inner.engine.stats;
    const allocations = this.inner.engine.allocationCount;
    const rx = { packets: s.toPeerPackets, bytes: s.toPeerBytes };
    const tx = { packets: s.toClientPackets, bytes: s.toClientBytes };
    return {
      allocations,
      connections: this.inner.connections ?? 1,
      connectionsTotal: this.inner.connectionsTotal ?? 1,
      rx,
      tx,
      threads: [{ allocations, rx: { ...rx }, tx: { ...tx } }],
      clusters: this.#admission.snapshot(),
      bandwidthDropped: {
        rx: { packets: s.bandwidthDroppedToPeerPackets, bytes: s.bandwidthDroppedToPeerBytes },
        tx: { packets: s.bandwidthDroppedToClientPackets, bytes: s.bandwidthDroppedToClientBytes },
      },
    };
  }

  async snapshot(): Promise<ListenerSnapshot> {
    return this.snapshotNow();
  }
}
