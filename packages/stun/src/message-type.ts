import { StunCodecError } from './errors.ts';

/**
 * RFC 8489 §5: the 14-bit message type interleaves the 12 method bits M11..M0 with the class
 * bits C1 (bit 8) and C0 (bit 4).
 */
export function encodeMessageType(method: number, cls: number): number {
  if (!Number.isInteger(method) || method < 0 || method > 0xfff) {
    throw new StunCodecError('STUN_ERR_INVALID_ARGUMENT', `method ${method} is outside 0x000–0xFFF`);
  }
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
}

export function methodOf(type: number): number {
  return (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
}

export function classOf(type: number): number {
  return ((type >> 4) & 1) | ((type >> 7) & 2);
}
