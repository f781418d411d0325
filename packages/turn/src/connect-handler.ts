import { randomInt } from 'node:crypto';
import { ConnectionId, MessageClass, Method, StunMessageBuilder, XorPeerAddress } from '@stunner/stun';
import type { Allocation, PeerConnection } from './allocation.ts';
import type { EngineState } from './engine-state.ts';
import { allocationFor } from './request-auth.ts';
import { type AuthenticatedRequest, respondError, respondSuccess, sealAndSend, sendError } from './response.ts';

/** RFC 6062 §5.3, §5.4: a peer connection waits this long for the client's ConnectionBind. */
const BIND_WINDOW_MS = 30_000;

/** Connect (RFC 6062 §5.2): the relay opens a TCP connection to the peer; answered when the adapter reports. */
export function handleConnect(s: EngineState, req: AuthenticatedRequest): void {
  const a = allocationFor(s, req);
  if (a === undefined) return;
  const peer = req.msg.get(XorPeerAddress);
  if (a.transport !== 'tcp' || peer === undefined) {
    respondError(s, req, 400);
    return;
  }
  if (!a.hasFamily(peer.family)) {
    respondError(s, req, 443);
    return;
  }
  if (s.admitPeer !== undefined && !s.admitPeer(peer.address, peer.port, a)) {
    respondError(s, req, 403);
    return;
  }
  for (const c of a.connections.values()) {
    if (c.address === peer.address && c.port === peer.port) {
      respondError(s, req, 446);
      return;
    }
  }
  if (!hasRoom(s, a)) {
    respondError(s, req, 508);
    return;
  }
  const c = track(s, a, peer.address, peer.port, 'connecting', req.now + s.options.connectTimeoutMs);
  c.connect = {
    transactionId: Buffer.from(req.msg.transactionId),
    key: req.key,
    integrity: req.integrity,
    fingerprint: req.fingerprint,
    cacheKey: req.cacheKey,
  };
  s.sink.connectPeer?.({ connectionId: c.id, relayId: a.id, address: peer.address, port: peer.port });
}

/**
 * ConnectionBind (RFC 6062 §5.4), on a new client connection: binds it to a peer connection waiting
 * for it, on the allocation of the same credentials. After the success response the adapter pipes
 * the two connections' bytes.
 */
export function handleConnectionBind(s: EngineState, req: AuthenticatedRequest): void {
  const id = req.msg.get(ConnectionId);
  const c = id === undefined ? undefined : s.connections.get(id);
  if (
    c === undefined ||
    c.state !== 'pending-bind' ||
    c.expires <= req.now ||
    (req.client.transport !== 'tcp' && req.client.transport !== 'tls') ||
    s.clients.get(req.client) !== undefined
  ) {
    respondError(s, req, 400);
    return;
  }
  if (c.allocation.username !== req.username) {
    respondError(s, req, 441);
    return;
  }
  c.state = 'bound';
  respondSuccess(s, req, () => {});
  s.sink.bindDataConnection?.(c.id, req.client);
}

/** The adapter connected to the peer: Connect succeeds with the CONNECTION-ID. */
export function handlePeerConnected(s: EngineState, connectionId: number, now: number): void {
  const c = s.connections.get(connectionId);
  if (c === undefined || c.state !== 'connecting' || c.connect === undefined) {
    s.sink.closePeerConnection?.(connectionId);
    return;
  }
  const seal = c.connect;
  c.connect = undefined;
  c.state = 'pending-bind';
  c.expires = now + BIND_WINDOW_MS;
  s.scheduleAt(c.expires);
  const b = new StunMessageBuilder(Method.Connect, MessageClass.SuccessResponse, seal.transactionId);
  b.add(ConnectionId, c.id);
  sealAndSend(s, c.allocation.client, b, seal, now);
}

/** The connection to the peer failed (or timed out): Connect gets 447 (RFC 6062 §5.2). */
export function handlePeerConnectFailed(s: EngineState, connectionId: number, now: number): void {
  const c = s.connections.get(connectionId);
  if (c === undefined || c.state !== 'connecting' || c.connect === undefined) return;
  untrack(s, c);
  sendError(s, c.allocation.client, Method.Connect, c.connect.transactionId, c.connect, 447, now);
}

/**
 * A peer connected to the relayed address of TCP allocation `relayId` (RFC 6062 §5.3): admitted only
 * with a permission for its IP and the peer-admission hook's consent, then announced to the client
 * with a ConnectionAttempt indication. Returns the CONNECTION-ID, or undefined: close it.
 */
export function handlePeerConnection(
  s: EngineState,
  relayId: number,
  address: string,
  port: number,
  now: number,
): number | undefined {
  const a = s.relays.get(relayId);
  if (a === undefined || a.transport !== 'tcp' || a.pending !== undefined || a.expires <= now) return undefined;
  if (!a.permits(address, now) || (s.admitPeer !== undefined && !s.admitPeer(address, port, a))) return undefined;
  if (!hasRoom(s, a)) return undefined;
  const c = track(s, a, address, port, 'pending-bind', now + BIND_WINDOW_MS);
  const b = new StunMessageBuilder(Method.ConnectionAttempt, MessageClass.Indication);
  b.add(XorPeerAddress, { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port });
  b.add(ConnectionId, c.id);
  s.sink.sendToClient(a.client, b.build());
  return c.id;
}

/** The adapter's peer connection (or its data connection) closed: forget it. */
export function handlePeerConnectionClosed(s: EngineState, connectionId: number): void {
  const c = s.connections.get(connectionId);
  if (c !== undefined) untrack(s, c);
}

/** Gives up connections whose Connect or ConnectionBind is overdue; returns the next such deadline. */
export function expireConnections(s: EngineState, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const c of s.connections.values()) {
    if (c.state === 'bound') continue;
    if (c.expires > now) {
      if (c.expires < next) next = c.expires;
      continue;
    }
    if (c.state === 'connecting' && c.connect !== undefined) {
      sendError(s, c.allocation.client, Method.Connect, c.connect.transactionId, c.connect, 447, now);
    }
    untrack(s, c);
    s.sink.closePeerConnection?.(c.id);
  }
  return next;
}

/** Forgets every connection of an allocation that ends (the adapter closes them with its relay). */
export function dropConnections(s: EngineState, a: Allocation): void {
  for (const c of a.connections.values()) s.connections.delete(c.id);
  a.connections.clear();
}

function hasRoom(s: EngineState, a: Allocation): boolean {
  return a.connections.size < s.options.maxConnectionsPerAllocation && s.connections.size < s.options.maxConnections;
}

function track(
  s: EngineState,
  a: Allocation,
  address: string,
  port: number,
  state: PeerConnection['state'],
  expires: number,
): PeerConnection {
  // Unpredictable ids: a ConnectionBind must name a connection its sender was told of.
  let id: number;
  do id = randomInt(1, 0x1_0000_0000);
  while (s.connections.has(id));
  const c: PeerConnection = { id, allocation: a, address, port, state, expires, connect: undefined };
  s.connections.set(id, c);
  a.connections.set(id, c);
  s.scheduleAt(expires);
  return c;
}

function untrack(s: EngineState, c: PeerConnection): void {
  s.connections.delete(c.id);
  c.allocation.connections.delete(c.id);
}
