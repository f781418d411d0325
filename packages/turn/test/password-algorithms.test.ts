import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Attr,
  decodeStunMessage,
  ephemeralPassword,
  Lifetime,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  PasswordAlgorithm,
  PasswordAlgorithmAttr,
  PasswordAlgorithms,
  Realm,
  RequestedTransport,
  type StunMessage,
  StunMessageBuilder,
  TransportProtocol,
  Userhash,
  Username,
  userHash,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
} from '@stunner/stun';
import { assertError, assertSuccess, harness, PASS, REALM, T0, TestClient, USER } from './harness.ts';

const NONE = Buffer.alloc(0);
const BOTH = [
  { algorithm: PasswordAlgorithm.MD5, parameters: NONE },
  { algorithm: PasswordAlgorithm.SHA256, parameters: NONE },
];
/** An RFC 8489 client pads its first request so the UDP 401 has room for the features (turn.md §5.4). */
const RFC8489 = { software: 'stunner-ts RFC 8489 client' };
const SHA256_KEY = longTermKey(USER, REALM, PASS, 'SHA-256');

interface Signed {
  username?: string;
  userhash?: Buffer;
  algorithms?: typeof BOTH;
  algorithm?: number;
  key: Buffer;
  integrity: 'sha1' | 'sha256';
  nonce: string;
  method?: number;
}

/** A request signed the RFC 8489 way: PASSWORD-ALGORITHMS echoed, PASSWORD-ALGORITHM chosen. */
function signed(c: TestClient, o: Signed): StunMessage {
  const method = o.method ?? Method.Allocate;
  const b = new StunMessageBuilder(method, MessageClass.Request);
  if (method === Method.Allocate) b.add(RequestedTransport, TransportProtocol.UDP);
  else b.add(Lifetime, 0);
  if (o.username !== undefined) b.add(Username, o.username);
  if (o.userhash !== undefined) b.add(Userhash, o.userhash);
  b.add(Realm, REALM).add(Nonce, o.nonce);
  if (o.algorithms !== undefined) b.add(PasswordAlgorithms, o.algorithms);
  if (o.algorithm !== undefined) b.add(PasswordAlgorithmAttr, { algorithm: o.algorithm, parameters: NONE });
  const out = c.feed(b.build({ key: o.key, integrity: o.integrity }));
  assert.equal(out.length, 1);
  return decodeStunMessage(out[0]!);
}

