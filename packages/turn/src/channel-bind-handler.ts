import { ChannelNumber, XorPeerAddress } from '@stunner/stun';
import { newChannel } from './allocation.ts';
import type { EngineState } from './engine-state.ts';
import { installPermission } from './permission-handler.ts';
import { allocationFor } from './request-auth.ts';
import { type AuthenticatedRequest, NO_EXTRA, respondError, respondSuccess } from './response.ts';

/** ChannelBind (RFC 8656 §11): binds a channel number to a peer, or refreshes the binding. */
export function handleChannelBind(s: EngineState, req: AuthenticatedRequest): void {
  const a = allocationFor(s, req);
  if (a === undefined) return;
  const number = req.msg.get(ChannelNumber);
  const peer = req.msg.get(XorPeerAddress);
  // RFC 8656 §11.2: both attributes are required and the number must be in 0x4000–0x4FFF (RFC 5766
  // §11: up to 0x7FFF, with `legacyChannelNumbers`).
  // RFC 6062 §4: a TCP allocation relays through peer connections, never channels.
  if (
    a.transport === 'tcp' ||
    number === undefined ||
    peer === undefined ||
    number < 0x4000 ||
    number > s.options.maxChannelNumber
  ) {
    respondError(s, req, 400);
    return;
  }
  if (!a.hasFamily(peer.family)) {
    respondError(s, req, 443);
    return;
  }
  // RFC 8656 §11.2: a number bound to another peer, or a peer bound to another number, → 400; this
  // holds until the channel-reuse delay after expiry has passed (RFC 8656 §12).
  const byNumber = a.channels.get(number);
  if (byNumber !== undefined && (byNumber.address !== peer.address || byNumber.port !== peer.port)) {
    respondError(s, req, 400);
    return;
  }
  const byPeer = a.channelForPeer(peer.address, peer.port);
  if (byPeer !== undefined && byPeer.number !== number) {
    respondError(s, req, 400);
    return;
  }
  if (s.admitPeer !== undefined && !s.admitPeer(peer.address, peer.port, a)) {
    respondError(s, req, 403);
    return;
  }
  const newPermission = a.permissions.has(peer.address) ? 0 : 1;
  if (
    (byNumber === undefined && a.channels.size >= s.options.maxChannels) ||
    a.permissions.size + newPermission > s.options.maxPermissions
  ) {
    respondError(s, req, 508);
    return;
  }
  const expires = req.now + s.options.channelLifetimeMs;
  if (byNumber !== undefined) {
    byNumber.expires = expires;
    if (!byNumber.bound) {
      byNumber.bound = true;
      s.emit('channel-bound', a, number, peer.address, peer.port);
    }
  } else {
    a.addChannel(newChannel(number, peer.address, peer.port, expires));
    s.emit('channel-bound', a, number, peer.address, peer.port);
  }
  s.scheduleAt(expires);
  // RFC 8656 §11.2: binding a channel installs or refreshes the permission for the peer.
  installPermission(s, a, peer.address, req.now);
  respondSuccess(s, req, NO_EXTRA);
}
