import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticServiceSchema } from '../src/index.ts';

test('StaticService prefixes must be IPs or CIDR prefixes', () => {
  const base = { apiVersion: 'stunner.l7mp.io/v1', kind: 'StaticService', metadata: { name: 's' } };
  const ok = ['192.0.2.0/24', '0.0.0.0/0', '10.0.0.1', '2001:db8::/32'];
  assert.equal(staticServiceSchema.safeParse({ ...base, spec: { prefixes: ok } }).success, true);
  for (const bad of ['192.0.2.0/33', 'example.com', '10.0.0.0/8/1', '2001:db8::/129', '10.0.0.0/x']) {
    assert.equal(staticServiceSchema.safeParse({ ...base, spec: { prefixes: [bad] } }).success, false, bad);
  }
});
