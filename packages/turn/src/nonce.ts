import { timingSafeEqual } from 'node:crypto';
import { hmac } from '@stunner/stun';

/** Low 24 bits of the issue time in seconds: with the lifetime capped below half the wrap, enough to rebuild it. */
const TIMESTAMP_BYTES = 3;
const MAC_BYTES = 6;
const NONCE_BYTES = TIMESTAMP_BYTES + MAC_BYTES;
/** base64url of 9 bytes: 12 characters, no padding. */
const NONCE_CHARS = 12;
const WRAP_SECONDS = 2 ** 24;
/** Longest lifetime a 24-bit timestamp can tell from the next wrap (≈ 97 days). */
export const MAX_NONCE_LIFETIME_SECONDS = WRAP_SECONDS / 2;
/** Client IPs whose nonce of the current second is kept (per cookie choice); more are computed each time. */
const MEMO_ENTRIES = 1024;
/** Nonces stamped this far in the future are accepted (clock steps between workers sharing a secret). */
const FUTURE_SKEW_SECONDS = 5;

export type NonceCheck = 'valid' | 'stale' | 'invalid';

/**
 * Stateless nonces (RFC 8489 §9.2, turn.md §5.4): base64url of the low 24 bits of the issue time in
 * seconds and a 48-bit truncated HMAC-SHA256 over the full issue time, the nonce cookie (or its
 * absence) and the client IP. Unauthenticated requests leave no state behind; a nonce only verifies
 * for the client address it was issued to, and expires after `lifetimeSeconds` (then 438 Stale Nonce,
 * RFC 8489 §9.2.4).
 *
 * Why 12 characters (was 16: a 32-bit time and a 64-bit MAC): the nonce only proves that its holder
 * received a response at that IP recently; the password still protects every request. 48 bits of MAC
 * leave a forger one chance in 2^48 per request sent (each also costs a token of the per-source
 * challenge limit), within a lifetime of minutes. The MAC covers the full time, rebuilt from its
 * low bits as the nearest past (or, within the skew, future) instant, so a nonce never comes back to
 * life when the 24-bit counter wraps (194 days). Every 16-character nonce of the earlier format is
 * invalid (its length differs), which the engine answers like a stale one: 438 with a fresh nonce.
 *
 * `cookie` (RFC 8489 §9.2: "obMatJos2" and the offered feature bits) starts the nonces issued with it.
 * A nonce may also be issued without it, which offers none of the features (an RFC 5389 challenge,
 * small enough for the UDP response budget). The MAC covers which of the two it is, so a cookie removed
 * or changed in transit (a bid-down) makes the nonce invalid.
 */
export class NonceIssuer {
  readonly #secret: Buffer;
  readonly #lifetimeSeconds: number;
  readonly #cookie: string;
  /**
   * Nonces issued in second `#memoSecond`, by client IP (with and without the cookie): a nonce is a
   * function of the second, the cookie and the IP, so a source challenged again within the second
   * (a flood's, or a client's retransmit) gets the same string without a second HMAC. Bounded
   * (MEMO_ENTRIES) and emptied every second: memory stays flat whatever the sources.
   */
  readonly #memo = new Map<string, string>();
  readonly #memoPlain = new Map<string, string>();
  #memoSecond = -1;

  constructor(secret: Buffer, lifetimeSeconds: number, cookie = '') {
    this.#secret = secret;
    this.#lifetimeSeconds = Math.min(lifetimeSeconds, MAX_NONCE_LIFETIME_SECONDS);
    this.#cookie = cookie;
  }

  /** The nonce cookie this issuer can put in front ('' when it offers no feature). */
  get cookie(): string {
    return this.#cookie;
  }

  /** Characters of an issued nonce: with the cookie, or without. */
  length(withCookie: boolean): number {
    return (withCookie ? this.#cookie.length : 0) + NONCE_CHARS;
  }

  /** A fresh nonce for `clientAddress`; with the cookie only if asked and this issuer has one. */
  issue(clientAddress: string, nowMs: number, withCookie = true): string {
    const prefix = withCookie ? this.#cookie : '';
    const seconds = Math.max(0, Math.floor(nowMs / 1000));
    if (seconds !== this.#memoSecond) {
      this.#memo.clear();
      this.#memoPlain.clear();
      this.#memoSecond = seconds;
    }
    const memo = prefix === '' ? this.#memoPlain : this.#memo;
    const known = memo.get(clientAddress);
    if (known !== undefined) return known;
    const out = Buffer.allocUnsafe(NONCE_BYTES);
    out.writeUIntBE(seconds % WRAP_SECONDS, 0, TIMESTAMP_BYTES);
    this.#mac(seconds, prefix, clientAddress).copy(out, TIMESTAMP_BYTES, 0, MAC_BYTES);
    const nonce = prefix + out.toString('base64url');
    if (memo.size < MEMO_ENTRIES) memo.set(clientAddress, nonce);
    return nonce;
  }

  /** Whether `nonce` carries this issuer's cookie, i.e. was issued offering the RFC 8489 features. */
  hasCookie(nonce: string): boolean {
    return this.#cookie !== '' && nonce.length === this.length(true) && nonce.startsWith(this.#cookie);
  }

  check(nonce: string, clientAddress: string, nowMs: number): NonceCheck {
    const prefix = this.hasCookie(nonce) ? this.#cookie : '';
    if (nonce.length !== prefix.length + NONCE_CHARS) return 'invalid';
    const raw = Buffer.from(nonce.slice(prefix.length), 'base64url');
    if (raw.length !== NONCE_BYTES) return 'invalid';
    const now = Math.floor(nowMs / 1000);
    let age = (now - raw.readUIntBE(0, TIMESTAMP_BYTES)) % WRAP_SECONDS;
    if (age < 0) age += WRAP_SECONDS;
    if (age >= WRAP_SECONDS - FUTURE_SKEW_SECONDS) age -= WRAP_SECONDS;
    // Issued before the engine's time origin (a clock near 0): never ours.
    if (now - age < 0) return 'invalid';
    const mac = this.#mac(now - age, prefix, clientAddress);
    if (!timingSafeEqual(mac.subarray(0, MAC_BYTES), raw.subarray(TIMESTAMP_BYTES))) return 'invalid';
    return age > this.#lifetimeSeconds ? 'stale' : 'valid';
  }

  #mac(seconds: number, prefix: string, clientAddress: string): Buffer {
    // The issue time, the cookie (or nothing), a NUL and the client IP: ASCII all, one byte a character.
    const input = Buffer.allocUnsafe(6 + prefix.length + 1 + clientAddress.length);
    input.writeUIntBE(seconds, 0, 6);
    input.write(prefix, 6, 'latin1');
    input[6 + prefix.length] = 0;
    input.write(clientAddress, 7 + prefix.length, 'latin1');
    return hmac('sha256', this.#secret, input);
  }
}
