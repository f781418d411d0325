import { hash } from 'node:crypto';

const BLOCK = 64;

export type HmacAlgorithm = 'sha1' | 'sha256';

/** `key` as one block, `pad` (0x36 inner, 0x5c outer) XORed in, and `room` bytes after it (RFC 2104 §2). */
function paddedKey(algorithm: HmacAlgorithm, key: Buffer, pad: number, room: number): Buffer {
  const k = key.length > BLOCK ? (hash(algorithm, key, 'buffer') as Buffer) : key;
  const out = Buffer.allocUnsafe(BLOCK + room);
  out.fill(pad, 0, BLOCK);
  for (let i = 0; i < k.length; i++) out[i]! ^= k[i]!;
  return out;
}

function outerHash(algorithm: HmacAlgorithm, key: Buffer, innerHash: Buffer): Buffer {
  const outer = paddedKey(algorithm, key, 0x5c, innerHash.length);
  innerHash.copy(outer, BLOCK);
  return hash(algorithm, outer, 'buffer') as Buffer;
}

/**
 * HMAC (RFC 2104) of `data[0, end)`, built on the one-shot `crypto.hash`, which costs a quarter of a
 * `createHmac` object per call on Node 24. SHA-1 and SHA-256 share the 64-byte block.
 */
export function hmac(algorithm: HmacAlgorithm, key: Buffer, data: Buffer, end = data.length): Buffer {
  const inner = paddedKey(algorithm, key, 0x36, end);
  data.copy(inner, BLOCK, 0, end);
  return outerHash(algorithm, key, hash(algorithm, inner, 'buffer') as Buffer);
}

/**
 * HMAC of `data[0, end)` with the 16-bit word at `lengthAt` replaced by `length`, as STUN integrity
 * needs (RFC 8489 §14.5).
 */
export function stunHmac(
  algorithm: HmacAlgorithm,
  key: Buffer,
  data: Buffer,
  end: number,
  lengthAt: number,
  length: number,
): Buffer {
  const inner = paddedKey(algorithm, key, 0x36, end);
  data.copy(inner, BLOCK, 0, end);
  inner.writeUInt16BE(length, BLOCK + lengthAt);
  return outerHash(algorithm, key, hash(algorithm, inner, 'buffer') as Buffer);
}
