import { expireReservations } from './allocate-handler.ts';
import type { Allocation, Channel } from './allocation.ts';
import { expireConnections } from './connect-handler.ts';
import type { EngineState } from './engine-state.ts';
import { dropFamily } from './refresh-handler.ts';

const permissionExpired = (s: EngineState) => (a: Allocation, address: string) =>
  s.emit('permission-expired', a, address);
const channelExpired = (s: EngineState) => (a: Allocation, ch: Channel) =>
  s.emit('channel-expired', a, ch.number, ch.address, ch.port);

/**
 * The engine's timer pass: expires allocations (RFC 8656 §7), one family of a dual allocation (§7.3),
 * permissions (§9), channels (§12), reservations, RFC 6062 peer connections and cached responses due
 * by `now`, and sets the next deadline. One pass over the allocations, run only when it is due.
 */
export function sweepTimers(s: EngineState, now: number): void {
  if (now < s.nextTimeout) return;
  let next = s.transactions.sweep(now);
  const reservationDue = expireReservations(s, now);
  if (reservationDue < next) next = reservationDue;
  if (s.connections.size > 0) {
    const connectionDue = expireConnections(s, now);
    if (connectionDue < next) next = connectionDue;
  }
  const onPermission = permissionExpired(s);
  const onChannel = channelExpired(s);
  for (const a of [...s.relays.values()]) {
    // An adapter that never answers a relay request cannot hold the 5-tuple beyond the lifetime.
    if (a.expires <= now) {
      s.deleteAllocation(a, 'expired');
      continue;
    }
    if (a.pending !== undefined) {
      if (a.expires < next) next = a.expires;
      continue;
    }
    for (let f = a.expiredFamily(now); f !== undefined; f = a.expiredFamily(now)) dropFamily(s, a, f);
    const familyDue = a.familyExpires === undefined ? a.expires : Math.min(...a.familyExpires);
    if (familyDue < next) next = familyDue;
    const due = a.sweep(now, s.options.channelReuseDelayMs, onPermission, onChannel);
    if (due < next) next = due;
  }
  s.nextTimeout = next;
}
