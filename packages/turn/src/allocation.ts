import type { TransportAddress } from '@stunner/stun';
import type { ClientEndpoint, Family } from './endpoint.ts';
import { TokenBucket } from './token-bucket.ts';

/** RFC 8656 §9: a permission is per peer IP; the port is ignored. */
export interface Permission {
  readonly address: string;
  /** Engine time (ms) when it expires (RFC 8656 §9: 300 s after install or refresh). */
  expires: number;
}

/** RFC 8656 §12: a channel binds a number to one peer transport address. */
export interface Channel {
  readonly number: number;
  readonly address: string;
  readonly port: number;
  /** Engine time (ms) when the binding expires (RFC 8656 §12: 600 s after bind or refresh). */
  expires: number;
  /** False once expired: the entry stays, unusable, for the reuse delay (RFC 8656 §12). */
  bound: boolean;
  /**
   * The data path's view of this channel's checks, so a datagram needs no table lookup: the permission
   * for `address` as found at the allocation's `permissionsVersion` (`permissionAt`, -1: not looked up),
   * and the peer admission granted at the engine's policy generation `admittedAt` (0: none) with its tag.
   */
  permission: Permission | undefined;
  permissionAt: number;
  admittedAt: number;
  admissionTag: number;
}

/** A new channel binding of `number` to `address`:`port`, nothing cached yet. */
export function newChannel(number: number, address: string, port: number, expires: number): Channel {
  return {
    number,
    address,
    port,
    expires,
    bound: true,
    permission: undefined,
    permissionAt: -1,
    admittedAt: 0,
    admissionTag: -1,
  };
}

/** Traffic relayed by one allocation (data only; control messages are the adapter's to count). */
export interface RelayStats {
  /** Packets and bytes of application data relayed from the client to peers. */
  toPeerPackets: number;
  toPeerBytes: number;
  /** Packets and bytes of application data relayed from peers to the client. */
  toClientPackets: number;
  toClientBytes: number;
  /** Data packets dropped: no permission or channel, refused by the peer-admission hook, malformed. */
  droppedPackets: number;
}

/** State an Allocate needs while the adapter binds its relay (RFC 8656 §7.2). */
export interface PendingAllocate {
  readonly transactionId: Buffer;
  readonly cacheKey: string;
  readonly key: Buffer;
  readonly integrity: 'sha1' | 'sha256';
  readonly fingerprint: boolean;
  readonly lifetimeSeconds: number;
  /** Families asked for but not supported, reported in ADDRESS-ERROR-CODE (RFC 8656 §7.2). */
  readonly refusedFamily: Family | undefined;
  readonly reserveId: number | undefined;
}

/**
 * One TCP connection between a TCP allocation's relay and a peer (RFC 6062 §4): opened by Connect
 * (`connecting`, until the adapter reports it) or accepted from the peer; then waiting for the
 * client's ConnectionBind (`pending-bind`, 30 s, §5.3, §5.4); then `bound` to a data connection,
 * whose bytes the adapter pipes without the engine.
 */
export interface PeerConnection {
  /** CONNECTION-ID (RFC 6062 §6.2.1). */
  readonly id: number;
  readonly allocation: Allocation;
  readonly address: string;
  readonly port: number;
  state: 'connecting' | 'pending-bind' | 'bound';
  /** Engine time (ms) when a `connecting` or `pending-bind` connection is given up. */
  expires: number;
  /** The Connect request to answer (sealed as it was signed) once the adapter reports the outcome. */
  connect:
    | {
        readonly transactionId: Buffer;
        readonly cacheKey: string;
        readonly key: Buffer;
        readonly integrity: 'sha1' | 'sha256';
        readonly fingerprint: boolean;
      }
    | undefined;
}

