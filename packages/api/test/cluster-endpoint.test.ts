import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPrefix, parseClusterEndpoint } from '@stunner/api';

describe('cluster endpoint syntax (stunner-v1.md §1.2)', () => {
  it('reads a plain IP as a host prefix with every port', () => {
    const e = parseClusterEndpoint('10.0.0.1');
    assert.ok(typeof e !== 'string');
    assert.equal(formatPrefix(e.prefix), '10.0.0.1/32');
    assert.deepEqual([e.minPort, e.maxPort], [1, 65535]);
  });

  it('normalises the prefix and reads the port range', () => {
    const e = parseClusterEndpoint('1.2.3.4/16:<1-2>');
    assert.ok(typeof e !== 'string');
    assert.equal(formatPrefix(e.prefix), '1.2.0.0/16');
    assert.deepEqual([e.minPort, e.maxPort], [1, 2]);
    const v6 = parseClusterEndpoint('2001:db8::/32:<10000-20000>');
    assert.ok(typeof v6 !== 'string');
    assert.equal(formatPrefix(v6.prefix), '2001:db8::/32');
  });

  for (const bad of [
    '10.0.0.300',
    '10.0.0.0/33',
    'fd00::/129',
    'example.org',
    '10.0.0.1:<5-1>',
    '10.0.0.1:<1-70000>',
  ]) {
    it(`explains what is wrong with "${bad}"`, () => {
      const e = parseClusterEndpoint(bad);
      assert.equal(typeof e, 'string');
      assert.match(e as string, new RegExp(`endpoint "${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
    });
  }
});
