import type { Socket } from 'node:dgram';
import type { TransportAddress } from '@stunner/stun';
import { writeChannelDataHeader } from '@stunner/stun';
import type { ClientEndpoint, Family, TurnEngine } from '@stunner/turn';
import { type ClientSide, ListenerCore, type ListenerCoreOptions } from './listener-core.ts';
import { bindUdp, closeQuietly } from './relay-binder.ts';

export interface UdpTurnListenerOptions extends ListenerCoreOptions {
  /** UDP port bound on the wildcard (stunner-v1.md §1.8). 0 lets the OS pick (tests). Required. */
  port: number;
  /** Also listen on `::` for IPv6 clients. Default true; skipped when the host has no IPv6. */
  ipv6?: boolean;
  /** Share the port with other listeners' sockets (SO_REUSEPORT, one per worker thread). Default false. */
  reusePort?: boolean;
}

/** Kernel buffers of the listener socket, which all clients share. */
const LISTENER_BUFFER_BYTES = 4 * 1024 * 1024;

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