describe('RFC 8489 §9.2 password algorithms and USERHASH', () => {
  it('offers PASSWORD-ALGORITHMS (MD5, SHA-256) under a nonce cookie announcing both features', () => {
    const h = harness({ passwordAlgorithms: true });
    const res = new TestClient(h, RFC8489).handshake();
    assert.match(res.get(Nonce) ?? '', /^obMatJos2wAAA[A-Za-z0-9_-]{12}$/);
    assert.deepEqual(
      res.get(PasswordAlgorithms)?.map((a) => a.algorithm),
      [PasswordAlgorithm.MD5, PasswordAlgorithm.SHA256],
    );
  });

  it('offers nothing by default: the 401 stays as small as before', () => {
    const res = new TestClient(harness()).handshake();
    assert.equal(res.has(Attr.PasswordAlgorithms), false);
    assert.doesNotMatch(res.get(Nonce) ?? '', /^obMatJos2/);
  });

  it('accepts a SHA-256 long-term key with MESSAGE-INTEGRITY-SHA256 and answers with it', () => {
    const h = harness({ passwordAlgorithms: true });
    const c = new TestClient(h, RFC8489);
    c.handshake();
    const res = signed(c, {
      username: USER,
      algorithms: BOTH,
      algorithm: PasswordAlgorithm.SHA256,
      key: SHA256_KEY,
      integrity: 'sha256',
      nonce: c.nonce!,
    });
    assertSuccess(res);
    assert.ok(verifyMessageIntegritySha256(res, SHA256_KEY));
    // The same key works for the allocation's next request, and an MD5-keyed one does not.
    const md5 = signed(c, {
      method: Method.Refresh,
      username: USER,
      algorithms: BOTH,
      algorithm: PasswordAlgorithm.SHA256,
      key: c.key(),
      integrity: 'sha256',
      nonce: c.nonce!,
    });
    assertError(md5, 401);
    const refresh = signed(c, {
      method: Method.Refresh,
      username: USER,
      algorithms: BOTH,
      algorithm: PasswordAlgorithm.SHA256,
      key: SHA256_KEY,
      integrity: 'sha1',
      nonce: c.nonce!,
    });
    assertSuccess(refresh);
    assert.ok(verifyMessageIntegrity(refresh, SHA256_KEY), 'MESSAGE-INTEGRITY with the SHA-256 key');
  });

  it('keeps clients that know none of it (MD5, no PASSWORD-ALGORITHM) working as before', () => {
    const h = harness({ passwordAlgorithms: true });
    const c = new TestClient(h, RFC8489);
    assertSuccess(c.allocate(), c.key());
  });

  it('answers 400 to an altered offer or a half negotiation, 438 to a nonce whose features were cleared', () => {
    const h = harness({ passwordAlgorithms: true });
    const c = new TestClient(h, RFC8489);
    c.handshake();
    const base = { username: USER, key: SHA256_KEY, integrity: 'sha256' as const, nonce: c.nonce! };
    const md5Only = [BOTH[0]!];
    assertError(signed(c, { ...base, algorithms: md5Only, algorithm: PasswordAlgorithm.MD5, key: c.key() }), 400);
    assertError(signed(c, { ...base, algorithm: PasswordAlgorithm.SHA256 }), 400);
    assertError(signed(c, { ...base, algorithms: BOTH }), 400);
    assertError(signed(c, { ...base, algorithms: BOTH, algorithm: 7 }), 400);
    const bidDown = `obMatJos2AAAA${c.nonce!.slice(13)}`;
    assertError(signed(c, { ...base, key: c.key(), integrity: 'sha1', nonce: bidDown }), 438);
    assertError(signed(c, { ...base, key: c.key(), integrity: 'sha1', nonce: c.nonce!.slice(13) }), 438);
    assertEqualAllocations(h, 0);
  });

  it('accepts USERHASH for the static user, and refuses a hash of anyone else', () => {
    const h = harness({ passwordAlgorithms: true });
    const c = new TestClient(h, RFC8489);
    c.handshake();
    const base = {
      algorithms: BOTH,
      algorithm: PasswordAlgorithm.SHA256,
      key: SHA256_KEY,
      integrity: 'sha256' as const,
    };
    assertError(signed(c, { ...base, userhash: userHash('mallory', REALM), nonce: c.nonce! }), 401);
    const res = signed(c, { ...base, userhash: userHash(USER, REALM), nonce: c.nonce! });
    assertSuccess(res);
    assert.equal([...h.engine.allocations()][0]!.username, USER);
  });

  it('offers no username anonymity with ephemeral credentials, whose users cannot be found by hash', () => {
    const secret = 'shared-secret';
    const h = harness({ passwordAlgorithms: true, auth: { type: 'ephemeral', realm: REALM, secret } });
    const username = `${T0 / 1000 + 3600}:alice`;
    const c = new TestClient(h, { ...RFC8489, username, password: ephemeralPassword(secret, username) });
    const challenge = c.handshake();
    assert.match(challenge.get(Nonce) ?? '', /^obMatJos2gAAA/);
    const key = longTermKey(username, REALM, c.password, 'SHA-256');
    const base = { algorithms: BOTH, algorithm: PasswordAlgorithm.SHA256, key, integrity: 'sha256' as const };
    assertError(signed(c, { ...base, userhash: userHash(username, REALM), nonce: c.nonce! }), 400);
    assertSuccess(signed(c, { ...base, username, nonce: c.nonce! }));
  });
});

function assertEqualAllocations(h: ReturnType<typeof harness>, n: number): void {
  assert.equal(h.engine.allocationCount, n);
}
