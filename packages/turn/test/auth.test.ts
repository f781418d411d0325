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
  Realm,
  RequestedTransport,
  StunMessageBuilder,
  TransportProtocol,
  verifyMessageIntegritySha256,
  XorRelayedAddress,
} from '@stunner/stun';
import { Authenticator } from '../src/auth.ts';
import { assertError, assertSuccess, harness, REALM, T0, TestClient } from './harness.ts';

const NOW_S = T0 / 1000;

/** One Allocate with the client's current nonce, without the 438 retry real clients do. */
const allocateOnce = (c: TestClient) =>
  c.send(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP));

describe('long-term auth (RFC 8489 §9.2)', () => {
  it('answers an unauthenticated Allocate with 401, REALM and NONCE, and nothing else', () => {
    const h = harness({ software: 'stunner-ts' });
    const res = new TestClient(h).handshake();
    assert.equal(res.get(Realm), REALM);
    assert.match(res.get(Nonce) ?? '', /^[A-Za-z0-9_-]{12}$/);
    assert.deepEqual(
      res.attributes.map((a) => a.type),
      [Attr.ErrorCode, Attr.Realm, Attr.Nonce],
    );
  });

  it('keeps the 401 within 2x of an Allocate carrying REQUESTED-TRANSPORT and LIFETIME', () => {
    const h = harness();
    const c = new TestClient(h);
    const req = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP).add(Lifetime, 777), {
      auth: false,
    });
    const [out] = c.feed(req);
    assert.equal(decodeStunMessage(out!).messageClass, MessageClass.ErrorResponse);
    assert.ok(out!.length <= 2 * req.length, `${out!.length} > 2 × ${req.length}`);
  });

  it('keeps no state for unauthenticated requests', () => {
    const h = harness({ challengeRateLimit: 0 });
    for (let i = 0; i < 1000; i++) {
      const c = new TestClient(h, { address: `203.0.113.${i % 250}`, port: 1000 + i });
      c.handshake();
    }
    assert.equal(h.engine.allocationCount, 0);
    assert.equal(h.engine.nextTimeout(), Number.POSITIVE_INFINITY, 'nothing scheduled, nothing cached');
  });

  it('answers at most challengeRateLimit 401s per second per source IP, silently dropping the rest', () => {
    const h = harness({ challengeRateLimit: 5 });
    const probe = (address: string) => {
      const c = new TestClient(h, { address });
      return c.feed(c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP), { auth: false }))
        .length;
    };
    const answered = () => Array.from({ length: 8 }, () => probe('203.0.113.9')).reduce((a, b) => a + b, 0);
    assert.equal(answered(), 5);
    assert.equal(probe('203.0.113.10'), 1, 'another source is not affected');
    assert.equal(h.engine.stats.challengesDropped, 3);
    h.clock.now += 1000;
    assert.equal(answered(), 5, 'the next second has a fresh budget');
  });

  it('accepts the nonce from the 401 and succeeds', () => {
    const h = harness();
    const c = new TestClient(h);
    assertSuccess(c.allocate(), c.key());
  });

  it('answers a stale nonce with 438 and a fresh nonce that works', () => {
    const h = harness({ nonceLifetime: 600 });
    const c = new TestClient(h);
    c.handshake();
    h.clock.now += 601_000;
    const res = allocateOnce(c);
    assertError(res, 438);
    assert.equal(res.get(Realm), REALM);
    const fresh = res.get(Nonce);
    assert.ok(fresh && fresh !== c.nonce);
    c.nonce = fresh;
    assertSuccess(allocateOnce(c), c.key());
  });

  it('answers 438 to a nonce issued to another client address, or forged', () => {
    const h = harness();
    const a = new TestClient(h, { address: '198.51.100.1' });
    const b = new TestClient(h, { address: '198.51.100.2' });
    a.handshake();
    b.nonce = a.nonce;
    assertError(allocateOnce(b), 438);
    b.nonce = 'AAAAAAAAAAAAAAAA';
    assertError(allocateOnce(b), 438);
  });

  it('answers a wrong password with 401', () => {
    const h = harness();
    const c = new TestClient(h, { password: 'wrong' });
    assertError(c.allocate(), 401);
    assert.equal(h.engine.allocationCount, 0);
  });

  it('answers an unknown username with 401', () => {
    const h = harness();
    const c = new TestClient(h, { username: 'mallory' });
    assertError(c.allocate(), 401);
  });

  it('answers a wrong realm with 401 carrying the right one', () => {
    const h = harness();
    const c = new TestClient(h);
    c.handshake();
    const res = c.allocate(undefined, { realm: 'evil.example' });
    assertError(res, 401);
    assert.equal(res.get(Realm), REALM);
  });

  it('answers 400 when MESSAGE-INTEGRITY comes without USERNAME, REALM or NONCE', () => {
    const h = harness();
    const c = new TestClient(h);
    c.handshake();
    // Signed, but without the credential attributes.
    const signed = new StunMessageBuilder(Method.Allocate, MessageClass.Request)
      .add(RequestedTransport, TransportProtocol.UDP)
      .build({ key: c.key() });
    const [out] = c.feed(signed);
    assertError(decodeStunMessage(out!), 400);
  });

  it('verifies integrity over the received bytes: one flipped attribute byte → 401', () => {
    const h = harness();
    const c = new TestClient(h);
    c.handshake();
    const req = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP).add(Lifetime, 600));
    const tampered = Buffer.from(req);
    tampered[20 + 8 + 4 + 3]! ^= 0x01; // LIFETIME value
    const [out] = c.feed(tampered);
    assertError(decodeStunMessage(out!), 401);
  });

  it('accepts MESSAGE-INTEGRITY-SHA256 and answers with it', () => {
    const h = harness();
    const c = new TestClient(h);
    c.handshake();
    const res = c.allocate(undefined, { integrity: 'sha256' });
    assert.equal(res.messageClass, MessageClass.SuccessResponse);
    assert.ok(res.integritySha256Offset > 0 && res.integrityOffset < 0);
    assert.ok(verifyMessageIntegritySha256(res, c.key()));
  });

  it('rejects a wrong MESSAGE-INTEGRITY-SHA256 with 401', () => {
    const h = harness();
    const c = new TestClient(h, { password: 'nope' });
    c.handshake();
    assertError(c.allocate(undefined, { integrity: 'sha256' }), 401);
  });

  it('refuses requests on an allocation with other credentials: 441', () => {
    const h = harness({
      auth: { type: 'ephemeral', realm: REALM, secret: 's3cret' },
    });
    const u1 = `${NOW_S + 3600}:alice`;
    const c = new TestClient(h, { username: u1, password: ephemeralPassword('s3cret', u1) });
    assertSuccess(c.allocate());
    const u2 = `${NOW_S + 3600}:bob`;
    const res = c.request(Method.Refresh, undefined, { username: u2, password: ephemeralPassword('s3cret', u2) });
    assertError(res, 441);
  });
});

