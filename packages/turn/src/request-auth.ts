import { Nonce, PasswordAlgorithms, Realm, type StunMessage } from '@stunner/stun';
import type { Allocation } from './allocation.ts';
import { type AuthContext, checkCredentials } from './credential-check.ts';
import type { ClientEndpoint } from './endpoint.ts';
import type { EngineState } from './engine-state.ts';
import { OFFERED_ALGORITHMS } from './password-algorithms.ts';
import { type AuthenticatedRequest, refuseUnauthenticated, respondError } from './response.ts';

/**
 * Checks credentials; on failure sends the 400/401/438 and returns undefined (no state kept). A failed
 * authentication (credentials that do not verify) first takes a token of the per-source failure limit,
 * then, like any challenge, one of the challenge limit; over either the request goes unanswered.
 */
export function authenticate(
  s: EngineState,
  msg: StunMessage,
  client: ClientEndpoint,
  now: number,
): AuthContext | undefined {
  const result = checkCredentials(msg, client.address, now, s.auth, s.nonces, s.features);
  if (typeof result !== 'string') return result;
  if (result === 'malformed') {
    refuseUnauthenticated(s, msg, client, 400);
  } else if (result === 'rejected' && !s.authFailures.allow(client.address, now)) {
    s.stats.authFailuresDropped++;
  } else {
    challenge(s, msg, client, result === 'stale' ? 438 : 401, now);
  }
  return undefined;
}

/** 401 or 438 with REALM and a fresh NONCE (RFC 8489 §9.2.4), minimal for amplification. */
function challenge(s: EngineState, msg: StunMessage, client: ClientEndpoint, code: 401 | 438, now: number): void {
  if (!s.challenges.allow(client.address, now)) {
    s.stats.challengesDropped++;
    return;
  }
  const nonce = s.nonces.issue(client.address, now);
  const realm = s.auth.realm;
  const offer = s.features.passwordAlgorithms;
  refuseUnauthenticated(s, msg, client, code, (b) => {
    b.add(Realm, realm).add(Nonce, nonce);
    // RFC 8489 §9.2.1: the algorithms go with every 401/438 whose nonce cookie announces them.
    if (offer) b.add(PasswordAlgorithms, OFFERED_ALGORITHMS);
  });
}

/** The allocation a non-Allocate request acts on, or undefined with the 437 / 441 already sent. */
export function allocationFor(s: EngineState, req: AuthenticatedRequest): Allocation | undefined {
  const a = s.clients.get(req.client);
  if (a === undefined || a.pending !== undefined) {
    // RFC 8656 §7.3, §9.2, §12.2: no allocation on this 5-tuple.
    respondError(s, req, 437);
    return undefined;
  }
  if (a.username !== req.username) {
    // RFC 8656 §5: requests on an allocation must use the credentials that created it.
    respondError(s, req, 441);
    return undefined;
  }
  return a;
}
