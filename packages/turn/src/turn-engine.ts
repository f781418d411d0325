import { EventEmitter } from 'node:events';
import {
  Data,
  decodeStunMessage,
  isStunCodecError,
  looksLikeStun,
  MessageClass,
  Method,
  type StunMessage,
  StunMessageBuilder,
  UnknownAttributes,
  XorPeerAddress,
} from '@stunner/stun';
import { closeReservations, handleAllocate, handleRelayFailed, handleRelayOpened } from './allocate-handler.ts';
import type { Allocation, AllocationInfo, Channel } from './allocation.ts';
import { handleBinding } from './binding-handler.ts';
import { handleChannelBind } from './channel-bind-handler.ts';
import type { ClientTable } from './client-table.ts';
import {
  handleConnect,
  handleConnectionBind,
  handlePeerConnected,
  handlePeerConnectFailed,
  handlePeerConnection,
  handlePeerConnectionClosed,
} from './connect-handler.ts';
import type { ClientEndpoint, RelayBound, TurnEngineSink } from './endpoint.ts';
import type { TurnEngineEvents, TurnEngineStats } from './engine-events.ts';
import { EngineState } from './engine-state.ts';
import { TurnEngineError } from './errors.ts';
import { KNOWN_ATTRIBUTES } from './known-attributes.ts';
import { type PeerAdmission, type PeerAdmissionCache, resolveOptions, type TurnEngineOptions } from './options.ts';
import { handleCreatePermission } from './permission-handler.ts';
import { handleRefresh } from './refresh-handler.ts';
import { authenticate } from './request-auth.ts';
import { type AuthenticatedRequest, refuseUnauthenticated, respondError } from './response.ts';
import { handleSendIndication } from './send-indication-handler.ts';
import { sweepTimers } from './timer-sweep.ts';
import { TransactionCache } from './transaction-cache.ts';

export type { AllocationEndReason, TurnEngineEvents, TurnEngineStats } from './engine-events.ts';

/** 0xFFFF - 3 (largest padded attribute space) - 24 (IPv6 XOR-PEER-ADDRESS) - 4 (DATA header). */
const MAX_DATA_INDICATION_PAYLOAD = 0xffff - 3 - 24 - 4;

/**
 * Sans-IO TURN server (RFC 8656, RFC 8489, RFC 6156, RFC 6062). Inputs: client packets, relay packets, the
 * adapter's answer to a relay request, and timer ticks, each with the current time in ms (wall clock:
 * ephemeral usernames and nonces compare it with UNIX time). Outputs: calls on the sink. No sockets,
 * clocks or timers inside.
 *
 * This class dispatches requests and Send indications to the handlers (`*-handler.ts`) and runs the
 * ChannelData/relay data path and the timer sweep. The data path reads its tables from fields of its
 * own: the same objects the handlers reach through `EngineState`, one property load closer.
 */
export class TurnEngine extends EventEmitter<TurnEngineEvents> {
  readonly stats: TurnEngineStats;
  readonly #state: EngineState;
  readonly #sink: TurnEngineSink;
  readonly #admitPeer: PeerAdmission | undefined;
  readonly #admissionCache: PeerAdmissionCache | undefined;
  /** The peer policy's generation (`peerPolicyChanged`): channels' kept admissions name the one they were granted in. */
  #policyGeneration = 1;
  readonly #clients: ClientTable;
  readonly #relays: Map<number, Allocation>;

  constructor(options: TurnEngineOptions) {
    super();
    if (!options?.sink) throw new TurnEngineError('TURN_ERR_INVALID_OPTION', 'sink is required');
    const sink = options.sink;
    if (options.tcpRelays && (!sink.connectPeer || !sink.closePeerConnection || !sink.bindDataConnection)) {
      throw new TurnEngineError(
        'TURN_ERR_INVALID_OPTION',
        'tcpRelays needs a sink with connectPeer, closePeerConnection and bindDataConnection',
      );
    }
    const state = new EngineState(resolveOptions(options), options, this);
    this.#state = state;
    this.stats = state.stats;
    this.#sink = state.sink;
    this.#admitPeer = state.admitPeer;
    this.#admissionCache = options.peerAdmissionCache;
    this.#clients = state.clients;
    this.#relays = state.relays;
  }

  /** Allocations held, pending ones included (stunner_allocations_active). */
  get allocationCount(): number {
    return this.#relays.size;
  }

  /** Swaps credentials (config reconcile); existing allocations keep theirs until they next authenticate. */
  setAuth(auth: TurnEngineOptions['auth']): void {
    this.#state.setAuth(auth);
  }

  /** Changes the bandwidth limit in place (config reconcile): bytes per second per allocation and direction, 0 for none. */
  setBandwidthLimit(bytesPerSecond: number, burst = 0): void {
    this.#state.setBandwidthLimit(bytesPerSecond, burst);
  }

  /**
   * Admits new RFC 6062 TCP allocations or not (e.g. while the listener routes to no TCP cluster);
   * only for an engine made with `tcpRelays`. Existing TCP allocations are not touched.
   */
  setTcpRelays(enabled: boolean): void {
    this.#state.tcpRelays = enabled && this.#state.options.tcpRelays;
  }

