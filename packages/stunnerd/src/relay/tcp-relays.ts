import { connect, createServer, type Server, type Socket } from 'node:net';
import type { TransportAddress } from '@stunner/stun';
import type { PeerConnectRequest, RelayRequest, TurnEngine } from '@stunner/turn';

/** A client data connection handed over after its ConnectionBind: the socket, and bytes already read past it. */
export interface DetachedClient {
  readonly socket: Socket;
  readonly leftover: Buffer;
}

interface Relay {
  readonly server: Server;
  readonly connections: Set<number>;
}

interface PeerLink {
  readonly relayId: number;
  readonly peer: Socket;
  data: Socket | undefined;
}

/**
 * The TCP relays of one listener's RFC 6062 allocations: a listening socket on the relayed address
 * for peers that connect in (§5.3), outgoing connections for Connect (§5.2), and, once the client
 * binds a data connection (§5.4), a byte pipe between the two. The engine decides; this binds,
 * dials, pipes and reports. Outgoing connections leave from the relay's IP with a port the OS picks:
 * Node cannot bind a connecting socket to the port its listening socket holds (SO_REUSEPORT on
 * client sockets), and peers are admitted by IP anyway.
 */
export class TcpRelays {
  readonly #relayAddress: string | undefined;
  readonly #relays = new Map<number, Relay>();
  readonly #links = new Map<number, PeerLink>();
  #engine: TurnEngine | undefined;
  #closed = false;

  constructor(relayAddress: string | undefined) {
    this.#relayAddress = relayAddress;
  }

  attach(engine: TurnEngine): void {
    this.#engine = engine;
  }

  /** Binds the relay's listening socket (IPv4; TCP allocations are not dual). */
  open(request: RelayRequest): void {
    const server = createServer({ pauseOnConnect: true }, (socket) => this.#accept(request.id, socket));
    let listening = false;
    server.on('error', () => {
      // A relay that cannot listen (no ports, no descriptors): the Allocate fails with 508.
      if (!listening) this.#engine?.relayFailed(request.id, 508, Date.now());
    });
    server.listen({ host: '0.0.0.0', port: 0 }, () => {
      listening = true;
      const engine = this.#engine;
      if (this.#closed || engine === undefined || this.#relayAddress === undefined) {
        server.close();
        engine?.relayFailed(request.id, 508, Date.now());
        return;
      }
      this.#relays.set(request.id, { server, connections: new Set() });
      const port = (server.address() as { port: number }).port;
      const address: TransportAddress = { family: 'IPv4', address: this.#relayAddress, port };
      engine.relayOpened(request.id, { addresses: [address] }, Date.now());
    });
  }

  /** Whether `relayId` is a TCP relay of this pool. */
  has(relayId: number): boolean {
    return this.#relays.has(relayId);
  }

  close(relayId: number): void {
    const relay = this.#relays.get(relayId);
    if (relay === undefined) return;
    this.#relays.delete(relayId);
    relay.server.close();
    for (const id of relay.connections) this.closeConnection(id);
  }

  connect(request: PeerConnectRequest): void {
    const relay = this.#relays.get(request.relayId);
    if (relay === undefined) {
      this.#engine?.peerConnectFailed(request.connectionId, Date.now());
      return;
    }
    const peer = connect({
      host: request.address,
      port: request.port,
      ...(this.#relayAddress ? { localAddress: this.#relayAddress } : {}),
      noDelay: true,
    });
    let connected = false;
    this.#link(request.connectionId, request.relayId, peer);
    peer.once('connect', () => {
      connected = true;
      // Nothing is read from the peer until the client's data connection is there.
      peer.pause();
      this.#engine?.peerConnected(request.connectionId, Date.now());
    });
    peer.once('error', () => {
      if (!connected) this.#engine?.peerConnectFailed(request.connectionId, Date.now());
    });
  }

  closeConnection(connectionId: number): void {
    const link = this.#links.get(connectionId);
    if (link === undefined) return;
    this.#links.delete(connectionId);
    this.#relays.get(link.relayId)?.connections.delete(connectionId);
    link.peer.destroy();
    link.data?.destroy();
  }

  /** Pipes the client's data connection and the peer connection (RFC 6062 §5.4). */
  bind(connectionId: number, client: DetachedClient): void {
    const link = this.#links.get(connectionId);
    if (link === undefined) {
      client.socket.destroy();
      return;
    }
    link.data = client.socket;
    if (client.leftover.length > 0) link.peer.write(client.leftover);
    client.socket.pipe(link.peer);
    link.peer.pipe(client.socket);
    client.socket.once('close', () => this.#ended(connectionId));
    link.peer.resume();
  }

  closeAll(): void {
    this.#closed = true;
    for (const id of [...this.#relays.keys()]) this.close(id);
  }

  #accept(relayId: number, socket: Socket): void {
    const engine = this.#engine;
    const relay = this.#relays.get(relayId);
    const address = socket.remoteAddress;
    const port = socket.remotePort;
    const id =
      engine && relay && address !== undefined && port !== undefined
        ? engine.peerConnection(relayId, address.startsWith('::ffff:') ? address.slice(7) : address, port, Date.now())
        : undefined;
    if (id === undefined) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.#link(id, relayId, socket);
  }

  #link(connectionId: number, relayId: number, peer: Socket): void {
    this.#links.set(connectionId, { relayId, peer, data: undefined });
    this.#relays.get(relayId)?.connections.add(connectionId);
    peer.on('error', () => {});
    peer.once('close', () => this.#ended(connectionId));
  }

  /** Either side closed: the other goes too, and the engine forgets the connection. */
  #ended(connectionId: number): void {
    if (!this.#links.has(connectionId)) return;
    this.closeConnection(connectionId);
    this.#engine?.peerConnectionClosed(connectionId);
  }
}
