import { ERROR_REASONS, Nonce, PasswordAlgorithms, Realm, type StunMessage } from '@stunner/stun';
import type { Allocation } from './allocation.ts';
import { type AuthContext, checkCredentials } from './credential-check.ts';
import type { ClientEndpoint } from './endpoint.ts';
import type { EngineState } from './engine-state.ts';
import { OFFERED_ALGORITHMS, OFFERED_BYTES } from './password-algorithms.ts';
import { type AuthenticatedRequest, refuseUnauthenticated, respondError } from './response.ts';
import { attributeBytes, errorResponseBytes, reasonFits, unauthenticatedBudget } from './response-budget.ts';

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

/**
 * 401 or 438 with REALM and a fresh NONCE (RFC 8489 §9.2.4), within the response budget of a request
 * that did not authenticate (turn.md §5.4: 2× the request on UDP). REALM and NONCE are required; what
 * is optional is left out when it would not fit, in this order: the RFC 8489 §9.2.1 features (the
 * nonce cookie and PASSWORD-ALGORITHMS; the nonce is then issued without the cookie, and the client
 * goes on the RFC 5389 way, with MD5 and USERNAME, as browsers do), then the reason phrase. An RFC 8489
 * client that wants the features sends a request large enough for them (with SOFTWARE, say). A
 * request too small even for REALM and NONCE (a bare 20-byte Refresh) is still answered, as §9.2.4
 * requires; the per-source challenge limit bounds that rate.
 */
function challenge(s: EngineState, msg: StunMessage, client: ClientEndpoint, code: 401 | 438, now: number): void {
  if (!s.challenges.allow(client.address, now)) {
    s.stats.challengesDropped++;
    return;
  }
  const realm = s.auth.realm;
  const budget = unauthenticatedBudget(msg, client);
  const required = attributeBytes(Buffer.byteLength(realm)) + attributeBytes(s.nonces.length(false));
  const featureBytes = attributeBytes(s.nonces.length(true)) - attributeBytes(s.nonces.length(false)) + OFFERED_BYTES;
  // RFC 8489 §9.2.1: the algorithms go with every 401/438 whose nonce cookie announces them.
  const offer =
    s.features.passwordAlgorithms &&
    reasonFits(errorResponseBytes(msg, required + featureBytes), ERROR_REASONS[code]!, budget);
  const nonce = s.nonces.issue(client.address, now, offer);
  refuseUnauthenticated(
    s,
    msg,
    client,
    code,
    (b) => {
      b.add(Realm, realm).add(Nonce, nonce);
      if (offer) b.add(PasswordAlgorithms, OFFERED_ALGORITHMS);
    },
    required + (offer ? featureBytes : 0),
  );
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
