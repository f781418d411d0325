import { randomBytes } from 'node:crypto';
import type { AllocationInfo } from './allocation.ts';
import type { AuthOptions } from './auth.ts';
import type { ClientEndpoint, Family, TurnEngineSink } from './endpoint.ts';
import { TurnEngineError } from './errors.ts';
import { MAX_NONCE_LIFETIME_SECONDS } from './nonce.ts';
import type { AllocationQuota } from './user-quota.ts';

/** What the allocation-admission hook is asked about (before the relay is bound). */
export interface AllocationRequestInfo {
  readonly client: ClientEndpoint;
  readonly username: string;
  readonly userId: string;
  readonly realm: string;
  readonly families: readonly Family[];
}

/**
 * Peer-admission hook (stunner-v1.md §1.10, turn.md §5.3): true admits. Consulted for every
 * CreatePermission and ChannelBind peer, every Send indication and every relayed datagram in both
 * directions, so it must be fast and pure. `port` is 0 for CreatePermission, whose permissions are
 * per IP (RFC 8656 §9).
 */
export type PeerAdmission = (address: string, port: number, allocation: AllocationInfo) => boolean;

/**
 * Lets the engine keep `admitPeer`'s answer with each channel instead of asking per datagram: for an
 * admission that changes only when the adapter says so (`TurnEngine.peerPolicyChanged`). The admission
 * may carry a tag (e.g. the admitting cluster, for per-cluster counters), kept with the answer.
 */
export interface PeerAdmissionCache {
  /** The tag of the admission `admitPeer` granted last. */
  lastTag(): number;
  /** A datagram is about to be relayed on a kept admission of `tag` (as if `admitPeer` had just granted it). */
  reuse(tag: number): void;
}

