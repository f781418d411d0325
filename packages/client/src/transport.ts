import type { EventEmitter } from 'node:events';
import type { TransportAddress } from '@stunner/stun';

/** How the client reaches its TURN server (RFC 8656 §3.1; DTLS per RFC 7350). */
export type TransportKind = 'udp' | 'tcp' | 'tls' | 'dtls';

export interface ClientTransportEvents {
  /** One STUN message or ChannelData message from the server. */
  frame: [frame: Buffer];
  /** A soft error that does not close the transport, e.g. an ICMP port unreachable over UDP. */
  warning: [err: Error];
  /** The transport is gone; `err` says why when it was not closed locally. */
  close: [err?: Error];
}

/** A connected, message-oriented channel to one TURN server. */
export interface ClientTransport extends EventEmitter<ClientTransportEvents> {
  readonly kind: TransportKind;
  /** Stream transports carry no retransmissions and need ChannelData padding (RFC 8656 §12.5). */
  readonly reliable: boolean;
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  send(message: Buffer): void;
  close(): void;
}

export interface TransportConnectOptions {
  kind: TransportKind;
  host: string;
  port: number;
  /** TLS/DTLS: accept any server certificate (turncat `-i`). Default false. */
  insecure?: boolean;
  /** TLS/DTLS server name to send and to verify the certificate against. Default the host when it is a name. */
  servername?: string;
  /** TLS/DTLS: trusted CA certificates (PEM). Default the system roots. */
  ca?: string | string[];
  /** Connection setup limit (TCP connect, TLS/DTLS handshake). Default 10000 ms. */
  connectTimeoutMs?: number;
}
