import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  AddressErrorCode,
  AddressFamily,
  Attr,
  ChannelNumber,
  Data,
  decodeStunMessage,
  ERROR_REASONS,
  ErrorCode,
  isStunCodecError,
  Lifetime,
  looksLikeStun,
  MessageClass,
  Method,
  Nonce,
  Realm,
  RequestedAddressFamily,
  ReservationToken,
  Software,
  type StunMessage,
  StunMessageBuilder,
  type TransportAddress,
  UnknownAttributes,
  XorMappedAddress,
  XorPeerAddress,
  XorRelayedAddress,
} from '@stunner/stun';
import { familyOfOctet, grantedLifetimeMs, planAllocate } from './allocate-request.ts';
import { Allocation, type AllocationInfo, type Channel } from './allocation.ts';
import { Authenticator } from './auth.ts';
import { ChallengeLimiter } from './challenge-limiter.ts';
import { ClientTable } from './client-table.ts';
import { type AuthContext, checkCredentials } from './credential-check.ts';
import type { ClientEndpoint, Family, RelayBound, TurnEngineSink } from './endpoint.ts';
import { TurnEngineError } from './errors.ts';
import { NonceIssuer } from './nonce.ts';
import { type PeerAdmission, type ResolvedOptions, resolveOptions, type TurnEngineOptions } from './options.ts';
import { TransactionCache } from './transaction-cache.ts';

/** Why an allocation ended. */
export type AllocationEndReason = 'refresh' | 'expired' | 'client-closed' | 'engine-closed';

/** Typed events for metrics and logs. Listeners run synchronously; what they throw is counted and dropped. */
export interface TurnEngineEvents {
  'allocation-created': [allocation: AllocationInfo];
  /** `allocation.stats` holds the final traffic counters. */
  'allocation-deleted': [allocation: AllocationInfo, reason: AllocationEndReason];
  'permission-created': [allocation: AllocationInfo, peerAddress: string];
  'permission-expired': [allocation: AllocationInfo, peerAddress: string];
  'channel-bound': [allocation: AllocationInfo, channel: number, peerAddress: string, peerPort: number];
  'channel-expired': [allocation: AllocationInfo, channel: number, peerAddress: string, peerPort: number];
  /** A request refused with `code` (401, 403, 437, 438, 441, 486, 508 ...), for abuse counters. */
  'request-refused': [client: ClientEndpoint, method: number, code: number];
}

/** Engine-wide counters, updated in place (read them at scrape time). */
export interface TurnEngineStats {
  /** Traffic relayed, summed over all allocations ever held. */
  toPeerPackets: number;
  toPeerBytes: number;
  toClientPackets: number;
  toClientBytes: number;
  droppedPackets: number;
  /** Datagrams that were neither a decodable STUN message nor valid ChannelData. */
  malformed: number;
  /** 401/438 challenges not sent because the source was over `challengeRateLimit`. */
  challengesDropped: number;
  /** Exceptions thrown by event listeners (caught so that relaying goes on). */
  listenerErrors: number;
}

interface Reservation {
  readonly relayId: number;
  readonly address: TransportAddress;
  readonly expires: number;
}

/** RFC 8489 §14 / RFC 8656 §18: the comprehension-required attributes this server processes. */
const KNOWN_ATTRIBUTES: ReadonlySet<number> = new Set([
  Attr.Username,
  Attr.MessageIntegrity,
  Attr.MessageIntegritySha256,
  Attr.Realm,
  Attr.Nonce,
  Attr.ChannelNumber,
  Attr.Lifetime,
  Attr.XorPeerAddress,
  Attr.Data,
  Attr.RequestedAddressFamily,
  Attr.EvenPort,
  Attr.RequestedTransport,
  Attr.DontFragment,
  Attr.ReservationToken,
  Attr.PasswordAlgorithm,
  // ICE (RFC 8445 §16.1) attributes, harmless on a Binding request.
  Attr.Priority,
  Attr.UseCandidate,
]);

const INFINITY = Number.POSITIVE_INFINITY;
/** 0xFFFF - 3 (largest padded attribute space) - 24 (IPv6 XOR-PEER-ADDRESS) - 4 (DATA header). */
const MAX_DATA_INDICATION_PAYLOAD = 0xffff - 3 - 24 - 4;
const NO_EXTRA: (b: StunMessageBuilder) => void = () => {};

/**
 * Sans-IO TURN server (RFC 8656, RFC 8489, RFC 6156). Inputs: client packets, relay packets, the
 * adapter's answer to a relay request, and timer ticks, each with the current time in ms (wall clock:
 * ephemeral usernames and nonces compare it with UNIX time). Outputs: calls on the sink. No sockets,
 * clocks or timers inside.
 */
