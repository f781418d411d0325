import { XorPeerAddress } from '@stunner/stun';
import type { Allocation } from './allocation.ts';
import type { EngineState } from './engine-state.ts';
import { allocationFor } from './request-auth.ts';
import { type AuthenticatedRequest, NO_EXTRA, respondError, respondSuccess } from './response.ts';

/** CreatePermission (RFC 8656 §10): installs or refreshes a permission per XOR-PEER-ADDRESS, all or none. */
export function handleCreatePermission(s: EngineState, req: AuthenticatedRequest): void {
  const a = allocationFor(s, req);
  if (a === undefined) return;
  const peers = req.msg.getAll(XorPeerAddress);
  if (peers.length === 0) {
    respondError(s, req, 400);
    return;
  }
  // RFC 8656 §10.2: all peers are checked before any permission is installed.
  const added = new Set<string>();
  for (const peer of peers) {
    if (!a.hasFamily(peer.family)) {
      respondError(s, req, 443);
      return;
    }
    if (s.admitPeer !== undefined && !s.admitPeer(peer.address, 0, a)) {
      respondError(s, req, 403);
      return;
    }
    if (!a.permissions.has(peer.address)) added.add(peer.address);
  }
  if (a.permissions.size + added.size > s.options.maxPermissions) {
    respondError(s, req, 508);
    return;
  }
  for (const peer of peers) installPermission(s, a, peer.address, req.now);
  respondSuccess(s, req, NO_EXTRA);
}

/** Installs the permission for `address`, or refreshes it (RFC 8656 §9: for the permission lifetime). */
export function installPermission(s: EngineState, a: Allocation, address: string, now: number): void {
  const expires = now + s.options.permissionLifetimeMs;
  const p = a.permissions.get(address);
  if (p !== undefined) {
    p.expires = expires;
  } else {
    a.addPermission({ address, expires });
    s.emit('permission-created', a, address);
  }
  s.scheduleAt(expires);
}
