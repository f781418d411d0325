// turn.md §5.4: on UDP a response to a request that did not authenticate fits twice the request; what
// is optional (the RFC 8489 §9.2.1 features, then the reason phrase) is left out when it would not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Attr,
  decodeStunMessage,
  ErrorCode,
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
  Software,
  type StunMessage,
  StunMessageBuilder,
  TransportProtocol,
  Userhash,
  Username,
  userHash,
} from '@stunner/stun';
import { NonceIssuer } from '../src/nonce.ts';
import { assertError, assertSuccess, harness, PASS, REALM, T0, TestClient, USER } from './harness.ts';

const SECRET = Buffer.alloc(32, 7);
const COOKIE = 'obMatJos2wAAA';

/** Feeds an unauthenticated request; returns the response's bytes and message. */
function challenge(c: TestClient, add: (b: StunMessageBuilder) => void, fingerprint = false) {
  const req = c.build(Method.Allocate, add, { auth: false, fingerprint });
  const [out] = c.feed(req);
  assert.ok(out, 'an answer');
  return { req, out, res: decodeStunMessage(out) };
}

const turncat = (b: StunMessageBuilder) => b.add(RequestedTransport, TransportProtocol.UDP);
const browser = (b: StunMessageBuilder) => b.add(RequestedTransport, TransportProtocol.UDP).add(Lifetime, 3600);

function md5Allocate(c: TestClient, nonce: string): StunMessage {
  const b = new StunMessageBuilder(Method.Allocate, MessageClass.Request);
  b.add(RequestedTransport, TransportProtocol.UDP).add(Username, USER).add(Realm, REALM).add(Nonce, nonce);
  const [out] = c.feed(b.build({ key: longTermKey(USER, REALM, PASS), fingerprint: true }));
  return decodeStunMessage(out!);
}

describe('response budget of unauthenticated requests (turn.md §5.4)', () => {
  it('answers an Allocate as turncat sends it (36 B) within 2×, leaving the RFC 8489 features out', () => {
    const h = harness({ passwordAlgorithms: true });
    const c = new TestClient(h);
    const { req, out, res } = challenge(c, turncat, true);
    assert.equal(req.length, 36);
    assert.ok(out.length <= 2 * req.length, `${out.length} > 2 × ${req.length}`);
    assertError(res, 401);
    assert.equal(res.has(Attr.PasswordAlgorithms), false);
    assert.match(res.get(Nonce)!, /^[A-Za-z0-9_-]{12}$/, 'no nonce cookie');
    assert.equal(res.get(ErrorCode)?.reason, '', 'no room for the reason phrase');
    // The client goes on the RFC 5389 way: MD5 and USERNAME.
    assertSuccess(md5Allocate(c, res.get(Nonce)!));
  });

  it('answers an Allocate as browsers send it (44 B) within 2×, with the reason phrase', () => {
    const c = new TestClient(harness({ passwordAlgorithms: true }));
    const { req, out, res } = challenge(c, browser, true);
    assert.equal(req.length, 44);
    assert.ok(out.length <= 2 * req.length, `${out.length} > 2 × ${req.length}`);
    assert.equal(res.has(Attr.PasswordAlgorithms), false);
    assert.equal(res.get(ErrorCode)?.reason, 'Unauthenticated');
  });

  it('offers the features to a request large enough for them, and everything on TCP, TLS and DTLS', () => {
    const big = challenge(new TestClient(harness({ passwordAlgorithms: true })), (b) =>
      turncat(b).add(Software, 'an RFC 8489 client, v1.0'),
    );
    assert.ok(big.out.length <= 2 * big.req.length);
    assert.ok(big.res.get(Nonce)!.startsWith(COOKIE));
    assert.equal(big.res.get(PasswordAlgorithms)?.length, 2);
    for (const transport of ['tcp', 'tls', 'dtls'] as const) {
      const { res } = challenge(new TestClient(harness({ passwordAlgorithms: true }), { transport }), turncat);
      assert.ok(res.get(Nonce)!.startsWith(COOKIE), transport);
      assert.equal(res.get(PasswordAlgorithms)?.length, 2, transport);
      assert.equal(res.get(ErrorCode)?.reason, 'Unauthenticated', transport);
    }
  });

  it('still answers a bare Refresh (20 B), as RFC 8489 §9.2.4 requires, with REALM and NONCE only', () => {
    const c = new TestClient(harness({ passwordAlgorithms: true }));
    const [out] = c.feed(c.build(Method.Refresh, () => {}, { auth: false }));
    const res = decodeStunMessage(out!);
    assertError(res, 401);
    assert.deepEqual(
      res.attributes.map((a) => a.type),
      [Attr.ErrorCode, Attr.Realm, Attr.Nonce],
    );
    assert.equal(out!.length, 64, 'header, ERROR-CODE, REALM, a 12-character NONCE');
  });

  it('gives a 400 its reason phrase only when it fits', () => {
    const c = new TestClient(harness());
    const [out] = c.feed(new StunMessageBuilder(0x0ff, MessageClass.Request).build());
    assert.equal(out!.length, 40);
    assert.equal(decodeStunMessage(out!).get(ErrorCode)?.reason, 'Bad Request');
  });

  it('takes no RFC 8489 feature under a nonce issued without the cookie', () => {
    const h = harness({ passwordAlgorithms: true });
    const c = new TestClient(h);
    const nonce = challenge(c, turncat, true).res.get(Nonce)!;
    const b = new StunMessageBuilder(Method.Allocate, MessageClass.Request);
    b.add(RequestedTransport, TransportProtocol.UDP).add(Userhash, userHash(USER, REALM));
    b.add(Realm, REALM).add(Nonce, nonce);
    b.add(PasswordAlgorithms, [
      { algorithm: PasswordAlgorithm.MD5, parameters: Buffer.alloc(0) },
      { algorithm: PasswordAlgorithm.SHA256, parameters: Buffer.alloc(0) },
    ]);
    b.add(PasswordAlgorithmAttr, { algorithm: PasswordAlgorithm.SHA256, parameters: Buffer.alloc(0) });
    const [out] = c.feed(b.build({ key: longTermKey(USER, REALM, PASS, 'SHA-256'), integrity: 'sha256' }));
    assertError(decodeStunMessage(out!), 400);
  });

  it('refuses a nonce whose cookie was added or removed in transit (a bid-down), and a nonce of the old format', () => {
    const h = harness({ passwordAlgorithms: true });
    const c = new TestClient(h);
    const plain = challenge(c, turncat, true).res.get(Nonce)!;
    const withCookie = challenge(c, (b) => turncat(b).add(Software, 'an RFC 8489 client, v1.0')).res.get(Nonce)!;
    for (const forged of [COOKIE + plain, withCookie.slice(COOKIE.length), 'AAECAwQFBgcICQoL']) {
      const res = md5Allocate(c, forged);
      assertError(res, 438);
      assert.notEqual(res.get(Nonce), forged);
    }
    assertSuccess(md5Allocate(c, plain));
  });
});

