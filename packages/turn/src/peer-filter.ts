import { isIP } from 'node:net';
import { ipToBytes } from '@stunner/stun';
import { TurnEngineError } from './errors.ts';

/** An address prefix in the 128-bit space; IPv4 lives in ::ffff:0:0/96 so one matcher serves both. */
export interface Prefix {
  readonly bytes: Buffer;
  readonly bits: number;
}

/** A STUNner cluster endpoint (stunner-v1.md §1.2): a prefix and an inclusive port range. */
export interface PeerEndpoint {
  readonly prefix: Prefix;
  readonly minPort: number;
  readonly maxPort: number;
}

/**
 * Peer ranges no route opens implicitly (issue 3, turn.md §5.3): this host, 0.0.0.0/8, link-local
 * (with 169.254.169.254 cloud metadata), multicast and broadcast, their IPv6 counterparts, and the
 * NAT64 local-use prefix whose embedded IPv4 position cannot be known.
 */
export const HARD_DENY: readonly string[] = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '224.0.0.0/4',
  '255.255.255.255/32',
  '::/128',
  '::1/128',
  'fe80::/10',
  'ff00::/8',
  '64:ff9b:1::/48',
];

const PORT_RANGE = /^(.*):<([0-9]+)-([0-9]+)>$/;
const V4_MAPPED_PREFIX = Buffer.from('00000000000000000000ffff', 'hex');

function invalid(text: string, why: string): never {
  throw new TurnEngineError('TURN_ERR_INVALID_ARGUMENT', `peer endpoint "${text}": ${why}`);
}

/** Address bytes in the 128-bit space (IPv4 as ::ffff:a.b.c.d), or undefined when not an IP. */
export function addressBytes(ip: string): Buffer | undefined {
  const kind = isIP(ip);
  if (kind === 0) return undefined;
  const raw = ipToBytes(ip);
  if (kind === 6) return raw;
  const out = Buffer.alloc(16);
  V4_MAPPED_PREFIX.copy(out, 0);
  raw.copy(out, 12);
  return out;
}

/** Parses `<IP or CIDR>` into a prefix; a plain IP is a host prefix. Host bits are cleared. */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const bytes = addressBytes(ip);
  if (bytes === undefined) invalid(text, `"${ip}" is not an IP address`);
  const v4 = isIP(ip) === 4;
  let bits = v4 ? 32 : 128;
  if (slash >= 0) {
    const n = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(n) || Number(n) > bits) invalid(text, `prefix length "/${n}" is out of range`);
    bits = Number(n);
  }
  if (v4) bits += 96;
  return { bytes: mask(bytes, bits), bits };
}

