import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeStunMessage,
  ErrorCode,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  Realm,
  StunMessageBuilder,
  Username,
} from '@stunner/stun';
import { LongTermCredentials } from '../src/long-term-credentials.ts';

function errorResponse(code: number, realm?: string, nonce?: string) {
  const b = new StunMessageBuilder(Method.Allocate, MessageClass.ErrorResponse).add(ErrorCode, { code, reason: '' });
  if (realm !== undefined) b.add(Realm, realm);
  if (nonce !== undefined) b.add(Nonce, nonce);
  return decodeStunMessage(b.build());
}

function signed(creds: LongTermCredentials) {
  const b = new StunMessageBuilder(Method.Allocate, MessageClass.Request);
  creds.sign(b);
  return decodeStunMessage(b.build({ key: creds.key }));
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
});
