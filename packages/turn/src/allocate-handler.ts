import { randomBytes } from 'node:crypto';
import {
  AddressErrorCode,
  AddressFamily,
  Attr,
  ERROR_REASONS,
  Lifetime,
  MessageClass,
  Method,
  ReservationToken,
  StunMessageBuilder,
  type TransportAddress,
  UnknownAttributes,
  XorMappedAddress,
  XorRelayedAddress,
} from '@stunner/stun';
import { grantedLifetimeMs, planAllocate } from './allocate-request.ts';
import { Allocation } from './allocation.ts';
import type { Family, RelayBound } from './endpoint.ts';
import type { EngineState, Reservation } from './engine-state.ts';
import {
  type AuthenticatedRequest,
  mappedAddress,
  type ResponseSeal,
  respondError,
  sealAndSend,
  sendError,
} from './response.ts';

/** What the Allocate success response says besides the relayed addresses. */
interface AllocateReply extends ResponseSeal {
  readonly transactionId: Buffer;
  readonly lifetimeMs: number;
  readonly refusedFamily: { family: Family; code: number } | undefined;
  readonly reservationToken: Buffer | undefined;
}

/**
 * Allocate (RFC 8656 §7.2, RFC 6156, RFC 8656 §14.6 EVEN-PORT): checks, admission, then either claims
 * a reserved port (RESERVATION-TOKEN) at once or asks the adapter for a relay and waits for
 * `relayOpened` / `relayFailed`.
 */
export function handleAllocate(s: EngineState, req: AuthenticatedRequest): void {
  const { msg, client, now } = req;
  if (s.clients.get(client) !== undefined) {
    respondError(s, req, 437);
    return;
  }
  const plan = planAllocate(msg, s.options.relayFamilies, {
    enabled: s.tcpRelays,
    overStream: client.transport === 'tcp' || client.transport === 'tls',
  });
  if (typeof plan === 'number') {
    respondError(s, req, plan);
    return;
  }
  if (plan.dontFragment && !s.options.dontFragment) {
    // RFC 8656 §7.2: a server that cannot set DF treats DONT-FRAGMENT as an unknown comprehension-required attribute.
    respondError(s, req, 420, (b) => b.add(UnknownAttributes, [Attr.DontFragment]));
    return;
  }
  const { token, evenPort, refusedFamily } = plan;
  let families = plan.families;

  const tokenKey = token?.toString('hex');
  let reservation: Reservation | undefined;
  if (tokenKey !== undefined) {
    reservation = s.reservations.get(tokenKey);
    // RFC 8656 §7.2: an unknown or expired token → 508.
    if (reservation === undefined || reservation.expires <= now) {
      respondError(s, req, 508);
      return;
    }
    families = [reservation.address.family];
  }

  const refused = admit(s, req, families);
  if (refused !== true) {
    respondError(s, req, refused);
    return;
  }

  const lifetimeMs = grantedLifetimeMs(msg.get(Lifetime), s.options.defaultLifetimeMs, s.options.maxLifetimeMs);
  if (reservation !== undefined && tokenKey !== undefined) {
    // RFC 8656 §7.2: the reserved port becomes this allocation's relay; a token works once.
    s.reservations.delete(tokenKey);
    const a = new Allocation(reservation.relayId, client, req.username, req.userId, families, now + lifetimeMs);
    s.track(a);
    openAllocation(s, a, [reservation.address], now, {
      transactionId: msg.transactionId,
      key: req.key,
      integrity: req.integrity,
      fingerprint: req.fingerprint,
      cacheKey: req.cacheKey,
      lifetimeMs,
      refusedFamily: undefined,
      reservationToken: undefined,
    });
    return;
  }

  const id = s.nextRelayId++;
  const reserveId = evenPort?.reserve === true ? s.nextRelayId++ : undefined;
  const a = new Allocation(id, client, req.username, req.userId, families, now + lifetimeMs, plan.transport);
  a.pending = {
    transactionId: Buffer.from(msg.transactionId),
    cacheKey: req.cacheKey,
    key: req.key,
    integrity: req.integrity,
    fingerprint: req.fingerprint,
    lifetimeSeconds: lifetimeMs / 1000,
    refusedFamily,
    reserveId,
  };
  s.track(a);
  s.sink.openRelay({
    id,
    client,
    userId: req.userId,
    families,
    transport: plan.transport,
    evenPort: evenPort !== undefined,
    dontFragment: plan.dontFragment,
    reserveId,
  });
}

/**
 * Capacity (508), the admission hook, then quota (486) before a relay is asked for. The quota unit is
 * taken last, so a refusal leaves nothing to give back; `untrack` gives it back.
 */
function admit(s: EngineState, req: AuthenticatedRequest, families: readonly Family[]): true | 486 | 508 {
  const o = s.options;
  if (o.maxAllocations > 0 && s.relays.size >= o.maxAllocations) return 508;
  if (s.admitAllocation !== undefined) {
    const hook = s.admitAllocation({
      client: req.client,
      username: req.username,
      userId: req.userId,
      realm: s.auth.realm,
      families,
    });
    if (hook !== true) return hook;
  }
  if (s.quota !== undefined && !s.quota.acquire(req.userId)) return 486;
  return true;
}

