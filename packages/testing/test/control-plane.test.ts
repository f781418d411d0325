import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ControlPlane, startControlPlane } from '@stunner/testing';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane();
});
after(() => cp?.stop());

test('the apiserver serves the Gateway API and stunner.l7mp.io CRDs at their versions', async () => {
  const served = async (gv: string) =>
    (await cp.request<{ resources: { name: string }[] }>('GET', `/apis/${gv}`)).resources.map((r) => r.name);
  assert.ok((await served('gateway.networking.k8s.io/v1')).includes('gateways'));
  assert.ok((await served('gateway.networking.k8s.io/v1')).includes('gatewayclasses/status'));
  assert.ok((await served('gateway.networking.k8s.io/v1beta1')).includes('gateways'));
  assert.ok((await served('gateway.networking.k8s.io/v1alpha2')).includes('udproutes/status'));
  const stunner = await served('stunner.l7mp.io/v1');
  for (const r of ['gatewayconfigs', 'dataplanes', 'staticservices', 'udproutes', 'udproutes/status']) {
    assert.ok(stunner.includes(r), r);
  }
  assert.ok((await served('stunner.l7mp.io/v1alpha1')).includes('gatewayconfigs'));
});

test('the admin credential in the kubeconfig may create and read objects', async () => {
  await cp.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'probe' } });
  const ns = await cp.request<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/probe');
  assert.equal(ns.metadata.name, 'probe');
});

test('Services get ClusterIPs from the apiserver (no controllers are needed for that)', async () => {
  const svc = await cp.request<{ spec: { clusterIP: string } }>('POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'echo' },
    spec: { ports: [{ port: 9001, protocol: 'UDP' }] },
  });
  assert.match(svc.spec.clusterIP, /^10\.96\./);
});
