import { createHash } from 'node:crypto';
import { StunCodecError } from './errors.ts';
import { hmac } from './hmac.ts';

export type KeyAlgorithm = 'MD5' | 'SHA-256';

/**
 * Long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password), or SHA-256 of the
 * same string when PASSWORD-ALGORITHM selects it. Strings are used as given, as STUNner and coturn do;
 * apply `saslPrep` first for RFC 5389-style OpaqueString processing.
 */
export function longTermKey(
  username: string,
  realm: string,
  password: string,
  algorithm: KeyAlgorithm = 'MD5',
): Buffer {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
    .update(`${username}:${realm}:${password}`, 'utf8')
    .digest();
}

/** RFC 8489 §14.4: USERHASH = SHA-256(username ":" realm). */
export function userHash(username: string, realm: string): Buffer {
  return createHash('sha256').update(`${username}:${realm}`, 'utf8').digest();
}

/**
 * TURN REST API password (draft-uberti-behave-turn-rest-00, coturn `use-auth-secret`):
 * base64(HMAC-SHA1(secret, username)).
 */
export function ephemeralPassword(secret: string, username: string): string {
  return hmac('sha1', Buffer.from(secret, 'utf8'), Buffer.from(username, 'utf8')).toString('base64');
}

/**
 * A time-windowed TURN REST username `<expiry>:<userId>`, expiry in UNIX seconds. An empty `userId`
 * leaves the trailing colon, as STUNner's generator does.
 */
export function ephemeralUsername(nowSeconds: number, ttlSeconds: number, userId: string): string {
  if (!Number.isFinite(nowSeconds) || !Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
    throw new StunCodecError('STUN_ERR_INVALID_ARGUMENT', `invalid time window now=${nowSeconds} ttl=${ttlSeconds}`);
  }
  return `${Math.floor(nowSeconds + ttlSeconds)}:${userId}`;
}

export interface EphemeralCredentials {
  username: string;
  password: string;
  /** UNIX seconds after which the server refuses the username. */
  expiry: number;
}

export function generateEphemeralCredentials(
  secret: string,
  userId: string,
  nowSeconds: number,
  ttlSeconds: number,
): EphemeralCredentials {
  const username = ephemeralUsername(nowSeconds, ttlSeconds, userId);
  return { username, password: ephemeralPassword(secret, username), expiry: Math.floor(nowSeconds + ttlSeconds) };
}

export type EphemeralUsernameCheck =
  | { ok: true; expiry: number; userId: string }
  | { ok: false; reason: 'no-timestamp' | 'expired'; expiry?: number };

// Go's strconv.Atoi, which STUNner uses to find the timestamp: optional sign, decimal digits, fits int64.
const INTEGER = /^[+-]?\d+$/;

/**
 * Checks an ephemeral username the way STUNner does (stunner-v1.md §1.9): it is split on ':', the
 * first component that parses as an integer is the expiry; none or zero is refused, a past expiry is
 * expired. Accepted: `1700000000`, `1700000000:user`, `user:1700000000`, `user:1700000000:extra`.
 * The user id (for quotas) is the second component when there are exactly two and the timestamp is
 * first; otherwise the whole username.
 */
export function checkEphemeralUsername(username: string, nowSeconds: number): EphemeralUsernameCheck {
  const parts = username.split(':');
  let index = -1;
  let expiry = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!INTEGER.test(p)) continue;
    const n = Number(p);
    if (!Number.isSafeInteger(n)) continue;
    index = i;
    expiry = n;
    break;
  }
  if (index < 0 || expiry <= 0) return { ok: false, reason: 'no-timestamp' };
  if (expiry < nowSeconds) return { ok: false, reason: 'expired', expiry };
  const userId = parts.length === 2 && index === 0 ? parts[1]! : username;
  return { ok: true, expiry, userId };
}
