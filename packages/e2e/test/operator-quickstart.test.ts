// The operator against a real kube-apiserver (packages/testing): the README quickstart end to end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StunnerConfig } from '@stunner/api';
import type { RunningOperator } from '@stunner/operator/runtime';
import { CdsConfigClient } from '@stunner/stunnerd';
import { type ControlPlane, eventually, startControlPlane, waitUntil } from '@stunner/testing';
import {
  type Cond,
  condition,
  quickstart,
  quickstartNamespaces,
  startTestOperator,
  watchConfig,
} from './support/harness.ts';

type Obj = {
  metadata: {
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string }[];
  };
  spec: Record<string, unknown>;
  status?: { conditions?: Cond[]; addresses?: { value: string }[]; loadBalancer?: unknown };
};

let cp: ControlPlane;
let op: RunningOperator | undefined;
const NS = 'stunner';
const CLASS = 'stunner-gatewayclass';
const svcPath = `/api/v1/namespaces/${NS}/services/udp-gateway`;
const depPath = `/apis/apps/v1/namespaces/${NS}/deployments/udp-gateway`;
const gwPath = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways/udp-gateway`;

before(async () => {
  cp = await startControlPlane();
  await cp.apply(quickstartNamespaces(NS));
});
after(async () => {
  await op?.stop();
  await cp?.stop();
});

const get = (path: string) => cp.request<Obj>('GET', path);
const exists = async (path: string) => {
  try {
    await get(path);
    return true;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
};

test('quickstart: the operator creates the Service and Deployment the renderer specifies, owned by the Gateway', async () => {
  op = await startTestOperator(cp);
  const objs = quickstart(NS, CLASS);
  await cp.apply(objs);
  // No endpoint controller runs here: the test plays it, as the quickstart's EndpointSlice says.
  const svc = await waitUntil('managed Service', () => get(svcPath), 15_000);
  const dep = await waitUntil('managed Deployment', () => get(depPath), 15_000);
  const gw = await get(gwPath);
  for (const o of [svc, dep]) {
    assert.deepEqual(
      o.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid]),
      [['Gateway', 'udp-gateway', gw.metadata.uid]],
    );
    assert.equal(o.metadata.labels?.['stunner.l7mp.io/owned-by'], 'stunner');
  }
  const expected = op.lastResult()!;
  const want = expected.services.find((s) => s.metadata.name === 'udp-gateway')!;
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.deepEqual(
    (svc.spec.ports as { name: string; port: number; protocol: string }[]).map((p) => [p.name, p.port, p.protocol]),
    want.spec.ports!.map((p) => [p.name, p.port, p.protocol]),
  );
  assert.equal(svc.spec.sessionAffinity, 'ClientIP');
  const container = (
    dep.spec.template as { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } }
  ).spec.containers[0]!;
  assert.equal(container.image, 'l7mp/stunnerd:latest');
  const origin = container.env.find((e) => e.name === 'STUNNER_CONFIG_ORIGIN')?.value;
  assert.equal(origin, `http://127.0.0.1:${op.cdsAddress.port}`);
});

test('quickstart: statuses become Accepted, then Programmed once the LoadBalancer has an address; the CDS serves it', async () => {
  assert.ok(op, 'runs after the previous test');
  const watch = await watchConfig(op.cdsAddress.port, `${NS}/udp-gateway`);
  const gc = await waitUntil(
    'GatewayClass Accepted',
    async () => {
      const o = await get(`/apis/gateway.networking.k8s.io/v1/gatewayclasses/${CLASS}`);
      return condition(o, 'Accepted')?.status === 'True' ? o : undefined;
    },
    10_000,
  );
  assert.equal(condition(gc, 'Accepted')?.reason, 'Accepted');
  const pending = await waitUntil(
    'Gateway Accepted',
    async () => {
      const o = await get(gwPath);
      return condition(o, 'Accepted')?.status === 'True' ? o : undefined;
    },
    10_000,
  );
  assert.equal(condition(pending, 'Programmed')?.status, 'False');
  assert.equal(condition(pending, 'Programmed')?.reason, 'AddressNotAssigned');

  // The test plays the cloud's load-balancer controller.
  await cp.request(
    'PATCH',
    `${svcPath}/status`,
    { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } },
    'application/merge-patch+json',
  );
  const gw = await waitUntil(
    'Gateway Programmed',
    async () => {
      const o = await get(gwPath);
      return condition(o, 'Programmed')?.status === 'True' ? o : undefined;
    },
    10_000,
  );
  assert.deepEqual(
    gw.status?.addresses?.map((a) => a.value),
    ['203.0.113.10'],
  );
  const route = await get(`/apis/gateway.networking.k8s.io/v1alpha2/namespaces/${NS}/udproutes/media-plane`);
  const parents = (route.status as unknown as { parents: { conditions: Cond[] }[] }).parents;
  assert.equal(parents[0]?.conditions.find((c) => c.type === 'Accepted')?.status, 'True');

  const pushed = await watch.until((c) => c.listeners[0]?.public_address === '203.0.113.10');
  watch.close();
  const served = (await (
    await fetch(`http://127.0.0.1:${op.cdsAddress.port}/api/v1/configs/${NS}/udp-gateway`)
  ).json()) as StunnerConfig;
  assert.deepEqual(served, pushed);
  assert.equal(served.auth.type, 'static');
  assert.deepEqual(served.auth.credentials, { username: 'user-1', password: 'pass-1' });
  assert.equal(served.listeners[0]?.public_port, 3478);
  const backend = await get(`/api/v1/namespaces/${NS}-backend/services/media-plane`);
  assert.deepEqual(
    served.clusters[0]?.endpoints.slice().sort(),
    ['10.76.1.3', '10.80.7.104', backend.spec.clusterIP as string].sort(),
  );
});

