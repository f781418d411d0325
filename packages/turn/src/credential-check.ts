import { Attr, type StunMessage, verifyMessageIntegrity, verifyMessageIntegritySha256 } from '@stunner/stun';
import type { Authenticator } from './auth.ts';
import type { NonceIssuer } from './nonce.ts';

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
 * Long-term credential checks of RFC 8489 §9.2.4, in order: no integrity → 401; integrity without
 * USERNAME, REALM or NONCE → 400; a nonce not issued to this client address or expired → 438; another
 * realm, an unknown or expired username, or integrity that does not verify over the received bytes →
 * 401. Pure: nothing is stored whatever the outcome.
 */
export function checkCredentials(
  msg: StunMessage,
  clientAddress: string,
  now: number,
  auth: Authenticator,
  nonces: NonceIssuer,
): AuthContext | 400 | 401 | 438 {
  const hasSha256 = msg.integritySha256Offset >= 0;
  if (msg.integrityOffset < 0 && !hasSha256) return 401;
  const usernameAttr = msg.find(Attr.Username);
  const realmAttr = msg.find(Attr.Realm);
  const nonceAttr = msg.find(Attr.Nonce);
  if (usernameAttr === undefined || realmAttr === undefined || nonceAttr === undefined) return 400;
  // The nonce first: it is the cheapest check and needs no key.
  if (nonces.check(nonceAttr.value.toString('utf8'), clientAddress, now) !== 'valid') return 438;
  if (realmAttr.value.toString('utf8') !== auth.realm) return 401;
  const username = usernameAttr.value.toString('utf8');
  const creds = auth.lookup(username, Math.floor(now / 1000));
  if (!creds.ok) return 401;
  // MESSAGE-INTEGRITY-SHA256 when present, else MESSAGE-INTEGRITY; constant-time compares in the codec.
  const valid = hasSha256 ? verifyMessageIntegritySha256(msg, creds.key) : verifyMessageIntegrity(msg, creds.key);
  if (!valid) return 401;
  return { username, userId: creds.userId, key: creds.key, integrity: hasSha256 ? 'sha256' : 'sha1' };
}
