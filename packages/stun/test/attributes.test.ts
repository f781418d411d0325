import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AdditionalAddressFamily,
  AddressErrorCode,
  AlternateDomain,
  AlternateServer,
  type AttributeCodec,
  attributeName,
  ChannelNumber,
  ConnectionId,
  Data,
  DontFragment,
  decodeStunMessage,
  ErrorCode,
  EvenPort,
  Icmp,
  Lifetime,
  MappedAddress,
  MessageClass,
  Method,
  Nonce,
  PasswordAlgorithmAttr,
  PasswordAlgorithms,
  Realm,
  RequestedAddressFamily,
  RequestedTransport,
  ReservationToken,
  Software,
  StunMessageBuilder,
  UnknownAttributes,
  Userhash,
  Username,
  XorMappedAddress,
  XorPeerAddress,
  XorRelayedAddress,
} from '@stunner/stun';

const tid = Buffer.from('a1a2a3a4a5a6a7a8a9aaabac', 'hex');

/** Encodes the value in a message, decodes the message, reads the attribute back. */
function roundTrip<T>(codec: AttributeCodec<T>, value: T): T | undefined {
  const raw = new StunMessageBuilder(Method.Allocate, MessageClass.Request, tid).add(codec, value).build();
  return decodeStunMessage(raw).get(codec);
}

describe('attribute round trips', () => {
  const addresses = [
    { family: 'IPv4', address: '203.0.113.9', port: 3478 },
    { family: 'IPv4', address: '0.0.0.0', port: 0 },
    { family: 'IPv6', address: '2001:db8::1', port: 65535 },
    { family: 'IPv6', address: '::1', port: 1 },
    { family: 'IPv6', address: 'fe80::1:2:3:4', port: 80 },
    { family: 'IPv6', address: '::ffff:10.1.2.3', port: 9 },
  ] as const;
  for (const codec of [MappedAddress, XorMappedAddress, XorPeerAddress, XorRelayedAddress, AlternateServer]) {
    it(`${codec.name} for IPv4 and IPv6`, () => {
      for (const a of addresses) assert.deepEqual(roundTrip(codec, { ...a }), a);
    });
  }

  it('XOR-MAPPED-ADDRESS hides the address bytes on the wire', () => {
    const value = XorMappedAddress.encode({ family: 'IPv4', address: '192.0.2.1', port: 32853 }, tid);
    assert.equal(value.toString('hex'), '0001a147e112a643');
  });

  it('text attributes', () => {
    assert.equal(roundTrip(Username, 'alice:ünïcode'), 'alice:ünïcode');
    assert.equal(roundTrip(Realm, 'stunner.l7mp.io'), 'stunner.l7mp.io');
    assert.equal(roundTrip(Nonce, 'n0nce'), 'n0nce');
    assert.equal(roundTrip(Software, ''), '');
    assert.equal(roundTrip(AlternateDomain, 'turn.example.org'), 'turn.example.org');
  });

  it('numeric and flag attributes', () => {
    assert.equal(roundTrip(Lifetime, 3600), 3600);
    assert.equal(roundTrip(ChannelNumber, 0x4001), 0x4001);
    assert.equal(roundTrip(RequestedTransport, 17), 17);
    assert.equal(roundTrip(RequestedAddressFamily, 2), 2);
    assert.equal(roundTrip(AdditionalAddressFamily, 2), 2);
    assert.equal(roundTrip(ConnectionId, 0xdeadbeef), 0xdeadbeef);
    assert.equal(roundTrip(DontFragment, true), true);
    assert.deepEqual(roundTrip(EvenPort, { reserve: true }), { reserve: true });
    assert.deepEqual(roundTrip(EvenPort, { reserve: false }), { reserve: false });
  });

  it('byte attributes', () => {
    const token = Buffer.from('0011223344556677', 'hex');
    assert.deepEqual(roundTrip(ReservationToken, token), token);
    assert.deepEqual(roundTrip(Data, Buffer.from([1, 2, 3, 4, 5])), Buffer.from([1, 2, 3, 4, 5]));
    assert.deepEqual(roundTrip(Userhash, Buffer.alloc(32, 7)), Buffer.alloc(32, 7));
  });

  it('ERROR-CODE with class and number (RFC 8489 §14.8)', () => {
    assert.deepEqual(roundTrip(ErrorCode, { code: 438, reason: 'Stale Nonce' }), { code: 438, reason: 'Stale Nonce' });
    assert.equal(ErrorCode.encode({ code: 420, reason: 'x' }, tid).subarray(2, 4).toString('hex'), '0414');
  });

  it('ADDRESS-ERROR-CODE with family', () => {
    assert.deepEqual(roundTrip(AddressErrorCode, { family: 2, code: 440, reason: 'no IPv6' }), {
      family: 2,
      code: 440,
      reason: 'no IPv6',
    });
  });

  it('UNKNOWN-ATTRIBUTES, PASSWORD-ALGORITHM(S), ICMP', () => {
    assert.deepEqual(roundTrip(UnknownAttributes, [0x0031, 0x0032, 0x0033]), [0x0031, 0x0032, 0x0033]);
    const algs = [
      { algorithm: 2, parameters: Buffer.alloc(0) },
      { algorithm: 1, parameters: Buffer.from([9, 9, 9]) },
    ];
    assert.deepEqual(roundTrip(PasswordAlgorithms, algs), algs);
    assert.deepEqual(roundTrip(PasswordAlgorithmAttr, algs[0]!), algs[0]);
    assert.deepEqual(roundTrip(Icmp, { type: 3, code: 1, data: 1500 }), { type: 3, code: 1, data: 1500 });
  });

  it('names attribute types for messages', () => {
    assert.equal(attributeName(0x0012), 'XOR-PEER-ADDRESS');
    assert.equal(attributeName(0x8022), 'SOFTWARE');
    assert.equal(attributeName(0x7777), '0x7777');
  });
});

