import {
  Attr,
  type KeyAlgorithm,
  type StunMessage,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
} from '@stunner/stun';
import type { Authenticator } from './auth.ts';
import type { NonceIssuer } from './nonce.ts';
import { requestedAlgorithm } from './password-algorithms.ts';

/** The RFC 8489 §9.2 security features this server offers in its nonce cookie. */
export interface SecurityFeatures {
  readonly passwordAlgorithms: boolean;
  readonly userhash: boolean;
}

const NO_FEATURES: SecurityFeatures = { passwordAlgorithms: false, userhash: false };

/** A request that passed the long-term credential checks. */
export interface AuthContext {
  readonly username: string;
  /** Quota key: the username, or its user part for ephemeral `<expiry>:<user>` (stunner-v1.md §1.9). */
  readonly userId: string;
  readonly key: Buffer;
  /** The integrity attribute the client used, which the responses carry too. */
  readonly integrity: 'sha1' | 'sha256';
}

/**
 * Why a request did not authenticate, and so what it is answered (RFC 8489 §9.2.4): `challenge` (no
 * integrity: 401), `malformed` (400), `stale` (438), `rejected` (credentials that do not verify: 401,
 * and counted as a failed authentication, which is limited harder than challenges).
 */
export type CredentialFailure = 'challenge' | 'malformed' | 'stale' | 'rejected';

/**
 * Long-term credential checks of RFC 8489 §9.2.4, in order: no integrity → challenge; integrity without
 * USERNAME (or USERHASH), REALM or NONCE → malformed; a nonce not issued to this client address, or
 * expired, or with other security features than this server offers → stale; PASSWORD-ALGORITHM(S) not
 * as offered → malformed; another realm, an unknown or expired user, or integrity that does not verify
 * over the received bytes (with the key of the chosen algorithm) → rejected. Pure: nothing is stored.
 */
export function checkCredentials(
  msg: StunMessage,
  clientAddress: string,
  now: number,
  auth: Authenticator,
  nonces: NonceIssuer,
  features: SecurityFeatures,
): AuthContext | CredentialFailure {
  const hasSha256 = msg.integritySha256Offset >= 0;
  if (msg.integrityOffset < 0 && !hasSha256) return 'challenge';
  const nonceAttr = msg.find(Attr.Nonce);
  const nonce = nonceAttr?.value.toString('utf8');
  // The features count as offered only under a nonce that carries the cookie: a 401 that had to leave
  // them out (the UDP response budget) offered none, and a request acting on them is malformed.
  const offered = nonce !== undefined && nonces.hasCookie(nonce) ? features : NO_FEATURES;
  const usernameAttr = msg.find(Attr.Username);
  // RFC 8489 §9.2.4: USERHASH stands for USERNAME where the server offered username anonymity.
  const userhashAttr = usernameAttr === undefined && offered.userhash ? msg.find(Attr.Userhash) : undefined;
  const realmAttr = msg.find(Attr.Realm);
  if ((usernameAttr === undefined && userhashAttr === undefined) || realmAttr === undefined || nonce === undefined) {
    return 'malformed';
  }
  // The nonce first: it is the cheapest check and needs no key.
  if (nonces.check(nonce, clientAddress, now) !== 'valid') return 'stale';
  let algorithm: KeyAlgorithm | 'malformed';
  try {
    algorithm = requestedAlgorithm(msg, offered.passwordAlgorithms);
  } catch {
    return 'malformed';
  }
  if (algorithm === 'malformed') return 'malformed';
  if (realmAttr.value.toString('utf8') !== auth.realm) return 'rejected';
  const username =
    usernameAttr !== undefined ? usernameAttr.value.toString('utf8') : auth.usernameForHash(userhashAttr!.value);
  if (username === undefined) return 'rejected';
  const creds = auth.lookup(username, Math.floor(now / 1000), algorithm);
  if (!creds.ok) return 'rejected';
  // MESSAGE-INTEGRITY-SHA256 when present, else MESSAGE-INTEGRITY; constant-time compares in the codec.
  const valid = hasSha256 ? verifyMessageIntegritySha256(msg, creds.key) : verifyMessageIntegrity(msg, creds.key);
  if (!valid) return 'rejected';
  return { username, userId: creds.userId, key: creds.key, integrity: hasSha256 ? 'sha256' : 'sha1' };
}
