import { ERROR_REASONS } from '../constants.ts';
import { type AttributeCodec, badArgument, badAttribute, expectLength } from './attribute-codec.ts';

/** UTF-8 text with the maximum byte length the RFC gives for it. */
function textCodec(type: number, name: string, maxBytes: number): AttributeCodec<string> {
  return {
    type,
    name,
    decode(value) {
      if (value.length > maxBytes) throw badAttribute(name, `${value.length} bytes exceed the limit of ${maxBytes}`);
      return value.toString('utf8');
    },
    encode(text) {
      const out = Buffer.from(text, 'utf8');
      if (out.length > maxBytes) throw badArgument(name, `${out.length} bytes exceed the limit of ${maxBytes}`);
      return out;
    },
  };
}

/** Opaque bytes, of a fixed length when `length` is given. */
function bytesCodec(type: number, name: string, length?: number): AttributeCodec<Buffer> {
  return {
    type,
    name,
    decode(value) {
      if (length !== undefined) expectLength(name, value, length);
      return value;
    },
    encode(value) {
      if (length !== undefined && value.length !== length) {
        throw badArgument(name, `length ${value.length}, expected ${length}`);
      }
      return value;
    },
  };
}

function uint32Codec(type: number, name: string): AttributeCodec<number> {
  return {
    type,
    name,
    decode(value) {
      expectLength(name, value, 4);
      return value.readUInt32BE(0);
    },
    encode(n) {
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
        throw badArgument(name, `${n} is not a 32-bit unsigned value`);
      const out = Buffer.alloc(4);
      out.writeUInt32BE(n, 0);
      return out;
    },
  };
}

/** One octet followed by three reserved (RFFU) octets, as in RFC 8656 §18.8 and §18.10. */
function leadingOctetCodec(type: number, name: string): AttributeCodec<number> {
  return {
    type,
    name,
    decode(value) {
      expectLength(name, value, 4);
      return value[0]!;
    },
    encode(n) {
      if (!Number.isInteger(n) || n < 0 || n > 0xff) throw badArgument(name, `${n} is not an octet`);
      const out = Buffer.alloc(4);
      out[0] = n;
      return out;
    },
  };
}

/** A zero-length flag attribute: its presence is the value. */
function flagCodec(type: number, name: string): AttributeCodec<true> {
  return {
    type,
    name,
    decode(value) {
      expectLength(name, value, 0);
      return true;
    },
    encode() {
      return Buffer.alloc(0);
    },
  };
}

// RFC 8489 §14.3: USERNAME < 513 bytes; §14.9, §14.10, §14.14, §14.16: REALM, NONCE, SOFTWARE,
// ALTERNATE-DOMAIN < 763 bytes.
export const Username = textCodec(0x0006, 'USERNAME', 513);
export const Realm = textCodec(0x0014, 'REALM', 763);
export const Nonce = textCodec(0x0015, 'NONCE', 763);
export const Software = textCodec(0x8022, 'SOFTWARE', 763);
export const AlternateDomain = textCodec(0x8003, 'ALTERNATE-DOMAIN', 763);
export const Origin = textCodec(0x802f, 'ORIGIN', 763);

export const Userhash = bytesCodec(0x001e, 'USERHASH', 32);
export const Data = bytesCodec(0x0013, 'DATA');
export const ReservationToken = bytesCodec(0x0022, 'RESERVATION-TOKEN', 8);
export const IceControlled = bytesCodec(0x8029, 'ICE-CONTROLLED', 8);
export const IceControlling = bytesCodec(0x802a, 'ICE-CONTROLLING', 8);

export const Lifetime = uint32Codec(0x000d, 'LIFETIME');
export const ConnectionId = uint32Codec(0x002a, 'CONNECTION-ID');
export const Priority = uint32Codec(0x0024, 'PRIORITY');

export const RequestedTransport = leadingOctetCodec(0x0019, 'REQUESTED-TRANSPORT');
export const RequestedAddressFamily = leadingOctetCodec(0x0017, 'REQUESTED-ADDRESS-FAMILY');
export const AdditionalAddressFamily = leadingOctetCodec(0x8000, 'ADDITIONAL-ADDRESS-FAMILY');

export const DontFragment = flagCodec(0x001a, 'DONT-FRAGMENT');
export const UseCandidate = flagCodec(0x0025, 'USE-CANDIDATE');

/** RFC 8656 §18.2: a 16-bit channel number followed by two RFFU octets. */
export const ChannelNumber: AttributeCodec<number> = {
  type: 0x000c,
  name: 'CHANNEL-NUMBER',
  decode(value) {
    expectLength('CHANNEL-NUMBER', value, 4);
    return value.readUInt16BE(0);
  },
  encode(n) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw badArgument('CHANNEL-NUMBER', `${n} is not 16-bit`);
    const out = Buffer.alloc(4);
    out.writeUInt16BE(n, 0);
    return out;
  },
};

/** RFC 8656 §18.9: one octet whose most significant bit R asks to reserve the next port. */
export const EvenPort: AttributeCodec<{ reserve: boolean }> = {
  type: 0x0018,
  name: 'EVEN-PORT',
  decode(value) {
    expectLength('EVEN-PORT', value, 1);
    return { reserve: (value[0]! & 0x80) !== 0 };
  },
  encode(v) {
    return Buffer.from([v.reserve ? 0x80 : 0]);
  },
};

export interface ErrorCodeValue {
  code: number;
  reason: string;
}

