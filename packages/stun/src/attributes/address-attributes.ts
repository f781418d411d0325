import { MAGIC_COOKIE } from '../constants.ts';
import { bytesToIp, type TransportAddress, writeIpBytes } from '../ip-address.ts';
import { type AttributeCodec, badArgument, badAttribute } from './attribute-codec.ts';

/** RFC 8489 §14.1–14.2: 0x00, family, port, then 4 or 16 address bytes, optionally XOR-ed. */
function addressCodec(type: number, name: string, xor: boolean): AttributeCodec<TransportAddress> {
  return {
    type,
    name,
    decode(value, transactionId) {
      if (value.length < 4) throw badAttribute(name, `length ${value.length} is too short`);
      const family = value[1];
      const len = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
      if (len === 0) throw badAttribute(name, `unknown address family ${family}`);
      if (value.length !== 4 + len) throw badAttribute(name, `length ${value.length}, expected ${4 + len}`);
      let port = value.readUInt16BE(2);
      if (!xor) return { family: len === 4 ? 'IPv4' : 'IPv6', address: bytesToIp(value, 4, len), port };
      port ^= MAGIC_COOKIE >>> 16;
      const addr = Buffer.allocUnsafe(len);
      xorAddress(value, 4, addr, len, transactionId);
      return { family: len === 4 ? 'IPv4' : 'IPv6', address: bytesToIp(addr, 0, len as 4 | 16), port };
    },
    encode(addr, transactionId) {
      if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 0xffff) {
        throw badArgument(name, `port ${addr.port} is outside 0–65535`);
      }
      const out = Buffer.alloc(20);
      const len = writeIpBytes(addr.address, out, 4);
      out[1] = len === 4 ? 0x01 : 0x02;
      if (!xor) {
        out.writeUInt16BE(addr.port, 2);
        return out.subarray(0, 4 + len);
      }
      out.writeUInt16BE(addr.port ^ (MAGIC_COOKIE >>> 16), 2);
      xorAddress(out, 4, out.subarray(4), len, transactionId);
      return out.subarray(0, 4 + len);
    },
  };
}

/** RFC 8489 §14.2: IPv4 is XOR-ed with the magic cookie, IPv6 with the cookie and transaction ID. */
function xorAddress(src: Buffer, srcOffset: number, dst: Buffer, len: number, transactionId: Buffer): void {
  for (let i = 0; i < len; i++) {
    const key = i < 4 ? (MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff : transactionId[i - 4]!;
    dst[i] = src[srcOffset + i]! ^ key;
  }
}

export const MappedAddress = addressCodec(0x0001, 'MAPPED-ADDRESS', false);
export const XorMappedAddress = addressCodec(0x0020, 'XOR-MAPPED-ADDRESS', true);
export const XorPeerAddress = addressCodec(0x0012, 'XOR-PEER-ADDRESS', true);
export const XorRelayedAddress = addressCodec(0x0016, 'XOR-RELAYED-ADDRESS', true);
export const AlternateServer = addressCodec(0x8023, 'ALTERNATE-SERVER', false);
export const ResponseOrigin = addressCodec(0x802b, 'RESPONSE-ORIGIN', false);
export const OtherAddress = addressCodec(0x802c, 'OTHER-ADDRESS', false);
