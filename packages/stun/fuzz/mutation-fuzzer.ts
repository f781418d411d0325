// A seeded mutation fuzzer over the decoder, the attribute codecs, integrity checks, ChannelData and
// the stream framer. The property: untrusted bytes never raise anything but a StunCodecError.
import {
  ATTRIBUTE_CODECS,
  ChannelNumber,
  channelDataPayload,
  Data,
  decodeStunMessage,
  ErrorCode,
  EvenPort,
  encodeChannelData,
  isChannelData,
  Lifetime,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  PasswordAlgorithms,
  Realm,
  RequestedTransport,
  StreamFramer,
  StunCodecError,
  StunMessageBuilder,
  UnknownAttributes,
  Username,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  XorPeerAddress,
  XorRelayedAddress,
} from '../src/index.ts';
import { Prng } from './prng.ts';

export interface FuzzOptions {
  count: number;
  seed: number;
}

export interface FuzzFailure {
  input: string;
  error: string;
}

export interface FuzzReport {
  executions: number;
  /** Inputs that decoded into a message (after mutation). */
  decoded: number;
  /** How often each StunCodecError code was raised. */
  codes: Record<string, number>;
  failures: FuzzFailure[];
}

const KEY = longTermKey('user', 'stunner.l7mp.io', 'pass');
const INTERESTING = [0x00, 0x01, 0x03, 0x04, 0x7f, 0x80, 0xfe, 0xff];

/** Valid messages and frames of every kind the server sees, to mutate from. */
export function seedCorpus(rng: Prng): Buffer[] {
  const tid = () => rng.bytes(12);
  const peer = { family: 'IPv4', address: '10.0.0.1', port: 5000 } as const;
  const peer6 = { family: 'IPv6', address: 'fd00::1:2', port: 6000 } as const;
  const corpus = [
    new StunMessageBuilder(Method.Binding, MessageClass.Request, tid()).build({ fingerprint: true }),
    new StunMessageBuilder(Method.Allocate, MessageClass.Request, tid())
      .add(RequestedTransport, 17)
      .add(Username, 'user')
      .add(Realm, 'stunner.l7mp.io')
      .add(Nonce, 'abcdef0123456789')
      .add(EvenPort, { reserve: true })
      .build({ key: KEY, integrity: 'both', fingerprint: true }),
    new StunMessageBuilder(Method.Allocate, MessageClass.SuccessResponse, tid())
      .add(XorRelayedAddress, peer6)
      .add(Lifetime, 600)
      .build({ key: KEY }),
    new StunMessageBuilder(Method.CreatePermission, MessageClass.Request, tid())
      .add(XorPeerAddress, peer)
      .add(XorPeerAddress, peer6)
      .build({ key: KEY }),
    new StunMessageBuilder(Method.ChannelBind, MessageClass.Request, tid())
      .add(ChannelNumber, 0x4001)
      .add(XorPeerAddress, peer)
      .build({ key: KEY, fingerprint: true }),
    new StunMessageBuilder(Method.Send, MessageClass.Indication, tid())
      .add(XorPeerAddress, peer)
      .add(Data, rng.bytes(40))
      .build(),
    new StunMessageBuilder(Method.Allocate, MessageClass.ErrorResponse, tid())
      .add(ErrorCode, { code: 420, reason: 'Unknown Attribute' })
      .add(UnknownAttributes, [0x0031, 0x0044])
      .add(PasswordAlgorithms, [{ algorithm: 2, parameters: Buffer.alloc(0) }])
      .build(),
    encodeChannelData(0x4000, rng.bytes(33)),
    encodeChannelData(0x4fff, Buffer.alloc(0), true),
  ];
  return corpus;
}

