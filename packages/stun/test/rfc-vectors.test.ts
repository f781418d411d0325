import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Attr,
  computeFingerprint,
  decodeStunMessage,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  PasswordAlgorithmAttr,
  Realm,
  Software,
  StunMessageBuilder,
  saslPrep,
  Userhash,
  Username,
  userHash,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  XorMappedAddress,
} from '@stunner/stun';
import {
  LONG_TERM_NONCE,
  LONG_TERM_PASSWORD,
  LONG_TERM_REALM,
  LONG_TERM_USERNAME,
  RFC5769_IPV4_RESPONSE,
  RFC5769_IPV6_RESPONSE,
  RFC5769_LONG_TERM_REQUEST,
  RFC5769_REQUEST,
  RFC8489_SHA256_NONCE,
  RFC8489_SHA256_REQUEST,
  RFC8489_SHA256_REQUEST_AS_PRINTED,
  SHORT_TERM_PASSWORD,
} from './fixtures/rfc-vectors.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
const shortTermKey = Buffer.from(SHORT_TERM_PASSWORD, 'utf8');

function flipped(buf: Buffer, index: number): Buffer {
  const copy = Buffer.from(buf);
  copy[index]! ^= 0x01;
  return copy;
}

/** Recomputes FINGERPRINT in place, so that only integrity can notice a change. */
function withValidFingerprint(buf: Buffer): Buffer {
  const offset = buf.length - 8;
  buf.writeUInt32BE(computeFingerprint(buf, offset), offset + 4);
  return buf;
}

describe('RFC 5769 §2.1 sample request', () => {
  const raw = hex(RFC5769_REQUEST);

  it('parses with its attributes, integrity and fingerprint', () => {
    const msg = decodeStunMessage(raw);
    assert.equal(msg.method, Method.Binding);
    assert.equal(msg.messageClass, MessageClass.Request);
    assert.equal(msg.transactionId.toString('hex'), 'b7e7a701bc34d686fa87dfae');
    assert.equal(msg.get(Software), 'STUN test client');
    assert.equal(msg.get(Username), 'evtj:h6vY');
    assert.equal(msg.find(Attr.Priority)?.value.readUInt32BE(0), 0x6e0001ff);
    assert.equal(msg.find(Attr.IceControlled)?.value.toString('hex'), '932ff9b151263b36');
    assert.ok(verifyMessageIntegrity(msg, shortTermKey));
  });

  it('is rebuilt byte-exact from its parameters (0x20 padding)', () => {
    const b = new StunMessageBuilder(Method.Binding, MessageClass.Request, hex('b7e7a701bc34d686fa87dfae'));
    b.add(Software, 'STUN test client');
    b.addRaw(Attr.Priority, hex('6e0001ff'));
    b.addRaw(Attr.IceControlled, hex('932ff9b151263b36'));
    b.add(Username, 'evtj:h6vY');
    const built = b.build({ key: shortTermKey, fingerprint: true, paddingByte: 0x20 });
    assert.equal(built.toString('hex'), RFC5769_REQUEST);
  });

  it('fails integrity when any one byte before MESSAGE-INTEGRITY is flipped', () => {
    const msg = decodeStunMessage(raw);
    for (const index of [8, 24, 60, msg.integrityOffset - 1, msg.integrityOffset + 10]) {
      const tampered = decodeStunMessage(withValidFingerprint(flipped(raw, index)));
      assert.equal(verifyMessageIntegrity(tampered, shortTermKey), false, `byte ${index}`);
    }
  });

  it('fails integrity with the wrong key', () => {
    assert.equal(verifyMessageIntegrity(decodeStunMessage(raw), Buffer.from('wrong')), false);
  });

  it('detects a wrong fingerprint', () => {
    assert.throws(() => decodeStunMessage(flipped(raw, raw.length - 1)), { code: 'STUN_ERR_BAD_FINGERPRINT' });
    assert.throws(() => decodeStunMessage(flipped(raw, 30)), { code: 'STUN_ERR_BAD_FINGERPRINT' });
  });
});

