import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../src/index.ts';

describe('RateLimiter', () => {
  it('refills at the rate up to the burst', () => {
    const rl = new RateLimiter({ rate: 1, burst: 2 });
    assert.equal(rl.take('a', 0), 0);
    assert.equal(rl.take('a', 0), 0);
    assert.equal(rl.take('a', 0), 1);
    assert.equal(rl.take('a', 999), 1, 'not yet a whole token');
    assert.equal(rl.take('a', 1000), 0);
    assert.equal(rl.take('a', 100_000), 0, 'a long pause refills no more than the burst');
    assert.equal(rl.take('a', 100_000), 0);
    assert.equal(rl.take('a', 100_000), 1);
    assert.equal(rl.take('b', 100_000), 0, 'clients have their own buckets');
  });

  it('keeps at most maxClients buckets, forgetting the least recently seen', () => {
    const rl = new RateLimiter({ rate: 1, burst: 1, maxClients: 100 });
    for (let i = 0; i < 10_000; i++) rl.take(`10.0.${i >> 8}.${i & 255}`, 0);
    assert.equal(rl.clients, 100);
    assert.equal(rl.take('10.0.39.15', 0), 1, 'the most recent client is still limited');
    assert.equal(rl.take('10.0.0.0', 0), 0, 'the first client was forgotten');
  });

  it('refuses nonsense limits', () => {
    assert.throws(() => new RateLimiter({ rate: 0 }), RangeError);
    assert.throws(() => new RateLimiter({ rate: 1, burst: 0 }), RangeError);
  });
});
