import { Attr } from '@stunner/stun';

/** RFC 8489 §14 / RFC 8656 §18: the comprehension-required attributes this server processes. */
export const KNOWN_ATTRIBUTES: ReadonlySet<number> = new Set([
  Attr.Username,
  Attr.MessageIntegrity,
  Attr.MessageIntegritySha256,
  Attr.Realm,
  Attr.Nonce,
  Attr.ChannelNumber,
  Attr.Lifetime,
  Attr.XorPeerAddress,
  Attr.Data,
  Attr.RequestedAddressFamily,
  Attr.EvenPort,
  Attr.RequestedTransport,
  Attr.DontFragment,
  Attr.ReservationToken,
  Attr.ConnectionId,
  Attr.PasswordAlgorithm,
  Attr.Userhash,
  // ICE (RFC 8445 §16.1) attributes, harmless on a Binding request.
  Attr.Priority,
  Attr.UseCandidate,
]);