/** Read-only view of an allocation, given to hooks and events. */
export interface AllocationInfo {
  /** The relay id: what `handleRelay`, `sendToPeer` and `closeRelay` name the relay by. */
  readonly id: number;
  readonly client: ClientEndpoint;
  readonly username: string;
  /** Who the quota counts against: the username, or its user part for ephemeral `<expiry>:<user>`. */
  readonly userId: string;
  readonly families: readonly Family[];
  /** The relay's transport: UDP (RFC 8656), or TCP (RFC 6062), whose data the adapter pipes per peer connection. */
  readonly transport: RelayTransport;
  /** Relayed transport addresses; empty while the relay is being bound. */
  readonly relayed: readonly TransportAddress[];
  /** Engine time (ms) when the allocation expires unless refreshed. */
  readonly expires: number;
  readonly stats: Readonly<RelayStats>;
}

export type RelayTransport = 'udp' | 'tcp';

/** One allocation (RFC 8656 §2.2): its relay, 5-tuple, credentials, permissions and channels. */
export class Allocation implements AllocationInfo {
  readonly id: number;
  readonly client: ClientEndpoint;
  readonly username: string;
  readonly userId: string;
  /** Families held: a dual allocation loses one when it is refreshed away or expires (RFC 8656 §7.3). */
  families: readonly Family[];
  relayed: readonly TransportAddress[] = [];
  /** When the allocation expires: the later of its families' expiries on a dual allocation. */
  expires: number;
  /**
   * A dual allocation's expiry per family, in `families` order (RFC 8656 §7.3: a Refresh with
   * REQUESTED-ADDRESS-FAMILY refreshes or deletes that family only); undefined for one family.
   */
  familyExpires: number[] | undefined;
  pending: PendingAllocate | undefined;
  readonly stats: RelayStats = {
    toPeerPackets: 0,
    toPeerBytes: 0,
    toClientPackets: 0,
    toClientBytes: 0,
    droppedPackets: 0,
  };
  readonly permissions = new Map<string, Permission>();
  /** Bumped whenever a permission is added or removed (not refreshed): channels' cached lookups check it. */
  permissionsVersion = 0;
  readonly channels = new Map<number, Channel>();
  /** The bandwidth limit's buckets, one each way (`bandwidthLimit`). */
  readonly toPeerBucket = new TokenBucket();
  readonly toClientBucket = new TokenBucket();
  /** A TCP allocation's peer connections by CONNECTION-ID (RFC 6062). */
  readonly connections = new Map<number, PeerConnection>();
  readonly transport: RelayTransport;
  /** Channels by peer IP then port, for the relay-to-client direction. */
  readonly #peerChannels = new Map<string, Map<number, Channel>>();
  /** The last `channelForPeer` answer: an allocation mostly hears from one peer. */
  #lastPeerAddress = '';
  #lastPeerPort = -1;
  #lastPeerChannel: Channel | undefined = undefined;

  constructor(
    id: number,
    client: ClientEndpoint,
    username: string,
    userId: string,
    families: readonly Family[],
    expires: number,
    transport: RelayTransport = 'udp',
  ) {
    this.transport = transport;
    this.id = id;
    this.client = client;
    this.username = username;
    this.userId = userId;
    this.families = families;
    this.expires = expires;
  }

  hasFamily(family: Family): boolean {
    return this.families.includes(family);
  }

  /** Sets every family's expiry (a Refresh without REQUESTED-ADDRESS-FAMILY, or the Allocate). */
  setExpires(at: number): void {
    this.expires = at;
    this.familyExpires = this.families.length > 1 ? this.families.map(() => at) : undefined;
  }

  /** Sets one family's expiry on a dual allocation; the allocation lives as long as its last family. */
  setFamilyExpires(family: Family, at: number): void {
    const per = this.familyExpires;
    if (per === undefined) {
      this.expires = at;
      return;
    }
    per[this.families.indexOf(family)] = at;
    this.expires = Math.max(...per);
  }

  /** The first family of a dual allocation whose own lifetime is over by `now` (undefined if none). */
  expiredFamily(now: number): Family | undefined {
    const per = this.familyExpires;
    if (per === undefined) return undefined;
    const i = per.findIndex((t) => t <= now);
    return i < 0 ? undefined : this.families[i];
  }

