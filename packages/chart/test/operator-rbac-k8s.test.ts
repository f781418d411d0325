// The operator process with the chart's ServiceAccount (a TokenRequest token in its kubeconfig) and the
// chart's flags does the quickstart against a real kube-apiserver with RBAC on: informers, server-side
// apply of the Gateway's Service and Deployment, statuses, the leader Lease and, with --enable-finalizer,
// the cleanup on exit. A rule missing from the chart's ClusterRole or Role fails it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ControlPlane, ensureHelm, startControlPlane, waitUntil } from '@stunner/testing';
import {
  dashboardMetrics,
  exportedSeries,
  helmTemplate,
  KubeApplier,
  type KubeManifest,
  loadDashboard,
  quickstartForCluster,
  RELEASE_NAMESPACE,
  startChartAuthd,
  startChartOperator,
  writeServiceAccountKubeconfig,
} from '../src/index.ts';

// helm, built once from the Go module proxy, is a peer of this test.
ensureHelm();

const LEASE = `/apis/coordination.k8s.io/v1/namespaces/${RELEASE_NAMESPACE}/leases/92062b70.l7mp.io`;
const GW = '/apis/gateway.networking.k8s.io/v1/namespaces/stunner/gateways/udp-gateway';
const CLASS = '/apis/gateway.networking.k8s.io/v1/gatewayclasses/stunner-gatewayclass';
const ROUTE = '/apis/gateway.networking.k8s.io/v1alpha2/namespaces/stunner/udproutes/media-plane';
const SVC = '/api/v1/namespaces/stunner/services/udp-gateway';
const DEPLOY = '/apis/apps/v1/namespaces/stunner/deployments/udp-gateway';
const TOKEN_SECRET = '/api/v1/namespaces/stunner/secrets/stunner-cds-token';

type Cond = { type: string; status: string; reason: string };
type WithStatus = KubeManifest & {
  status?: { conditions?: Cond[]; addresses?: { value: string }[]; parents?: { conditions: Cond[] }[] };
};
const cond = (o: WithStatus | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);

let cp: ControlPlane;
let kube: KubeApplier;
let dir: string;
let chart: KubeManifest[];

