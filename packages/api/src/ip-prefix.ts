import { isIP } from 'node:net';
import { bytesToIp, ipToBytes } from '@stunner/stun';

/** An address prefix: the network bytes (4 or 16) and how many leading bits count. */
export interface IpPrefix {
  readonly bytes: Buffer;
  readonly bits: number;
}

/** Address bytes of a textual IP, without an IPv6 zone; undefined when it is not an IP. */
export function addressBytes(address: string): Buffer | undefined {
  const zone = address.indexOf('%');
  const ip = zone >= 0 ? address.slice(0, zone) : address;
  return isIP(ip) === 0 ? undefined : ipToBytes(ip);
}

/** Parses `a.b.c.d[/n]` or `x::y[/n]`; host bits are cleared. Undefined when malformed. */
export function parsePrefix(text: string): IpPrefix | undefined {
  const slash = text.indexOf('/');
  const bytes = addressBytes(slash >= 0 ? text.slice(0, slash) : text);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  let bits = max;
  if (slash >= 0) {
    const n = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(n) || Number(n) > max) return undefined;
    bits = Number(n);
  }
  return { bytes: maskBytes(bytes, bits), bits };
}

function maskBytes(bytes: Buffer, bits: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    out[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

/** Whether `address` (4 or 16 bytes) lies inside the prefix; families never match each other. */
export function prefixContains(prefix: IpPrefix, address: Buffer): boolean {
  if (prefix.bytes.length !== address.length) return false;
  const full = prefix.bits >> 3;
  for (let i = 0; i < full; i++) if (prefix.bytes[i] !== address[i]) return false;
  const rest = prefix.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[full]! & mask) === prefix.bytes[full];
}

/** Whether every address of `inner` lies inside `outer`. */
export function prefixWithin(inner: IpPrefix, outer: IpPrefix): boolean {
  return inner.bits >= outer.bits && prefixContains(outer, inner.bytes);
}

export function formatPrefix(prefix: IpPrefix): string {
  return `${bytesToIp(prefix.bytes, 0, prefix.bytes.length as 4 | 16)}/${prefix.bits}`;
}
