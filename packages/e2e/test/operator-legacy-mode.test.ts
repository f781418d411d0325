// --dataplane-mode=legacy against a real apiserver: one immutable ConfigMap per GatewayClass (§2.6).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StunnerConfig } from '@stunner/api';
import type { RunningOperator } from '@stunner/operator/runtime';
import { type ControlPlane, eventually, startControlPlane, waitUntil } from '@stunner/testing';
import { quickstart, quickstartNamespaces, startTestOperator } from './support/harness.ts';

let cp: ControlPlane;
let op: RunningOperator | undefined;
const NS = 'legacy';
const cmPath = `/api/v1/namespaces/${NS}/configmaps/stunnerd-config`;

before(async () => {
  cp = await startControlPlane();
  await cp.apply(quickstartNamespaces(NS));
});
after(async () => {
  await op?.stop();
  await cp?.stop();
});

type ConfigMap = {
  immutable?: boolean;
  data: Record<string, string>;
  metadata: { ownerReferences?: { kind: string }[] };
};

test('legacy mode writes the immutable stunnerd-config ConfigMap and replaces it when the config changes', async () => {
  op = await startTestOperator(cp, { dataplaneMode: 'legacy' });
  await cp.apply(quickstart(NS, 'legacy-class'));
  // The objects arrive one by one: wait for the render that has seen them all.
  const cm = await waitUntil(
    'ConfigMap with the Gateway listener',
    async () => {
      const got = await cp.request<ConfigMap>('GET', cmPath);
      return (JSON.parse(got.data['stunnerd.conf']!) as StunnerConfig).listeners.length > 0 ? got : undefined;
    },
    15_000,
  );
  assert.equal(cm.immutable, true);
  assert.deepEqual(
    cm.metadata.ownerReferences?.map((r) => r.kind),
    ['GatewayConfig'],
  );
  const config = JSON.parse(cm.data['stunnerd.conf']!) as StunnerConfig;
  assert.equal(config.admin.name, 'stunner-daemon');
  assert.equal(config.listeners[0]?.name, `${NS}/udp-gateway/udp-listener`);

  await cp.request(
    'PATCH',
    `/apis/stunner.l7mp.io/v1/namespaces/${NS}/gatewayconfigs/stunner-gatewayconfig`,
    { spec: { realm: 'legacy.example.com' } },
    'application/merge-patch+json',
  );
  await eventually(
    'the ConfigMap with the new realm',
    async () => {
      const got = await cp.request<ConfigMap>('GET', cmPath);
      assert.equal((JSON.parse(got.data['stunnerd.conf']!) as StunnerConfig).auth.realm, 'legacy.example.com');
    },
    { timeoutMs: 15_000 },
  );
  assert.equal(
    await cp.request('GET', `/api/v1/namespaces/${NS}/services/udp-gateway`).then(() => true),
    true,
    'the Gateway Service is still managed',
  );
});
