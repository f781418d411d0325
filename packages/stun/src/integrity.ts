import { timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { FINGERPRINT_XOR, HEADER_LENGTH } from './constants.ts';
import { stunHmac } from './hmac.ts';
import type { StunMessage } from './message.ts';

/**
 * HMAC over the message up to the integrity attribute at `offset`, with the header length field set
 * as if that attribute were the last one (RFC 8489 §14.5–14.6). Computed over the received bytes.
 */
export function computeIntegrity(
  raw: Buffer,
  offset: number,
  key: Buffer,
  algorithm: 'sha1' | 'sha256',
  macLength: number,
): Buffer {
  return stunHmac(algorithm, key, raw, offset, 2, offset - HEADER_LENGTH + 4 + macLength);
}

/** Verifies MESSAGE-INTEGRITY (HMAC-SHA1) with a constant-time compare; false when it is absent. */
export function verifyMessageIntegrity(msg: StunMessage, key: Buffer): boolean {
  const offset = msg.integrityOffset;
  if (offset < 0) return false;
  const mac = computeIntegrity(msg.raw, offset, key, 'sha1', 20);
  return timingSafeEqual(mac, msg.raw.subarray(offset + 4, offset + 24));
}

/**
 * Verifies MESSAGE-INTEGRITY-SHA256, which may be truncated to 16–32 bytes (RFC 8489 §14.6);
 * false when it is absent.
 */
export function verifyMessageIntegritySha256(msg: StunMessage, key: Buffer): boolean {
  const offset = msg.integritySha256Offset;
  if (offset < 0) return false;
  const len = msg.raw.readUInt16BE(offset + 2);
  const mac = computeIntegrity(msg.raw, offset, key, 'sha256', len);
  return timingSafeEqual(mac.subarray(0, len), msg.raw.subarray(offset + 4, offset + 4 + len));
}

/** FINGERPRINT value over the bytes before the attribute at `offset` (RFC 8489 §14.7). */
export function computeFingerprint(raw: Buffer, offset: number): number {
  return (crc32(raw.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0;
}
