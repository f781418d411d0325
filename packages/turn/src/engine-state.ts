import type { EventEmitter } from 'node:events';
import { nonceCookie, SecurityFeature, type TransportAddress } from '@stunner/stun';
import type { Allocation, PeerConnection } from './allocation.ts';
import { Authenticator, type AuthOptions } from './auth.ts';
import { ClientTable } from './client-table.ts';
import type { SecurityFeatures } from './credential-check.ts';
import type { TurnEngineSink } from './endpoint.ts';
import type { AllocationEndReason, TurnEngineEvents, TurnEngineStats } from './engine-events.ts';
import { NonceIssuer } from './nonce.ts';
import type { PeerAdmission, ResolvedOptions, TurnEngineOptions } from './options.ts';
import { SourceRateLimiter } from './source-rate-limiter.ts';
import { TransactionCache } from './transaction-cache.ts';
import { type AllocationQuota, UserQuotaCounter } from './user-quota.ts';

/** An EVEN-PORT R=1 reserved port, held until an Allocate claims it by token (RFC 8656 §14.9). */
export interface Reservation {
  readonly relayId: number;
  readonly address: TransportAddress;
  readonly expires: number;
}

/**
 * What the engine and its request handlers share: options, the sink, counters, the allocation tables
 * and the timer deadline. Handlers take it as their first argument; only the engine creates it.
 */
export class EngineState {
  readonly options: ResolvedOptions;
  readonly sink: TurnEngineSink;
  readonly stats: TurnEngineStats = {
    toPeerPackets: 0,
    toPeerBytes: 0,
    toClientPackets: 0,
    toClientBytes: 0,
    droppedPackets: 0,
    bandwidthDroppedToPeerPackets: 0,
    bandwidthDroppedToPeerBytes: 0,
    bandwidthDroppedToClientPackets: 0,
    bandwidthDroppedToClientBytes: 0,
    malformed: 0,
    challengesDropped: 0,
    authFailuresDropped: 0,
    listenerErrors: 0,
  };
  readonly admitPeer: PeerAdmission | undefined;
  readonly admitAllocation: TurnEngineOptions['admitAllocation'];
  auth!: Authenticator;
  /** RFC 8489 §9.2 features offered: they follow the auth mode (USERHASH needs static credentials). */
  features!: SecurityFeatures;
  nonces!: NonceIssuer;
  /** 401/438 challenges per source (`challengeRateLimit`). */
  readonly challenges: SourceRateLimiter;
  /** Failed authentications per source (`authFailureRateLimit`). */
  readonly authFailures: SourceRateLimiter;
  /** Allocations by client 5-tuple. */
  readonly clients = new ClientTable();
  /** Allocations by relay id, pending ones included. */
  readonly relays = new Map<number, Allocation>();
  /** Reservations by RESERVATION-TOKEN in hex. */
  readonly reservations = new Map<string, Reservation>();
  /** Allocations per user id: `options.quota`, else a counter of this engine's for `userQuota`. */
  readonly quota: AllocationQuota | undefined;
  readonly transactions: TransactionCache;
  /** TCP allocations' peer connections by CONNECTION-ID (RFC 6062). */
  readonly connections = new Map<number, PeerConnection>();
  /** Pending allocations deleted before the adapter answered: relay id → reserved relay id. */
  readonly abandoned = new Map<number, number | undefined>();
  nextRelayId = 1;
  /** The bandwidth limit per allocation and direction, bytes per ms (0: none), and its burst in bytes. */
  /** RFC 6062 TCP allocations admitted now (`tcpRelays`, changeable in place). */
  tcpRelays: boolean;
  bandwidthPerMs = 0;
  bandwidthBurst = 0;
  /** Engine time (ms) at which the timer sweep is next due. */
  nextTimeout = Number.POSITIVE_INFINITY;
  readonly #events: EventEmitter<TurnEngineEvents>;

  constructor(options: ResolvedOptions, raw: TurnEngineOptions, events: EventEmitter<TurnEngineEvents>) {
    this.options = options;
    this.sink = raw.sink;
    this.admitPeer = raw.admitPeer;
    this.admitAllocation = raw.admitAllocation;
    this.quota = raw.quota ?? (options.userQuota > 0 ? new UserQuotaCounter(options.userQuota) : undefined);
    this.tcpRelays = options.tcpRelays;
    this.setAuth(raw.auth);
    this.setBandwidthLimit(options.bandwidthLimit, options.bandwidthBurst);
    this.challenges = new SourceRateLimiter(options.challengeRateLimit);
    this.authFailures = new SourceRateLimiter(options.authFailureRateLimit, options.authFailureBurst);
    this.transactions = new TransactionCache(options.transactionCacheSize, options.transactionCacheTtl);
    this.#events = events;
  }

  /** Swaps credentials; the nonce cookie follows the features the new mode offers (RFC 8489 §9.2). */
  setAuth(auth: AuthOptions): void {
    this.auth = new Authenticator(auth);
    const offer = this.options.passwordAlgorithms && auth.type !== 'none';
    this.features = { passwordAlgorithms: offer, userhash: offer && this.auth.userHashes };
    const bits =
      (this.features.passwordAlgorithms ? SecurityFeature.PasswordAlgorithms : 0) |
      (this.features.userhash ? SecurityFeature.UsernameAnonymity : 0);
    this.nonces = new NonceIssuer(this.options.nonceSecret, this.options.nonceLifetime, bits ? nonceCookie(bits) : '');
  }

  /** Bytes per second per allocation and direction (0: none); burst 0 picks a quarter second's worth, at least 16 KiB. */
  setBandwidthLimit(bytesPerSecond: number, burst: number): void {
    this.bandwidthPerMs = bytesPerSecond / 1000;
    this.bandwidthBurst = burst > 0 ? burst : Math.max(Math.ceil(bytesPerSecond / 4), 16_384);
  }

  scheduleAt(at: number): void {
    if (at < this.nextTimeout) this.nextTimeout = at;
  }

  /** Emits without letting a listener's exception reach the adapter's socket callback. */
  emit<K extends keyof TurnEngineEvents>(event: K, ...args: TurnEngineEvents[K]): void {
    try {
      (this.#events.emit as (e: K, ...a: TurnEngineEvents[K]) => boolean).call(this.#events, event, ...args);
    } catch {
      this.stats.listenerErrors++;
    }
  }

  /** Starts tracking an admitted allocation (its quota unit already taken, see `admit`). */
  track(a: Allocation): void {
    this.scheduleAt(a.expires);
    this.clients.set(a.client, a);
    this.relays.set(a.id, a);
  }

  /** Stops tracking `a` and gives back its quota unit. */
  untrack(a: Allocation): void {
    this.clients.delete(a.client);
    this.relays.delete(a.id);
    // The adapter closes a TCP relay's peer and data connections with the relay.
    for (const c of a.connections.values()) this.connections.delete(c.id);
    a.connections.clear();
    this.quota?.release(a.userId);
  }

  deleteAllocation(a: Allocation, reason: AllocationEndReason): void {
    this.untrack(a);
    if (a.pending !== undefined) {
      // The adapter's answer will find no allocation and close what it bound.
      this.abandoned.set(a.id, a.pending.reserveId);
      return;
    }
    this.sink.closeRelay(a.id);
    this.emit('allocation-deleted', a, reason);
  }
}
