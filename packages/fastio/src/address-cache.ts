import { bytesToIp, writeIpBytes } from '@stunner/stun';
import type { UdpSource } from './datagram-socket.ts';
import { FastIoError } from './errors.ts';

/** Entries kept per cache; past that it is emptied (a flood of spoofed sources only churns it). */
const MAX_ENTRIES = 8192;

class Source implements UdpSource {
  tag: unknown = undefined;
  readonly address: string;
  readonly port: number;
  /** The address as 32-bit words, to confirm a hash hit (IPv4: w0, and w1 = -1 so no IPv6 source matches). */
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;

  constructor(address: string, port: number, w0: number, w1: number, w2: number, w3: number) {
    this.address = address;
    this.port = port;
    this.w0 = w0;
    this.w1 = w1;
    this.w2 = w2;
    this.w3 = w3;
  }
}

/**
 * Received sockaddrs → stable UdpSource objects. The key is a small-integer hash of address and port
 * (a Map key V8 neither boxes nor hashes again), confirmed against the stored words and port; a
 * colliding source replaces the entry. A hit builds nothing.
 */
export class SourceCache {
  readonly #sources = new Map<number, Source>();
  /** The last IPv4 source: a relay socket mostly hears from one peer. */
  #last: Source | undefined = undefined;

  /** `u32` views the sockaddr at word index `w` (4-byte aligned); `bytes` is the same memory. */
  lookup(u32: Uint32Array, bytes: Buffer, w: number): UdpSource {
    const head = u32[w]!;
    const port = ((head >>> 16) & 0xff) * 256 + (head >>> 24);
    if ((head & 0xffff) === 2) {
      const a = u32[w + 1]!;
      const last = this.#last;
      if (last !== undefined && last.w0 === a && last.port === port) return last;
      const key = (Math.imul(a ^ (port << 16), 0x9e3779b1) ^ port) & 0x3fffffff;
      let s = this.#sources.get(key);
      if (s === undefined || s.w0 !== a || s.port !== port || s.w1 !== -1) {
        s = new Source(bytesToIp(bytes, w * 4 + 4, 4), port, a, -1, 0, 0);
        this.#remember(key, s);
      }
      this.#last = s;
      return s;
    }
    // sockaddr_in6: flowinfo at +4, address at +8.
    const a = u32[w + 2]!;
    const b = u32[w + 3]!;
    const c = u32[w + 4]!;
    const d = u32[w + 5]!;
    const h = Math.imul(
      a ^ Math.imul(b, 0x85ebca6b) ^ Math.imul(c, 0xc2b2ae35) ^ Math.imul(d ^ port, 0x27d4eb2f),
      0x9e3779b1,
    );
    const key = (h ^ port) & 0x3fffffff;
    let s = this.#sources.get(key);
    if (s === undefined || s.port !== port || s.w0 !== a || s.w1 !== b || s.w2 !== c || s.w3 !== d) {
      s = new Source(bytesToIp(bytes, w * 4 + 8, 16), port, a, b, c, d);
      this.#remember(key, s);
    }
    return s;
  }

  #remember(key: number, s: Source): void {
    if (this.#sources.size >= MAX_ENTRIES) this.#sources.clear();
    this.#sources.set(key, s);
  }
}

/** A destination address as the words of its sockaddr, port left 0 (written per send). */
export interface Destination {
  readonly v6: boolean;
  readonly words: Uint32Array;
}

/**
 * IP literal strings → sockaddr words. Senders pass the same string objects again and again (the
 * engine's channel and client tables), so a hit is one Map probe on a string whose hash is cached.
 */
export class DestinationCache {
  readonly #destinations = new Map<string, Destination>();
  readonly #scratch = Buffer.alloc(16);
  /** The last address asked for: a relay socket mostly sends to one peer. */
  #lastAddress = '';
  #last: Destination | undefined = undefined;

  get(address: string): Destination {
    if (address === this.#lastAddress && this.#last !== undefined) return this.#last;
    let hit = this.#destinations.get(address);
    if (hit === undefined) hit = this.#add(address);
    this.#lastAddress = address;
    this.#last = hit;
    return hit;
  }

  #add(address: string): Destination {
    let n: number;
    try {
      n = writeIpBytes(address, this.#scratch, 0);
    } catch (err) {
      throw new FastIoError('FASTIO_ERR_ADDRESS', `"${address}" is not an IP literal; send to an address, not a name`, {
        cause: err,
      });
    }
    const sockaddr = Buffer.alloc(n === 4 ? 16 : 28);
    if (n === 4) {
      sockaddr.writeUInt16LE(2, 0);
      this.#scratch.copy(sockaddr, 4, 0, 4);
    } else {
      sockaddr.writeUInt16LE(10, 0);
      this.#scratch.copy(sockaddr, 8, 0, 16);
    }
    const d: Destination = {
      v6: n === 16,
      words: new Uint32Array(sockaddr.buffer, sockaddr.byteOffset, sockaddr.length / 4),
    };
    if (this.#destinations.size >= MAX_ENTRIES) this.#destinations.clear();
    this.#destinations.set(address, d);
    return d;
  }
}
