/**
 * RFC 8489 §9.2: a server that supports the newer security features starts its NONCE with the
 * "nonce cookie" and four base64 characters of a 24-bit feature set, bit 0 being the most significant.
 * A client that sees a feature bit may use the feature; a server that checks the cookie it issued
 * notices a bid-down (an attacker clearing the bits in transit).
 */
export const NONCE_COOKIE = 'obMatJos2';

/** Security feature bits (RFC 8489 §18.1). */
export const SecurityFeature = {
  /** PASSWORD-ALGORITHMS / PASSWORD-ALGORITHM (§9.2.1). */
  PasswordAlgorithms: 0x800000,
  /** USERHASH instead of USERNAME (§9.2.1). */
  UsernameAnonymity: 0x400000,
} as const;

/** The 13-character nonce prefix announcing `features`. */
export function nonceCookie(features: number): string {
  const bits = Buffer.alloc(3);
  bits.writeUIntBE(features & 0xffffff, 0, 3);
  return NONCE_COOKIE + bits.toString('base64');
}

/** The feature set a NONCE announces; 0 when it has no nonce cookie (RFC 5389 servers, or none offered). */
export function nonceFeatures(nonce: string): number {
  if (nonce.length < NONCE_COOKIE.length + 4 || !nonce.startsWith(NONCE_COOKIE)) return 0;
  const bits = Buffer.from(nonce.slice(NONCE_COOKIE.length, NONCE_COOKIE.length + 4), 'base64');
  return bits.length === 3 ? bits.readUIntBE(0, 3) : 0;
}
