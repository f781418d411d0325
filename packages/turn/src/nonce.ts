import { createHmac, timingSafeEqual } from 'node:crypto';

const TIMESTAMP_BYTES = 4;
const MAC_BYTES = 8;
const NONCE_BYTES = TIMESTAMP_BYTES + MAC_BYTES;
/** Nonces stamped this far in the future are accepted (clock steps between workers sharing a secret). */
const FUTURE_SKEW_SECONDS = 5;

export type NonceCheck = 'valid' | 'stale' | 'invalid';

/**
 * Stateless nonces (RFC 8489 §9.2, turn.md §5.4): base64url of a 32-bit issue time in seconds and a
 * truncated HMAC-SHA256 over that time and the client IP. Unauthenticated requests leave no state
 * behind; a nonce only verifies for the client address it was issued to, and expires after
 * `lifetimeSeconds` (then 438 Stale Nonce, RFC 8489 §9.2.4). 16 characters keep the 401 small.
 */
export class NonceIssuer {
  readonly #secret: Buffer;
  readonly #lifetimeSeconds: number;
  readonly #prefix: string;

  /**
   * `prefix` starts every nonce: the RFC 8489 §9.2 nonce cookie with the security features offered.
   * A nonce whose prefix differs (features cleared in transit: a bid-down) does not verify.
   */
  constructor(secret: Buffer, lifetimeSeconds: number, prefix = '') {
    this.#secret = secret;
    this.#lifetimeSeconds = lifetimeSeconds;
    this.#prefix = prefix;
  }

  issue(clientAddress: string, nowMs: number): string {
    const out = Buffer.allocUnsafe(NONCE_BYTES);
    out.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 0);
    this.#mac(out.subarray(0, TIMESTAMP_BYTES), clientAddress).copy(out, TIMESTAMP_BYTES, 0, MAC_BYTES);
    return this.#prefix + out.toString('base64url');
  }

  check(nonce: string, clientAddress: string, nowMs: number): NonceCheck {
    if (nonce.length !== this.#prefix.length + 16 || !nonce.startsWith(this.#prefix)) return 'invalid';
    const raw = Buffer.from(nonce.slice(this.#prefix.length), 'base64url');
    if (raw.length !== NONCE_BYTES) return 'invalid';
    const mac = this.#mac(raw.subarray(0, TIMESTAMP_BYTES), clientAddress);
    if (!timingSafeEqual(mac.subarray(0, MAC_BYTES), raw.subarray(TIMESTAMP_BYTES))) return 'invalid';
    const age = Math.floor(nowMs / 1000) - raw.readUInt32BE(0);
    if (age < -FUTURE_SKEW_SECONDS) return 'invalid';
    return age > this.#lifetimeSeconds ? 'stale' : 'valid';
  }

  #mac(timestamp: Buffer, clientAddress: string): Buffer {
    return createHmac('sha256', this.#secret).update(timestamp).update(clientAddress, 'utf8').digest();
  }
}
