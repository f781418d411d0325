import { Attr, Lifetime, RequestedAddressFamily } from '@stunner/stun';
import { familyOfOctet, grantedLifetimeMs } from './allocate-request.ts';
import type { EngineState } from './engine-state.ts';
import { allocationFor } from './request-auth.ts';
import { type AuthenticatedRequest, respondError, respondSuccess } from './response.ts';

/** Refresh (RFC 8656 §7.3–7.4): extends the allocation, or deletes it with LIFETIME 0. */
export function handleRefresh(s: EngineState, req: AuthenticatedRequest): void {
  const a = allocationFor(s, req);
  if (a === undefined) return;
  const { msg } = req;
  if (msg.has(Attr.RequestedAddressFamily)) {
    const family = familyOfOctet(msg.get(RequestedAddressFamily));
    // RFC 8656 §7.3: a family the allocation does not have → 443.
    if (family === undefined || !a.hasFamily(family)) {
      respondError(s, req, 443);
      return;
    }
  }
  const requested = msg.get(Lifetime);
  if (requested === 0) {
    s.deleteAllocation(a, 'refresh');
    respondSuccess(s, req, (b) => b.add(Lifetime, 0));
    return;
  }
  const lifetimeMs = grantedLifetimeMs(requested, s.options.defaultLifetimeMs, s.options.maxLifetimeMs);
  a.expires = req.now + lifetimeMs;
  respondSuccess(s, req, (b) => b.add(Lifetime, lifetimeMs / 1000));
}
