import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientEndpoint } from '../src/endpoint.ts';
import { TransactionCache } from '../src/transaction-cache.ts';

const CLIENT: ClientEndpoint = { listener: 0, transport: 'udp', address: '192.0.2.1', port: 5000 };

describe('TransactionCache', () => {
  it('keeps a copy of the response in memory of its own, not a slice of the shared Buffer pool', () => {
    const cache = new TransactionCache(16, 40_000);
    const key = TransactionCache.key(CLIENT, Buffer.alloc(12, 7));
    // A small Buffer.from is a slice of Node's 8 KiB pool: keeping it would keep the whole slab.
    const response = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(response.buffer.byteLength > response.length, 'the response is a pool slice');
    cache.set(key, response, 0);
    const kept = cache.get(key, 1);
    assert.ok(kept !== undefined);
    assert.deepEqual(kept, response);
    assert.notEqual(kept.buffer, response.buffer);
    assert.equal(kept.buffer.byteLength, response.length);
    response[0] = 9;
    assert.equal(kept[0], 1, 'a later change to the sent buffer leaves the cached answer alone');
    assert.equal(cache.get(key, 40_000), undefined, 'expired after the TTL');
  });
});
