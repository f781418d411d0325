import type { TransportAddress } from '@stunner/stun';

export type ClientTransport = 'udp' | 'tcp' | 'tls' | 'dtls';
export type Family = 'IPv4' | 'IPv6';

/**
 * Where a client packet came from: the listener it arrived on and the client's transport address.
 * Together with the listener's own address this is the 5-tuple of RFC 8656 §2.
 *
 * The engine keeps the object passed with the Allocate that creates an allocation and hands that
 * same object back in every output for the allocation, so an adapter may pass a richer object
 * (e.g. one per TCP connection holding the socket). It must not mutate it afterwards.
 */
export interface ClientEndpoint {
  /** Small integer the adapter assigns to each listener (socket or server). */
  readonly listener: number;
  readonly transport: ClientTransport;
  /** Client IP in Node's textual form, as `dgram`/`net` report it. */
  readonly address: string;
  readonly port: number;
}

/**
 * The engine's request to bind relay sockets for a new allocation (RFC 8656 §7.2). The adapter
 * answers with `TurnEngine.relayOpened(id, ...)` or `TurnEngine.relayFailed(id, ...)`, synchronously
 * or later; until then the Allocate is pending.
 */
export interface RelayRequest {
  /** Relay id the engine chose; used by `handleRelay`, `sendToPeer` and `closeRelay`. */
  readonly id: number;
  readonly client: ClientEndpoint;
  /**
   * Who the allocation counts against (the username, or the user part of an ephemeral one): an adapter
   * that keeps the quota elsewhere (another thread) takes a unit for it before binding, answers
   * `relayFailed(id, 486)` when refused, and gives it back when the relay closes.
   */
  readonly userId: string;
  /** One family, or IPv4 then IPv6 for a dual allocation (RFC 8656 §7.2 ADDITIONAL-ADDRESS-FAMILY). */
  readonly families: readonly Family[];
  /** UDP (RFC 8656), or TCP (RFC 6062): a listening socket on the relayed address that also dials out. */
  readonly transport: 'udp' | 'tcp';
  /** RFC 8656 §14.6 EVEN-PORT: the relayed port must be even. */
  readonly evenPort: boolean;
  /** RFC 8656 §14.8 DONT-FRAGMENT: set the DF bit on datagrams relayed to peers (asked only of adapters that can). */
  readonly dontFragment: boolean;
  /**
   * EVEN-PORT with R=1: also bind the next port (same address) and keep it, idle, under this relay id
   * until the engine either claims it for an Allocate carrying the RESERVATION-TOKEN or closes it.
   */
  readonly reserveId: number | undefined;
}

/** The engine's request to open a TCP connection from a TCP relay to a peer (RFC 6062 §5.2). */
export interface PeerConnectRequest {
  readonly connectionId: number;
  readonly relayId: number;
  readonly address: string;
  readonly port: number;
}

/** What the adapter reports once the relay sockets are bound. */
export interface RelayBound {
  /** Relayed transport addresses as advertised to the client, one per family bound, in request order. */
  readonly addresses: readonly TransportAddress[];
  /** The reserved next port when the request had `reserveId`; omit if it could not be bound. */
  readonly reserved?: TransportAddress;
}

/**
 * Outputs of the engine. Calls happen synchronously inside engine methods; an adapter may call back
 * into the engine from them.
 */
export interface TurnEngineSink {
  /** Sends a STUN message to a client over the listener (or connection) it came in on. */
  sendToClient(client: ClientEndpoint, message: Buffer): void;
  /**
   * Sends `data[offset, offset + length)` to the client as ChannelData on `channel`. The adapter writes
   * the 4-byte header (RFC 8656 §12.4) and, on stream transports, the padding to 4 bytes (§12.5).
   */
  sendChannelData(client: ClientEndpoint, channel: number, data: Buffer, offset: number, length: number): void;
  /** Sends `data[offset, offset + length)` from relay `relayId` to the peer. */
  sendToPeer(relayId: number, address: string, port: number, data: Buffer, offset: number, length: number): void;
  /** Binds relay sockets; see `RelayRequest`. */
  openRelay(request: RelayRequest): void;
  /** Closes the relay sockets of `relayId` (an allocation's, or an unused reservation's). */
  closeRelay(relayId: number): void;
  /**
   * Closes one family's relay socket of a dual allocation that goes on with the other (RFC 8656 §7.3:
   * Refresh with REQUESTED-ADDRESS-FAMILY, or that family's lifetime over). The engine drops that
   * family's traffic either way; without this the socket stays open until `closeRelay`.
   */
  closeRelayFamily?(relayId: number, family: Family): void;
  /**
   * RFC 6062 (`tcpRelays`): connects relay `relayId` to the peer; answer with `peerConnected` or
   * `peerConnectFailed`. The connection is closed with its relay, or by `closePeerConnection`.
   */
  connectPeer?(request: PeerConnectRequest): void;
  /** Closes a peer connection (and its data connection, if bound). */
  closePeerConnection?(connectionId: number): void;
  /**
   * The client connection `dataClient` is bound to peer connection `connectionId` (RFC 6062 §5.4): the
   * ConnectionBind response has been sent on it; from now on the adapter pipes raw bytes both ways.
   */
  bindDataConnection?(connectionId: number, dataClient: ClientEndpoint): void;
}
