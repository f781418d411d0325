import type { DatagramSocket, UdpSource } from '@stunner/fastio';
import type { TransportAddress } from '@stunner/stun';
import type { ClientEndpoint, TurnEngine } from '@stunner/turn';
import { type ClientSide, ListenerCore, type ListenerCoreOptions } from './listener-core.ts';
import { adoptListenerDatagrams, bindListenerDatagrams, type HeldSocket } from './listener-sockets.ts';

export interface UdpTurnListenerOptions extends ListenerCoreOptions {
  /** UDP port bound on the wildcard (stunner-v1.md §1.8). 0 lets the OS pick (tests). Required. */
  port: number;
  /** Also listen on `::` for IPv6 clients. Default true; skipped when the host has no IPv6. */
  ipv6?: boolean;
  /** Share the port with other listeners' sockets (SO_REUSEPORT, one per worker thread). Default false. */
  reusePort?: boolean;
  /**
   * Serve these bound sockets (descriptors of sockets the main thread holds) instead of binding
   * `port`: a worker thread of WorkerUdpListener, whose restart must not change the SO_REUSEPORT group.
   */
  sockets?: readonly HeldSocket[];
}

/**
 * A TURN-UDP listener: the engine behind a UDP socket on the wildcard, one UDP relay socket per
 * allocation and family (stunner-v1.md §1.8); engine, relays and clock come from ListenerCore.
 * Sockets come from this thread's I/O path (sockets/udp-io.ts: batch or dgram).
 */
export class UdpTurnListener implements ClientSide {
  readonly #options: UdpTurnListenerOptions;
  /** Listener sockets by the listener id the engine sees (one per family): an array, read per datagram sent. */
  readonly #listeners: DatagramSocket[] = [];
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
    const sockets = this.#options.sockets
      ? adoptListenerDatagrams(this.#options.sockets)
      : await bindListenerDatagrams(this.#options.port, this.#options.ipv6 !== false, this.#options.reusePort);
    const bound: TransportAddress[] = [];
    for (const { family, socket } of sockets) {
      const id = this.#listeners.length;
      this.#listeners.push(socket);
      const copy = socket.reusesBuffers;
      socket.onDatagram((data, source) => this.#receive(id, data, source, copy));
      bound.push({ family, address: family === 'IPv4' ? '0.0.0.0' : '::', port: socket.port });
    }
    this.#core.startClock();
    return bound;
  }

  /**
   * One client datagram. ChannelData (RFC 8656 §12.4) is relayed within the call and may use the
   * datagram in place; anything else is copied first, since the engine keeps parts of a request
   * (transaction id, cached answers) beyond the call and the batched path reuses its buffers.
   */
  #receive(id: number, data: Buffer, source: UdpSource, copy: boolean): void {
    // The endpoint object is kept with the source: one per client 5-tuple, not one per datagram.
    let client = source.tag as ClientEndpoint | undefined;
    if (client === undefined) {
      client = { listener: id, transport: 'udp', address: source.address, port: source.port };
      source.tag = client;
    }
    const inPlace = !copy || (data.length >= 4 && (data[0]! & 0xc0) === 0x40);
    this.engine.handleClient(inPlace ? data : Buffer.from(data), client, Date.now());
  }

  /** Ends every allocation and closes every socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.close();
    for (const s of this.#listeners) s.close();
    this.#listeners.length = 0;
  }

  // The engine's client side --------------------------------------------------------------------

  sendToClient(client: ClientEndpoint, message: Buffer): void {
    this.#listeners[client.listener]?.send(message, 0, message.length, client.port, client.address);
  }

  sendChannelData(client: ClientEndpoint, channel: number, data: Buffer, offset: number, length: number): void {
    this.#listeners[client.listener]?.sendChannelData(channel, data, offset, length, client.port, client.address);
  }
}