export class TurnEngine extends EventEmitter<TurnEngineEvents> {
  readonly stats: TurnEngineStats = {
    toPeerPackets: 0,
    toPeerBytes: 0,
    toClientPackets: 0,
    toClientBytes: 0,
    droppedPackets: 0,
    malformed: 0,
    challengesDropped: 0,
    listenerErrors: 0,
  };
  readonly #options: ResolvedOptions;
  readonly #sink: TurnEngineSink;
  readonly #admitPeer: PeerAdmission | undefined;
  readonly #admitAllocation: TurnEngineOptions['admitAllocation'];
  #auth: Authenticator;
  readonly #nonces: NonceIssuer;
  readonly #challenges: ChallengeLimiter;
  readonly #clients = new ClientTable();
  readonly #relays = new Map<number, Allocation>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #perUser = new Map<string, number>();
  readonly #transactions: TransactionCache;
  /** Pending allocations deleted before the adapter answered: relay id → reserved relay id. */
  readonly #abandoned = new Map<number, number | undefined>();
  /** Time of the call being processed, for responses built deep in the handlers. */
  #lastNow = 0;
  #nextRelayId = 1;
  #nextTimeout = INFINITY;

  constructor(options: TurnEngineOptions) {
    super();
    if (!options?.sink) throw new TurnEngineError('TURN_ERR_INVALID_OPTION', 'sink is required');
    this.#options = resolveOptions(options);
    this.#sink = options.sink;
    this.#admitPeer = options.admitPeer;
    this.#admitAllocation = options.admitAllocation;
    this.#auth = new Authenticator(options.auth);
    this.#nonces = new NonceIssuer(this.#options.nonceSecret, this.#options.nonceLifetime);
    this.#challenges = new ChallengeLimiter(this.#options.challengeRateLimit);
    this.#transactions = new TransactionCache(this.#options.transactionCacheSize, this.#options.transactionCacheTtl);
  }

  /** Allocations held, pending ones included (stunner_allocations_active). */
  get allocationCount(): number {
    return this.#relays.size;
  }

  /** Swaps credentials (config reconcile); existing allocations keep theirs until they next authenticate. */
  setAuth(auth: TurnEngineOptions['auth']): void {
    this.#auth = new Authenticator(auth);
  }

  /** Engine time (ms) at which `handleTimeout` is next due; Infinity when nothing is scheduled. */
  nextTimeout(): number {
    return this.#nextTimeout;
  }

  allocations(): IterableIterator<AllocationInfo> {
    return this.#relays.values();
  }

  // ---------------------------------------------------------------------------------------------
  // Client side

  /** A datagram (or a frame cut by the stream framer) from a client. */
  handleClient(data: Buffer, client: ClientEndpoint, now: number): void {
    // RFC 7983 §7 / RFC 8656 §12: 0b01 in the top two bits marks ChannelData.
    if (data.length >= 4 && (data[0]! & 0xc0) === 0x40) {
      this.#channelDataFromClient(data, client, now);
      return;
    }
    if (!looksLikeStun(data)) {
      this.stats.malformed++;
      return;
    }
    let msg: StunMessage;
    try {
      msg = decodeStunMessage(data, { maxAttributes: this.#options.maxAttributes });
    } catch {
      // RFC 8489 §6.3: a message that fails the basic checks is discarded silently.
      this.stats.malformed++;
      return;
    }
    if (msg.messageClass === MessageClass.Request) {
      this.#request(msg, client, now);
    } else if (msg.messageClass === MessageClass.Indication && msg.method === Method.Send) {
      this.#sendIndication(msg, client, now);
    }
    // RFC 8489 §6.3.2–6.3.4: other indications and all responses are ignored by a server.
  }

  /** The client's connection closed (TCP/TLS): its allocation ends with it (RFC 8656 §3.1). */
  clientClosed(client: ClientEndpoint): void {
    const a = this.#clients.get(client);
    if (a !== undefined) this.#deleteAllocation(a, 'client-closed');
  }

  /** Hot path: ChannelData from the client to its peer (RFC 8656 §12.4). Allocates nothing. */
  #channelDataFromClient(data: Buffer, client: ClientEndpoint, now: number): void {
    const a = this.#clients.get(client);
    if (a === undefined || a.pending !== undefined || a.expires <= now) {
      this.stats.droppedPackets++;
      return;
    }
    const length = (data[2]! << 8) | data[3]!;
    const extra = data.length - 4 - length;
    // RFC 8656 §12.5: over UDP the padding may be absent or present (at most 3 bytes).
    const ch = extra >= 0 && extra <= 3 ? a.channels.get((data[0]! << 8) | data[1]!) : undefined;
    if (ch === undefined || ch.expires <= now || !this.#permitted(a, ch.address, now)) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      return;
    }
    if (this.#admitPeer !== undefined && !this.#admitPeer(ch.address, ch.port, a)) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      return;
    }
    a.stats.toPeerPackets++;
    a.stats.toPeerBytes += length;
    this.stats.toPeerPackets++;
    this.stats.toPeerBytes += length;
    this.#sink.sendToPeer(a.id, ch.address, ch.port, data, 4, length);
  }

  #permitted(a: Allocation, address: string, now: number): boolean {
    const p = a.permissions.get(address);
    return p !== undefined && p.expires > now;
  }

