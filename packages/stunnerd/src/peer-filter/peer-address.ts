import { addressBytes } from '@stunner/api';

/**
 * A peer address after normalisation (turn.md §5.3): IPv4-mapped `::ffff:a.b.c.d` and IPv4-compatible
 * `::a.b.c.d` are the IPv4 address itself; NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and
 * Teredo (2001::/32) stay IPv6 but carry the IPv4 address a translator would reach (`embedded`).
 */
export interface PeerAddress {
  readonly bytes: Buffer;
  readonly embedded: Buffer | undefined;
}

export function normalizePeerAddress(address: string): PeerAddress | undefined {
  const bytes = addressBytes(address);
  if (!bytes) return undefined;
  if (bytes.length === 4) return { bytes, embedded: undefined };
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff)
    return { bytes: bytes.subarray(12), embedded: undefined };
  // IPv4-compatible (RFC 4291 §2.5.5.1, deprecated); :: and ::1 are not.
  if (zeros(0, 12) && !zeros(12, 15)) return { bytes: bytes.subarray(12), embedded: undefined };
  const w0 = bytes.readUInt16BE(0);
  const w1 = bytes.readUInt16BE(2);
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052) and the local-use 64:ff9b:1::/48 (RFC 8215).
  if (w0 === 0x0064 && w1 === 0xff9b && zeros(4, 12)) return { bytes, embedded: bytes.subarray(12) };
  if (w0 === 0x0064 && w1 === 0xff9b && bytes.readUInt16BE(4) === 1) return { bytes, embedded: bytes.subarray(12) };
  // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
  if (w0 === 0x2002) return { bytes, embedded: bytes.subarray(2, 6) };
  // Teredo (RFC 4380): 2001:0000::/32, the client's IPv4 is the last 32 bits inverted.
  if (w0 === 0x2001 && w1 === 0x0000) return { bytes, embedded: Buffer.from(bytes.subarray(12).map((b) => b ^ 0xff)) };
  return { bytes, embedded: undefined };
}
