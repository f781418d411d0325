import {
  type AuthOptions,
  type ClientEndpoint,
  TurnEngine,
  type TurnEngineOptions,
  type TurnEngineSink,
} from '@stunner/turn';
import { type PeerTrafficCounter, RelayPool } from '../relay/relay-pool.ts';

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
  admitPeer?: (address: string, port: number) => boolean;
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

/** How the client side of a listener talks to its clients: the transport-specific half of the sink. */
export type ClientSide = Pick<TurnEngineSink, 'sendToClient' | 'sendChannelData'>;

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
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ListenerCoreOptions, client: ClientSide) {
    const relays = new RelayPool({
      ...(options.relayAddress ? { relayAddress: options.relayAddress } : {}),
      ...(options.relayAddress6 ? { relayAddress6: options.relayAddress6 } : {}),
      ...(options.countPeerTraffic ? { countPeerTraffic: options.countPeerTraffic } : {}),
    });
    const admit = options.admitPeer ?? (() => false);
    const sink: TurnEngineSink = {
      sendToClient: (c: ClientEndpoint, message: Buffer) => client.sendToClient(c, message),
      sendChannelData: (c, channel, data, offset, length) => client.sendChannelData(c, channel, data, offset, length),
      sendToPeer: (id, address, port, data, offset, length) => relays.send(id, address, port, data, offset, length),
      openRelay: (request) => relays.open(request),
      closeRelay: (id) => relays.close(id),
      closeRelayFamily: (id, family) => relays.closeFamily(id, family),
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
            relays.open(request);
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
        relays.close(id);
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
      admitPeer: (address, port) => admit(address, port),
    });
    relays.attach(this.engine);
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
  }
}