  /** RFC 8656 §11.2: a Send indication is relayed if a permission exists; otherwise it is dropped. */
  #sendIndication(msg: StunMessage, client: ClientEndpoint, now: number): void {
    const a = this.#clients.get(client);
    if (a === undefined || a.pending !== undefined || a.expires <= now) return;
    // RFC 8489 §6.3.2: unknown comprehension-required attributes make an indication be discarded.
    if (msg.unknownComprehensionRequired(KNOWN_ATTRIBUTES).length > 0) return;
    const data = msg.find(Attr.Data);
    let peer: TransportAddress | undefined;
    try {
      peer = msg.get(XorPeerAddress);
    } catch {
      peer = undefined;
    }
    if (
      data === undefined ||
      peer === undefined ||
      !a.hasFamily(peer.family) ||
      !this.#permitted(a, peer.address, now)
    ) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      return;
    }
    if (this.#admitPeer !== undefined && !this.#admitPeer(peer.address, peer.port, a)) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      return;
    }
    a.stats.toPeerPackets++;
    a.stats.toPeerBytes += data.value.length;
    this.stats.toPeerPackets++;
    this.stats.toPeerBytes += data.value.length;
    this.#sink.sendToPeer(a.id, peer.address, peer.port, data.value, 0, data.value.length);
  }

  #request(msg: StunMessage, client: ClientEndpoint, now: number): void {
    this.#lastNow = now;
    if (msg.method === Method.Binding) {
      this.#binding(msg, client);
      return;
    }
    const turnMethod =
      msg.method === Method.Allocate ||
      msg.method === Method.Refresh ||
      msg.method === Method.CreatePermission ||
      msg.method === Method.ChannelBind;
    if (!turnMethod) {
      // RFC 8489 §6.3.1: a method the server does not know gets 400; RFC 6062 is not built.
      this.#unauthenticatedError(msg, client, 400);
      return;
    }
    if (this.#auth.type === 'none') {
      // stunner-v1.md §1.9: auth type none is STUN-only; TURN is refused without a realm or nonce.
      this.#unauthenticatedError(msg, client, 403);
      return;
    }
    const cacheKey = TransactionCache.key(client, msg.transactionId);
    const cached = this.#transactions.get(cacheKey, now);
    if (cached !== undefined) {
      this.#sink.sendToClient(client, cached);
      return;
    }
    const existing = this.#clients.get(client);
    // A retransmitted Allocate while its relay is being bound: the response is on its way.
    if (existing?.pending?.transactionId.equals(msg.transactionId)) return;
    // Expired but not yet swept: gone for every request (RFC 8656 §7).
    if (existing !== undefined && existing.pending === undefined && existing.expires <= now) {
      this.#deleteAllocation(existing, 'expired');
    }

    const auth = this.#authenticate(msg, client, now);
    if (auth === undefined) return;

    const unknown = msg.unknownComprehensionRequired(KNOWN_ATTRIBUTES);
    if (unknown.length > 0) {
      this.#error(msg, client, auth, cacheKey, 420, (b) => b.add(UnknownAttributes, unknown));
      return;
    }
    try {
      switch (msg.method) {
        case Method.Allocate:
          this.#allocate(msg, client, auth, cacheKey, now);
          break;
        case Method.Refresh:
          this.#refresh(msg, client, auth, cacheKey, now);
          break;
        case Method.CreatePermission:
          this.#createPermission(msg, client, auth, cacheKey, now);
          break;
        default:
          this.#channelBind(msg, client, auth, cacheKey, now);
      }
    } catch (err) {
      // A malformed attribute value (RFC 8489 §6.3.1: 400 Bad Request).
      if (!isStunCodecError(err)) throw err;
      this.#error(msg, client, auth, cacheKey, 400);
    }
  }

  /** RFC 8489 §6.3.1: XOR-MAPPED-ADDRESS only, so a Binding is no amplifier (turn.md §5.4). */
  #binding(msg: StunMessage, client: ClientEndpoint): void {
    const unknown = msg.unknownComprehensionRequired(KNOWN_ATTRIBUTES);
    if (unknown.length > 0) {
      this.#unauthenticatedError(msg, client, 420, (b) => b.add(UnknownAttributes, unknown));
      return;
    }
    const b = new StunMessageBuilder(Method.Binding, MessageClass.SuccessResponse, msg.transactionId);
    b.add(XorMappedAddress, clientAddress(client));
    this.#sink.sendToClient(client, b.build({ fingerprint: msg.fingerprintOffset >= 0 }));
  }

  /** Checks credentials; on failure sends the 400/401/438 and returns undefined (no state kept). */
  #authenticate(msg: StunMessage, client: ClientEndpoint, now: number): AuthContext | undefined {
    const result = checkCredentials(msg, client.address, now, this.#auth, this.#nonces);
    if (typeof result !== 'number') return result;
    if (result === 400) this.#unauthenticatedError(msg, client, 400);
    else this.#challenge(msg, client, result, now);
    return undefined;
  }

  /** 401 or 438 with REALM and a fresh NONCE (RFC 8489 §9.2.4), minimal for amplification. */
  #challenge(msg: StunMessage, client: ClientEndpoint, code: 401 | 438, now: number): void {
    if (!this.#challenges.allow(client.address, now)) {
      this.stats.challengesDropped++;
      return;
    }
    const nonce = this.#nonces.issue(client.address, now);
    this.#unauthenticatedError(msg, client, code, (b) => b.add(Realm, this.#auth.realm).add(Nonce, nonce));
  }

  /**
   * An error to a request that did not authenticate: no reason phrase, no SOFTWARE, no integrity, so the
   * 401 stays within 2× of a typical request (turn.md §5.4). FINGERPRINT only if the client used it.
   */
  #unauthenticatedError(
    msg: StunMessage,
    client: ClientEndpoint,
    code: number,
    extra: (b: StunMessageBuilder) => void = NO_EXTRA,
  ): void {
    const b = new StunMessageBuilder(msg.method, MessageClass.ErrorResponse, msg.transactionId);
    b.add(ErrorCode, { code, reason: '' });
    extra(b);
    this.#sink.sendToClient(client, b.build({ fingerprint: msg.fingerprintOffset >= 0 }));
    this.#emit('request-refused', client, msg.method, code);
  }

  /** Sends a response to an authenticated request, with integrity, and keeps it for retransmits. */
  #respond(
    client: ClientEndpoint,
    auth: { key: Buffer; integrity: 'sha1' | 'sha256' },
    cacheKey: string,
    b: StunMessageBuilder,
    fingerprint: boolean,
  ): void {
    if (this.#options.software !== undefined) b.add(Software, this.#options.software);
    const out = b.build({ key: auth.key, integrity: auth.integrity, fingerprint });
    this.#transactions.set(cacheKey, out, this.#lastNow);
    this.#scheduleAt(this.#lastNow + this.#options.transactionCacheTtl);
    this.#sink.sendToClient(client, out);
  }

  #error(
    msg: StunMessage,
    client: ClientEndpoint,
    auth: AuthContext,
    cacheKey: string,
    code: number,
    extra: (b: StunMessageBuilder) => void = NO_EXTRA,
  ): void {
    const b = new StunMessageBuilder(msg.method, MessageClass.ErrorResponse, msg.transactionId);
    b.add(ErrorCode, { code, reason: ERROR_REASONS[code] ?? '' });
    extra(b);
    this.#respond(client, auth, cacheKey, b, msg.fingerprintOffset >= 0);
    this.#emit('request-refused', client, msg.method, code);
  }

  #success(
    msg: StunMessage,
    client: ClientEndpoint,
    auth: AuthContext,
    cacheKey: string,
    build: (b: StunMessageBuilder) => void,
  ): void {
    const b = new StunMessageBuilder(msg.method, MessageClass.SuccessResponse, msg.transactionId);
    build(b);
    this.#respond(client, auth, cacheKey, b, msg.fingerprintOffset >= 0);
  }

  #lifetimeMs(msg: StunMessage): number {
    return grantedLifetimeMs(msg.get(Lifetime), this.#options.defaultLifetimeMs, this.#options.maxLifetimeMs);
  }

  /** The allocation a non-Allocate request acts on, or the error already sent (437 / 441). */
  #allocationFor(
    msg: StunMessage,
    client: ClientEndpoint,
    auth: AuthContext,
    cacheKey: string,
  ): Allocation | undefined {
    const a = this.#clients.get(client);
    if (a === undefined || a.pending !== undefined) {
      // RFC 8656 §7.3, §9.2, §12.2: no allocation on this 5-tuple.
      this.#error(msg, client, auth, cacheKey, 437);
      return undefined;
    }
    if (a.username !== auth.username) {
      // RFC 8656 §5: requests on an allocation must use the credentials that created it.
      this.#error(msg, client, auth, cacheKey, 441);
      return undefined;
    }
    return a;
  }

  // ---------------------------------------------------------------------------------------------
  // Allocate (RFC 8656 §7.2, RFC 6156, RFC 8656 §14.6 EVEN-PORT)

  #allocate(msg: StunMessage, client: ClientEndpoint, auth: AuthContext, cacheKey: string, now: number): void {
    if (this.#clients.get(client) !== undefined) {
      this.#error(msg, client, auth, cacheKey, 437);
      return;
    }
    const plan = planAllocate(msg, this.#options.relayFamilies);
    if (typeof plan === 'number') {
      this.#error(msg, client, auth, cacheKey, plan);
      return;
    }
    const { token, evenPort, refusedFamily } = plan;
    let families = plan.families;

    const tokenKey = token?.toString('hex');
    let reservation: Reservation | undefined;
    if (tokenKey !== undefined) {
      reservation = this.#reservations.get(tokenKey);
      // RFC 8656 §7.2: an unknown or expired token → 508.
      if (reservation === undefined || reservation.expires <= now) {
        this.#error(msg, client, auth, cacheKey, 508);
        return;
      }
      families = [reservation.address.family];
    }

    const refused = this.#admit(client, auth, families);
    if (refused !== true) {
      this.#error(msg, client, auth, cacheKey, refused);
      return;
    }

    const lifetimeMs = this.#lifetimeMs(msg);
    if (reservation !== undefined && tokenKey !== undefined) {
      // RFC 8656 §7.2: the reserved port becomes this allocation's relay; a token works once.
      this.#reservations.delete(tokenKey);
      const a = new Allocation(reservation.relayId, client, auth.username, auth.userId, families, now + lifetimeMs);
      this.#track(a);
      this.#openAllocation(a, [reservation.address], now, {
        transactionId: msg.transactionId,
        fingerprint: msg.fingerprintOffset >= 0,
        auth,
        cacheKey,
        lifetimeMs,
        refusedFamily: undefined,
        reservationToken: undefined,
      });
      return;
    }

    const id = this.#nextRelayId++;
    const reserveId = evenPort?.reserve === true ? this.#nextRelayId++ : undefined;
    const a = new Allocation(id, client, auth.username, auth.userId, families, now + lifetimeMs);
    a.pending = {
      transactionId: Buffer.from(msg.transactionId),
      cacheKey,
      key: auth.key,
      integrity: auth.integrity,
      fingerprint: msg.fingerprintOffset >= 0,
      lifetimeSeconds: lifetimeMs / 1000,
      refusedFamily,
      reserveId,
    };
    this.#track(a);
    this.#sink.openRelay({ id, client, families, evenPort: evenPort !== undefined, reserveId });
  }

  /** Quota (486) and capacity (508) checks before a relay is asked for. */
  #admit(client: ClientEndpoint, auth: AuthContext, families: readonly Family[]): true | 486 | 508 {
    const o = this.#options;
    if (o.maxAllocations > 0 && this.#relays.size >= o.maxAllocations) return 508;
    if (o.userQuota > 0 && (this.#perUser.get(auth.userId) ?? 0) >= o.userQuota) return 486;
    if (this.#admitAllocation === undefined) return true;
    return this.#admitAllocation({
      client,
      username: auth.username,
      userId: auth.userId,
      realm: this.#auth.realm,
      families,
    });
  }

  #track(a: Allocation): void {
    this.#scheduleAt(a.expires);
    this.#clients.set(a.client, a);
    this.#relays.set(a.id, a);
    this.#perUser.set(a.userId, (this.#perUser.get(a.userId) ?? 0) + 1);
  }

  /**
   * The adapter bound the relay of `relayId` (see `RelayRequest`): the Allocate succeeds. Unknown or
   * already answered ids are closed again, so a late answer cannot leak sockets.
   */
  relayOpened(relayId: number, bound: RelayBound, now: number): void {
    this.#lastNow = now;
    const a = this.#relays.get(relayId);
    const pending = a?.pending;
    if (a === undefined || pending === undefined) {
      const reserveId = this.#abandoned.get(relayId);
      this.#abandoned.delete(relayId);
      this.#sink.closeRelay(relayId);
      if (reserveId !== undefined && bound.reserved !== undefined) this.#sink.closeRelay(reserveId);
      return;
    }
    // A dual allocation whose IPv6 side could not be bound still succeeds (RFC 8656 §7.2).
    const missing = a.families.find((f) => !bound.addresses.some((x) => x.family === f));
    if (bound.addresses.length === 0 || missing === a.families[0]) {
      if (pending.reserveId !== undefined && bound.reserved !== undefined) this.#sink.closeRelay(pending.reserveId);
      this.#sink.closeRelay(relayId);
      this.relayFailed(relayId, 508, now);
      return;
    }
    let reservationToken: Buffer | undefined;
    if (pending.reserveId !== undefined && bound.reserved !== undefined) {
      // RFC 8656 §14.9: the token names the reserved port for the client's next Allocate.
      reservationToken = randomBytes(8);
      const expires = now + this.#options.reservationLifetimeMs;
      this.#reservations.set(reservationToken.toString('hex'), {
        relayId: pending.reserveId,
        address: bound.reserved,
        expires,
      });
      this.#scheduleAt(expires);
    }
    let refusedFamily: { family: Family; code: number } | undefined;
    if (pending.refusedFamily !== undefined) refusedFamily = { family: pending.refusedFamily, code: 440 };
    else if (missing !== undefined) refusedFamily = { family: missing, code: 508 };
    a.pending = undefined;
    this.#openAllocation(a, bound.addresses, now, {
      transactionId: pending.transactionId,
      fingerprint: pending.fingerprint,
      auth: pending,
      cacheKey: pending.cacheKey,
      lifetimeMs: pending.lifetimeSeconds * 1000,
      refusedFamily,
      reservationToken,
    });
  }

  /** The adapter could not bind the relay: the Allocate fails with 508, or 440 for an unbindable family. */
  relayFailed(relayId: number, code: 440 | 508, now: number): void {
    this.#lastNow = now;
    const a = this.#relays.get(relayId);
    const pending = a?.pending;
    if (a === undefined || pending === undefined) return;
    this.#untrack(a);
    const b = new StunMessageBuilder(Method.Allocate, MessageClass.ErrorResponse, pending.transactionId);
    b.add(ErrorCode, { code, reason: ERROR_REASONS[code] ?? '' });
    if (this.#options.software !== undefined) b.add(Software, this.#options.software);
    const out = b.build({ key: pending.key, integrity: pending.integrity, fingerprint: pending.fingerprint });
    this.#transactions.set(pending.cacheKey, out, now);
    this.#scheduleAt(now + this.#options.transactionCacheTtl);
    this.#sink.sendToClient(a.client, out);
    this.#emit('request-refused', a.client, Method.Allocate, code);
  }

  #openAllocation(
    a: Allocation,
    addresses: readonly TransportAddress[],
    now: number,
    r: {
      transactionId: Buffer;
      fingerprint: boolean;
      auth: { key: Buffer; integrity: 'sha1' | 'sha256' };
      cacheKey: string;
      lifetimeMs: number;
      refusedFamily: { family: Family; code: number } | undefined;
      reservationToken: Buffer | undefined;
    },
  ): void {
    a.relayed = addresses;
    a.expires = now + r.lifetimeMs;
    this.#scheduleAt(a.expires);
    const b = new StunMessageBuilder(Method.Allocate, MessageClass.SuccessResponse, r.transactionId);
    for (const addr of addresses) b.add(XorRelayedAddress, addr);
    if (r.refusedFamily !== undefined) {
      b.add(AddressErrorCode, {
        family: r.refusedFamily.family === 'IPv4' ? AddressFamily.IPv4 : AddressFamily.IPv6,
        code: r.refusedFamily.code,
        reason: ERROR_REASONS[r.refusedFamily.code] ?? '',
      });
    }
    b.add(Lifetime, r.lifetimeMs / 1000);
    if (r.reservationToken !== undefined) b.add(ReservationToken, r.reservationToken);
    b.add(XorMappedAddress, clientAddress(a.client));
    if (this.#options.software !== undefined) b.add(Software, this.#options.software);
    const out = b.build({ key: r.auth.key, integrity: r.auth.integrity, fingerprint: r.fingerprint });
    this.#transactions.set(r.cacheKey, out, now);
    this.#scheduleAt(now + this.#options.transactionCacheTtl);
    this.#sink.sendToClient(a.client, out);
    this.#emit('allocation-created', a);
  }

  #untrack(a: Allocation): void {
    this.#clients.delete(a.client);
    this.#relays.delete(a.id);
    const n = (this.#perUser.get(a.userId) ?? 1) - 1;
    if (n <= 0) this.#perUser.delete(a.userId);
    else this.#perUser.set(a.userId, n);
  }

  #deleteAllocation(a: Allocation, reason: AllocationEndReason): void {
    this.#untrack(a);
    if (a.pending !== undefined) {
      // The adapter's answer will find no allocation and close what it bound.
      this.#abandoned.set(a.id, a.pending.reserveId);
      return;
    }
    this.#sink.closeRelay(a.id);
    this.#emit('allocation-deleted', a, reason);
  }

  // ---------------------------------------------------------------------------------------------
  // Refresh (RFC 8656 §7.3–7.4)

  #refresh(msg: StunMessage, client: ClientEndpoint, auth: AuthContext, cacheKey: string, now: number): void {
    const a = this.#allocationFor(msg, client, auth, cacheKey);
    if (a === undefined) return;
    if (msg.has(Attr.RequestedAddressFamily)) {
      const family = familyOfOctet(msg.get(RequestedAddressFamily));
      // RFC 8656 §7.3: a family the allocation does not have → 443.
      if (family === undefined || !a.hasFamily(family)) {
        this.#error(msg, client, auth, cacheKey, 443);
        return;
      }
    }
    const requested = msg.get(Lifetime);
    if (requested === 0) {
      this.#deleteAllocation(a, 'refresh');
      this.#success(msg, client, auth, cacheKey, (b) => b.add(Lifetime, 0));
      return;
    }
    const lifetimeMs = this.#lifetimeMs(msg);
    a.expires = now + lifetimeMs;
    this.#success(msg, client, auth, cacheKey, (b) => b.add(Lifetime, lifetimeMs / 1000));
  }

  // ---------------------------------------------------------------------------------------------
  // CreatePermission (RFC 8656 §10)

  #createPermission(msg: StunMessage, client: ClientEndpoint, auth: AuthContext, cacheKey: string, now: number): void {
    const a = this.#allocationFor(msg, client, auth, cacheKey);
    if (a === undefined) return;
    const peers = msg.getAll(XorPeerAddress);
    if (peers.length === 0) {
      this.#error(msg, client, auth, cacheKey, 400);
      return;
    }
    // RFC 8656 §10.2: all peers are checked before any permission is installed.
    const added = new Set<string>();
    for (const peer of peers) {
      if (!a.hasFamily(peer.family)) {
        this.#error(msg, client, auth, cacheKey, 443);
        return;
      }
      if (this.#admitPeer !== undefined && !this.#admitPeer(peer.address, 0, a)) {
        this.#error(msg, client, auth, cacheKey, 403);
        return;
      }
      if (!a.permissions.has(peer.address)) added.add(peer.address);
    }
    if (a.permissions.size + added.size > this.#options.maxPermissions) {
      this.#error(msg, client, auth, cacheKey, 508);
      return;
    }
    for (const peer of peers) this.#installPermission(a, peer.address, now);
    this.#success(msg, client, auth, cacheKey, NO_EXTRA);
  }

  #installPermission(a: Allocation, address: string, now: number): void {
    const expires = now + this.#options.permissionLifetimeMs;
    const p = a.permissions.get(address);
    if (p !== undefined) {
      p.expires = expires;
    } else {
      a.permissions.set(address, { address, expires });
      this.#emit('permission-created', a, address);
    }
    this.#scheduleAt(expires);
  }

  // ---------------------------------------------------------------------------------------------
  // ChannelBind (RFC 8656 §11)

  #channelBind(msg: StunMessage, client: ClientEndpoint, auth: AuthContext, cacheKey: string, now: number): void {
    const a = this.#allocationFor(msg, client, auth, cacheKey);
    if (a === undefined) return;
    const number = msg.get(ChannelNumber);
    const peer = msg.get(XorPeerAddress);
    // RFC 8656 §11.2: both attributes are required and the number must be in 0x4000–0x4FFF (RFC 5766
    // §11: up to 0x7FFF, with `legacyChannelNumbers`).
    if (number === undefined || peer === undefined || number < 0x4000 || number > this.#options.maxChannelNumber) {
      this.#error(msg, client, auth, cacheKey, 400);
      return;
    }
    if (!a.hasFamily(peer.family)) {
      this.#error(msg, client, auth, cacheKey, 443);
      return;
    }
    // RFC 8656 §11.2: a number bound to another peer, or a peer bound to another number, → 400; this
    // holds until the channel-reuse delay after expiry has passed (RFC 8656 §12).
    const byNumber = a.channels.get(number);
    if (byNumber !== undefined && (byNumber.address !== peer.address || byNumber.port !== peer.port)) {
      this.#error(msg, client, auth, cacheKey, 400);
      return;
    }
    const byPeer = a.channelForPeer(peer.address, peer.port);
    if (byPeer !== undefined && byPeer.number !== number) {
      this.#error(msg, client, auth, cacheKey, 400);
      return;
    }
    if (this.#admitPeer !== undefined && !this.#admitPeer(peer.address, peer.port, a)) {
      this.#error(msg, client, auth, cacheKey, 403);
      return;
    }
    const newPermission = a.permissions.has(peer.address) ? 0 : 1;
    if (
      (byNumber === undefined && a.channels.size >= this.#options.maxChannels) ||
      a.permissions.size + newPermission > this.#options.maxPermissions
    ) {
      this.#error(msg, client, auth, cacheKey, 508);
      return;
    }
    const expires = now + this.#options.channelLifetimeMs;
    if (byNumber !== undefined) {
      byNumber.expires = expires;
      if (!byNumber.bound) {
        byNumber.bound = true;
        this.#emit('channel-bound', a, number, peer.address, peer.port);
      }
    } else {
      const ch: Channel = { number, address: peer.address, port: peer.port, expires, bound: true };
      a.addChannel(ch);
      this.#emit('channel-bound', a, number, peer.address, peer.port);
    }
    this.#scheduleAt(expires);
    // RFC 8656 §11.2: binding a channel installs or refreshes the permission for the peer.
    this.#installPermission(a, peer.address, now);
    this.#success(msg, client, auth, cacheKey, NO_EXTRA);
  }

  // ---------------------------------------------------------------------------------------------
  // Relay side

  /**
   * Hot path: a datagram from a peer arrived on relay `relayId` (RFC 8656 §11.3, §12.4). With a channel
   * for the peer it goes out as ChannelData (no allocation in the engine), else as a Data indication.
   * Returns whether the datagram was relayed to the client, so adapters count traffic without reading stats.
   */
  handleRelay(relayId: number, data: Buffer, address: string, port: number, now: number): boolean {
    const a = this.#relays.get(relayId);
    if (a === undefined || a.pending !== undefined || a.expires <= now) return false;
    // RFC 8656 §11.3: without a permission for the peer IP the datagram is dropped.
    if (!this.#permitted(a, address, now) || (this.#admitPeer !== undefined && !this.#admitPeer(address, port, a))) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      return false;
    }
    const ch = a.channelForPeer(address, port);
    const viaChannel = ch !== undefined && ch.expires > now;
    // A Data indication must fit STUN's 16-bit length with the header and XOR-PEER-ADDRESS around DATA.
    if (!viaChannel && data.length > MAX_DATA_INDICATION_PAYLOAD) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      return false;
    }
    a.stats.toClientPackets++;
    a.stats.toClientBytes += data.length;
    this.stats.toClientPackets++;
    this.stats.toClientBytes += data.length;
    if (viaChannel) {
      this.#sink.sendChannelData(a.client, ch.number, data, 0, data.length);
      return true;
    }
    const b = new StunMessageBuilder(Method.Data, MessageClass.Indication);
    b.add(XorPeerAddress, { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port });
    b.add(Data, data);
    this.#sink.sendToClient(a.client, b.build());
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Timers

  readonly #onPermissionExpired = (a: Allocation, address: string): void => {
    this.#emit('permission-expired', a, address);
  };

  readonly #onChannelExpired = (a: Allocation, ch: Channel): void => {
    this.#emit('channel-expired', a, ch.number, ch.address, ch.port);
  };

  /** Emits without letting a listener's exception reach the adapter's socket callback. */
  #emit<K extends keyof TurnEngineEvents>(event: K, ...args: TurnEngineEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: TurnEngineEvents[K]) => boolean)(event, ...args);
    } catch {
      this.stats.listenerErrors++;
    }
  }

  #scheduleAt(at: number): void {
    if (at < this.#nextTimeout) this.#nextTimeout = at;
  }

  /**
   * Expires allocations (RFC 8656 §7), permissions (§9), channels (§12), reservations and cached
   * responses due by `now`. Cost is one pass over the allocations, run only when `nextTimeout()` is due.
   */
  handleTimeout(now: number): void {
    this.#lastNow = now;
    if (now < this.#nextTimeout) return;
    let next = this.#transactions.sweep(now);
    for (const [token, r] of this.#reservations) {
      if (r.expires <= now) {
        this.#reservations.delete(token);
        this.#sink.closeRelay(r.relayId);
      } else if (r.expires < next) {
        next = r.expires;
      }
    }
    for (const a of [...this.#relays.values()]) {
      // An adapter that never answers a relay request cannot hold the 5-tuple beyond the lifetime.
      if (a.expires <= now) {
        this.#deleteAllocation(a, 'expired');
        continue;
      }
      if (a.expires < next) next = a.expires;
      if (a.pending !== undefined) continue;
      const due = a.sweep(now, this.#options.channelReuseDelayMs, this.#onPermissionExpired, this.#onChannelExpired);
      if (due < next) next = due;
    }
    this.#nextTimeout = next;
  }

  /** Ends every allocation (shutdown): relays are closed and events emitted. */
  close(): void {
    for (const a of [...this.#relays.values()]) this.#deleteAllocation(a, 'engine-closed');
    for (const r of this.#reservations.values()) this.#sink.closeRelay(r.relayId);
    this.#reservations.clear();
    this.#nextTimeout = INFINITY;
  }
}

/** The client's address for XOR-MAPPED-ADDRESS; an IPv4-mapped one (dual-stack socket) is reported as IPv4. */
function clientAddress(client: ClientEndpoint): TransportAddress {
  const { address, port } = client;
  if (address.startsWith('::ffff:') && address.includes('.'))
    return { family: 'IPv4', address: address.slice(7), port };
  return { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port };
}
