import { crc32 } from 'node:zlib';
import { type AttributeCodec, attributeName } from './attributes/index.ts';
import { Attr, FINGERPRINT_XOR, HEADER_LENGTH, isComprehensionRequired, MAGIC_COOKIE } from './constants.ts';
import { StunCodecError } from './errors.ts';
import { classOf, methodOf } from './message-type.ts';

/** One attribute as received: its value is a view into the message bytes. */
export interface RawAttribute {
  readonly type: number;
  /** Offset of the attribute header within the message. */
  readonly offset: number;
  readonly value: Buffer;
}

export interface DecodeOptions {
  /** Attributes accepted in one message before it is rejected. Default 64. */
  maxAttributes?: number;
}

export const DEFAULT_MAX_ATTRIBUTES = 64;

/**
 * A decoded STUN message. It keeps the received bytes (`raw`) because integrity and fingerprint
 * are verified over them, never over a re-serialisation (RFC 8489 §14.5).
 */
export class StunMessage {
  readonly raw: Buffer;
  readonly method: number;
  readonly messageClass: number;
  readonly attributes: readonly RawAttribute[];
  /** Offsets of the integrity attributes, -1 when absent. */
  readonly integrityOffset: number;
  readonly integritySha256Offset: number;
  readonly fingerprintOffset: number;

  constructor(
    raw: Buffer,
    attributes: readonly RawAttribute[],
    integrityOffset: number,
    integritySha256Offset: number,
    fingerprintOffset: number,
  ) {
    this.raw = raw;
    const type = raw.readUInt16BE(0);
    this.method = methodOf(type);
    this.messageClass = classOf(type);
    this.attributes = attributes;
    this.integrityOffset = integrityOffset;
    this.integritySha256Offset = integritySha256Offset;
    this.fingerprintOffset = fingerprintOffset;
  }

  /** The 96-bit transaction ID, as a view into the message. */
  get transactionId(): Buffer {
    return this.raw.subarray(8, HEADER_LENGTH);
  }

  /** The first attribute of this type (RFC 8489 §14: later duplicates are ignored). */
  find(type: number): RawAttribute | undefined {
    for (const a of this.attributes) if (a.type === type) return a;
    return undefined;
  }

  has(type: number): boolean {
    return this.find(type) !== undefined;
  }

  /** Decodes the first attribute of the codec's type; throws STUN_ERR_BAD_ATTRIBUTE when malformed. */
  get<T>(codec: AttributeCodec<T>): T | undefined {
    const a = this.find(codec.type);
    return a === undefined ? undefined : codec.decode(a.value, this.transactionId);
  }

  /** Decodes every attribute of the codec's type, e.g. the XOR-PEER-ADDRESSes of CreatePermission. */
  getAll<T>(codec: AttributeCodec<T>): T[] {
    const out: T[] = [];
    for (const a of this.attributes) if (a.type === codec.type) out.push(codec.decode(a.value, this.transactionId));
    return out;
  }

  /** Comprehension-required attribute types not in `known`, in order and without repeats (RFC 8489 §6.3.1). */
  unknownComprehensionRequired(known: ReadonlySet<number>): number[] {
    const unknown: number[] = [];
    for (const a of this.attributes) {
      if (isComprehensionRequired(a.type) && !known.has(a.type) && !unknown.includes(a.type)) unknown.push(a.type);
    }
    return unknown;
  }
}

function fail(code: StunCodecError['code'], message: string): never {
  throw new StunCodecError(code, message);
}

/**
 * Decodes one STUN message from a datagram (or a frame cut by the stream framer). Every length is
 * checked against the buffer; FINGERPRINT, when present, is verified. Integrity is checked separately
 * by `verifyMessageIntegrity` once the key is known.
 */