test("stunnerd's CDS client receives the rendered config and each change of the route's endpoints", async () => {
  assert.ok(op);
  // The pod's downward-API address, which stunnerd substitutes for $STUNNER_ADDR (§1.3).
  process.env.STUNNER_ADDR = '127.0.0.1';
  const client = new CdsConfigClient({
    base: new URL(`http://127.0.0.1:${op.cdsAddress.port}`),
    id: `${NS}/udp-gateway`,
  });
  const configs: StunnerConfig[] = [];
  client.on('config', (c) => configs.push(c));
  const warnings: string[] = [];
  client.on('warning', (w: string) => warnings.push(w));
  client.start();
  try {
    await waitUntil('first config at stunnerd', () => (configs.length > 0 ? true : undefined), 10_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; warnings: ${warnings.join('; ')}`);
      },
    );
    assert.equal(configs[0]?.listeners[0]?.name, `${NS}/udp-gateway/udp-listener`);
    assert.equal(configs[0]?.listeners[0]?.address, '127.0.0.1');
    await cp.apply([
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'media-plane-extra',
          namespace: `${NS}-backend`,
          labels: { 'kubernetes.io/service-name': 'media-plane' },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.76.9.9'], conditions: { ready: true } }],
      },
    ]);
    await eventually('the new endpoint at stunnerd', () =>
      assert.ok(
        configs.at(-1)?.clusters[0]?.endpoints.includes('10.76.9.9'),
        `10.76.9.9 in the last config's endpoints: ${JSON.stringify(configs.at(-1)?.clusters)}`,
      ),
    );
  } finally {
    client.close();
  }
});

test("fields other managers set on managed objects survive the operator's applies", async () => {
  assert.ok(op);
  await cp.request(
    'PATCH',
    `${svcPath}?fieldManager=someone-else`,
    { metadata: { labels: { team: 'media' }, annotations: { 'example.com/note': 'keep me' } } },
    'application/merge-patch+json',
  );
  // A Gateway change makes the operator apply the Service again.
  await cp.request(
    'PATCH',
    gwPath,
    { metadata: { annotations: { 'stunner.l7mp.io/disable-session-affinity': 'true' } } },
    'application/merge-patch+json',
  );
  const svc = await waitUntil(
    'Service re-applied',
    async () => {
      const o = await get(svcPath);
      return o.spec.sessionAffinity === 'None' ? o : undefined;
    },
    10_000,
  );
  assert.equal(svc.metadata.labels?.team, 'media');
  assert.equal((svc.metadata as { annotations?: Record<string, string> }).annotations?.['example.com/note'], 'keep me');
  const managers = (svc.metadata as { managedFields?: { manager: string }[] }).managedFields?.map((m) => m.manager);
  assert.ok(managers?.includes('stunner-gateway-operator'));
});

test('a restarted operator re-creates nothing and rewrites nothing that is unchanged', async () => {
  assert.ok(op);
  const before = await Promise.all([get(svcPath), get(depPath), get(gwPath)]);
  const cdsPort = op.cdsAddress.port;
  await op.stop();
  // Same CDS address: the Deployment's STUNNER_CONFIG_ORIGIN names it.
  op = await startTestOperator(cp, { cds: { host: '127.0.0.1', port: cdsPort } });
  const first = op.renders;
  await waitUntil('a render after restart', () => (op!.renders > first || op!.lastResult() ? true : undefined), 10_000);
  const watch = await watchConfig(op.cdsAddress.port, `${NS}/udp-gateway`);
  await watch.until((c) => c.listeners.length === 1);
  watch.close();
  const afterRestart = await Promise.all([get(svcPath), get(depPath), get(gwPath)]);
  for (const [i, o] of afterRestart.entries()) {
    const what = ['Service', 'Deployment', 'Gateway'][i];
    assert.equal(o.metadata.uid, before[i]!.metadata.uid, `${what} re-created`);
    assert.equal(
      o.metadata.resourceVersion,
      before[i]!.metadata.resourceVersion,
      `${what} rewritten: ${JSON.stringify(before[i])} -> ${JSON.stringify(o)}`,
    );
  }
});

test('disable-managed-dataplane removes the Deployment and keeps the Service', async () => {
  assert.ok(op);
  await cp.request(
    'PATCH',
    gwPath,
    { metadata: { annotations: { 'stunner.l7mp.io/disable-managed-dataplane': 'true' } } },
    'application/merge-patch+json',
  );
  await waitUntil('Deployment deleted', async () => ((await exists(depPath)) ? undefined : true), 10_000);
  assert.ok(await exists(svcPath));
  await cp.request(
    'PATCH',
    gwPath,
    { metadata: { annotations: { 'stunner.l7mp.io/disable-managed-dataplane': null } } },
    'application/merge-patch+json',
  );
  await eventually('the Deployment back', async () => assert.ok(await exists(depPath), `${depPath} exists`));
});

test('deleting the Gateway makes the CDS push the zero config', async () => {
  assert.ok(op);
  const watch = await watchConfig(op.cdsAddress.port, `${NS}/udp-gateway`);
  await watch.until((c) => c.listeners.length === 1);
  await cp.request('DELETE', gwPath);
  const zero = await watch.until((c) => c.listeners.length === 0);
  watch.close();
  assert.equal(zero.admin.name, `${NS}/udp-gateway`);
  assert.deepEqual(zero.clusters, []);
  const res = await fetch(`http://127.0.0.1:${op.cdsAddress.port}/api/v1/configs/${NS}/udp-gateway`);
  assert.equal(res.status, 404);
});
