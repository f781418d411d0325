import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatewayConfigSchema, gatewayConfigToV1, gatewayConfigV1Alpha1Schema } from '../src/index.ts';

test('GatewayConfig v1 gets the CRD defaults', () => {
  const gc = gatewayConfigSchema.parse({
    apiVersion: 'stunner.l7mp.io/v1',
    kind: 'GatewayConfig',
    metadata: { name: 'c', namespace: 'stunner' },
    spec: {},
  });
  assert.equal(gc.spec.realm, 'stunner.l7mp.io');
  assert.equal(gc.spec.authType, 'plaintext');
  assert.equal(gc.spec.dataplane, 'default');
});

test('GatewayConfig rejects an upper-case realm and an unknown auth type, naming the field', () => {
  const r = gatewayConfigSchema.safeParse({
    apiVersion: 'stunner.l7mp.io/v1',
    kind: 'GatewayConfig',
    metadata: { name: 'c' },
    spec: { realm: 'Bad_Realm', authType: 'kerberos' },
  });
  assert.equal(r.success, false);
  const paths = r.error!.issues.map((i) => i.path.join('.'));
  assert.deepEqual(paths.sort(), ['spec.authType', 'spec.realm']);
});

test('v1alpha1 GatewayConfig converts to v1, dropping the fields v1 removed', () => {
  const old = gatewayConfigV1Alpha1Schema.parse({
    apiVersion: 'stunner.l7mp.io/v1alpha1',
    kind: 'GatewayConfig',
    metadata: { name: 'c', namespace: 's' },
    spec: { authType: 'plaintext', userName: 'user-1', password: 'pass-1', metricsEndpoint: 'http://:8080' },
  });
  const v1 = gatewayConfigToV1(old);
  assert.equal(v1.apiVersion, 'stunner.l7mp.io/v1');
  assert.equal(v1.spec.userName, 'user-1');
  assert.equal(v1.spec.dataplane, 'default');
  assert.ok(!('metricsEndpoint' in v1.spec) && !('stunnerConfig' in v1.spec));
});