/**
 * The adapter bound the relay of `relayId` (see `RelayRequest`): the Allocate succeeds. Unknown or
 * already answered ids are closed again, so a late answer cannot leak sockets.
 */
export function handleRelayOpened(s: EngineState, relayId: number, bound: RelayBound, now: number): void {
  const a = s.relays.get(relayId);
  const pending = a?.pending;
  if (a === undefined || pending === undefined) {
    const reserveId = s.abandoned.get(relayId);
    s.abandoned.delete(relayId);
    s.sink.closeRelay(relayId);
    if (reserveId !== undefined && bound.reserved !== undefined) s.sink.closeRelay(reserveId);
    return;
  }
  // A dual allocation whose IPv6 side could not be bound still succeeds (RFC 8656 §7.2).
  const missing = a.families.find((f) => !bound.addresses.some((x) => x.family === f));
  if (bound.addresses.length === 0 || missing === a.families[0]) {
    if (pending.reserveId !== undefined && bound.reserved !== undefined) s.sink.closeRelay(pending.reserveId);
    s.sink.closeRelay(relayId);
    handleRelayFailed(s, relayId, 508, now);
    return;
  }
  let reservationToken: Buffer | undefined;
  if (pending.reserveId !== undefined && bound.reserved !== undefined) {
    // RFC 8656 §14.9: the token names the reserved port for the client's next Allocate.
    reservationToken = randomBytes(8);
    const expires = now + s.options.reservationLifetimeMs;
    s.reservations.set(reservationToken.toString('hex'), {
      relayId: pending.reserveId,
      address: bound.reserved,
      expires,
    });
    s.scheduleAt(expires);
  }
  let refusedFamily: { family: Family; code: number } | undefined;
  if (pending.refusedFamily !== undefined) refusedFamily = { family: pending.refusedFamily, code: 440 };
  else if (missing !== undefined) refusedFamily = { family: missing, code: 508 };
  a.pending = undefined;
  openAllocation(s, a, bound.addresses, now, {
    transactionId: pending.transactionId,
    key: pending.key,
    integrity: pending.integrity,
    fingerprint: pending.fingerprint,
    cacheKey: pending.cacheKey,
    lifetimeMs: pending.lifetimeSeconds * 1000,
    refusedFamily,
    reservationToken,
  });
}

/**
 * The adapter could not bind the relay: the Allocate fails with 508, 440 for an unbindable family, or
 * 486 when a quota kept outside the engine (another thread's) refused the user.
 */
export function handleRelayFailed(s: EngineState, relayId: number, code: 440 | 486 | 508, now: number): void {
  const a = s.relays.get(relayId);
  const pending = a?.pending;
  if (a === undefined || pending === undefined) {
    // Deleted while pending: nothing was bound, nothing is left to close.
    s.abandoned.delete(relayId);
    return;
  }
  s.untrack(a);
  sendError(s, a.client, Method.Allocate, pending.transactionId, pending, code, now);
}

function openAllocation(
  s: EngineState,
  a: Allocation,
  addresses: readonly TransportAddress[],
  now: number,
  r: AllocateReply,
): void {
  a.relayed = addresses;
  // A dual allocation whose IPv6 side could not be bound holds IPv4 only (RFC 8656 §7.2).
  if (addresses.length < a.families.length)
    a.families = a.families.filter((f) => addresses.some((x) => x.family === f));
  a.setExpires(now + r.lifetimeMs);
  s.scheduleAt(a.expires);
  const b = new StunMessageBuilder(Method.Allocate, MessageClass.SuccessResponse, r.transactionId);
  for (const addr of addresses) b.add(XorRelayedAddress, addr);
  if (r.refusedFamily !== undefined) {
    b.add(AddressErrorCode, {
      family: r.refusedFamily.family === 'IPv4' ? AddressFamily.IPv4 : AddressFamily.IPv6,
      code: r.refusedFamily.code,
      reason: ERROR_REASONS[r.refusedFamily.code] ?? '',
    });
  }
  b.add(Lifetime, r.lifetimeMs / 1000);
  if (r.reservationToken !== undefined) b.add(ReservationToken, r.reservationToken);
  b.add(XorMappedAddress, mappedAddress(a.client));
  sealAndSend(s, a.client, b, r, now);
  s.emit('allocation-created', a);
}

/** Closes reservations due by `now`; returns the next reservation deadline (Infinity if none). */
export function expireReservations(s: EngineState, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const [token, r] of s.reservations) {
    if (r.expires <= now) {
      s.reservations.delete(token);
      s.sink.closeRelay(r.relayId);
    } else if (r.expires < next) {
      next = r.expires;
    }
  }
  return next;
}

/** Closes every reservation (shutdown). */
export function closeReservations(s: EngineState): void {
  for (const r of s.reservations.values()) s.sink.closeRelay(r.relayId);
  s.reservations.clear();
}