export interface TurnEngineOptions {
  /** Authentication mode and credentials (stunner-v1.md §1.9). Required. */
  auth: AuthOptions;
  /** Receives every output. Required. */
  sink: TurnEngineSink;
  /** Allocation lifetime when the client asks for less or none, seconds (RFC 8656 §7.2). Default 600. */
  defaultLifetime?: number;
  /** Cap on the allocation lifetime a client may ask for, seconds (RFC 8656 §7.2). Default 3600. */
  maxLifetime?: number;
  /** Permission lifetime, seconds (RFC 8656 §9). Default 300. */
  permissionLifetime?: number;
  /** Channel binding lifetime, seconds (RFC 8656 §12). Default 600. */
  channelLifetime?: number;
  /**
   * After a channel binding expires, its number and peer stay unusable for other bindings this long,
   * seconds (RFC 8656 §12). Default 300.
   */
  channelReuseDelay?: number;
  /** How long an EVEN-PORT R=1 reservation is held, seconds (RFC 8656 §7.2 suggests 30). Default 30. */
  reservationLifetime?: number;
  /**
   * Nonce validity, seconds; older nonces get 438 Stale Nonce (RFC 8489 §9.2.4). Default 600, at most
   * 2^23 (the nonce's 24-bit timestamp).
   */
  nonceLifetime?: number;
  /**
   * Key of the stateless nonce HMAC. Engines that must accept each other's nonces (workers behind
   * one address) share it. Default: 32 random bytes per engine.
   */
  nonceSecret?: Buffer;
  /** Relay address families the adapter can bind; others get 440 (RFC 8656 §7.2). Default IPv4 and IPv6. */
  relayFamilies?: readonly Family[];
  /** Allocations held at once (pending included); beyond it Allocate gets 508. 0 = no limit. Default 0. */
  maxAllocations?: number;
  /** Allocations per user id; beyond it Allocate gets 486 (stunner-v1.md §1.9). 0 = no limit. Default 0. */
  userQuota?: number;
  /**
   * A quota counter shared with other engines (every listener of a daemon), used instead of a counter
   * of this engine's for `userQuota`. Default none.
   */
  quota?: AllocationQuota;
  /** Permissions per allocation; beyond it CreatePermission gets 508 (turn.md §5.4). Default 64. */
  maxPermissions?: number;
  /** Channels per allocation; beyond it ChannelBind gets 508. Default 256. */
  maxChannels?: number;
  /**
   * Also accept channel numbers 0x5000–0x7FFF, which RFC 5766 §11 allowed and RFC 8656 §12 reserved.
   * RFC 5766 clients pick them, coturn 4.6's turnutils_uclient among them (at random up to 0x7FFF).
   * Default false: 0x4000–0x4FFF only, 400 outside.
   */
  legacyChannelNumbers?: boolean;
  /** Responses kept for retransmitted requests (RFC 8489 §6.3.1). 0 disables. Default 4096. */
  transactionCacheSize?: number;
  /** How long a response is kept for retransmits, ms (RFC 8489 §6.2.1: Rc × RTO ≈ 39.5 s). Default 40000. */
  transactionCacheTtl?: number;
  /**
   * 401/438 challenges per second per client IP (a token bucket holding one second's worth); requests
   * beyond it get no answer (turn.md §5.4: bounds the reflection a spoofed source can draw; the 401 is
   * at most ~2× the request). Every new client needs one 401, and clients behind one NAT or behind a
   * Kubernetes node's SNAT share an IP, so this is set well above what one address legitimately needs:
   * 2,000 allocations/s from one address pass with the default. 0 disables. Default 5000.
   */
  challengeRateLimit?: number;
  /**
   * Failed authentications (credentials that do not verify: wrong password, unknown or expired user,
   * wrong realm) per second per client IP; beyond it such requests get no answer, which slows password
   * guessing (turn.md §5.4). 0 disables. Default 20.
   */
  authFailureRateLimit?: number;
  /** Failed authentications a client IP may make at once before `authFailureRateLimit` applies. Default 40. */
  authFailureBurst?: number;
  /** Attributes accepted per message before it is dropped as malformed. Default 32. */
  maxAttributes?: number;
  /**
   * Whether the adapter sets the IP DF bit on what it relays for an allocation that asked for it with
   * DONT-FRAGMENT (RFC 8656 §14.8; `RelayRequest.dontFragment`). When it cannot, an Allocate carrying
   * DONT-FRAGMENT is answered as RFC 8656 §7.2 prescribes: 420 with DONT-FRAGMENT in
   * UNKNOWN-ATTRIBUTES, so the client knows and may allocate without it. Default true.
   */
  dontFragment?: boolean;
  /**
   * Relayed application data per allocation, bytes per second, each way on its own (turn.md §5.4;
   * coturn `max-bps`): a token bucket per direction; a packet beyond it is dropped and counted
   * (`stats.bandwidthDropped*`). 0 = no limit. Default 0.
   */
  bandwidthLimit?: number;
  /**
   * The bucket's size, bytes: what may pass at once after a quiet spell. A packet larger than it never
   * passes. 0 = a quarter second at `bandwidthLimit`, at least 16384. Default 0.
   */
  bandwidthBurst?: number;
  /**
   * RFC 8489 §9.2 security features: the 401 offers PASSWORD-ALGORITHMS (MD5, SHA-256) under a nonce
   * cookie whose feature bits the nonce's check covers (a bid-down fails as a stale nonce), a request
   * may choose SHA-256 long-term keys, and, with static credentials, name the user by USERHASH.
   * Clients that know none of it (browsers, coturn) go on with MD5 as before. The offer costs 28 bytes
   * (the nonce cookie and the attribute), so on UDP a 401 carries it only where it fits twice the
   * request (turn.md §5.4; see `challenge` in request-auth.ts): from 58-byte requests with FINGERPRINT
   * and the default realm. Default false.
   */
  passwordAlgorithms?: boolean;
  /**
   * SOFTWARE attribute for responses to authenticated requests; never sent unauthenticated (turn.md
   * §5.4, amplification). Default none.
   */
  software?: string;
  /**
   * RFC 6062 TCP allocations (REQUESTED-TRANSPORT TCP over TCP/TLS client connections): Connect,
   * ConnectionBind, ConnectionAttempt. The sink must implement `connectPeer`, `closePeerConnection`
   * and `bindDataConnection`. Off, TCP allocations get 442 (turn.md §5.4: off by default). Default false.
   */
  tcpRelays?: boolean;
  /** How long a Connect may take before it fails with 447 (RFC 6062 §5.2), seconds. Default 30. */
  connectTimeout?: number;
  /** Peer connections per TCP allocation; beyond it Connect gets 508 and peers are refused. Default 64. */
  maxConnectionsPerAllocation?: number;
  /** Peer connections over all TCP allocations. Default 4096. */
  maxConnections?: number;
  /** Peer admission; see `PeerAdmission`. Default: every peer admitted (the daemon must set one). */
  admitPeer?: PeerAdmission;
  /**
   * Keep `admitPeer`'s answers per channel until `peerPolicyChanged()`; see `PeerAdmissionCache`.
   * Default none: `admitPeer` is asked for every datagram.
   */
  peerAdmissionCache?: PeerAdmissionCache;
  /**
   * Allocation admission beyond `maxAllocations` and `userQuota`: return 486 (quota) or 508 (capacity)
   * to refuse, true to admit. Default admits.
   */
  admitAllocation?: (request: AllocationRequestInfo) => true | 486 | 508;
}

