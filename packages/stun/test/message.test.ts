import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Attr,
  classOf,
  decodeStunMessage,
  encodeMessageType,
  Lifetime,
  looksLikeStun,
  MessageClass,
  Method,
  methodOf,
  StunCodecError,
  StunMessageBuilder,
  Username,
  XorPeerAddress,
} from '@stunner/stun';

const tid = Buffer.from('0102030405060708090a0b0c', 'hex');

/** A header with the given length field followed by `body`. */
function frame(body: Buffer, lengthField = body.length, type = 0x0001): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(lengthField, 2);
  head.writeUInt32BE(0x2112a442, 4);
  tid.copy(head, 8);
  return Buffer.concat([head, body]);
}

function attr(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

describe('message type', () => {
  it('interleaves method and class bits (RFC 8489 §5)', () => {
    assert.equal(encodeMessageType(Method.Binding, MessageClass.Request), 0x0001);
    assert.equal(encodeMessageType(Method.Binding, MessageClass.SuccessResponse), 0x0101);
    assert.equal(encodeMessageType(Method.Binding, MessageClass.ErrorResponse), 0x0111);
    assert.equal(encodeMessageType(Method.Allocate, MessageClass.Request), 0x0003);
    assert.equal(encodeMessageType(Method.Send, MessageClass.Indication), 0x0016);
    assert.equal(encodeMessageType(Method.Data, MessageClass.Indication), 0x0017);
    assert.equal(encodeMessageType(Method.ChannelBind, MessageClass.SuccessResponse), 0x0109);
  });

  it('round-trips every method and class', () => {
    for (let method = 0; method <= 0xfff; method += 7) {
      for (const cls of [0, 1, 2, 3]) {
        const type = encodeMessageType(method, cls);
        assert.equal(methodOf(type), method);
        assert.equal(classOf(type), cls);
        assert.equal(type >> 14, 0);
      }
    }
  });

  it('refuses a method beyond 12 bits', () => {
    assert.throws(() => encodeMessageType(0x1000, 0), { code: 'STUN_ERR_INVALID_ARGUMENT' });
  });
});

describe('decodeStunMessage rejects malformed input with stable codes', () => {
  const cases: Array<[string, Buffer, string]> = [
    ['shorter than a header', Buffer.alloc(19), 'STUN_ERR_TOO_SHORT'],
    ['top bits set', Buffer.concat([Buffer.from([0x40]), frame(Buffer.alloc(0)).subarray(1)]), 'STUN_ERR_NOT_STUN'],
    ['no magic cookie', Buffer.alloc(20), 'STUN_ERR_BAD_MAGIC_COOKIE'],
    ['length not a multiple of 4', frame(Buffer.alloc(4), 5), 'STUN_ERR_BAD_LENGTH'],
    ['length larger than the datagram', frame(Buffer.alloc(4), 8), 'STUN_ERR_LENGTH_MISMATCH'],
    ['length smaller than the datagram', frame(Buffer.alloc(8), 4), 'STUN_ERR_LENGTH_MISMATCH'],
    ['attribute overrunning the message', frame(Buffer.from('0006000a41424344', 'hex')), 'STUN_ERR_ATTR_OVERRUN'],
    [
      'attribute after MESSAGE-INTEGRITY',
      frame(Buffer.concat([attr(Attr.MessageIntegrity, Buffer.alloc(20)), attr(Attr.Username, Buffer.from('u'))])),
      'STUN_ERR_ATTR_AFTER_INTEGRITY',
    ],
    [
      'attribute after MESSAGE-INTEGRITY-SHA256',
      frame(
        Buffer.concat([attr(Attr.MessageIntegritySha256, Buffer.alloc(32)), attr(Attr.Software, Buffer.from('x'))]),
      ),
      'STUN_ERR_ATTR_AFTER_INTEGRITY',
    ],
    [
      'attribute after FINGERPRINT',
      frame(Buffer.concat([attr(Attr.Fingerprint, Buffer.alloc(4)), attr(Attr.Software, Buffer.from('x'))])),
      'STUN_ERR_ATTR_AFTER_FINGERPRINT',
    ],
    [
      'MESSAGE-INTEGRITY of the wrong size',
      frame(attr(Attr.MessageIntegrity, Buffer.alloc(16))),
      'STUN_ERR_BAD_ATTRIBUTE',
    ],
    [
      'MESSAGE-INTEGRITY-SHA256 too short',
      frame(attr(Attr.MessageIntegritySha256, Buffer.alloc(12))),
      'STUN_ERR_BAD_ATTRIBUTE',
    ],
    ['FINGERPRINT of the wrong size', frame(attr(Attr.Fingerprint, Buffer.alloc(8))), 'STUN_ERR_BAD_ATTRIBUTE'],
    ['wrong FINGERPRINT', frame(attr(Attr.Fingerprint, Buffer.alloc(4))), 'STUN_ERR_BAD_FINGERPRINT'],
  ];
  for (const [name, bytes, code] of cases) {
    it(name, () => {
      assert.throws(
        () => decodeStunMessage(bytes),
        (err: unknown) => err instanceof StunCodecError && err.code === code,
      );
    });
  }

  it('caps the number of attributes', () => {
    const body = Buffer.concat(Array.from({ length: 65 }, () => attr(0x8022, Buffer.alloc(0))));
    assert.throws(() => decodeStunMessage(frame(body)), { code: 'STUN_ERR_TOO_MANY_ATTRIBUTES' });
    assert.equal(decodeStunMessage(frame(body), { maxAttributes: 65 }).attributes.length, 65);
  });
});

describe('decoded message', () => {
  it('accepts FINGERPRINT after MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 after MESSAGE-INTEGRITY', () => {
    const raw = new StunMessageBuilder(Method.Binding, MessageClass.Request, tid)
      .add(Username, 'u')
      .build({ key: Buffer.from('k'), integrity: 'both', fingerprint: true });
    const msg = decodeStunMessage(raw);
    assert.ok(msg.integrityOffset > 0 && msg.integritySha256Offset > msg.integrityOffset);
    assert.ok(msg.fingerprintOffset > msg.integritySha256Offset);
  });

  it('keeps the first of duplicate attributes for get() and all of them for getAll()', () => {
    const raw = new StunMessageBuilder(Method.CreatePermission, MessageClass.Request, tid)
      .add(XorPeerAddress, { family: 'IPv4', address: '10.0.0.1', port: 1 })
      .add(XorPeerAddress, { family: 'IPv6', address: 'fd00::1', port: 2 })
      .build();
    const msg = decodeStunMessage(raw);
    assert.equal(msg.get(XorPeerAddress)?.address, '10.0.0.1');
    assert.deepEqual(
      msg.getAll(XorPeerAddress).map((a) => a.address),
      ['10.0.0.1', 'fd00::1'],
    );
  });

  it('keeps unknown attributes raw and lists unknown comprehension-required ones once', () => {
    const raw = new StunMessageBuilder(Method.Allocate, MessageClass.Request, tid)
      .addRaw(0x0033, Buffer.from([1, 2, 3]))
      .addRaw(0x0033, Buffer.from([4]))
      .addRaw(0x802f, Buffer.from('https://example.org'))
      .add(Lifetime, 600)
      .build();
    const msg = decodeStunMessage(raw);
    assert.deepEqual(msg.find(0x0033)?.value, Buffer.from([1, 2, 3]));
    assert.deepEqual(msg.unknownComprehensionRequired(new Set([Attr.Lifetime])), [0x0033]);
    assert.deepEqual(msg.unknownComprehensionRequired(new Set()), [0x0033, Attr.Lifetime]);
  });

  it('exposes the transaction ID and the bytes it was decoded from', () => {
    const raw = new StunMessageBuilder(Method.Refresh, MessageClass.Request, tid).add(Lifetime, 0).build();
    const msg = decodeStunMessage(raw);
    assert.deepEqual(msg.transactionId, tid);
    assert.equal(msg.raw, raw);
    assert.equal(msg.get(Lifetime), 0);
  });

  it('tells STUN from other protocols by header', () => {
    assert.ok(looksLikeStun(new StunMessageBuilder(Method.Binding, MessageClass.Request).build()));
    assert.equal(looksLikeStun(Buffer.from('16fefd0000000000000000', 'hex')), false);
    assert.equal(looksLikeStun(Buffer.alloc(20)), false);
  });
});

describe('StunMessageBuilder', () => {
  it('refuses integrity and fingerprint as plain attributes', () => {
    const b = new StunMessageBuilder(Method.Binding, MessageClass.Request);
    assert.throws(() => b.addRaw(Attr.MessageIntegrity, Buffer.alloc(20)), { code: 'STUN_ERR_INVALID_ARGUMENT' });
    assert.throws(() => b.addRaw(Attr.Fingerprint, Buffer.alloc(4)), { code: 'STUN_ERR_INVALID_ARGUMENT' });
  });

  it('refuses a transaction ID that is not 96 bits', () => {
    assert.throws(() => new StunMessageBuilder(Method.Binding, MessageClass.Request, Buffer.alloc(16)), {
      code: 'STUN_ERR_INVALID_ARGUMENT',
    });
  });

  it('refuses a message larger than the length field can say', () => {
    const b = new StunMessageBuilder(Method.Send, MessageClass.Indication);
    b.addRaw(Attr.Data, Buffer.alloc(0xfff0));
    b.addRaw(Attr.Data, Buffer.alloc(0x20));
    assert.throws(() => b.build(), { code: 'STUN_ERR_INVALID_ARGUMENT' });
  });

  it('draws a fresh random transaction ID by default', () => {
    const a = new StunMessageBuilder(Method.Binding, MessageClass.Request).transactionId;
    const b = new StunMessageBuilder(Method.Binding, MessageClass.Request).transactionId;
    assert.equal(a.length, 12);
    assert.notDeepEqual(a, b);
  });
});
