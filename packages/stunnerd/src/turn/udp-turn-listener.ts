import type { Socket } from 'node:dgram';
import type { TransportAddress } from '@stunner/stun';
import { writeChannelDataHeader } from '@stunner/stun';
import {
  type AuthOptions,
  type ClientEndpoint,
  type Family,
  type RelayRequest,
  TurnEngine,
  type TurnEngineOptions,
  type TurnEngineSink,
} from '@stunner/turn';
import { bindUdp, closeQuietly } from './relay-binder.ts';
import { RelayPool } from './relay-pool.ts';

export interface UdpTurnListenerOptions {
  /** UDP port bound on the wildcard (stunner-v1.md §1.8). 0 lets the OS pick (tests). Required. */
  port: number;
  /** IPv4 address advertised as XOR-RELAYED-ADDRESS (the listener's `address`). Required unless `relayAddress6`. */
  relayAddress?: string;
  /** IPv6 address advertised for IPv6 relays; without it IPv6 relays are refused with 440. Default none. */
  relayAddress6?: string;
  /** Authentication mode and credentials. Required. */
  auth: AuthOptions;
  /**
   * Peer admission, e.g. `PeerFilter.admit` (stunner-v1.md §1.10): consulted for permissions, channels
   * and every datagram both ways. Default: no peer is admitted.
   */
  admitPeer?: (address: string, port: number) => boolean;
  /** Further engine options (lifetimes, quotas, limits). Default none. */
  engine?: Omit<Partial<TurnEngineOptions>, 'sink' | 'auth' | 'admitPeer' | 'relayFamilies'>;
  /** Also listen on `::` for IPv6 clients. Default true; skipped when the host has no IPv6. */
  ipv6?: boolean;
  /** Share the port with other listeners' sockets (SO_REUSEPORT, one per worker thread). Default false. */
  reusePort?: boolean;
}

/** Kernel buffers of the listener socket, which all clients share. */
const LISTENER_BUFFER_BYTES = 4 * 1024 * 1024;

/** How often the engine's timers are checked; its deadlines are ≥ 30 s apart, 1 s is precise enough. */
const TICK_MS = 1000;

/**
 * A TURN-UDP listener: the engine behind a UDP socket on the wildcard, one UDP relay socket per
 * allocation and family (stunner-v1.md §1.8). The adapter of DESIGN.md §2: sockets, clock and timer
 * live here, the protocol in `@stunner/turn`.
 */
export class UdpTurnListener implements TurnEngineSink {
  readonly engine: TurnEngine;
  readonly #options: UdpTurnListenerOptions;
  /** Listener sockets by the listener id the engine sees (one per family). */
  readonly #listeners = new Map<number, Socket>();
  readonly #relays: RelayPool;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: UdpTurnListenerOptions) {
    this.#options = options;
    this.#relays = new RelayPool({
      ...(options.relayAddress ? { relayAddress: options.relayAddress } : {}),
      ...(options.relayAddress6 ? { relayAddress6: options.relayAddress6 } : {}),
    });
    const relayFamilies = this.#relays.families;
    const admit = options.admitPeer ?? (() => false);
    this.engine = new TurnEngine({
      ...options.engine,
      auth: options.auth,
      sink: this,
      relayFamilies,
      admitPeer: (address, port) => admit(address, port),
    });
    this.#relays.attach(this.engine);
  }

  /** Binds the listener sockets; resolves with what was bound. */
  async start(): Promise<TransportAddress[]> {
    const families: Family[] = this.#options.ipv6 === false ? ['IPv4'] : ['IPv4', 'IPv6'];
    const bound: TransportAddress[] = [];
    let port = this.#options.port;
    for (const family of families) {
      let socket: Socket;
      try {
        socket = await bindUdp(family, port, LISTENER_BUFFER_BYTES, this.#options.reusePort ?? false);
      } catch (err) {
        if (family === 'IPv6' && (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') continue;
        await this.close();
        throw err;
      }
      const id = this.#listeners.size;
      this.#listeners.set(id, socket);
      socket.on('error', () => {});
      socket.on('message', (msg, rinfo) => {
        const client: ClientEndpoint = { listener: id, transport: 'udp', address: rinfo.address, port: rinfo.port };
        this.engine.handleClient(msg, client, Date.now());
      });
      const addr = socket.address();
      port = addr.port;
      bound.push({ family, address: addr.address, port: addr.port });
    }
    this.#timer = setInterval(() => {
      const now = Date.now();
      if (this.engine.nextTimeout() <= now) this.engine.handleTimeout(now);
    }, TICK_MS);
    this.#timer.unref();
    return bound;
  }

  /** Ends every allocation and closes every socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.engine.close();
    for (const s of this.#listeners.values()) closeQuietly(s);
    this.#relays.closeAll();
    this.#listeners.clear();
  }

  // TurnEngineSink ------------------------------------------------------------------------------

  sendToClient(client: ClientEndpoint, message: Buffer): void {
    this.#listeners.get(client.listener)?.send(message, client.port, client.address);
  }

  sendChannelData(client: ClientEndpoint, channel: number, data: Buffer, offset: number, length: number): void {
    const socket = this.#listeners.get(client.listener);
    if (socket === undefined) return;
    // One pooled buffer per packet: the header must precede the payload in a single datagram.
    const out = Buffer.allocUnsafe(4 + length);
    writeChannelDataHeader(out, 0, channel, length);
    data.copy(out, 4, offset, offset + length);
    socket.send(out, client.port, client.address);
  }

  sendToPeer(relayId: number, address: string, port: number, data: Buffer, offset: number, length: number): void {
    this.#relays.send(relayId, address, port, data, offset, length);
  }

  openRelay(request: RelayRequest): void {
    this.#relays.open(request);
  }

  closeRelay(relayId: number): void {
    this.#relays.close(relayId);
  }
}
