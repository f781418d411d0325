import type { ListenerConfig } from '@stunner/api';
import type { TransportAddress } from '@stunner/stun';
import type { AuthOptions } from '@stunner/turn';
import type { PeerFilterOptions } from '../peer-filter/peer-filter.ts';
import type { ListenerSnapshot } from './listener-snapshot.ts';

/** What a running listener takes in place, without new sockets (stunner-v1.md §1.7). */
export interface ListenerUpdate {
  auth?: AuthOptions;
  /** Peers of UDP allocations: the routes' UDP clusters. */
  peers?: PeerFilterOptions;
  /** Peers of RFC 6062 TCP allocations: the routes' TCP clusters (none: TCP allocations refused). */
  tcpPeers?: PeerFilterOptions;
  /** `admin.bandwidth_limit`: bytes per second per allocation and direction, 0 for none. */
  bandwidthLimit?: number;
}

/** What the daemon needs of a listener, whatever its protocol and threading. */
export interface TurnListener {
  start(): Promise<TransportAddress[]>;
  close(): Promise<void>;
  configure(update: ListenerUpdate): void;
  snapshot(): Promise<ListenerSnapshot>;
}

/** What a listener is built from; plain data, so it can cross to a worker thread. */
export interface ListenerSetup {
  config: ListenerConfig;
  /** The address advertised as XOR-RELAYED-ADDRESS, after `address` is resolved. */
  relayAddress: string;
  auth: AuthOptions;
  peers: PeerFilterOptions;
  /** Peers of RFC 6062 TCP allocations (TURN-TCP/TLS listeners): the routes' TCP clusters. */
  tcpPeers?: PeerFilterOptions;
  /** Bind on IPv6 too. */
  ipv6: boolean;
  /** `admin.bandwidth_limit`: bytes per second per allocation and direction; 0 or absent for none. */
  bandwidthLimit?: number;
  /** Per-source limits on challenges and failed authentications; absent: the engine's defaults. */
  limits?: SourceLimits;
}

/** stunnerd's `--challenge-rate-limit` and `--auth-failure-rate-limit` (see TurnEngineOptions). */
export interface SourceLimits {
  challengeRateLimit: number;
  authFailureRateLimit: number;
}
