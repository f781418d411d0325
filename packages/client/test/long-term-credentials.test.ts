import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Attr,
  decodeStunMessage,
  ErrorCode,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  nonceCookie,
  PasswordAlgorithm,
  PasswordAlgorithmAttr,
  PasswordAlgorithms,
  Realm,
  SecurityFeature,
  StunMessageBuilder,
  Userhash,
  Username,
  userHash,
  verifyMessageIntegritySha256,
} from '@stunner/stun';
import { LongTermCredentials } from '../src/long-term-credentials.ts';

const OFFER = [
  { algorithm: PasswordAlgorithm.MD5, parameters: Buffer.alloc(0) },
  { algorithm: PasswordAlgorithm.SHA256, parameters: Buffer.alloc(0) },
];

function errorResponse(code: number, realm?: string, nonce?: string, offer?: typeof OFFER) {
  const b = new StunMessageBuilder(Method.Allocate, MessageClass.ErrorResponse).add(ErrorCode, { code, reason: '' });
  if (realm !== undefined) b.add(Realm, realm);
  if (nonce !== undefined) b.add(Nonce, nonce);
  if (offer !== undefined) b.add(PasswordAlgorithms, offer);
  return decodeStunMessage(b.build());
}

function signed(creds: LongTermCredentials) {
  const b = new StunMessageBuilder(Method.Allocate, MessageClass.Request);
  creds.sign(b);
  return decodeStunMessage(b.build({ key: creds.key, integrity: creds.integrity }));
}

describe('LongTermCredentials (RFC 8489 §9.2)', () => {
  it('sends nothing until challenged, then USERNAME, REALM, NONCE and the MD5 key', () => {
    const creds = new LongTermCredentials('user', 'pass');
    assert.equal(signed(creds).has(0x0006), false);
    assert.equal(creds.challenge(errorResponse(401, 'realm', 'n1')), true);
    const req = signed(creds);
    assert.equal(req.get(Username), 'user');
    assert.equal(req.get(Realm), 'realm');
    assert.equal(req.get(Nonce), 'n1');
    assert.deepEqual(creds.key, longTermKey('user', 'realm', 'pass'));
  });

  it('does not answer a second 401 (the credentials are wrong) or one without REALM and NONCE', () => {
    const creds = new LongTermCredentials('user', 'pass');
    assert.equal(creds.challenge(errorResponse(401)), false);
    assert.equal(creds.challenge(errorResponse(401, 'realm', 'n1')), true);
    assert.equal(creds.challenge(errorResponse(401, 'realm', 'n2')), false);
    assert.equal(new LongTermCredentials(undefined, undefined).challenge(errorResponse(401, 'r', 'n')), false);
  });

  it('takes the fresh nonce of a 438, and a new realm with a new key', () => {
    const creds = new LongTermCredentials('user', 'pass');
    assert.equal(creds.renewNonce(errorResponse(438, 'realm', 'n0')), false);
    creds.challenge(errorResponse(401, 'realm', 'n1'));
    assert.equal(creds.renewNonce(errorResponse(438, undefined, 'n2')), true);
    assert.equal(signed(creds).get(Nonce), 'n2');
    assert.equal(creds.renewNonce(errorResponse(438, 'other', 'n3')), true);
    assert.deepEqual(creds.key, longTermKey('user', 'other', 'pass'));
    assert.equal(creds.renewNonce(errorResponse(438)), false);
  });

  it('uses SHA-256 keys and MESSAGE-INTEGRITY-SHA256 when the nonce cookie and PASSWORD-ALGORITHMS offer them', () => {
    const creds = new LongTermCredentials('user', 'pass');
    const nonce = `${nonceCookie(SecurityFeature.PasswordAlgorithms)}abc`;
    assert.equal(creds.challenge(errorResponse(401, 'realm', nonce, OFFER)), true);
    assert.equal(creds.algorithm, 'SHA-256');
    assert.deepEqual(creds.key, longTermKey('user', 'realm', 'pass', 'SHA-256'));
    const req = signed(creds);
    assert.deepEqual(
      req.get(PasswordAlgorithms)?.map((a) => a.algorithm),
      [PasswordAlgorithm.MD5, PasswordAlgorithm.SHA256],
      'the offer is echoed as received',
    );
    assert.equal(req.get(PasswordAlgorithmAttr)?.algorithm, PasswordAlgorithm.SHA256);
    assert.ok(req.integritySha256Offset >= 0);
    assert.ok(verifyMessageIntegritySha256(req, creds.key!));
  });

  it('keeps MD5 without the nonce cookie bit, even if PASSWORD-ALGORITHMS is there', () => {
    const creds = new LongTermCredentials('user', 'pass');
    creds.challenge(errorResponse(401, 'realm', 'plain-nonce', OFFER));
    assert.equal(creds.algorithm, 'MD5');
    assert.equal(signed(creds).has(Attr.PasswordAlgorithms), false);
  });

  it('sends USERHASH instead of USERNAME when asked to and the server offers username anonymity', () => {
    const features = SecurityFeature.PasswordAlgorithms | SecurityFeature.UsernameAnonymity;
    const creds = new LongTermCredentials('user', 'pass', { userhash: true });
    creds.challenge(errorResponse(401, 'realm', `${nonceCookie(features)}abc`, OFFER));
    const req = signed(creds);
    assert.equal(req.has(Attr.Username), false);
    assert.deepEqual(req.get(Userhash), userHash('user', 'realm'));
  });
});