describe('RFC 5769 §2.2–2.3 sample responses', () => {
  for (const [name, vector, address] of [
    ['IPv4', RFC5769_IPV4_RESPONSE, '192.0.2.1'],
    ['IPv6', RFC5769_IPV6_RESPONSE, '2001:db8:1234:5678:11:2233:4455:6677'],
  ] as const) {
    it(`${name}: parses the XOR-MAPPED-ADDRESS and verifies integrity and fingerprint`, () => {
      const msg = decodeStunMessage(hex(vector));
      assert.equal(msg.messageClass, MessageClass.SuccessResponse);
      assert.equal(msg.get(Software), 'test vector');
      assert.deepEqual(msg.get(XorMappedAddress), { family: name, address, port: 32853 });
      assert.ok(verifyMessageIntegrity(msg, shortTermKey));
    });

    it(`${name}: is rebuilt byte-exact`, () => {
      const b = new StunMessageBuilder(Method.Binding, MessageClass.SuccessResponse, hex('b7e7a701bc34d686fa87dfae'));
      b.add(Software, 'test vector');
      b.add(XorMappedAddress, { family: name, address, port: 32853 });
      assert.equal(b.build({ key: shortTermKey, fingerprint: true, paddingByte: 0x20 }).toString('hex'), vector);
    });
  }
});

describe('RFC 5769 §2.4 long-term credentials', () => {
  const raw = hex(RFC5769_LONG_TERM_REQUEST);
  const key = longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, saslPrep(LONG_TERM_PASSWORD));

  it('derives the key MD5(username:realm:SASLprep(password))', () => {
    assert.equal(saslPrep(LONG_TERM_PASSWORD), 'TheMatrIX');
    assert.equal(key.toString('hex'), 'e8ca7ad59d5eb0518e312911d2dab2a9');
  });

  it('parses and verifies integrity (no fingerprint)', () => {
    const msg = decodeStunMessage(raw);
    assert.equal(msg.get(Username), LONG_TERM_USERNAME);
    assert.equal(msg.get(Nonce), LONG_TERM_NONCE);
    assert.equal(msg.get(Realm), LONG_TERM_REALM);
    assert.equal(msg.fingerprintOffset, -1);
    assert.ok(verifyMessageIntegrity(msg, key));
  });

  it('is rebuilt byte-exact', () => {
    const b = new StunMessageBuilder(Method.Binding, MessageClass.Request, hex('78ad3433c6ad72c029da412e'));
    b.add(Username, LONG_TERM_USERNAME).add(Nonce, LONG_TERM_NONCE).add(Realm, LONG_TERM_REALM);
    assert.equal(b.build({ key }).toString('hex'), RFC5769_LONG_TERM_REQUEST);
  });

  it('fails integrity with one flipped byte', () => {
    assert.equal(verifyMessageIntegrity(decodeStunMessage(flipped(raw, 40)), key), false);
  });
});

describe('RFC 8489 Appendix B.1 (corrected) SHA-256 and USERHASH', () => {
  const raw = hex(RFC8489_SHA256_REQUEST);
  const key = longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, 'TheMatrIX', 'SHA-256');

  it('derives USERHASH and the SHA-256 key', () => {
    assert.equal(
      userHash(LONG_TERM_USERNAME, LONG_TERM_REALM).toString('hex'),
      '4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704',
    );
    assert.equal(key.toString('hex'), 'dd295a613b9058c3c23d6dc7165bda072304d989c9d0af3a8c7e184b4f9bb4a1');
  });

  it('parses and verifies MESSAGE-INTEGRITY-SHA256', () => {
    const msg = decodeStunMessage(raw);
    assert.deepEqual(msg.get(Userhash), userHash(LONG_TERM_USERNAME, LONG_TERM_REALM));
    assert.equal(msg.get(Nonce), RFC8489_SHA256_NONCE);
    assert.equal(msg.get(PasswordAlgorithmAttr)?.algorithm, 2);
    assert.equal(msg.integrityOffset, -1);
    assert.ok(verifyMessageIntegritySha256(msg, key));
    assert.equal(verifyMessageIntegritySha256(decodeStunMessage(flipped(raw, 30)), key), false);
  });

  it('is rebuilt byte-exact', () => {
    const b = new StunMessageBuilder(Method.Binding, MessageClass.Request, hex('78ad3433c6ad72c029da412e'));
    b.add(Userhash, userHash(LONG_TERM_USERNAME, LONG_TERM_REALM))
      .add(Nonce, RFC8489_SHA256_NONCE)
      .add(Realm, LONG_TERM_REALM)
      .add(PasswordAlgorithmAttr, { algorithm: 2, parameters: Buffer.alloc(0) });
    assert.equal(b.build({ key, integrity: 'sha256' }).toString('hex'), RFC8489_SHA256_REQUEST);
  });

  it('refuses the vector as printed in the RFC (length counts the header)', () => {
    assert.throws(() => decodeStunMessage(hex(RFC8489_SHA256_REQUEST_AS_PRINTED)), {
      code: 'STUN_ERR_LENGTH_MISMATCH',
    });
  });
});