describe('NonceIssuer', () => {
  it('issues 12 characters, or the cookie and 12, bound to the client address and lifetime', () => {
    const n = new NonceIssuer(SECRET, 600, COOKIE);
    const plain = n.issue('192.0.2.1', T0, false);
    const cookie = n.issue('192.0.2.1', T0, true);
    assert.match(plain, /^[A-Za-z0-9_-]{12}$/);
    assert.ok(cookie.startsWith(COOKIE) && cookie.length === COOKIE.length + 12);
    assert.equal(n.hasCookie(cookie), true);
    assert.equal(n.hasCookie(plain), false);
    for (const nonce of [plain, cookie]) {
      assert.equal(n.check(nonce, '192.0.2.1', T0 + 600_000), 'valid');
      assert.equal(n.check(nonce, '192.0.2.1', T0 + 601_000), 'stale');
      assert.equal(n.check(nonce, '192.0.2.2', T0), 'invalid');
      assert.equal(n.check(nonce, '192.0.2.1', T0 - 5_000), 'valid', 'within the clock skew');
      assert.equal(n.check(nonce, '192.0.2.1', T0 - 10_000), 'invalid');
    }
  });

  it('never takes a nonce back to life when its 24-bit timestamp wraps (194 days)', () => {
    const n = new NonceIssuer(SECRET, 600);
    const nonce = n.issue('192.0.2.1', T0, false);
    const wrap = 2 ** 24 * 1000;
    assert.equal(n.check(nonce, '192.0.2.1', T0 + wrap), 'invalid');
    assert.equal(n.check(nonce, '192.0.2.1', T0 + wrap + 1000), 'invalid');
    assert.equal(n.check(nonce, '192.0.2.1', T0 + 2 * wrap), 'invalid');
  });

  it('takes no nonce from another secret, and none with a changed character', () => {
    const a = new NonceIssuer(SECRET, 600);
    const b = new NonceIssuer(Buffer.alloc(32, 8), 600);
    const nonce = a.issue('192.0.2.1', T0, false);
    assert.equal(b.check(nonce, '192.0.2.1', T0), 'invalid');
    for (let i = 0; i < nonce.length; i++) {
      const flipped = nonce.slice(0, i) + (nonce[i] === 'A' ? 'B' : 'A') + nonce.slice(i + 1);
      assert.equal(a.check(flipped, '192.0.2.1', T0), 'invalid', `character ${i}`);
    }
  });

  it('gives the same nonce to an address within a second, a fresh one the next second, for any number of addresses', () => {
    const n = new NonceIssuer(SECRET, 600, COOKIE);
    const fresh = new NonceIssuer(SECRET, 600, COOKIE);
    const first = n.issue('192.0.2.1', T0, true);
    assert.equal(n.issue('192.0.2.1', T0 + 999 - (T0 % 1000), true), first, 'memoised within the second');
    assert.equal(n.issue('192.0.2.1', T0, false), fresh.issue('192.0.2.1', T0, false), 'the cookie choice kept apart');
    const next = n.issue('192.0.2.1', T0 + 1000, true);
    assert.notEqual(next, first);
    assert.equal(next, fresh.issue('192.0.2.1', T0 + 1000, true));
    // More addresses than the memo holds: every nonce is still the one a fresh issuer computes.
    for (let i = 0; i < 1500; i++) {
      const ip = `10.0.${i >> 8}.${i & 0xff}`;
      const nonce = n.issue(ip, T0 + 2000, i % 2 === 0);
      assert.equal(nonce, fresh.issue(ip, T0 + 2000, i % 2 === 0));
      assert.equal(n.check(nonce, ip, T0 + 2000), 'valid');
      assert.equal(n.check(nonce, '192.0.2.1', T0 + 2000), 'invalid');
    }
  });
});
