import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lifetime, Method, RequestedTransport, TransportProtocol } from '@stunner/stun';
import { SourceRateLimiter } from '../src/source-rate-limiter.ts';
import { assertError, assertSuccess, harness, TestClient } from './harness.ts';

const NAT = '203.0.113.50';

describe('per-source limits on challenges and failed authentications (turn.md §5.4)', () => {
  it('lets 2,000 new clients behind one address allocate within one second with the defaults', () => {
    const h = harness();
    let ok = 0;
    for (let i = 0; i < 2000; i++) {
      // A fresh 5-tuple each, as clients behind one NAT: each needs its own 401 first.
      const c = new TestClient(h, { address: NAT, port: 10_000 + i });
      const res = c.allocate();
      if (res.messageClass === 0b10) ok++;
      assertSuccess(c.request(Method.Refresh, (b) => b.add(Lifetime, 0)));
      h.clock.now += 0.4;
    }
    assert.equal(ok, 2000);
    assert.equal(h.engine.stats.challengesDropped, 0);
  });

  it('still bounds 401s from one source at challengeRateLimit, refilling over time', () => {
    const h = harness({ challengeRateLimit: 100 });
    const probe = () => {
      const c = new TestClient(h, { address: NAT });
      const req = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP), { auth: false });
      return c.feed(req).length;
    };
    let answered = 0;
    for (let i = 0; i < 300; i++) answered += probe();
    assert.equal(answered, 100, 'a burst of one second');
    h.clock.now += 500;
    answered = 0;
    for (let i = 0; i < 300; i++) answered += probe();
    assert.equal(answered, 50, 'half a second refills half');
    assert.equal(h.engine.stats.challengesDropped, 450);
  });

  it('limits failed authentications harder than challenges, per source', () => {
    const h = harness({ authFailureRateLimit: 10, authFailureBurst: 20 });
    const guesser = new TestClient(h, { address: NAT, password: 'guess' });
    guesser.handshake();
    let answered = 0;
    for (let i = 0; i < 100; i++) {
      const out = guesser.feed(guesser.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP)));
      answered += out.length;
    }
    assert.equal(answered, 20, 'the burst of failures is answered with 401, the rest is not');
    assert.equal(h.engine.stats.authFailuresDropped, 80);
    // Challenges (no credentials yet) from the same address still get their 401: new clients behind
    // the same NAT are not locked out by one guesser.
    const newcomer = new TestClient(h, { address: NAT });
    assertSuccess(newcomer.allocate(), newcomer.key());
    // Another source is unaffected.
    const other = new TestClient(h, { address: '198.51.100.77', password: 'wrong' });
    assertError(other.allocate(), 401);
    // A second later the guesser has 10 more tries.
    h.clock.now += 1000;
    answered = 0;
    for (let i = 0; i < 30; i++) {
      answered += guesser.feed(
        guesser.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP)),
      ).length;
    }
    assert.equal(answered, 10);
  });

  it('keeps constant memory under a flood of challenges from many sources', () => {
    const limiter = new SourceRateLimiter(5, 5, 16);
    let allowed = 0;
    for (let i = 0; i < 100_000; i++)
      if (limiter.allow(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 0)) allowed++;
    // 16 buckets of 5 tokens: sources hashing to a bucket share it.
    assert.ok(allowed <= 16 * 5, `${allowed} allowed`);
  });

  it('refills nothing when the clock steps back', () => {
    const limiter = new SourceRateLimiter(1, 1);
    assert.equal(limiter.allow('192.0.2.1', 10_000), true);
    assert.equal(limiter.allow('192.0.2.1', 5_000), false);
    assert.equal(limiter.allow('192.0.2.1', 10_500), false);
    assert.equal(limiter.allow('192.0.2.1', 11_000), true);
  });
});
