import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataplaneSchema } from '../src/index.ts';

test('Dataplane requires an image and defaults terminationGracePeriodSeconds to 3600', () => {
  const base = { apiVersion: 'stunner.l7mp.io/v1', kind: 'Dataplane', metadata: { name: 'default' } };
  assert.equal(dataplaneSchema.safeParse({ ...base, spec: {} }).success, false);
  const dp = dataplaneSchema.parse({ ...base, spec: { image: 'l7mp/stunnerd:latest' } });
  assert.equal(dp.spec.terminationGracePeriodSeconds, 3600);
});