  /**
   * The peer admission policy changed (`peerAdmissionCache`): admissions kept with channels are asked
   * for again at their next datagram, so paths already open close once the new policy refuses them.
   */
  peerPolicyChanged(): void {
    this.#policyGeneration++;
  }

  /** Engine time (ms) at which `handleTimeout` is next due; Infinity when nothing is scheduled. */
  nextTimeout(): number {
    return this.#state.nextTimeout;
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
      msg = decodeStunMessage(data, { maxAttributes: this.#state.options.maxAttributes });
    } catch {
      // RFC 8489 §6.3: a message that fails the basic checks is discarded silently.
      this.stats.malformed++;
      return;
    }
    if (msg.messageClass === MessageClass.Request) {
      this.#request(msg, client, now);
    } else if (msg.messageClass === MessageClass.Indication && msg.method === Method.Send) {
      handleSendIndication(this.#state, msg, client, now);
    }
    // RFC 8489 §6.3.2–6.3.4: other indications and all responses are ignored by a server.
  }

  /** The client's connection closed (TCP/TLS): its allocation ends with it (RFC 8656 §3.1). */
  clientClosed(client: ClientEndpoint): void {
    const a = this.#clients.get(client);
    if (a !== undefined) this.#state.deleteAllocation(a, 'client-closed');
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
    if (ch === undefined || ch.expires <= now || !this.#channelOpen(a, ch, now)) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      return;
    }
    const s = this.#state;
    if (s.bandwidthPerMs > 0 && !a.toPeerBucket.take(length, now, s.bandwidthPerMs, s.bandwidthBurst)) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      this.stats.bandwidthDroppedToPeerPackets++;
      this.stats.bandwidthDroppedToPeerBytes += length;
      return;
    }
    a.stats.toPeerPackets++;
    a.stats.toPeerBytes += length;
    this.stats.toPeerPackets++;
    this.stats.toPeerBytes += length;
    this.#sink.sendToPeer(a.id, ch.address, ch.port, data, 4, length);
  }

  /** Request dispatch: Binding unauthenticated; TURN methods past the transaction cache and auth. */
  #request(msg: StunMessage, client: ClientEndpoint, now: number): void {
    const s = this.#state;
    if (msg.method === Method.Binding) {
      handleBinding(s, msg, client);
      return;
    }
    const turnMethod =
      msg.method === Method.Allocate ||
      msg.method === Method.Refresh ||
      msg.method === Method.CreatePermission ||
      msg.method === Method.ChannelBind ||
      (s.options.tcpRelays && (msg.method === Method.Connect || msg.method === Method.ConnectionBind));
    // (Connect and ConnectionBind stay known while TCP allocations are paused by setTcpRelays(false).)
    if (!turnMethod) {
      // RFC 8489 §6.3.1: a method the server does not know (RFC 6062's, with TCP relays off) gets 400.
      refuseUnauthenticated(s, msg, client, 400);
      return;
    }
    if (s.auth.type === 'none') {
      // stunner-v1.md §1.9: auth type none is STUN-only; TURN is refused without a realm or nonce.
      refuseUnauthenticated(s, msg, client, 403);
      return;
    }
    // Only responses to authenticated requests are cached, and a retransmit of one carries its
    // MESSAGE-INTEGRITY(-SHA256): an unsigned request (a flood's Allocate) builds no key string.
    let cacheKey = '';
    if (msg.integrityOffset >= 0 || msg.integritySha256Offset >= 0) {
      cacheKey = TransactionCache.key(client, msg.transactionId);
      const cached = s.transactions.get(cacheKey, now);
      if (cached !== undefined) {
        this.#sink.sendToClient(client, cached);
        return;
      }
    }
    const existing = this.#clients.get(client);
    // A retransmitted Allocate while its relay is being bound: the response is on its way.
    if (existing?.pending?.transactionId.equals(msg.transactionId)) return;
    // Expired but not yet swept: gone for every request (RFC 8656 §7).
    if (existing !== undefined && existing.pending === undefined && existing.expires <= now) {
      s.deleteAllocation(existing, 'expired');
    }

    const auth = authenticate(s, msg, client, now);
    if (auth === undefined) return;
    const req: AuthenticatedRequest = {
      msg,
      client,
      now,
      cacheKey: cacheKey === '' ? TransactionCache.key(client, msg.transactionId) : cacheKey,
      fingerprint: msg.fingerprintOffset >= 0,
      username: auth.username,
      userId: auth.userId,
      key: auth.key,
      integrity: auth.integrity,
    };

    const unknown = msg.unknownComprehensionRequired(KNOWN_ATTRIBUTES);
    if (unknown.length > 0) {
      respondError(s, req, 420, (b) => b.add(UnknownAttributes, unknown));
      return;
    }
    try {
      switch (msg.method) {
        case Method.Allocate:
          handleAllocate(s, req);
          break;
        case Method.Refresh:
          handleRefresh(s, req);
          break;
        case Method.CreatePermission:
          handleCreatePermission(s, req);
          break;
        case Method.Connect:
          handleConnect(s, req);
          break;
        case Method.ConnectionBind:
          handleConnectionBind(s, req);
          break;
        default:
          handleChannelBind(s, req);
      }
    } catch (err) {
      // A malformed attribute value (RFC 8489 §6.3.1: 400 Bad Request).
      if (!isStunCodecError(err)) throw err;
      respondError(s, req, 400);
    }
  }

