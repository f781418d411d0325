import { Attr, Lifetime, RequestedAddressFamily } from '@stunner/stun';
import { familyOfOctet, grantedLifetimeMs } from './allocate-request.ts';
import type { Allocation } from './allocation.ts';
import type { Family } from './endpoint.ts';
import type { EngineState } from './engine-state.ts';
import { allocationFor } from './request-auth.ts';
import { type AuthenticatedRequest, respondError, respondSuccess } from './response.ts';

/**
 * Refresh (RFC 8656 §7.3–7.4): extends the allocation, or deletes it with LIFETIME 0. With
 * REQUESTED-ADDRESS-FAMILY on a dual allocation only that family is refreshed, or deleted while the
 * other family goes on.
 */
export function handleRefresh(s: EngineState, req: AuthenticatedRequest): void {
  const a = allocationFor(s, req);
  if (a === undefined) return;
  const { msg } = req;
  let family: Family | undefined;
  if (msg.has(Attr.RequestedAddressFamily)) {
    family = familyOfOctet(msg.get(RequestedAddressFamily));
    // RFC 8656 §7.3: a family the allocation does not have → 443.
    if (family === undefined || !a.hasFamily(family)) {
      respondError(s, req, 443);
      return;
    }
  }
  const onlyFamily = family !== undefined && a.families.length > 1 ? family : undefined;
  const requested = msg.get(Lifetime);
  if (requested === 0) {
    if (onlyFamily !== undefined) dropFamily(s, a, onlyFamily);
    else s.deleteAllocation(a, 'refresh');
    respondSuccess(s, req, (b) => b.add(Lifetime, 0));
    return;
  }
  const lifetimeMs = grantedLifetimeMs(requested, s.options.defaultLifetimeMs, s.options.maxLifetimeMs);
  if (onlyFamily !== undefined) a.setFamilyExpires(onlyFamily, req.now + lifetimeMs);
  else a.setExpires(req.now + lifetimeMs);
  s.scheduleAt(req.now + lifetimeMs);
  respondSuccess(s, req, (b) => b.add(Lifetime, lifetimeMs / 1000));
}

/** One family of a dual allocation ends; the allocation goes on with the other. */
export function dropFamily(s: EngineState, a: Allocation, family: Family): void {
  a.dropFamily(family);
  s.sink.closeRelayFamily?.(a.id, family);
  s.emit('allocation-family-deleted', a, family);
}
