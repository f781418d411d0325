import { hash } from 'node:crypto';

const BLOCK = 64;

/**
 * HMAC (RFC 2104) of `data[start, end)` with the 16-bit word at `lengthAt` replaced by `length`, as
 * STUN integrity needs (RFC 8489 §14.5). Built on the one-shot `crypto.hash`, which costs a quarter of
 * a `createHmac` object per message on Node 24. SHA-1 and SHA-256 share the 64-byte block.
 */
export function stunHmac(
  algorithm: 'sha1' | 'sha256',
  key: Buffer,
  data: Buffer,
  end: number,
  lengthAt: number,
  length: number,
): Buffer {
  const k = key.length > BLOCK ? (hash(algorithm, key, 'buffer') as Buffer) : key;
  const inner = Buffer.allocUnsafe(BLOCK + end);
  inner.fill(0x36, 0, BLOCK);
  for (let i = 0; i < k.length; i++) inner[i]! ^= k[i]!;
  data.copy(inner, BLOCK, 0, end);
  inner.writeUInt16BE(length, BLOCK + lengthAt);
  const innerHash = hash(algorithm, inner, 'buffer') as Buffer;
  const outer = Buffer.allocUnsafe(BLOCK + innerHash.length);
  outer.fill(0x5c, 0, BLOCK);
  for (let i = 0; i < k.length; i++) outer[i]! ^= k[i]!;
  innerHash.copy(outer, BLOCK);
  return hash(algorithm, outer, 'buffer') as Buffer;
}