  /**
   * The adapter bound the relay of `relayId` (see `RelayRequest`): the Allocate succeeds. Unknown or
   * already answered ids are closed again, so a late answer cannot leak sockets.
   */
  relayOpened(relayId: number, bound: RelayBound, now: number): void {
    handleRelayOpened(this.#state, relayId, bound, now);
  }

  /**
   * The adapter could not bind the relay: the Allocate fails with 508, 440 for an unbindable family, or
   * 486 when a quota the adapter keeps (e.g. across threads) refused the request's `userId`.
   */
  relayFailed(relayId: number, code: 440 | 486 | 508, now: number): void {
    handleRelayFailed(this.#state, relayId, code, now);
  }

  // ---------------------------------------------------------------------------------------------
  // RFC 6062 TCP relays (`tcpRelays`): the adapter's reports on peer connections

  /** The connection asked for by `connectPeer` is up: Connect succeeds with its CONNECTION-ID. */
  peerConnected(connectionId: number, now: number): void {
    handlePeerConnected(this.#state, connectionId, now);
  }

  /** The connection asked for by `connectPeer` failed: Connect gets 447. */
  peerConnectFailed(connectionId: number, now: number): void {
    handlePeerConnectFailed(this.#state, connectionId, now);
  }

  /**
   * A peer connected to TCP relay `relayId` (RFC 6062 §5.3). Returns the CONNECTION-ID the client is
   * told of in a ConnectionAttempt, or undefined when the peer is not admitted: close the connection.
   */
  peerConnection(relayId: number, address: string, port: number, now: number): number | undefined {
    return handlePeerConnection(this.#state, relayId, address, port, now);
  }

  /** A peer connection (or the data connection bound to it) closed. */
  peerConnectionClosed(connectionId: number): void {
    handlePeerConnectionClosed(this.#state, connectionId);
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
    const ch = a.channelForPeer(address, port);
    const viaChannel = ch !== undefined && ch.expires > now;
    // RFC 8656 §11.3: without a permission for the peer IP the datagram is dropped.
    if (
      viaChannel
        ? !this.#channelOpen(a, ch, now)
        : !a.permits(address, now) || (this.#admitPeer !== undefined && !this.#admitPeer(address, port, a))
    ) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      return false;
    }
    // A Data indication must fit STUN's 16-bit length with the header and XOR-PEER-ADDRESS around DATA.
    if (!viaChannel && data.length > MAX_DATA_INDICATION_PAYLOAD) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      return false;
    }
    const s = this.#state;
    if (s.bandwidthPerMs > 0 && !a.toClientBucket.take(data.length, now, s.bandwidthPerMs, s.bandwidthBurst)) {
      a.stats.droppedPackets++;
      this.stats.droppedPackets++;
      this.stats.bandwidthDroppedToClientPackets++;
      this.stats.bandwidthDroppedToClientBytes += data.length;
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

  /**
   * Whether a live channel's peer may be relayed to or from now: a permission for its IP (RFC 8656 §9)
   * and the peer admission. Both are kept with the channel (see `Channel`), so the usual datagram
   * reads fields only; a permission added or removed, or a policy change, makes it look again.
   */
  #channelOpen(a: Allocation, ch: Channel, now: number): boolean {
    let p = ch.permission;
    if (ch.permissionAt !== a.permissionsVersion) {
      p = a.permissions.get(ch.address);
      ch.permission = p;
      ch.permissionAt = a.permissionsVersion;
    }
    if (p === undefined || p.expires <= now) return false;
    const admit = this.#admitPeer;
    if (admit === undefined) return true;
    const cache = this.#admissionCache;
    if (cache === undefined) return admit(ch.address, ch.port, a);
    if (ch.admittedAt === this.#policyGeneration) {
      cache.reuse(ch.admissionTag);
      return true;
    }
    if (!admit(ch.address, ch.port, a)) return false;
    ch.admittedAt = this.#policyGeneration;
    ch.admissionTag = cache.lastTag();
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Timers

  /**
   * Expires allocations (RFC 8656 §7), their families (§7.3), permissions (§9), channels (§12),
   * reservations, peer connections (RFC 6062) and cached responses due by `now`; see `sweepTimers`.
   */
  handleTimeout(now: number): void {
    sweepTimers(this.#state, now);
  }

  /** Ends every allocation (shutdown): relays are closed and events emitted. */
  close(): void {
    const s = this.#state;
    for (const a of [...this.#relays.values()]) s.deleteAllocation(a, 'engine-closed');
    closeReservations(s);
    s.nextTimeout = Number.POSITIVE_INFINITY;
  }
}