export interface ResolvedOptions {
  readonly defaultLifetimeMs: number;
  readonly maxLifetimeMs: number;
  readonly permissionLifetimeMs: number;
  readonly channelLifetimeMs: number;
  readonly channelReuseDelayMs: number;
  readonly reservationLifetimeMs: number;
  readonly nonceLifetime: number;
  readonly nonceSecret: Buffer;
  readonly relayFamilies: readonly Family[];
  readonly maxAllocations: number;
  readonly userQuota: number;
  readonly maxPermissions: number;
  readonly maxChannels: number;
  readonly maxChannelNumber: number;
  readonly transactionCacheSize: number;
  readonly transactionCacheTtl: number;
  readonly challengeRateLimit: number;
  readonly authFailureRateLimit: number;
  readonly authFailureBurst: number;
  readonly maxAttributes: number;
  readonly tcpRelays: boolean;
  readonly connectTimeoutMs: number;
  readonly maxConnectionsPerAllocation: number;
  readonly maxConnections: number;
  readonly dontFragment: boolean;
  readonly bandwidthLimit: number;
  readonly bandwidthBurst: number;
  readonly passwordAlgorithms: boolean;
  readonly software: string | undefined;
}

function count(name: string, value: number | undefined, fallback: number, min = 0): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) {
    throw new TurnEngineError('TURN_ERR_INVALID_OPTION', `${name} = ${v}; expected an integer ≥ ${min}`);
  }
  return v;
}

export function resolveOptions(o: TurnEngineOptions): ResolvedOptions {
  const defaultLifetime = count('defaultLifetime', o.defaultLifetime, 600, 1);
  const maxLifetime = count('maxLifetime', o.maxLifetime, 3600, 1);
  if (maxLifetime < defaultLifetime) {
    throw new TurnEngineError(
      'TURN_ERR_INVALID_OPTION',
      `maxLifetime ${maxLifetime} is below defaultLifetime ${defaultLifetime}; raise maxLifetime`,
    );
  }
  const relayFamilies = o.relayFamilies ?? ['IPv4', 'IPv6'];
  for (const f of relayFamilies) {
    if (f !== 'IPv4' && f !== 'IPv6') {
      throw new TurnEngineError('TURN_ERR_INVALID_OPTION', `relayFamilies has "${f}"; use 'IPv4' and/or 'IPv6'`);
    }
  }
  const nonceLifetime = count('nonceLifetime', o.nonceLifetime, 600, 1);
  if (nonceLifetime > MAX_NONCE_LIFETIME_SECONDS) {
    throw new TurnEngineError(
      'TURN_ERR_INVALID_OPTION',
      `nonceLifetime = ${nonceLifetime}; use ≤ ${MAX_NONCE_LIFETIME_SECONDS} (the nonce's 24-bit timestamp)`,
    );
  }
  const nonceSecret = o.nonceSecret ?? randomBytes(32);
  if (nonceSecret.length < 16) {
    throw new TurnEngineError('TURN_ERR_INVALID_OPTION', `nonceSecret has ${nonceSecret.length} bytes; use ≥ 16`);
  }
  return {
    defaultLifetimeMs: defaultLifetime * 1000,
    maxLifetimeMs: maxLifetime * 1000,
    permissionLifetimeMs: count('permissionLifetime', o.permissionLifetime, 300, 1) * 1000,
    channelLifetimeMs: count('channelLifetime', o.channelLifetime, 600, 1) * 1000,
    channelReuseDelayMs: count('channelReuseDelay', o.channelReuseDelay, 300) * 1000,
    reservationLifetimeMs: count('reservationLifetime', o.reservationLifetime, 30, 1) * 1000,
    nonceLifetime,
    nonceSecret,
    relayFamilies,
    maxAllocations: count('maxAllocations', o.maxAllocations, 0),
    userQuota: count('userQuota', o.userQuota, 0),
    maxPermissions: count('maxPermissions', o.maxPermissions, 64, 1),
    maxChannels: count('maxChannels', o.maxChannels, 256, 1),
    maxChannelNumber: o.legacyChannelNumbers === true ? 0x7fff : 0x4fff,
    transactionCacheSize: count('transactionCacheSize', o.transactionCacheSize, 4096),
    transactionCacheTtl: count('transactionCacheTtl', o.transactionCacheTtl, 40_000, 1),
    challengeRateLimit: count('challengeRateLimit', o.challengeRateLimit, 5000),
    authFailureRateLimit: count('authFailureRateLimit', o.authFailureRateLimit, 20),
    authFailureBurst: count('authFailureBurst', o.authFailureBurst, 40, 1),
    maxAttributes: count('maxAttributes', o.maxAttributes, 32, 1),
    dontFragment: o.dontFragment !== false,
    tcpRelays: o.tcpRelays === true,
    connectTimeoutMs: count('connectTimeout', o.connectTimeout, 30, 1) * 1000,
    maxConnectionsPerAllocation: count('maxConnectionsPerAllocation', o.maxConnectionsPerAllocation, 64, 1),
    maxConnections: count('maxConnections', o.maxConnections, 4096, 1),
    bandwidthLimit: count('bandwidthLimit', o.bandwidthLimit, 0),
    bandwidthBurst: count('bandwidthBurst', o.bandwidthBurst, 0),
    passwordAlgorithms: o.passwordAlgorithms === true,
    software: o.software,
  };
}