  /**
   * Drops `family` from a dual allocation: its relayed address, and the permissions and channels of
   * its peers (whose data the engine then drops). The allocation goes on with the other family.
   */
  dropFamily(family: Family): void {
    const i = this.families.indexOf(family);
    if (i < 0 || this.families.length < 2) return;
    this.families = this.families.filter((f) => f !== family);
    this.relayed = this.relayed.filter((r) => r.family !== family);
    const left = this.familyExpires?.filter((_, j) => j !== i);
    this.familyExpires = undefined;
    if (left !== undefined) this.expires = Math.max(...left);
    const v6 = family === 'IPv6';
    for (const address of [...this.permissions.keys()]) {
      if (address.includes(':') === v6) this.deletePermission(address);
    }
    for (const ch of [...this.channels.values()]) {
      if (ch.address.includes(':') === v6) this.removeChannel(ch);
    }
  }

  /** RFC 8656 §9: whether a permission for the peer IP is installed and not yet expired. */
  permits(address: string, now: number): boolean {
    const p = this.permissions.get(address);
    return p !== undefined && p.expires > now;
  }

  /** Installs a new permission (RFC 8656 §9); a refresh only moves an existing one's `expires`. */
  addPermission(permission: Permission): void {
    this.permissions.set(permission.address, permission);
    this.permissionsVersion++;
  }

  deletePermission(address: string): void {
    if (this.permissions.delete(address)) this.permissionsVersion++;
  }

  channelForPeer(address: string, port: number): Channel | undefined {
    if (address === this.#lastPeerAddress && port === this.#lastPeerPort) return this.#lastPeerChannel;
    const ch = this.#peerChannels.get(address)?.get(port);
    this.#lastPeerAddress = address;
    this.#lastPeerPort = port;
    this.#lastPeerChannel = ch;
    return ch;
  }

  addChannel(channel: Channel): void {
    this.#lastPeerPort = -1;
    this.#lastPeerChannel = undefined;
    this.channels.set(channel.number, channel);
    let byPort = this.#peerChannels.get(channel.address);
    if (byPort === undefined) {
      byPort = new Map();
      this.#peerChannels.set(channel.address, byPort);
    }
    byPort.set(channel.port, channel);
  }

  /**
   * Expires permissions (RFC 8656 §9) and channels (§12) due by `now`. An expired channel stays,
   * unusable, for `reuseDelayMs` so that neither its number nor its peer is rebound meanwhile.
   * Returns the next deadline among what is left (Infinity if none).
   */
  sweep(
    now: number,
    reuseDelayMs: number,
    onPermissionExpired: (a: Allocation, address: string) => void,
    onChannelExpired: (a: Allocation, channel: Channel) => void,
  ): number {
    let next = Number.POSITIVE_INFINITY;
    for (const p of this.permissions.values()) {
      if (p.expires <= now) {
        this.deletePermission(p.address);
        onPermissionExpired(this, p.address);
      } else if (p.expires < next) {
        next = p.expires;
      }
    }
    for (const ch of this.channels.values()) {
      if (ch.bound && ch.expires <= now) {
        ch.bound = false;
        onChannelExpired(this, ch);
      }
      if (ch.bound) {
        if (ch.expires < next) next = ch.expires;
        continue;
      }
      const reusable = ch.expires + reuseDelayMs;
      if (reusable <= now) this.removeChannel(ch);
      else if (reusable < next) next = reusable;
    }
    return next;
  }

  removeChannel(channel: Channel): void {
    this.#lastPeerPort = -1;
    this.#lastPeerChannel = undefined;
    this.channels.delete(channel.number);
    const byPort = this.#peerChannels.get(channel.address);
    byPort?.delete(channel.port);
    if (byPort?.size === 0) this.#peerChannels.delete(channel.address);
  }
}
