import { randomBytes } from 'node:crypto';
import type { AttributeCodec } from './attributes/attribute-codec.ts';
import { Attr, HEADER_LENGTH, MAGIC_COOKIE, TRANSACTION_ID_LENGTH } from './constants.ts';
import { StunCodecError } from './errors.ts';
import { computeFingerprint, computeIntegrity } from './integrity.ts';
import { encodeMessageType } from './message-type.ts';

export interface BuildOptions {
  /** Long-term or short-term key: adds MESSAGE-INTEGRITY (and/or -SHA256, see `integrity`). */
  key?: Buffer;
  /** Which integrity attributes to add when `key` is set. Default 'sha1'. */
  integrity?: 'sha1' | 'sha256' | 'both';
  /** Adds FINGERPRINT as the last attribute. */
  fingerprint?: boolean;
  /** Byte used to pad attribute values to 4 bytes; RFC 8489 §14 lets senders pick any. Default 0. */
  paddingByte?: number;
}

/** STUN messages are bounded by the 16-bit length field. */
const MAX_ATTRIBUTES_LENGTH = 0xffff - 3;

/** Collects attributes and serialises a STUN message, adding integrity and fingerprint last. */
export class StunMessageBuilder {
  readonly method: number;
  readonly messageClass: number;
  readonly transactionId: Buffer;
  readonly #attributes: Array<{ type: number; value: Buffer }> = [];

  constructor(method: number, messageClass: number, transactionId: Buffer = randomBytes(TRANSACTION_ID_LENGTH)) {
    if (transactionId.length !== TRANSACTION_ID_LENGTH) {
      throw new StunCodecError(
        'STUN_ERR_INVALID_ARGUMENT',
        `transaction ID of ${transactionId.length} bytes, expected 12`,
      );
    }
    encodeMessageType(method, messageClass);
    this.method = method;
    this.messageClass = messageClass;
    this.transactionId = transactionId;
  }

  /** Adds a typed attribute. */
  add<T>(codec: AttributeCodec<T>, value: T): this {
    return this.addRaw(codec.type, codec.encode(value, this.transactionId));
  }

  /** Adds an attribute from its value bytes, e.g. one this codec has no type for. */
  addRaw(type: number, value: Buffer): this {
    if (type === Attr.MessageIntegrity || type === Attr.MessageIntegritySha256 || type === Attr.Fingerprint) {
      throw new StunCodecError('STUN_ERR_INVALID_ARGUMENT', 'integrity and fingerprint are added by build()');
    }
    if (value.length > 0xffff)
      throw new StunCodecError('STUN_ERR_INVALID_ARGUMENT', `attribute value of ${value.length} bytes`);
    this.#attributes.push({ type, value });
    return this;
  }

  build(options: BuildOptions = {}): Buffer {
    const integrity = options.key ? (options.integrity ?? 'sha1') : undefined;
    const withSha1 = integrity === 'sha1' || integrity === 'both';
    const withSha256 = integrity === 'sha256' || integrity === 'both';
    let size = HEADER_LENGTH;
    for (const a of this.#attributes) size += 4 + a.value.length + ((4 - (a.value.length % 4)) % 4);
    if (withSha1) size += 24;
    if (withSha256) size += 36;
    if (options.fingerprint) size += 8;
    if (size - HEADER_LENGTH > MAX_ATTRIBUTES_LENGTH) {
      throw new StunCodecError('STUN_ERR_INVALID_ARGUMENT', `message of ${size} bytes exceeds the STUN length field`);
    }

    const out = Buffer.allocUnsafe(size);
    out.writeUInt16BE(encodeMessageType(this.method, this.messageClass), 0);
    out.writeUInt16BE(size - HEADER_LENGTH, 2);
    out.writeUInt32BE(MAGIC_COOKIE, 4);
    this.transactionId.copy(out, 8);
    let offset = HEADER_LENGTH;
    const pad = options.paddingByte ?? 0;
    for (const a of this.#attributes) {
      out.writeUInt16BE(a.type, offset);
      out.writeUInt16BE(a.value.length, offset + 2);
      a.value.copy(out, offset + 4);
      offset += 4 + a.value.length;
      while (offset % 4 !== 0) out[offset++] = pad;
    }
    if (withSha1) {
      const mac = computeIntegrity(out, offset, options.key!, 'sha1', 20);
      out.writeUInt16BE(Attr.MessageIntegrity, offset);
      out.writeUInt16BE(20, offset + 2);
      mac.copy(out, offset + 4);
      offset += 24;
    }
    if (withSha256) {
      const mac = computeIntegrity(out, offset, options.key!, 'sha256', 32);
      out.writeUInt16BE(Attr.MessageIntegritySha256, offset);
      out.writeUInt16BE(32, offset + 2);
      mac.copy(out, offset + 4);
      offset += 36;
    }
    if (options.fingerprint) {
      out.writeUInt16BE(Attr.Fingerprint, offset);
      out.writeUInt16BE(4, offset + 2);
      out.writeUInt32BE(computeFingerprint(out, offset), offset + 4);
    }
    return out;
  }
}