const get = async <T = WithStatus>(path: string): Promise<T | undefined> => {
  try {
    return await cp.request<T>('GET', path);
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
};
/** The CDS token of the chart's Secret, as the apiserver holds it. */
const chartToken = async (): Promise<string> => {
  const s = await cp.request<{ data: { token: string } }>(
    'GET',
    `/api/v1/namespaces/${RELEASE_NAMESPACE}/secrets/stunner-config-discovery-token`,
  );
  return Buffer.from(s.data.token, 'base64').toString('utf8');
};
const metric = (text: string, name: string): number => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `metric ${name} exported`);
  return Number(m[1]);
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stunner-chart-rbac-'));
  cp = await startControlPlane();
  kube = new KubeApplier(cp.request);
  chart = helmTemplate({
    values: {
      'stunnerGatewayOperator.deployment.container.manager.args[0]': '--enable-finalizer',
      'stunnerGatewayOperator.deployment.container.manager.args[1]': '--throttle-timeout=20ms',
    },
  });
  await kube.apply([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: RELEASE_NAMESPACE } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stunner' } },
  ]);
  await kube.apply(chart);
  await kube.apply(quickstartForCluster());
});
after(async () => {
  await cp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const operatorDeployment = (): KubeManifest =>
  chart.find((o) => o.kind === 'Deployment' && o.metadata.name === 'stunner-gateway-operator')!;

describe('the operator with the chart ServiceAccount', { timeout: 120_000 }, () => {
  test('does the quickstart: Lease, Service and Deployment, statuses, CDS (and authd reads it); cleans up on SIGTERM', async () => {
    const kubeconfig = await writeServiceAccountKubeconfig(
      cp,
      RELEASE_NAMESPACE,
      'stunner-gateway-operator-controller-manager',
      join(dir, 'kubeconfig'),
    );
    const op = await startChartOperator(operatorDeployment(), kubeconfig, { request: cp.request });
    let code: number | null = null;
    try {
      const lease = await waitUntil(
        'leader Lease held',
        async () => {
          if (op.child.exitCode !== null) throw new Error(`operator exited:\n${op.log()}`);
          const l = await get<{ spec: { holderIdentity?: string } }>(LEASE);
          return l?.spec.holderIdentity ? l : undefined;
        },
        30_000,
      );
      assert.match(lease.spec.holderIdentity!, /^stunner-gateway-operator-7d4b9c-x2x5q_/);

      const svc: WithStatus = await waitUntil('Gateway Service applied', () => get(SVC), 30_000);
      const dep: WithStatus = await waitUntil('Gateway Deployment applied', () => get(DEPLOY), 30_000);
      for (const o of [svc, dep]) {
        const owner = (o.metadata as { ownerReferences?: { kind: string; name: string }[] }).ownerReferences;
        assert.deepEqual(
          owner?.map((r) => `${r.kind}/${r.name}`),
          ['Gateway/udp-gateway'],
        );
      }
      const container = (
        dep as unknown as {
          spec: { template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } } };
        }
      ).spec.template.spec.containers[0]!;
      assert.equal(container.image, 'localhost/stunner-ts/stunnerd:0.1.0', "the chart's default Dataplane");
      assert.equal(
        container.env.find((e) => e.name === 'STUNNER_CONFIG_ORIGIN')?.value,
        `http://127.0.0.1:${op.cdsPort}`,
        'stunnerd dials the CDS at the operator pod IP',
      );

      await waitUntil(
        'GatewayClass Accepted',
        async () => (cond(await get(CLASS), 'Accepted')?.status === 'True' ? true : undefined),
        30_000,
      );
      // The test plays the cloud's load-balancer controller, so the Gateway can become Programmed.
      await cp.request(
        'PATCH',
        `${SVC}/status`,
        { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } },
        'application/merge-patch+json',
      );
      const gw = await waitUntil(
        'Gateway Programmed',
        async () => {
          const o = await get(GW);
          return cond(o, 'Programmed')?.status === 'True' ? o : undefined;
        },
        30_000,
      );
      assert.equal(cond(gw, 'Accepted')?.status, 'True');
      assert.deepEqual(
        gw.status?.addresses?.map((a) => a.value),
        ['203.0.113.10'],
      );
      const route = await waitUntil(
        'UDPRoute Accepted',
        async () => {
          const o = await get(ROUTE);
          const c = o?.status?.parents?.[0]?.conditions.find((x) => x.type === 'Accepted');
          return c?.status === 'True' ? o : undefined;
        },
        30_000,
      );
      assert.ok(route);

      const cfg = await waitUntil(
        'config served with the public address',
        async () => {
          const res = await fetch(`http://127.0.0.1:${op.cdsPort}/api/v1/configs/stunner/udp-gateway`, {
            headers: { Authorization: `Bearer ${await chartToken()}` },
          });
          if (res.status !== 200) return undefined;
          const c = (await res.json()) as { listeners: { name: string; public_address?: string }[] };
          return c.listeners[0]?.public_address ? c : undefined;
        },
        30_000,
      );
      assert.equal(cfg.listeners[0]?.name, 'stunner/udp-gateway/udp-listener');
      // The chart turns the CDS token on: without it, 401 and nothing of the config.
      const refused = await fetch(`http://127.0.0.1:${op.cdsPort}/api/v1/configs/stunner/udp-gateway`);
      assert.equal(refused.status, 401);
      assert.doesNotMatch(await refused.text(), /user-1|pass-1|udp-listener/);
      // The operator copied the token into the Gateway's namespace, where the Deployment mounts it.
      const tokenSecret = await waitUntil(
        'the stunner-cds-token Secret in the Gateway namespace',
        () => get<KubeManifest & { data: { token: string } }>(TOKEN_SECRET),
        30_000,
      );
      assert.equal(tokenSecret.data.token, Buffer.from(await chartToken()).toString('base64'));
      assert.deepEqual(
        (tokenSecret.metadata as { ownerReferences?: { kind: string; name: string }[] }).ownerReferences?.map(
          (r) => `${r.kind}/${r.name}`,
        ),
        ['Gateway/udp-gateway'],
      );
      const podSpec = (dep as unknown as { spec: { template: { spec: { volumes?: unknown[] } } } }).spec.template.spec;
      assert.deepEqual(podSpec.volumes, [
        { name: 'stunner-cds-token', secret: { secretName: 'stunner-cds-token', defaultMode: 0o644 } },
      ]);
      assert.equal(cfg.listeners[0]?.public_address, '203.0.113.10');

      // The chart's auth service, run with its Deployment's flags, hands out this Gateway's TURN URI.
      const authDeployment = chart.find((o) => o.kind === 'Deployment' && o.metadata.name === 'stunner-auth')!;
      const authd = await startChartAuthd(authDeployment, op.cdsPort, cp.request);
      try {
        const ice = await waitUntil(
          'authd /ice',
          async () => {
            if (authd.child.exitCode !== null) throw new Error(`authd exited:\n${authd.log()}`);
            const res = await fetch(`http://127.0.0.1:${authd.healthPort}/ice?service=turn`);
            return res.status === 200
              ? ((await res.json()) as { iceServers: { urls: string[]; username: string }[] })
              : undefined;
          },
          20_000,
        );
        assert.deepEqual(ice.iceServers[0]?.urls, ['turn:203.0.113.10:3478?transport=udp']);
        assert.equal(ice.iceServers[0]?.username, 'user-1');
        assert.equal((await fetch(`http://127.0.0.1:${authd.healthPort}/ready`)).status, 200);
      } finally {
        await authd.stop();
      }

      const metrics = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
      assert.equal(metric(metrics, 'stunner_gateway_operator_update_errors_total'), 0, op.log());
      assert.equal(metric(metrics, 'stunner_gateway_operator_leader'), 1);
      // The Grafana dashboard's operator panels query only what this operator exports.
      const exported = exportedSeries(metrics);
      const missing = [...dashboardMetrics(loadDashboard()).keys()].filter(
        (n) => n.startsWith('stunner_gateway_operator_') && !exported.has(n),
      );
      assert.deepEqual(missing, [], 'dashboard queries the operator does not export');
      assert.doesNotMatch(op.log(), /forbidden|\b403\b/i);
    } finally {
      code = await op.stop();
    }
    assert.equal(code, 0, op.log());
    // --enable-finalizer: the managed objects are gone and the statuses say the operator stopped.
    assert.equal(await get(SVC), undefined);
    assert.equal(await get(DEPLOY), undefined);
    assert.equal(await get(TOKEN_SECRET), undefined);
    assert.equal(cond(await get(GW), 'Accepted')?.status, 'Unknown');
    const released = await get<{ spec: { holderIdentity?: string } }>(LEASE);
    assert.equal(released?.spec.holderIdentity ?? '', '', 'the Lease is released on exit');
    assert.doesNotMatch(op.log(), /forbidden|\b403\b/i);
  });

  test('legacy dataplane mode: the stunnerd-config ConfigMap is written with the same rules', async () => {
    const legacy = helmTemplate({ values: { 'stunnerGatewayOperator.dataplane.mode': 'legacy' } });
    const deployment = legacy.find((o) => o.kind === 'Deployment' && o.metadata.name === 'stunner-gateway-operator')!;
    const kubeconfig = await writeServiceAccountKubeconfig(
      cp,
      RELEASE_NAMESPACE,
      'stunner-gateway-operator-controller-manager',
      join(dir, 'kubeconfig-legacy'),
    );
    const op = await startChartOperator(deployment, kubeconfig, { request: cp.request });
    try {
      const cm = await waitUntil(
        'stunnerd-config ConfigMap',
        async () => {
          if (op.child.exitCode !== null) throw new Error(`operator exited:\n${op.log()}`);
          return get<{ data: Record<string, string> }>('/api/v1/namespaces/stunner/configmaps/stunnerd-config');
        },
        30_000,
      );
      assert.match(cm.data['stunnerd.conf'] ?? '', /stunner\/udp-gateway\/udp-listener/);
      const metrics = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
      assert.equal(metric(metrics, 'stunner_gateway_operator_update_errors_total'), 0, op.log());
      assert.doesNotMatch(op.log(), /forbidden|\b403\b/i);
    } finally {
      assert.equal(await op.stop(), 0, op.log());
    }
  });

  test('a rule missing from the ClusterRole shows: writes fail and are counted', async () => {
    const role = structuredClone(chart.find((o) => o.kind === 'ClusterRole')!) as KubeManifest & {
      rules: { resources: string[]; verbs: string[] }[];
    };
    role.rules = role.rules.filter((r) => !r.resources.includes('gateways/status'));
    await kube.apply([role]);
    const kubeconfig = await writeServiceAccountKubeconfig(
      cp,
      RELEASE_NAMESPACE,
      'stunner-gateway-operator-controller-manager',
      join(dir, 'kubeconfig-2'),
    );
    const debug = helmTemplate({ values: { 'logging.operator.level': 'debug' } });
    // A new Gateway generation: its status must be written again, which the role no longer allows.
    await cp.request(
      'PATCH',
      GW,
      { spec: { listeners: [{ name: 'udp-listener', port: 3479, protocol: 'UDP' }] } },
      'application/merge-patch+json',
    );
    const op = await startChartOperator(
      debug.find((o) => o.kind === 'Deployment' && o.metadata.name === 'stunner-gateway-operator')!,
      kubeconfig,
      { request: cp.request },
    );
    try {
      await waitUntil(
        'a failed status write',
        async () => {
          if (op.child.exitCode !== null) throw new Error(`operator exited:\n${op.log()}`);
          const res = await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`);
          return metric(await res.text(), 'stunner_gateway_operator_update_errors_total') > 0 ? true : undefined;
        },
        30_000,
      );
      assert.match(op.log(), /status Gateway stunner\/udp-gateway: .*403/);
    } finally {
      await op.stop();
      await kube.apply([chart.find((o) => o.kind === 'ClusterRole')!]);
    }
  });
  test('Events on dataplane Deployments and Gateways outside the release namespace: allowed by the ClusterRole, 403 without its events rule', async () => {
    type Event = { reason: string; type: string; involvedObject: { kind: string; name: string } };
    const recreated = async () =>
      (await cp.request<{ items: Event[] }>('GET', '/api/v1/namespaces/stunner/events')).items.filter(
        (e) => e.reason === 'DataplaneRecreated',
      );
    // A managed dataplane Deployment whose immutable selector selects other pods: the operator can only
    // re-create it, and announces that in Warning Events on the Deployment and its Gateway.
    const stale = async () => {
      if (await get(DEPLOY)) await cp.request('DELETE', DEPLOY);
      await kube.apply([
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: {
            name: 'udp-gateway',
            namespace: 'stunner',
            labels: { 'stunner.l7mp.io/owned-by': 'stunner' },
            annotations: { 'stunner.l7mp.io/related-gateway-name': 'stunner/udp-gateway' },
          },
          spec: {
            selector: { matchLabels: { app: 'stale-dataplane' } },
            template: {
              metadata: { labels: { app: 'stale-dataplane' } },
              spec: { containers: [{ name: 'stunnerd', image: 'l7mp/stunnerd:1.0.0' }] },
            },
          },
        },
      ]);
    };
    const run = async (name: string) => {
      const kubeconfig = await writeServiceAccountKubeconfig(
        cp,
        RELEASE_NAMESPACE,
        'stunner-gateway-operator-controller-manager',
        join(dir, name),
      );
      return startChartOperator(operatorDeployment(), kubeconfig, { request: cp.request });
    };

    await stale();
    let op = await run('kubeconfig-events');
    try {
      const events = await waitUntil(
        'DataplaneRecreated Events',
        async () => {
          if (op.child.exitCode !== null) throw new Error(`operator exited:\n${op.log()}`);
          const evs = await recreated();
          return evs.length >= 2 ? evs : undefined;
        },
        30_000,
      );
      assert.deepEqual(events.map((e) => `${e.type} ${e.involvedObject.kind}/${e.involvedObject.name}`).sort(), [
        'Warning Deployment/udp-gateway',
        'Warning Gateway/udp-gateway',
      ]);
      await waitUntil(
        'Deployment re-created',
        async () => {
          const d = await get<{ spec: { selector: { matchLabels?: Record<string, string> } } }>(DEPLOY);
          return d && d.spec.selector.matchLabels?.app !== 'stale-dataplane' ? true : undefined;
        },
        30_000,
      );
      assert.doesNotMatch(op.log(), /forbidden|\b403\b/i);
    } finally {
      await op.stop();
    }

    const role = structuredClone(chart.find((o) => o.kind === 'ClusterRole')!) as KubeManifest & {
      rules: { resources: string[] }[];
    };
    role.rules = role.rules.filter((r) => !r.resources.includes('events'));
    await kube.apply([role]);
    await stale();
    const before = (await recreated()).length;
    op = await run('kubeconfig-events-2');
    try {
      await waitUntil(
        'a refused Event',
        async () => {
          if (op.child.exitCode !== null) throw new Error(`operator exited:\n${op.log()}`);
          return /event DataplaneRecreated on Deployment stunner\/udp-gateway: .*403/.test(op.log()) ? true : undefined;
        },
        30_000,
      );
      assert.equal((await recreated()).length, before, 'no Event was written');
    } finally {
      await op.stop();
      await kube.apply([chart.find((o) => o.kind === 'ClusterRole')!]);
    }
  });
});
