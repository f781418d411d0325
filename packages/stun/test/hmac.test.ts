import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { Prng } from '../fuzz/prng.ts';
import { hmac, stunHmac } from '../src/hmac.ts';

describe('stunHmac', () => {
  it('matches RFC 2202 test case 2 (HMAC-SHA1, key "Jefe")', () => {
    const data = Buffer.from('what do ya want for nothing?');
    // Replace a 16-bit word with its own value: the plain HMAC of the data.
    const mac = stunHmac('sha1', Buffer.from('Jefe'), data, data.length, 0, data.readUInt16BE(0));
    assert.equal(mac.toString('hex'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('matches RFC 4231 test case 6 (HMAC-SHA256, 131-byte key hashed first)', () => {
    const data = Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First');
    const mac = stunHmac('sha256', Buffer.alloc(131, 0xaa), data, data.length, 0, data.readUInt16BE(0));
    assert.equal(mac.toString('hex'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });

  it('equals createHmac over the data with the length word replaced, for random keys and sizes', () => {
    const rng = new Prng(42);
    for (let i = 0; i < 300; i++) {
      const algorithm = rng.chance(0.5) ? 'sha1' : 'sha256';
      const key = rng.bytes(rng.int(100));
      const data = rng.bytes(20 + rng.int(200));
      const end = 4 + rng.int(data.length - 3);
      const length = rng.int(0x10000);
      const expected = Buffer.from(data.subarray(0, end));
      expected.writeUInt16BE(length, 2);
      assert.deepEqual(
        stunHmac(algorithm, key, data, end, 2, length),
        createHmac(algorithm, key).update(expected).digest(),
        `case ${i}`,
      );
    }
  });
});

describe('hmac', () => {
  it('matches RFC 4231 test case 2 (HMAC-SHA256, key "Jefe")', () => {
    const mac = hmac('sha256', Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'));
    assert.equal(mac.toString('hex'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('equals createHmac for random keys (some longer than a block), data and ends', () => {
    const rng = new Prng(7);
    for (let i = 0; i < 300; i++) {
      const algorithm = rng.chance(0.5) ? 'sha1' : 'sha256';
      const key = rng.bytes(rng.int(150));
      const data = rng.bytes(rng.int(200));
      const end = rng.int(data.length + 1);
      assert.deepEqual(
        hmac(algorithm, key, data, end),
        createHmac(algorithm, key).update(data.subarray(0, end)).digest(),
        `case ${i}`,
      );
    }
  });
});