function mask(bytes: Buffer, bits: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = out[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/** True when `address` (16 bytes) lies in `prefix`. */
export function prefixContains(prefix: Prefix, address: Buffer): boolean {
  const full = prefix.bits >> 3;
  for (let i = 0; i < full; i++) if (prefix.bytes[i] !== address[i]) return false;
  const rest = prefix.bits & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return (address[full]! & m) === prefix.bytes[full];
}

/** Parses STUNner's `<IP or CIDR>[:<min-max>]` (stunner-v1.md §1.2); no range means every port. */
export function parsePeerEndpoint(text: string): PeerEndpoint {
  const m = PORT_RANGE.exec(text.trim());
  if (m === null) return { prefix: parsePrefix(text.trim()), minPort: 0, maxPort: 65535 };
  const minPort = Number(m[2]);
  const maxPort = Number(m[3]);
  if (minPort > 65535 || maxPort > 65535 || minPort > maxPort) invalid(text, `port range ${minPort}-${maxPort}`);
  return { prefix: parsePrefix(m[1]!), minPort, maxPort };
}

/**
 * The IPv4 address an IPv6 peer address stands for, as 16 bytes (::ffff:a.b.c.d), or undefined
 * (turn.md §5.3): IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96 (except :: and ::1), NAT64
 * 64:ff9b::/96 (RFC 6052), 6to4 2002::/16 (RFC 3056) and Teredo 2001::/32 (RFC 4380, client
 * address inverted in the last 32 bits).
 */
export function embeddedIPv4(address: Buffer): Buffer | undefined {
  const out = Buffer.alloc(16);
  V4_MAPPED_PREFIX.copy(out, 0);
  let zeros10 = true;
  for (let i = 0; i < 10; i++) if (address[i] !== 0) zeros10 = false;
  if (zeros10 && address[10] === 0xff && address[11] === 0xff) return undefined; // already IPv4 form
  if (zeros10 && address[10] === 0 && address[11] === 0) {
    // IPv4-compatible: :: and ::1 are IPv6's own unspecified and loopback addresses.
    if (address.readUInt32BE(12) <= 1) return undefined;
    address.copy(out, 12, 12, 16);
    return out;
  }
  const w0 = address.readUInt16BE(0);
  const w1 = address.readUInt16BE(2);
  if (w0 === 0x64 && w1 === 0xff9b && address.readUInt32BE(4) === 0 && address.readUInt32BE(8) === 0) {
    address.copy(out, 12, 12, 16);
    return out;
  }
  if (w0 === 0x2002) {
    address.copy(out, 12, 2, 6);
    return out;
  }
  if (w0 === 0x2001 && w1 === 0) {
    out.writeUInt32BE(~address.readUInt32BE(12) >>> 0, 12);
    return out;
  }
  return undefined;
}

export interface PeerFilterOptions {
  /** Endpoints peers may be in: the listener's routes' cluster endpoints. Default none (deny all). */
  allow?: readonly string[];
  /** Ranges denied unless an allow entry lies wholly inside one of them. Default `HARD_DENY`. */
  deny?: readonly string[];
  /**
   * Endpoints never admitted, whatever the routes say: the daemon's own listener, health and metrics
   * ports on its own addresses (hairpin and admin access). Same syntax as `allow`. Default none.
   */
  denyEndpoints?: readonly string[];
  /** Distinct peer addresses whose parsed form is cached. Default 4096. */
  cacheSize?: number;
}

/**
 * Pure peer admission for the engine's `admitPeer` hook (stunner-v1.md §1.10, turn.md §5.3). An
 * address is first normalised (IPv4-mapped and -compatible forms become IPv4); an IPv6 address that
 * embeds an IPv4 one (NAT64, 6to4, Teredo) must pass the checks for both. A peer in a `deny` range is
 * admitted only by an allow entry that names part of that range (127.0.0.1/32 opens loopback,
 * 0.0.0.0/0 does not); `denyEndpoints` are never admitted. Port 0 asks about the IP alone.
 */
export class PeerFilter {
  readonly #allow: readonly PeerEndpoint[];
  readonly #deny: readonly Prefix[];
  readonly #denyEndpoints: readonly PeerEndpoint[];
  readonly #cache = new Map<string, Buffer | null>();
  readonly #cacheSize: number;

  constructor(options: PeerFilterOptions = {}) {
    this.#allow = (options.allow ?? []).map(parsePeerEndpoint);
    this.#deny = (options.deny ?? HARD_DENY).map(parsePrefix);
    this.#denyEndpoints = (options.denyEndpoints ?? []).map(parsePeerEndpoint);
    this.#cacheSize = options.cacheSize ?? 4096;
  }

  /** The hook itself: `admits(address, port)`; bind it or wrap it for `TurnEngineOptions.admitPeer`. */
  admits(address: string, port: number): boolean {
    const bytes = this.#normalised(address);
    if (bytes === null) return false;
    const embedded = embeddedIPv4(bytes);
    if (embedded !== undefined && !this.#admitsBytes(embedded, port, true)) return false;
    return this.#admitsBytes(bytes, port, false);
  }

  #normalised(address: string): Buffer | null {
    let bytes = this.#cache.get(address);
    if (bytes !== undefined) return bytes;
    bytes = addressBytes(address) ?? null;
    // IPv4-mapped and -compatible addresses reach the IPv4 host (RFC 4291 §2.5.5): judge them as IPv4.
    if (bytes !== null && isMappedOrCompatible(bytes)) bytes = embeddedIPv4(bytes) ?? bytes;
    if (this.#cache.size >= this.#cacheSize) this.#cache.clear();
    this.#cache.set(address, bytes);
    return bytes;
  }

  /** `embedded`: judging the IPv4 inside a translated address, where only the deny checks apply. */
  #admitsBytes(bytes: Buffer, port: number, embedded: boolean): boolean {
    for (const e of this.#denyEndpoints) if (deniedEndpoint(e, bytes, port)) return false;
    let denied: Prefix | undefined;
    for (const d of this.#deny) {
      if (prefixContains(d, bytes) && (denied === undefined || d.bits > denied.bits)) denied = d;
    }
    for (const a of this.#allow) {
      if (!matches(a, bytes, port)) continue;
      if (denied === undefined) return true;
      // Opened only by naming (part of) the denied range itself.
      if (a.prefix.bits >= denied.bits && prefixContains(denied, a.prefix.bytes)) return true;
    }
    return embedded && denied === undefined;
  }
}

function matches(e: PeerEndpoint, bytes: Buffer, port: number): boolean {
  return prefixContains(e.prefix, bytes) && (port === 0 || (port >= e.minPort && port <= e.maxPort));
}

/** Port 0 (an IP-only check) is refused only by an entry that covers every port of the IP. */
function deniedEndpoint(e: PeerEndpoint, bytes: Buffer, port: number): boolean {
  if (!prefixContains(e.prefix, bytes)) return false;
  return port === 0 ? e.minPort <= 1 && e.maxPort === 65535 : port >= e.minPort && port <= e.maxPort;
}

function isMappedOrCompatible(b: Buffer): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return (b[10] === 0xff && b[11] === 0xff) || (b[10] === 0 && b[11] === 0 && b.readUInt32BE(12) > 1);
}
