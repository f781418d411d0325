import type { Socket } from 'node:dgram';
import type { TransportAddress } from '@stunner/stun';
import { writeChannelDataHeader } from '@stunner/stun';
import type { ClientEndpoint, TurnEngine } from '@stunner/turn';
import { DtlsListener, type DtlsListenerOptions, type DtlsSession } from '../dtls/dtls-listener.ts';
import { closeQuietly } from '../sockets/udp-socket.ts';
import { type ClientSide, ListenerCore, type ListenerCoreOptions } from './listener-core.ts';
import { bindListenerSockets } from './listener-sockets.ts';

export interface DtlsTurnListenerOptions extends ListenerCoreOptions {
  port: number;
  /** PEM certificate and key (ECDSA P-256 or RSA). */
  cert: string;
  key: string;
  /** Handshake caps and timeouts of the DTLS layer. */
  dtls?: Omit<DtlsListenerOptions, 'cert' | 'key'>;
  /** Also listen on `::`. Default true; skipped when the host has no IPv6. */
  ipv6?: boolean;
}

interface DtlsClient extends ClientEndpoint {
  readonly session: DtlsSession;
}

/**
 * A TURN-DTLS listener (stunner-v1.md §1.8): DTLS 1.2 sessions on a UDP socket (see DtlsListener for
 * the cookie and handshake limits), each one client of the engine; relays are plain UDP.
 */
export class DtlsTurnListener implements ClientSide {
  connectionsTotal = 0;
  readonly #options: DtlsTurnListenerOptions;
  readonly #core: ListenerCore;
  readonly #sockets: Socket[] = [];
  readonly #dtls: DtlsListener[] = [];
  readonly #clients = new Set<DtlsClient>();
  #closed = false;

  get engine(): TurnEngine {
    return this.#core.engine;
  }

  constructor(options: DtlsTurnListenerOptions) {
    this.#options = options;
    this.#core = new ListenerCore(options, this);
  }

  get connections(): number {
    return this.#clients.size;
  }

  async start(): Promise<TransportAddress[]> {
    const sockets = await bindListenerSockets(this.#options.port, this.#options.ipv6 !== false);
    const bound: TransportAddress[] = [];
    for (const { family, socket } of sockets) {
      const dtls = new DtlsListener(socket, {
        ...this.#options.dtls,
        cert: this.#options.cert,
        key: this.#options.key,
      });
      dtls.on('session', (session) => this.#accept(session));
      socket.on('error', () => {});
      socket.on('message', (msg, rinfo) => dtls.handleDatagram(msg, rinfo.address, rinfo.port));
      this.#sockets.push(socket);
      this.#dtls.push(dtls);
      const addr = socket.address();
      bound.push({ family, address: addr.address, port: addr.port });
    }
    this.#core.startClock();
    return bound;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.close();
    for (const d of this.#dtls) d.close();
    for (const s of this.#sockets) closeQuietly(s);
  }

  #accept(session: DtlsSession): void {
    const client: DtlsClient = {
      listener: 0,
      transport: 'dtls',
      address: session.remoteAddress,
      port: session.remotePort,
      session,
    };
    this.#clients.add(client);
    this.connectionsTotal++;
    session.on('data', (data) => this.engine.handleClient(data, client, Date.now()));
    session.once('close', () => {
      this.#clients.delete(client);
      if (!this.#closed) this.engine.clientClosed(client);
    });
  }

  // The engine's client side --------------------------------------------------------------------

  sendToClient(client: ClientEndpoint, message: Buffer): void {
    (client as DtlsClient).session.send(message);
  }

  sendChannelData(client: ClientEndpoint, channel: number, data: Buffer, offset: number, length: number): void {
    const out = Buffer.allocUnsafe(4 + length);
    writeChannelDataHeader(out, 0, channel, length);
    data.copy(out, 4, offset, offset + length);
    (client as DtlsClient).session.send(out);
  }
}
