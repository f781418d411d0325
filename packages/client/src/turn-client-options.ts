import { ephemeralPassword, ephemeralUsername, type TransportAddress } from '@stunner/stun';
import { TurnClientError } from './errors.ts';
import type { Timers } from './timers.ts';
import type { RetransmitOptions } from './transaction-table.ts';
import type { TransportKind } from './transport.ts';

export interface TurnClientOptions extends RetransmitOptions {
  /** TURN server host name or IP. */
  host: string;
  port: number;
  /** Default 'udp'. */
  transport?: TransportKind;
  /** Long-term credentials (RFC 8489 §9.2); static or ephemeral (TURN REST) alike. Default none. */
  username?: string;
  password?: string;
  /**
   * TURN REST API shared secret (STUNner `ephemeral` auth, coturn `use-auth-secret`): instead of
   * `username`/`password` the client makes time-windowed ones (draft-uberti-behave-turn-rest-00).
   */
  authSecret?: string;
  /**
   * Send USERHASH instead of USERNAME where the server offers username anonymity (RFC 8489 §9.2.1).
   * SHA-256 keys are used whenever the server offers them. Default false.
   */
  userhash?: boolean;
  /** With `authSecret`: the user id after the expiry, `<expiry>:<id>`. Default none (the username is `<expiry>`). */
  ephemeralUserId?: string;
  /** With `authSecret`: how long the made credentials stay valid. Default 3600 s. */
  ephemeralTtlSeconds?: number;
  /** TLS/DTLS: accept any server certificate. Default false. */
  insecure?: boolean;
  /** TLS/DTLS server name (SNI) and the name the certificate must hold. Default the host when it is a name. */
  servername?: string;
  /** TLS/DTLS trusted CAs (PEM). Default the system roots. */
  ca?: string | string[];
  /** TCP connect and TLS/DTLS handshake limit. Default 10000 ms. */
  connectTimeoutMs?: number;
  /**
   * The relay's transport: 'udp' (RFC 8656), or 'tcp' for an RFC 6062 TCP allocation, which needs a
   * 'tcp' or 'tls' `transport` and reaches peers with `connect()` and `accept()`. Default 'udp'.
   */
  relayTransport?: 'udp' | 'tcp';
  /** Allocation LIFETIME to ask for, in seconds. Default none (the server's default, 600 s per RFC 8656 §7.2). */
  lifetime?: number;
  /** SOFTWARE attribute on requests. Default none. */
  software?: string;
  /** Re-Refresh the allocation this often. Default a minute before the granted lifetime ends (at least half of it). */
  allocationRefreshMs?: number;
  /** Re-install permissions this often; they last 300 s (RFC 8656 §9). Default 240000 ms. */
  permissionRefreshMs?: number;
  /** Re-bind channels this often; bindings last 600 s (RFC 8656 §12). Default 540000 ms. */
  channelRefreshMs?: number;
  /** Retries of a request answered by 438 Stale Nonce (RFC 8489 §9.2.5). Default 3. */
  maxStaleNonceRetries?: number;
  /** How long `close()` waits for the answer to its Refresh with LIFETIME 0. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Timer functions; tests inject fakes. Default the global timers. */
  timers?: Timers;
}

export interface Allocation {
  /** The relayed transport address peers send to (XOR-RELAYED-ADDRESS). */
  relayed: TransportAddress;
  /** This client's address as the server sees it (XOR-MAPPED-ADDRESS), when given. */
  mapped: TransportAddress | undefined;
  /** Granted lifetime in seconds. */
  lifetime: number;
}

export type TurnClientState = 'idle' | 'allocating' | 'allocated' | 'closing' | 'closed';

export interface TurnClientEvents {
  /** Data from a peer, by ChannelData or Data indication. `data` is a view: copy it to keep it. */
  data: [data: Buffer, peer: TransportAddress];
  /** A refresh timer renewed something; `lifetime` in seconds for the allocation. */
  refreshed: [kind: 'allocation' | 'permission' | 'channel', detail: { peer?: string; lifetime?: number }];
  /** A background permission or channel refresh failed (emitted only when listened to). */
  error: [err: TurnClientError];
  /** RFC 6062 §4.4: a peer connected to the TCP relay; `accept(connectionId)` takes the connection. */
  'connection-attempt': [peer: TransportAddress, connectionId: number];
  /** The client is closed; `err` says why when it did not close on request. */
  close: [err?: Error];
}

/**
 * Checks the options (nothing is sent for bad ones) and, with `authSecret`, makes the time-windowed
 * username and password of the TURN REST API.
 */
export function resolveClientOptions(options: TurnClientOptions): TurnClientOptions {
  if (!options.host) throw new TurnClientError('TURN_CLIENT_ERR_INVALID_ARGUMENT', 'the TURN server host is empty');
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new TurnClientError(
      'TURN_CLIENT_ERR_INVALID_ARGUMENT',
      `TURN server port ${options.port} is outside 1–65535`,
    );
  }
  if ((options.username === undefined) !== (options.password === undefined)) {
    throw new TurnClientError('TURN_CLIENT_ERR_INVALID_ARGUMENT', 'give both username and password, or neither');
  }
  if (options.relayTransport === 'tcp' && options.transport !== 'tcp' && options.transport !== 'tls') {
    throw new TurnClientError(
      'TURN_CLIENT_ERR_INVALID_ARGUMENT',
      "relayTransport 'tcp' needs transport 'tcp' or 'tls' (RFC 6062)",
    );
  }
  if (options.authSecret !== undefined && options.username !== undefined) {
    throw new TurnClientError('TURN_CLIENT_ERR_INVALID_ARGUMENT', 'give either authSecret or username/password');
  }
  return options.authSecret === undefined ? options : { ...options, ...ephemeralCredentials(options) };
}

function ephemeralCredentials(options: TurnClientOptions): { username: string; password: string } {
  const now = Math.floor(Date.now() / 1000);
  const ttl = options.ephemeralTtlSeconds ?? 3600;
  const username =
    options.ephemeralUserId === undefined ? String(now + ttl) : ephemeralUsername(now, ttl, options.ephemeralUserId);
  return { username, password: ephemeralPassword(options.authSecret!, username) };
}
