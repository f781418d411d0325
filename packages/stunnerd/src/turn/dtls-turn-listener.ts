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
import { DtlsListener, type DtlsListenerOptions, type DtlsSession } from '../transport/dtls-listener.ts';
import { bindUdp, closeQuietly } from './relay-binder.ts';
import { RelayPool } from './relay-pool.ts';

export interface DtlsTurnListenerOptions {
  port: number;
  /** PEM certificate and key (ECDSA P-256 or RSA). */
  cert: string;
  key: string;
  relayAddress?: string;
  relayAddress6?: string;
  auth: AuthOptions;
  admitPeer?: (address: string, port: number) => boolean;
  engine?: Omit<Partial<TurnEngineOptions>, 'sink' | 'auth' | 'admitPeer' | 'relayFamilies'>;
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
export class DtlsTurnListener implements TurnEngineSink {
  readonly engine: TurnEngine;
  connectionsTotal = 0;
  readonly #options: DtlsTurnListenerOptions;
  readonly #relays: RelayPool;
  readonly #sockets: Socket[] = [];
  readonly #dtls: DtlsListener[] = [];
  readonly #clients = new Set<DtlsClient>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: DtlsTurnListenerOptions) {
    this.#options = options;
    this.#relays = new RelayPool({
      ...(options.relayAddress ? { relayAddress: options.relayAddress } : {}),
      ...(options.relayAddress6 ? { relayAddress6: options.relayAddress6 } : {}),
    });
    const admit = options.admitPeer ?? (() => false);
    this.engine = new TurnEngine({
      ...options.engine,
      auth: options.auth,
      sink: this,
      relayFamilies: this.#relays.families,
      admitPeer: (address, port) => admit(address, port),
    });
    this.#relays.attach(this.engine);
  }

  get connections(): number {
    return this.#clients.size;
  }

  async start(): Promise<TransportAddress[]> {
    const families: Family[] = this.#options.ipv6 === false ? ['IPv4'] : ['IPv4', 'IPv6'];
    const bound: TransportAddress[] = [];
    let port = this.#options.port;
    for (const family of families) {
      let socket: Socket;
      try {
        socket = await bindUdp(family, port, 4 * 1024 * 1024);
      } catch (err) {
        if (family === 'IPv6' && (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') continue;
        await this.close();
        throw err;
      }
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
      port = addr.port;
      bound.push({ family, address: addr.address, port: addr.port });
    }
    this.#timer = setInterval(() => {
      const now = Date.now();
      if (this.engine.nextTimeout() <= now) this.engine.handleTimeout(now);
    }, 1000);
    this.#timer.unref();
    return bound;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.engine.close();
    this.#relays.closeAll();
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

  // TurnEngineSink ------------------------------------------------------------------------------

  sendToClient(client: ClientEndpoint, message: Buffer): void {
    (client as DtlsClient).session.send(message);
  }

  sendChannelData(client: ClientEndpoint, channel: number, data: Buffer, offset: number, length: number): void {
    const out = Buffer.allocUnsafe(4 + length);
    writeChannelDataHeader(out, 0, channel, length);
    data.copy(out, 4, offset, offset + length);
    (client as DtlsClient).session.send(out);
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