function decodeErrorBody(name: string, value: Buffer, offset: number): ErrorCodeValue {
  if (value.length < offset + 4) throw badAttribute(name, `length ${value.length} is too short`);
  const cls = value[offset + 2]! & 0x07;
  const number = value[offset + 3]!;
  // RFC 8489 §14.8: class 3–6 and number 0–99.
  if (cls < 3 || cls > 6 || number > 99) throw badAttribute(name, `invalid code ${cls * 100 + number}`);
  if (value.length - offset - 4 > 763) throw badAttribute(name, 'reason phrase exceeds 763 bytes');
  return { code: cls * 100 + number, reason: value.toString('utf8', offset + 4) };
}

function encodeErrorBody(name: string, v: ErrorCodeValue, prefix: number): Buffer {
  if (!Number.isInteger(v.code) || v.code < 300 || v.code > 699)
    throw badArgument(name, `code ${v.code} is outside 300–699`);
  const reason = Buffer.from(v.reason ?? ERROR_REASONS[v.code] ?? '', 'utf8');
  if (reason.length > 763) throw badArgument(name, 'reason phrase exceeds 763 bytes');
  const out = Buffer.alloc(prefix + 4 + reason.length);
  out[prefix + 2] = Math.floor(v.code / 100);
  out[prefix + 3] = v.code % 100;
  reason.copy(out, prefix + 4);
  return out;
}

/** RFC 8489 §14.8: 21 reserved bits, class (3 bits), number (8 bits), UTF-8 reason. */
export const ErrorCode: AttributeCodec<ErrorCodeValue> = {
  type: 0x0009,
  name: 'ERROR-CODE',
  decode: (value) => decodeErrorBody('ERROR-CODE', value, 0),
  encode: (v) => encodeErrorBody('ERROR-CODE', v, 0),
};

/** RFC 8656 §18.11: family octet, reserved octet, then the ERROR-CODE layout of class and number. */
export const AddressErrorCode: AttributeCodec<ErrorCodeValue & { family: number }> = {
  type: 0x8001,
  name: 'ADDRESS-ERROR-CODE',
  decode(value) {
    const body = decodeErrorBody('ADDRESS-ERROR-CODE', value, 0);
    return { family: value[0]!, ...body };
  },
  encode(v) {
    const out = encodeErrorBody('ADDRESS-ERROR-CODE', v, 0);
    out[0] = v.family;
    return out;
  },
};

/** RFC 8489 §14.9: a list of 16-bit attribute types. */
export const UnknownAttributes: AttributeCodec<number[]> = {
  type: 0x000a,
  name: 'UNKNOWN-ATTRIBUTES',
  decode(value) {
    if (value.length % 2 !== 0) throw badAttribute('UNKNOWN-ATTRIBUTES', `odd length ${value.length}`);
    const types: number[] = [];
    for (let i = 0; i < value.length; i += 2) types.push(value.readUInt16BE(i));
    return types;
  },
  encode(types) {
    const out = Buffer.alloc(types.length * 2);
    types.forEach((t, i) => {
      out.writeUInt16BE(t, i * 2);
    });
    return out;
  },
};

export interface PasswordAlgorithmValue {
  algorithm: number;
  parameters: Buffer;
}

function decodeAlgorithm(name: string, value: Buffer, offset: number): [PasswordAlgorithmValue, number] {
  if (value.length < offset + 4) throw badAttribute(name, 'truncated algorithm entry');
  const len = value.readUInt16BE(offset + 2);
  const end = offset + 4 + len;
  if (end > value.length) throw badAttribute(name, 'algorithm parameters overrun the attribute');
  const next = end + ((4 - (len % 4)) % 4);
  return [{ algorithm: value.readUInt16BE(offset), parameters: value.subarray(offset + 4, end) }, next];
}

function encodeAlgorithms(list: readonly PasswordAlgorithmValue[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of list) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(a.algorithm, 0);
    head.writeUInt16BE(a.parameters.length, 2);
    parts.push(head, a.parameters, Buffer.alloc((4 - (a.parameters.length % 4)) % 4));
  }
  return Buffer.concat(parts);
}

/** RFC 8489 §14.12: algorithm (16 bits), parameters length (16 bits), parameters padded to 4. */
export const PasswordAlgorithmAttr: AttributeCodec<PasswordAlgorithmValue> = {
  type: 0x001d,
  name: 'PASSWORD-ALGORITHM',
  decode(value) {
    const [alg, next] = decodeAlgorithm('PASSWORD-ALGORITHM', value, 0);
    if (next < value.length) throw badAttribute('PASSWORD-ALGORITHM', 'trailing bytes after the algorithm');
    return alg;
  },
  encode: (v) => encodeAlgorithms([v]),
};

/** RFC 8489 §14.11: a list of PASSWORD-ALGORITHM entries. */
export const PasswordAlgorithms: AttributeCodec<PasswordAlgorithmValue[]> = {
  type: 0x8002,
  name: 'PASSWORD-ALGORITHMS',
  decode(value) {
    const list: PasswordAlgorithmValue[] = [];
    let offset = 0;
    while (offset < value.length) {
      const [alg, next] = decodeAlgorithm('PASSWORD-ALGORITHMS', value, offset);
      list.push(alg);
      offset = next;
    }
    return list;
  },
  encode: encodeAlgorithms,
};

export interface IcmpValue {
  type: number;
  code: number;
  data: number;
}

/** RFC 8656 §18.13: 2 reserved octets, ICMP type, ICMP code, 32-bit error data. */
export const Icmp: AttributeCodec<IcmpValue> = {
  type: 0x8004,
  name: 'ICMP',
  decode(value) {
    expectLength('ICMP', value, 8);
    return { type: value[2]!, code: value[3]!, data: value.readUInt32BE(4) };
  },
  encode(v) {
    const out = Buffer.alloc(8);
    out[2] = v.type & 0xff;
    out[3] = v.code & 0xff;
    out.writeUInt32BE(v.data >>> 0, 4);
    return out;
  },
};
