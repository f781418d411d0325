import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TransportAddress } from '@stunner/stun';
import { StreamFramer, writeChannelDataHeader } from '@stunner/stun';
import type { ClientEndpoint, TurnEngine } from '@stunner/turn';
import { StunnerdError } from '../errors.ts';
import { type ClientSide, ListenerCore, type ListenerCoreOptions } from './listener-core.ts';

export interface StreamTurnListenerOptions extends ListenerCoreOptions {
  /** 'tcp' for TURN-TCP, 'tls' for TURN-TLS (RFC 8656 §3.1 over TCP, RFC 5246 over it). */
  transport: 'tcp' | 'tls';
  /** Port bound on the wildcard (stunner-v1.md §1.8). 0 lets the OS pick (tests). Required. */
  port: number;
  /** PEM certificate chain and key; required for 'tls'. */
  cert?: string;
  key?: string;
  /** Client connections held at once; more are closed on accept. Default 10000. */
  maxConnections?: number;
  /**
   * Client connections held at once from one IP address; more are closed on accept. Generous, since
   * many clients may share a NAT's address. Default 256.
   */
  maxConnectionsPerSource?: number;
  /**
   * A connection whose first complete STUN message or ChannelData frame has not arrived this long
   * after accept (TCP) or after the end of the TLS handshake is closed, ms: a client trickling a byte
   * at a time (slowloris) resets the idle timer but not this deadline. Default 10000.
   */
  firstRequestTimeout?: number;
  /** A connection that holds no allocation this long is closed, ms. Default 30000. */
  idleTimeout?: number;
  /** Bytes queued for a slow client beyond which ChannelData to it is dropped, as UDP would. Default 1 MiB. */
  maxWriteBuffer?: number;
  /** Largest STUN or ChannelData frame accepted from a client. Default 65556. */
  maxFrameSize?: number;
}

/** A client connection, handed to the engine as the ClientEndpoint of its allocation. */
interface StreamClient extends ClientEndpoint {
  readonly socket: Socket;
  /** The listener's reader of STUN frames, removed when the connection is detached. */
  onData?: (chunk: Buffer) => void;
  /** Set once the connection became an RFC 6062 data connection: its bytes are no longer STUN. */
  detached?: boolean;
}

const PADDING = Buffer.alloc(3);

/**
 * A TURN-TCP or TURN-TLS listener (stunner-v1.md §1.8): each connection is one client 5-tuple; its
 * byte stream is cut into STUN messages and ChannelData frames (RFC 8656 §12.5) and fed to the engine;
 * relays are UDP as for every listener. A closed connection ends its allocation (RFC 8656 §3.1).
 */
export class StreamTurnListener implements ClientSide {
  /** Connections accepted since start and open now (stunner_listener_connections[_total]). */
  connectionsTotal = 0;
  readonly #options: StreamTurnListenerOptions;
  readonly #core: ListenerCore;
  readonly #servers: Server[] = [];
  readonly #clients = new Set<StreamClient>();
  /** Open connections per client IP (`maxConnectionsPerSource`). */
  readonly #perSource = new Map<string, number>();
  #closed = false;

  get engine(): TurnEngine {
    return this.#core.engine;
  }

  constructor(options: StreamTurnListenerOptions) {
    if (options.transport === 'tls' && (!options.cert || !options.key)) {
      throw new StunnerdError('STUNNERD_ERR_CERTIFICATE', 'a TURN-TLS listener needs cert and key (PEM)');
    }
    this.#options = options;
    this.#core = new ListenerCore(options, this);
  }

  get connections(): number {
    return this.#clients.size;
  }

