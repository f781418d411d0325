import { isIPv4, isIPv6 } from 'node:net';
import { StunCodecError } from './errors.ts';

/** A transport address as sockets report it: `address` in Node's textual form. */
export interface TransportAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

function writeIPv4(ip: string, out: Buffer, offset: number): void {
  let part = 0;
  let value = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i < ip.length ? ip.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      out[offset + part++] = value;
      value = 0;
    } else {
      value = value * 10 + (c - 0x30);
    }
  }
}

/** Writes the 4 or 16 address bytes of `ip` into `out` at `offset`; returns the count written. */
export function writeIpBytes(ip: string, out: Buffer, offset: number): number {
  if (isIPv4(ip)) {
    writeIPv4(ip, out, offset);
    return 4;
  }
  if (!isIPv6(ip)) throw new StunCodecError('STUN_ERR_INVALID_ARGUMENT', `"${ip}" is not an IP address`);
  const zone = ip.indexOf('%');
  const text = zone >= 0 ? ip.slice(0, zone) : ip;
  const groups = new Array<number>(8).fill(0);
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (s: string | undefined): number[] => {
    if (!s) return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const v4 = Buffer.alloc(4);
        writeIPv4(g, v4, 0);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  for (let i = 0; i < h.length; i++) groups[i] = h[i]!;
  for (let i = 0; i < t.length; i++) groups[8 - t.length + i] = t[i]!;
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i]!, offset + 2 * i);
  return 16;
}

export function ipToBytes(ip: string): Buffer {
  const out = Buffer.alloc(16);
  const n = writeIpBytes(ip, out, 0);
  return n === 4 ? out.subarray(0, 4) : out;
}

/** Formats 4 or 16 address bytes the way Node reports addresses (RFC 5952 for IPv6). */
export function bytesToIp(buf: Buffer, offset: number, length: 4 | 16): string {
  if (length === 4) return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(offset + 2 * i));
  // IPv4-mapped addresses in the mixed form Node itself reports (RFC 5952 §5).
  if (groups[5] === 0xffff && groups.slice(0, 5).every((g) => g === 0)) {
    return `::ffff:${bytesToIp(buf, offset + 12, 4)}`;
  }
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
