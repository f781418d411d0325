import {
  type AuthOptions,
  type ClientEndpoint,
  type RelayRequest,
  type RelayTransport,
  TurnEngine,
  type TurnEngineOptions,
  type TurnEngineSink,
} from '@stunner/turn';
import { type PeerTrafficCounter, RelayPool } from '../relay/relay-pool.ts';
import { type DetachedClient, TcpRelays } from '../relay/tcp-relays.ts';

/** Options every listener shares, whatever the client transport. */
export interface ListenerCoreOptions {
  /** IPv4 address advertised as XOR-RELAYED-ADDRESS (the listener's `address`). */
  relayAddress?: string;
  /** IPv6 address advertised for IPv6 relays; without it IPv6 relays are refused with 440. */
  relayAddress6?: string;
  /** Authentication mode and credentials. Required. */
  auth: AuthOptions;
  /**
   * Peer admission, e.g. `PeerFilter.admit` (stunner-v1.md §1.10): consulted for permissions, channels
   * and every datagram both ways. Default: no peer is admitted.
   */
  admitPeer?: (address: string, port: number, transport: RelayTransport) => boolean;
  /**
   * RFC 6062 TCP allocations (stream listeners only): whether they are admitted now; the listener
   * turns them on and off with its routes (`engine.setTcpRelays`). Default false.
   */
  tcpRelays?: boolean;
  /** Further engine options (lifetimes, quotas, limits). Default none. */
  engine?: Omit<Partial<TurnEngineOptions>, 'sink' | 'auth' | 'admitPeer' | 'relayFamilies'>;
  /** Counts relayed traffic per peer (stunner_cluster_* metrics). Default none. */
  countPeerTraffic?: PeerTrafficCounter;
  /**
   * The user quota kept on another thread (`admin.user_quota` across worker threads): a unit is taken
   * before a relay is bound (refused: 486) and given back when the relay closes. Default none.
   */
  remoteQuota?: RemoteQuota;
}

/** An allocation quota reached by message (see `ListenerCoreOptions.remoteQuota`). */
export interface RemoteQuota {
  acquire(userId: string): Promise<boolean>;
  release(userId: string): void;
}

/**
 * How the client side of a listener talks to its clients: the transport-specific half of the sink.
 * A stream listener also hands a client connection over for RFC 6062 (`detach`): it stops reading
 * STUN from it and returns the socket.
 */
export type ClientSide = Pick<TurnEngineSink, 'sendToClient' | 'sendChannelData'> & {
  detach?(client: ClientEndpoint): DetachedClient | undefined;
};

/** How often the engine's timers are checked; its deadlines are ≥ 30 s apart, 1 s is precise enough. */
const TICK_MS = 1000;

/**
 * What every listener is made of besides its client transport: the engine, the UDP relay pool that
 * serves its peer side, and the clock that drives its timers (DESIGN.md §2: sockets, clock and timers
 * live in the adapters).
 */
export class ListenerCore {
  readonly engine: TurnEngine;
  readonly #relays: RelayPool;
  readonly #tcp: TcpRelays | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ListenerCoreOptions, client: ClientSide) {
    const relays = new RelayPool({
      ...(options.relayAddress ? { relayAddress: options.relayAddress } : {}),
      ...(options.relayAddress6 ? { relayAddress6: options.relayAddress6 } : {}),
      ...(options.countPeerTraffic ? { countPeerTraffic: options.countPeerTraffic } : {}),
    });
    const admit = options.admitPeer ?? (() => false);
    // RFC 6062 relays exist only where a client connection can be handed over (TCP, TLS).
    const detach = client.detach?.bind(client);
    const tcp = detach ? new TcpRelays(options.relayAddress) : undefined;
    const open = (request: RelayRequest) => (request.transport === 'tcp' ? tcp?.open(request) : relays.open(request));
    const close = (id: number) => (tcp?.has(id) ? tcp.close(id) : relays.close(id));
    const sink: TurnEngineSink = {
      sendToClient: (c: ClientEndpoint, message: Buffer) => client.sendToClient(c, message),
      sendChannelData: (c, channel, data, offset, length) => client.sendChannelData(c, channel, data, offset, length),
      sendToPeer: (id, address, port, data, offset, length) => relays.send(id, address, port, data, offset, length),
      openRelay: open,
      closeRelay: close,
      closeRelayFamily: (id, family) => relays.closeFamily(id, family),
      ...(tcp && detach
        ? {
            connectPeer: (request) => tcp.connect(request),
            closePeerConnection: (id) => tcp.closeConnection(id),
            bindDataConnection: (id, dataClient) => {
              const handed = detach(dataClient);
              if (handed) tcp.bind(id, handed);
              else tcp.closeConnection(id);
            },
          }
        : {}),
    };
    const remote = options.remoteQuota;
    if (remote !== undefined) {
      const held = new Map<number, string>();
      sink.openRelay = (request) => {
        remote.acquire(request.userId).then(
          (ok) => {
            if (!ok) {
              this.engine.relayFailed(request.id, 486, Date.now());
              return;
            }
            held.set(request.id, request.userId);
            open(request);
          },
          () => this.engine.relayFailed(request.id, 508, Date.now()),
        );
      };
      sink.closeRelay = (id) => {
        const userId = held.get(id);
        if (userId !== undefined) {
          held.delete(id);
          remote.release(userId);
        }
        close(id);
      };
    }
    this.engine = new TurnEngine({
      // dgram cannot set the DF bit (no IP_MTU_DISCOVER): DONT-FRAGMENT is refused with 420 as RFC 8656
      // §7.2 prescribes, until a relay path that can set it says otherwise.
      dontFragment: false,
      ...options.engine,
      auth: options.auth,
      sink,
      relayFamilies: relays.families,
      admitPeer: (address, port, a) => admit(address, port, a.transport),
      tcpRelays: tcp !== undefined,
    });
    this.engine.setTcpRelays(options.tcpRelays === true);
    relays.attach(this.engine);
    tcp?.attach(this.engine);
    this.#tcp = tcp;
    this.#relays = relays;
  }

  /** Starts checking the engine's timers. */
  startClock(): void {
    this.#timer = setInterval(() => {
      const now = Date.now();
      if (this.engine.nextTimeout() <= now) this.engine.handleTimeout(now);
    }, TICK_MS);
    this.#timer.unref();
  }

  /** Ends every allocation and closes every relay socket. */
  close(): void {
    clearInterval(this.#timer);
    this.engine.close();
    this.#relays.closeAll();
    this.#tcp?.closeAll();
  }
}
