import { isIP } from 'node:net';
import type { TransportAddress } from '@stunner/stun';
import { TurnClientError } from './errors.ts';

/** A peer as callers name it: an IP literal and a UDP port. */
export interface PeerAddress {
  address: string;
  port: number;
}

/** Checks a peer address and adds its family; TURN relays to IP addresses only (RFC 8656 §18.3). */
export function toTransportAddress(peer: PeerAddress, needPort = true): TransportAddress {
  const version = isIP(peer.address);
  if (version === 0) {
    throw new TurnClientError(
      'TURN_CLIENT_ERR_INVALID_ARGUMENT',
      `peer address "${peer.address}" is not an IP address`,
    );
  }
  if (!Number.isInteger(peer.port) || peer.port < (needPort ? 1 : 0) || peer.port > 65535) {
    throw new TurnClientError('TURN_CLIENT_ERR_INVALID_ARGUMENT', `peer port ${peer.port} is outside 1–65535`);
  }
  return { family: version === 4 ? 'IPv4' : 'IPv6', address: peer.address, port: peer.port };
}

export function formatAddress(a: PeerAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