describe('malformed attribute values raise STUN_ERR_BAD_ATTRIBUTE', () => {
  const bad: Array<[AttributeCodec<unknown>, string]> = [
    [XorPeerAddress, '0003000100000000'],
    [XorPeerAddress, '0001000101020304ff'],
    [MappedAddress, '0002'],
    [Lifetime, '000000'],
    [ChannelNumber, '4000'],
    [EvenPort, '8000'],
    [ReservationToken, '00'],
    [ErrorCode, '0000021e'],
    [ErrorCode, '00000464'],
    [UnknownAttributes, '000100'],
    [PasswordAlgorithms, '00020004aabb'],
    [DontFragment, '00'],
    [Icmp, '0000'],
    [Userhash, '00'],
  ];
  for (const [codec, hexValue] of bad) {
    it(`${codec.name} ${hexValue}`, () => {
      assert.throws(() => codec.decode(Buffer.from(hexValue, 'hex'), tid), { code: 'STUN_ERR_BAD_ATTRIBUTE' });
    });
  }

  it('over-long text attributes', () => {
    assert.throws(() => Username.decode(Buffer.alloc(514, 0x61), tid), { code: 'STUN_ERR_BAD_ATTRIBUTE' });
    assert.throws(() => Realm.decode(Buffer.alloc(764, 0x61), tid), { code: 'STUN_ERR_BAD_ATTRIBUTE' });
  });
});

describe('encoding refuses values the wire cannot carry', () => {
  it('with STUN_ERR_INVALID_ARGUMENT', () => {
    const bad = (f: () => unknown) => assert.throws(f, { code: 'STUN_ERR_INVALID_ARGUMENT' });
    bad(() => XorPeerAddress.encode({ family: 'IPv4', address: 'not-an-ip', port: 1 }, tid));
    bad(() => XorPeerAddress.encode({ family: 'IPv4', address: '1.2.3.4', port: 70000 }, tid));
    bad(() => Lifetime.encode(-1, tid));
    bad(() => ErrorCode.encode({ code: 200, reason: '' }, tid));
    bad(() => Username.encode('x'.repeat(514), tid));
    bad(() => ReservationToken.encode(Buffer.alloc(4), tid));
  });
});
