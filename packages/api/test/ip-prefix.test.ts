import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrefix, prefixContains, prefixWithin } from '@stunner/api';

describe('IP prefixes', () => {
  it('contain the addresses of their own family only', () => {
    const p = parsePrefix('10.0.0.0/8')!;
    assert.ok(prefixContains(p, Buffer.from([10, 1, 2, 3])));
    assert.ok(!prefixContains(p, Buffer.from([11, 0, 0, 0])));
    assert.ok(!prefixContains(p, Buffer.alloc(16)));
  });
  it('compare partial bytes at odd prefix lengths', () => {
    const p = parsePrefix('100.64.0.0/10')!;
    assert.ok(prefixContains(p, Buffer.from([100, 127, 255, 255])));
    assert.ok(!prefixContains(p, Buffer.from([100, 128, 0, 0])));
  });
  it('know when one lies within another', () => {
    assert.ok(prefixWithin(parsePrefix('127.0.0.1/32')!, parsePrefix('127.0.0.0/8')!));
    assert.ok(!prefixWithin(parsePrefix('0.0.0.0/0')!, parsePrefix('127.0.0.0/8')!));
    assert.ok(!prefixWithin(parsePrefix('::1')!, parsePrefix('127.0.0.0/8')!));
  });
});