  async start(): Promise<TransportAddress[]> {
    const bound: TransportAddress[] = [];
    let port = this.#options.port;
    for (const host of ['0.0.0.0', '::']) {
      const server = this.#createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port, host, ipv6Only: host === '::' }, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        if (host === '::' && (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') continue;
        await this.close();
        throw err;
      }
      server.on('error', () => {});
      this.#servers.push(server);
      const addr = server.address() as { address: string; port: number };
      port = addr.port;
      bound.push({ family: host === '::' ? 'IPv6' : 'IPv4', address: addr.address, port: addr.port });
    }
    this.#core.startClock();
    return bound;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.close();
    for (const c of this.#clients) c.socket.destroy();
    this.#clients.clear();
    this.#perSource.clear();
    await Promise.all(this.#servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }

  #createServer(): Server {
    const onConnection = (socket: Socket) => this.#accept(socket);
    if (this.#options.transport === 'tcp') return createTcpServer({ noDelay: true }, onConnection);
    const server = createTlsServer(
      { cert: this.#options.cert, key: this.#options.key, minVersion: 'TLSv1.2', handshakeTimeout: 10_000 },
      onConnection,
    );
    // A failed handshake concerns one client; the listener goes on.
    server.on('tlsClientError', (_err, socket) => socket.destroy());
    return server;
  }

  #accept(socket: Socket): void {
    if (this.#closed || this.#clients.size >= (this.#options.maxConnections ?? 10_000)) {
      socket.destroy();
      return;
    }
    const address = socket.remoteAddress;
    const port = socket.remotePort;
    if (address === undefined || port === undefined) {
      socket.destroy();
      return;
    }
    const fromSource = this.#perSource.get(address) ?? 0;
    if (fromSource >= (this.#options.maxConnectionsPerSource ?? 256)) {
      socket.destroy();
      return;
    }
    this.#perSource.set(address, fromSource + 1);
    const client: StreamClient = { listener: 0, transport: this.#options.transport, address, port, socket };
    const idleTimer = () => {
      if (!client.detached && !this.#holdsAllocation(client)) socket.destroy();
    };
    this.#clients.add(client);
    this.connectionsTotal++;
    socket.setNoDelay(true);
    const idle = this.#options.idleTimeout ?? 30_000;
    // Without an allocation a connection is only overhead; with one the allocation's lifetime rules.
    socket.setTimeout(idle, idleTimer);
    // turn.md §5.4 (slowloris): the idle timer is reset by every byte, this deadline by none.
    let firstRequest: NodeJS.Timeout | undefined = setTimeout(
      () => socket.destroy(),
      this.#options.firstRequestTimeout ?? 10_000,
    );
    firstRequest.unref();
    const framer = new StreamFramer(
      (frame) => {
        if (firstRequest !== undefined) {
          clearTimeout(firstRequest);
          firstRequest = undefined;
        }
        if (!client.detached) this.engine.handleClient(frame, client, Date.now());
      },
      {
        maxFrameSize: this.#options.maxFrameSize ?? 65556,
        legacyChannelNumbers: this.#options.engine?.legacyChannelNumbers === true,
      },
    );
    const onData = (chunk: Buffer) => {
      try {
        framer.push(chunk);
      } catch {
        // RFC 8656 §12.5: a stream that stops framing cannot be resynchronised.
        socket.destroy();
      }
    };
    client.onData = onData;
    socket.on('data', onData);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(firstRequest);
      this.#clients.delete(client);
      const n = (this.#perSource.get(address) ?? 1) - 1;
      if (n > 0) this.#perSource.set(address, n);
      else this.#perSource.delete(address);
      if (!this.#closed) this.engine.clientClosed(client);
    });
  }

  /**
   * RFC 6062 §5.4: the connection's ConnectionBind succeeded (its response is written); from now on
   * it carries the peer's bytes, so stop reading STUN from it and hand the socket over. A client may
   * not send data before that response (§5.4), so nothing is left over in the framer.
   */
  detach(endpoint: ClientEndpoint): { socket: Socket; leftover: Buffer } | undefined {
    const client = endpoint as StreamClient;
    if (!this.#clients.has(client) || client.detached) return undefined;
    client.detached = true;
    if (client.onData) client.socket.off('data', client.onData);
    client.socket.setTimeout(0);
    return { socket: client.socket, leftover: Buffer.alloc(0) };
  }

  #holdsAllocation(client: StreamClient): boolean {
    for (const a of this.engine.allocations()) if (a.client === client) return true;
    return false;
  }

  // The engine's client side --------------------------------------------------------------------

  sendToClient(client: ClientEndpoint, message: Buffer): void {
    const socket = (client as StreamClient).socket;
    if (!socket.destroyed) socket.write(message);
  }

  sendChannelData(client: ClientEndpoint, channel: number, data: Buffer, offset: number, length: number): void {
    const socket = (client as StreamClient).socket;
    if (socket.destroyed || socket.writableLength > (this.#options.maxWriteBuffer ?? 1024 * 1024)) return;
    // RFC 8656 §12.5: over TCP and TLS ChannelData is padded to a multiple of 4.
    const pad = (4 - (length % 4)) % 4;
    const out = Buffer.allocUnsafe(4 + length + pad);
    writeChannelDataHeader(out, 0, channel, length);
    data.copy(out, 4, offset, offset + length);
    if (pad > 0) PADDING.copy(out, 4 + length, 0, pad);
    socket.write(out);
  }
}
