// --enable-finalizer, recovery from an apiserver restart, and an apiserver without the gateway.networking.k8s.io v1alpha2 UDPRoute CRD.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningOperator } from '@stunner/operator/runtime';
import { type ControlPlane, eventually, startControlPlane, waitUntil } from '@stunner/testing';
import { type Cond, condition, quickstart, quickstartNamespaces, startTestOperator } from './support/harness.ts';

let cp: ControlPlane;
let op: RunningOperator | undefined;
const NS = 'fin';
const svcPath = `/api/v1/namespaces/${NS}/services/udp-gateway`;
const depPath = `/apis/apps/v1/namespaces/${NS}/deployments/udp-gateway`;
const gwPath = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways/udp-gateway`;

before(async () => {
  cp = await startControlPlane({ udpRouteV1Alpha2: false });
  await cp.apply(quickstartNamespaces(NS));
});
after(async () => {
  await op?.stop();
  await cp?.stop();
});

const gone = async (path: string): Promise<boolean> => {
  try {
    await cp.request('GET', path);
    return false;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return true;
    throw err;
  }
};

test('without the v1alpha2 UDPRoute CRD the operator runs on stunner.l7mp.io/v1 UDPRoutes', async () => {
  op = await startTestOperator(cp, { enableFinalizer: true });
  const objs = quickstart(NS, 'fin-class').map((o) =>
    o.kind === 'UDPRoute' ? { ...o, apiVersion: 'stunner.l7mp.io/v1' } : o,
  );
  await cp.apply(objs);
  await waitUntil('managed Service', () => cp.request('GET', svcPath), 15_000);
  await waitUntil('managed Deployment', () => cp.request('GET', depPath), 15_000);
  const route = await waitUntil(
    'route status',
    async () => {
      const r = await cp.request<{ status?: { parents?: { conditions: Cond[] }[] } }>(
        'GET',
        `/apis/stunner.l7mp.io/v1/namespaces/${NS}/udproutes/media-plane`,
      );
      return r.status?.parents?.length ? r : undefined;
    },
    10_000,
  );
  assert.equal(route.status?.parents?.[0]?.conditions.find((c) => c.type === 'Accepted')?.status, 'True');
});

test('the informers recover from an apiserver restart: later changes are still rendered', async () => {
  assert.ok(op);
  await cp.restartApiserver();
  await cp.request(
    'PATCH',
    gwPath,
    { metadata: { annotations: { 'stunner.l7mp.io/disable-session-affinity': 'true' } } },
    'application/merge-patch+json',
  );
  await eventually(
    'the Service re-applied after the restart',
    async () => {
      const svc = await cp.request<{ spec: { sessionAffinity: string } }>('GET', svcPath);
      assert.equal(svc.spec.sessionAffinity, 'None', 'sessionAffinity after disable-session-affinity');
    },
    { timeoutMs: 40_000 },
  );
});

test('with --enable-finalizer a stopping operator removes its managed objects and invalidates statuses', async () => {
  assert.ok(op);
  await op.stop();
  op = undefined;
  assert.ok(await gone(svcPath), 'Service removed');
  assert.ok(await gone(depPath), 'Deployment removed');
  const gw = await cp.request<{ status?: { conditions?: Cond[] } }>('GET', gwPath);
  assert.equal(condition(gw, 'Accepted')?.status, 'Unknown');
  assert.equal(condition(gw, 'Programmed')?.status, 'Unknown');
});