describe('ephemeral auth (stunner-v1.md §1.9)', () => {
  const secret = 'my-shared-secret';
  const eph = () => harness({ auth: { type: 'ephemeral', realm: REALM, secret } });
  const client = (h: ReturnType<typeof eph>, username: string, password = ephemeralPassword(secret, username)) =>
    new TestClient(h, { username, password });

  for (const [form, username] of [
    ['<expiry>', `${NOW_S + 60}`],
    ['<expiry>:<user>', `${NOW_S + 60}:alice`],
    ['<user>:<expiry>', `alice:${NOW_S + 60}`],
    ['<user>:<expiry>:<extra>', `alice:${NOW_S + 60}:extra`],
    ['<expiry>: (empty user id)', `${NOW_S + 60}:`],
  ] as const) {
    it(`accepts the username form ${form}`, () => {
      const h = eph();
      const c = client(h, username);
      const res = c.allocate();
      assertSuccess(res, longTermKey(username, REALM, ephemeralPassword(secret, username)));
      assert.ok(res.get(XorRelayedAddress));
    });
  }

  it('refuses an expired username with 401', () => {
    const h = eph();
    assertError(client(h, `${NOW_S - 1}:alice`).allocate(), 401);
  });

  it('enforces expiry on later requests: a Refresh after expiry gets 401', () => {
    const h = eph();
    const c = client(h, `${NOW_S + 60}:alice`);
    assertSuccess(c.allocate());
    h.clock.now += 30_000;
    assertSuccess(c.request(Method.Refresh));
    h.clock.now += 31_000;
    assertError(c.request(Method.Refresh), 401);
  });

  it('keeps a derived key for the same user and algorithm, and still checks the expiry on each lookup', () => {
    const a = new Authenticator({ type: 'ephemeral', realm: REALM, secret });
    const username = `${NOW_S + 60}:alice`;
    const password = ephemeralPassword(secret, username);
    const first = a.lookup(username, NOW_S);
    const again = a.lookup(username, NOW_S + 30);
    assert.ok(first.ok && again.ok);
    assert.deepEqual(first.key, longTermKey(username, REALM, password));
    assert.equal(again.key, first.key);
    const sha256 = a.lookup(username, NOW_S, 'SHA-256');
    assert.ok(sha256.ok);
    assert.deepEqual(sha256.key, longTermKey(username, REALM, password, 'SHA-256'));
    assert.deepEqual(a.lookup(username, NOW_S + 61), { ok: false, reason: 'expired' });
    const other = a.lookup(`${NOW_S + 60}:bob`, NOW_S);
    assert.ok(other.ok);
    assert.deepEqual(
      other.key,
      longTermKey(`${NOW_S + 60}:bob`, REALM, ephemeralPassword(secret, `${NOW_S + 60}:bob`)),
    );
  });

  it('refuses usernames without a timestamp, or with 0, with 401', () => {
    const h = eph();
    assertError(client(h, 'alice').allocate(), 401);
    assertError(client(h, 'alice:bob').allocate(), 401);
    assertError(client(h, '0:alice').allocate(), 401);
  });

  it('refuses a password not derived from the shared secret with 401', () => {
    const h = eph();
    assertError(
      client(h, `${NOW_S + 60}:alice`, ephemeralPassword('other-secret', `${NOW_S + 60}:alice`)).allocate(),
      401,
    );
  });

  it('counts quota by user id: <expiry>:<user> by user, other forms by the whole username', () => {
    const h = harness({ auth: { type: 'ephemeral', realm: REALM, secret }, userQuota: 1 });
    assertSuccess(client(h, `${NOW_S + 60}:alice`).allocate());
    // Another credential for alice, another client: the same user id → 486.
    assertError(client(h, `${NOW_S + 120}:alice`).allocate(), 486);
    // `alice:<expiry>` counts as its whole username, so each one is its own user.
    assertSuccess(client(h, `alice:${NOW_S + 60}`).allocate());
    assertSuccess(client(h, `alice:${NOW_S + 120}`).allocate());
  });
});
