import type { Socket } from 'node:dgram';
import type { TransportAddress } from '@stunner/stun';
import { writeChannelDataHeader } from '@stunner/stun';
import type { ClientEndpoint, TurnEngine } from '@stunner/turn';
import { closeQuietly } from '../sockets/udp-socket.ts';
import { type ClientSide, ListenerCore, type ListenerCoreOptions } from './listener-core.ts';
import { bindListenerSockets } from './listener-sockets.ts';

export interface UdpTurnListenerOptions extends ListenerCoreOptions {
  /** UDP port bound on the wildcard (stunner-v1.md §1.8). 0 lets the OS pick (tests). Required. */
  port: number;
  /** Also listen on `::` for IPv6 clients. Default true; skipped when the host has no IPv6. */
  ipv6?: boolean;
  /** Share the port with other listeners' sockets (SO_REUSEPORT, one per worker thread). Default false. */
  reusePort?: boolean;
}

/**
 * A TURN-UDP listener: the engine behind a UDP socket on the wildcard, one UDP relay socket per
 * allocation and family (stunner-v1.md §1.8); engine, relays and clock come from ListenerCore.
 */
export class UdpTurnListener implements ClientSide {
  readonly #options: UdpTurnListenerOptions;
  /** Listener sockets by the listener id the engine sees (one per family). */
  readonly #listeners = new Map<number, Socket>();
  readonly #core: ListenerCore;
  #closed = false;

  get engine(): TurnEngine {
    return this.#core.engine;
  }

  constructor(options: UdpTurnListenerOptions) {
    this.#options = options;
    this.#core = new ListenerCore(options, this);
  }

  /** Binds the listener sockets; resolves with what was bound. */
  async start(): Promise<TransportAddress[]> {
    const sockets = await bindListenerSockets(
      this.#options.port,
      this.#options.ipv6 !== false,
      this.#options.reusePort,
    );
    const bound: TransportAddress[] = [];
    for (const { family, socket } of sockets) {
      const id = this.#listeners.size;
      this.#listeners.set(id, socket);
      socket.on('error', () => {});
      socket.on('message', (msg, rinfo) => {
        const client: ClientEndpoint = { listener: id, transport: 'udp', address: rinfo.address, port: rinfo.port };
        this.engine.handleClient(msg, client, Date.now());
      });
      const addr = socket.address();
      bound.push({ family, address: addr.address, port: addr.port });
    }
    this.#core.startClock();
    return bound;
  }

  /** Ends every allocation and closes every socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.close();
    for (const s of this.#listeners.values()) closeQuietly(s);
    this.#listeners.clear();
  }

  // The engine's client side --------------------------------------------------------------------

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
}
