import { ConnectionId, Data, Method, type StunMessage, type TransportAddress, XorPeerAddress } from '@stunner/stun';

/** What a server indication tells the client. */
export type ServerIndication =
  | { kind: 'data'; peer: TransportAddress; data: Buffer }
  | { kind: 'connection-attempt'; peer: TransportAddress; connectionId: number };

/**
 * Reads a Data indication (RFC 8656 §10.4: the peer and its payload) or a ConnectionAttempt (RFC 6062
 * §4.4: a peer connected to the TCP relay); undefined for other or malformed indications.
 */
export function readIndication(msg: StunMessage): ServerIndication | undefined {
  try {
    const peer = msg.get(XorPeerAddress);
    if (peer === undefined) return undefined;
    if (msg.method === Method.Data) {
      const data = msg.get(Data);
      return data === undefined ? undefined : { kind: 'data', peer, data };
    }
    if (msg.method === Method.ConnectionAttempt) {
      const connectionId = msg.get(ConnectionId);
      return connectionId === undefined ? undefined : { kind: 'connection-attempt', peer, connectionId };
    }
  } catch {
    // A malformed attribute: the indication is dropped (RFC 8489 §6.3.2).
  }
  return undefined;
}