export function decodeStunMessage(buf: Buffer, options?: DecodeOptions): StunMessage {
  const maxAttributes = options?.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES;
  if (buf.length < HEADER_LENGTH) fail('STUN_ERR_TOO_SHORT', `${buf.length} bytes is shorter than a STUN header`);
  // RFC 8489 §5: the two most significant bits of every STUN message are zero.
  if ((buf[0]! & 0xc0) !== 0) fail('STUN_ERR_NOT_STUN', 'the first two bits are not zero');
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE) fail('STUN_ERR_BAD_MAGIC_COOKIE', 'the magic cookie is missing');
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0) fail('STUN_ERR_BAD_LENGTH', `message length ${length} is not a multiple of 4`);
  if (HEADER_LENGTH + length !== buf.length) {
    fail(
      'STUN_ERR_LENGTH_MISMATCH',
      `header says ${length} bytes of attributes, ${buf.length - HEADER_LENGTH} arrived`,
    );
  }

  const attributes: RawAttribute[] = [];
  let integrity = -1;
  let integritySha256 = -1;
  let fingerprint = -1;
  let offset = HEADER_LENGTH;
  while (offset < buf.length) {
    if (attributes.length >= maxAttributes)
      fail('STUN_ERR_TOO_MANY_ATTRIBUTES', `more than ${maxAttributes} attributes`);
    if (offset + 4 > buf.length) fail('STUN_ERR_ATTR_OVERRUN', `attribute header at ${offset} is truncated`);
    const type = buf.readUInt16BE(offset);
    const len = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + len;
    const padded = end + ((4 - (len % 4)) % 4);
    if (padded > buf.length) fail('STUN_ERR_ATTR_OVERRUN', `${attributeName(type)} at ${offset} overruns the message`);
    if (fingerprint >= 0) fail('STUN_ERR_ATTR_AFTER_FINGERPRINT', `${attributeName(type)} follows FINGERPRINT`);
    // RFC 8489 §14.5–14.6: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow,
    // after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT.
    if (integritySha256 >= 0 && type !== Attr.Fingerprint) {
      fail('STUN_ERR_ATTR_AFTER_INTEGRITY', `${attributeName(type)} follows MESSAGE-INTEGRITY-SHA256`);
    }
    if (integrity >= 0 && type !== Attr.Fingerprint && type !== Attr.MessageIntegritySha256) {
      fail('STUN_ERR_ATTR_AFTER_INTEGRITY', `${attributeName(type)} follows MESSAGE-INTEGRITY`);
    }
    if (type === Attr.MessageIntegrity) {
      if (len !== 20) fail('STUN_ERR_BAD_ATTRIBUTE', `MESSAGE-INTEGRITY length ${len}, expected 20`);
      integrity = offset;
    } else if (type === Attr.MessageIntegritySha256) {
      // RFC 8489 §14.6: at least 16 bytes, at most 32, a multiple of 4.
      if (len < 16 || len > 32 || len % 4 !== 0) {
        fail('STUN_ERR_BAD_ATTRIBUTE', `MESSAGE-INTEGRITY-SHA256 length ${len} is not 16–32 and a multiple of 4`);
      }
      integritySha256 = offset;
    } else if (type === Attr.Fingerprint) {
      if (len !== 4) fail('STUN_ERR_BAD_ATTRIBUTE', `FINGERPRINT length ${len}, expected 4`);
      fingerprint = offset;
    }
    attributes.push({ type, offset, value: buf.subarray(offset + 4, end) });
    offset = padded;
  }
  if (fingerprint >= 0) {
    const expected = (crc32(buf.subarray(0, fingerprint)) ^ FINGERPRINT_XOR) >>> 0;
    if (buf.readUInt32BE(fingerprint + 4) !== expected) fail('STUN_ERR_BAD_FINGERPRINT', 'FINGERPRINT does not match');
  }
  return new StunMessage(buf, attributes, integrity, integritySha256, fingerprint);
}

/** RFC 7983 §7 / RFC 8489 §5: a cheap test whether a datagram can be a STUN message at all. */
export function looksLikeStun(buf: Buffer): boolean {
  return buf.length >= HEADER_LENGTH && (buf[0]! & 0xc0) === 0 && buf.readUInt32BE(4) === MAGIC_COOKIE;
}
