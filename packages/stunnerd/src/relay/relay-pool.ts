import type { DatagramSocket } from '@stunner/fastio';
import type { TransportAddress } from '@stunner/stun';
import type { Family, RelayRequest, TurnEngine } from '@stunner/turn';
import { bindRelay } from './relay-sockets.ts';

interface Relay {
  readonly sockets: DatagramSocket[];
  /** Per family, so the send path needs no getsockname. */
  readonly v4: DatagramSocket | undefined;
  readonly v6: DatagramSocket | undefined;
}

/**
 * Told of one datagram just relayed, to a peer (tx) or from a peer to its client (rx). It follows the
 * engine's admission of that datagram's peer (the engine's last check before relaying), so a counter
 * can charge the cluster that admission found (stunner_cluster_* metrics) without looking it up again.
 */
export type PeerTrafficCounter = (bytes: number, direction: 'rx' | 'tx') => void;

export interface RelayPoolOptions {
  /** IPv4 address advertised as XOR-RELAYED-ADDRESS (the listener's `address`). */
  relayAddress?: string;
  /** IPv6 address advertised for IPv6 relays. */
  relayAddress6?: string;
  /** Told of every datagram relayed to a peer (tx) and from a peer to its client (rx). */
  countPeerTraffic?: PeerTrafficCounter;
}

/**
 * The relay sockets of one listener's allocations (stunner-v1.md §1.8): the engine's openRelay,
 * closeRelay and sendToPeer outputs, the same for every client transport. EVEN-PORT reservations
 * are held under the relay id the engine gave them until an Allocate claims them.
 */
export class RelayPool {
  readonly #options: RelayPoolOptions;
  readonly #relays = new Map<number, Relay>();
  #engine: TurnEngine | undefined;
  #closed = false;

  constructor(options: RelayPoolOptions) {
    this.#options = options;
  }

  /** The families this pool can bind, for the engine's `relayFamilies`. */
  get families(): Family[] {
    const f: Family[] = [];
    if (this.#options.relayAddress) f.push('IPv4');
    if (this.#options.relayAddress6) f.push('IPv6');
    return f;
  }

  attach(engine: TurnEngine): void {
    this.#engine = engine;
  }

  open(request: RelayRequest): void {
    bindRelay(request.families, request.evenPort, request.reserveId !== undefined).then(
      (bound) => {
        const engine = this.#engine;
        if (this.#closed || engine === undefined) {
          for (const s of bound.sockets) s.close();
          bound.reserved?.close();
          return;
        }
        this.#add(request.id, bound.sockets, request.families);
        let reserved: TransportAddress | undefined;
        if (bound.reserved !== undefined && request.reserveId !== undefined) {
          this.#add(request.reserveId, [bound.reserved], [request.families[0]!]);
          reserved = this.#advertised(request.families[0]!, bound.reserved);
        }
        const addresses = bound.sockets.map((s, i) => this.#advertised(request.families[i] ?? 'IPv4', s));
        engine.relayOpened(request.id, reserved ? { addresses, reserved } : { addresses }, Date.now());
      },
      () => {
        if (!this.#closed) this.#engine?.relayFailed(request.id, 508, Date.now());
      },
    );
  }

  close(relayId: number): void {
    const relay = this.#relays.get(relayId);
    if (relay === undefined) return;
    this.#relays.delete(relayId);
    for (const s of relay.sockets) s.close();
  }

  /** Closes one family's socket of a dual allocation that goes on with the other (RFC 8656 §7.3). */
  closeFamily(relayId: number, family: Family): void {
    const relay = this.#relays.get(relayId);
    const socket = family === 'IPv4' ? relay?.v4 : relay?.v6;
    if (relay === undefined || socket === undefined) return;
    socket.close();
    const sockets = relay.sockets.filter((x) => x !== socket);
    this.#relays.set(relayId, {
      sockets,
      v4: family === 'IPv4' ? undefined : relay.v4,
      v6: family === 'IPv6' ? undefined : relay.v6,
    });
  }

  send(relayId: number, address: string, port: number, data: Buffer, offset: number, length: number): void {
    const relay = this.#relays.get(relayId);
    if (relay === undefined) return;
    // Most relays have one family: no need to look at the address.
    const socket =
      relay.v6 === undefined ? relay.v4 : relay.v4 === undefined || address.includes(':') ? relay.v6 : relay.v4;
    if (socket === undefined) return;
    socket.send(data, offset, length, port, address);
    this.#options.countPeerTraffic?.(length, 'tx');
  }

  closeAll(): void {
    this.#closed = true;
    for (const r of this.#relays.values()) for (const s of r.sockets) s.close();
    this.#relays.clear();
  }

  #advertised(family: Family, socket: DatagramSocket): TransportAddress {
    const address = family === 'IPv4' ? this.#options.relayAddress! : this.#options.relayAddress6!;
    return { family, address, port: socket.port };
  }

  #add(relayId: number, sockets: DatagramSocket[], families: readonly Family[]): void {
    const v4 = sockets[families.indexOf('IPv4')];
    const v6 = sockets[families.indexOf('IPv6')];
    this.#relays.set(relayId, { sockets, v4, v6 });
    const count = this.#options.countPeerTraffic;
    for (const s of sockets) {
      // The engine relays a peer datagram within the call (ChannelData or a built Data indication).
      s.onDatagram((data, source) => {
        const engine = this.#engine;
        if (engine === undefined) return;
        const relayed = engine.handleRelay(relayId, data, source.address, source.port, Date.now());
        if (relayed) count?.(data.length, 'rx');
      });
    }
  }
}