function mutate(rng: Prng, input: Buffer, corpus: Buffer[]): Buffer {
  let buf = Buffer.from(input);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = buf.length > 0 ? rng.int(buf.length) : 0;
    switch (rng.int(9)) {
      case 0:
        if (buf.length > 0) buf[at]! ^= 1 << rng.int(8);
        break;
      case 1:
        if (buf.length > 0) buf[at] = rng.pick(INTERESTING);
        break;
      case 2: {
        // A 16-bit length field: the header's (offset 2) or an attribute's.
        const offset = rng.chance(0.3) ? 2 : 20 + 4 * rng.int(Math.max(1, (buf.length - 20) >> 2)) + 2;
        if (offset + 2 <= buf.length) buf.writeUInt16BE(rng.chance(0.5) ? rng.int(0x10000) : rng.int(64), offset);
        break;
      }
      case 3:
        buf = buf.subarray(0, rng.int(buf.length + 1));
        break;
      case 4:
        buf = Buffer.concat([buf, rng.bytes(1 + rng.int(16))]);
        break;
      case 5: {
        const other = rng.pick(corpus);
        const cut = rng.int(other.length + 1);
        buf = Buffer.concat([buf.subarray(0, at), other.subarray(cut)]);
        break;
      }
      case 6: {
        // Insert an attribute with a random type and a length that may lie.
        const attr = Buffer.alloc(4 + 4 * rng.int(4));
        attr.writeUInt16BE(rng.chance(0.5) ? rng.pick([...ATTRIBUTE_CODECS.keys()]) : rng.int(0x10000), 0);
        attr.writeUInt16BE(rng.chance(0.7) ? attr.length - 4 : rng.int(0x10000), 2);
        const pos = buf.length >= 20 ? 20 + 4 * rng.int(((buf.length - 20) >> 2) + 1) : buf.length;
        buf = Buffer.concat([buf.subarray(0, pos), attr, buf.subarray(pos)]);
        if (buf.length >= 4) buf.writeUInt16BE(Math.max(0, buf.length - 20) & 0xffff, 2);
        break;
      }
      case 7: {
        const end = at + rng.int(buf.length - at + 1);
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(end)]);
        break;
      }
      default: {
        const end = at + rng.int(Math.min(32, buf.length - at) + 1);
        buf = Buffer.concat([buf.subarray(0, end), buf.subarray(at, end), buf.subarray(end)]);
      }
    }
  }
  return buf;
}

/** Everything a server does with untrusted bytes before it trusts them. */
function exercise(input: Buffer, rng: Prng, report: FuzzReport): void {
  try {
    const msg = decodeStunMessage(input);
    report.decoded++;
    for (const a of msg.attributes) {
      const codec = ATTRIBUTE_CODECS.get(a.type);
      if (!codec) continue;
      try {
        codec.decode(a.value, msg.transactionId);
      } catch (err) {
        count(err, report);
      }
    }
    verifyMessageIntegrity(msg, KEY);
    verifyMessageIntegritySha256(msg, KEY);
    msg.unknownComprehensionRequired(new Set());
  } catch (err) {
    count(err, report);
  }
  if (isChannelData(input)) {
    try {
      channelDataPayload(input);
    } catch (err) {
      count(err, report);
    }
  }
  const framer = new StreamFramer(
    (frame, kind) => {
      if (kind === 'stun') {
        try {
          decodeStunMessage(frame);
        } catch (err) {
          count(err, report);
        }
      } else {
        channelDataPayload(frame);
      }
    },
    { maxFrameSize: 1 + rng.int(2048) },
  );
  try {
    let offset = 0;
    while (offset < input.length) {
      const next = offset + 1 + rng.int(input.length - offset);
      framer.push(input.subarray(offset, next));
      offset = next;
    }
  } catch (err) {
    count(err, report);
  }
}

function count(err: unknown, report: FuzzReport): void {
  if (!(err instanceof StunCodecError)) throw err;
  report.codes[err.code] = (report.codes[err.code] ?? 0) + 1;
}

export function runFuzz(options: FuzzOptions): FuzzReport {
  const rng = new Prng(options.seed);
  const corpus = seedCorpus(rng);
  const report: FuzzReport = { executions: 0, decoded: 0, codes: {}, failures: [] };
  for (let i = 0; i < options.count; i++) {
    const input = mutate(rng, rng.pick(corpus), corpus);
    report.executions++;
    try {
      exercise(input, rng, report);
    } catch (err) {
      report.failures.push({
        input: input.toString('hex'),
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
  }
  return report;
}
