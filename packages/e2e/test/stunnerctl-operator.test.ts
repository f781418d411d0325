// stunnerctl's Kubernetes discovery against a real kube-apiserver with the operator running on it: the
// CDS (operator pod labelled stunner.l7mp.io/config-discovery-service=enabled), stunnerd pods (app=stunner
// and the related-gateway labels) and authd pods (app=stunner-auth) are found by their labels, and the
// port-forward client asks the API server's pods/portforward for them. No kubelet runs here, so the API
// server refuses every port-forward (the pods have no node): the tests check that the right pod and port
// were asked for and that the refusal is one clear line; the network leg runs with explicit addresses
// against the operator's CDS, a stunnerd process and an authd process that both follow it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StunnerConfig } from '@stunner/api';
import { CdsClient, Discovery } from '@stunner/cli/stunnerctl';
import { createLogger } from '@stunner/log';
import type { RunningOperator } from '@stunner/operator/runtime';
import {
  type ControlPlane,
  freePort,
  startControlPlane,
  type WatchedProcess,
  waitUntil,
  watchProcess,
} from '@stunner/testing';
import { oneLineError, startStunnerd, stunnerctl } from '../../cli/test/stunnerctl-harness.ts';
import { exposeGateway, startTestOperator, stunnerClass, turncat } from './support/harness.ts';

const AUTHD = fileURLToPath(new URL('./main.ts', import.meta.resolve('@stunner/auth')));
const GW = 'gateway.networking.k8s.io';
const NS = 'stunner';
const SYSTEM = 'stunner-system';

interface Deployment {
  spec: { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } };
}

describe('stunnerctl finds the CDS, stunnerd and authd through a real kube-apiserver', () => {
  let cp: ControlPlane;
  let op: RunningOperator;
  let stunnerd: WatchedProcess;
  let authd: WatchedProcess;
  let authAddr: string;
  let turnPort: number;
  let kube: string[];

  /** A pod as its controller would create it; the test plays the kubelet for its status. */
  const pod = async (ns: string, name: string, labels: Record<string, string>, podIP: string): Promise<void> => {
    await cp.request('POST', `/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, labels },
      spec: { containers: [{ name: 'main', image: 'example/none:latest' }] },
    });
    await cp.request(
      'PATCH',
      `/api/v1/namespaces/${ns}/pods/${name}/status`,
      { status: { phase: 'Running', podIP, podIPs: [{ ip: podIP }] } },
      'application/merge-patch+json',
    );
  };
  const deletePod = (ns: string, name: string) =>
    cp.request('DELETE', `/api/v1/namespaces/${ns}/pods/${name}?gracePeriodSeconds=0`);

  before(async () => {
    [cp, turnPort] = await Promise.all([startControlPlane(), freePort()]);
    kube = ['--kubeconfig', cp.kubeconfigPath];
    op = await startTestOperator(cp);
    await cp.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM } },
      ...stunnerClass(NS, { realm: 'stunner.l7mp.io', authType: 'static', userName: 'user-1', password: 'pass-1' }),
      {
        apiVersion: `${GW}/v1`,
        kind: 'Gateway',
        metadata: { name: 'udp-gateway', namespace: NS },
        spec: {
          gatewayClassName: 'stunner-gatewayclass',
          listeners: [{ name: 'udp-listener', port: turnPort, protocol: 'UDP' }],
        },
      },
      // Both icetest peers' relays live on loopback: a StaticService opens it.
      {
        apiVersion: 'stunner.l7mp.io/v1',
        kind: 'StaticService',
        metadata: { name: 'media-plane', namespace: NS },
        spec: { prefixes: ['127.0.0.1/32'] },
      },
      {
        apiVersion: `${GW}/v1alpha2`,
        kind: 'UDPRoute',
        metadata: { name: 'media-plane', namespace: NS },
        spec: {
          parentRefs: [{ name: 'udp-gateway' }],
          rules: [{ backendRefs: [{ group: 'stunner.l7mp.io', kind: 'StaticService', name: 'media-plane' }] }],
        },
      },
    ]);
    // The test plays the cloud's load balancer: stunnerd is reached at 127.0.0.1.
    await exposeGateway(cp, NS, 'udp-gateway', '127.0.0.1');
    await waitUntil(
      'the public address in the CDS',
      () =>
        op.cds.configs().some((c: StunnerConfig) => c.listeners[0]?.public_address === '127.0.0.1') ? true : undefined,
      10_000,
    );
    // The pods their controllers would make: the operator's, the Deployment's stunnerd, an authd.
    const dep = await cp.request<Deployment>('GET', `/apis/apps/v1/namespaces/${NS}/deployments/udp-gateway`);
    await pod(NS, 'udp-gateway-7d9f-abcde', dep.spec.template.metadata.labels, '10.244.0.11');
    await pod(
      SYSTEM,
      'stunner-gateway-operator-5c6b-xyz12',
      { 'stunner.l7mp.io/config-discovery-service': 'enabled' },
      '10.244.0.2',
    );
    await pod(SYSTEM, 'stunner-auth-6f7c-qwert', { app: 'stunner-auth' }, '10.244.0.3');
    stunnerd = await startStunnerd(op.cdsAddress.port, `${NS}/udp-gateway`);
    authd = watchProcess(process.execPath, [
      AUTHD,
      '-p',
      '0',
      '--address',
      '127.0.0.1',
      '--cds-server-address',
      `127.0.0.1:${op.cdsAddress.port}`,
    ]);
    authAddr = (await authd.waitFor(/listening on http:\/\/([\d.]+:\d+)/, { timeoutMs: 20_000 }))[1]!;
  });
  after(async () => {
    await authd?.stop();
    await stunnerd?.stop();
    await op?.stop();
    await cp?.stop();
  });

  it('config: finds the operator pod by its CDS label and asks the API server to port-forward to 13478', async (t) => {
    for (const env of [{}, { KUBECONFIG: cp.kubeconfigPath }] as Record<string, string>[]) {
      const args = ['config', '-n', NS, 'udp-gateway', ...('KUBECONFIG' in env ? [] : kube)];
      const r = await stunnerctl(args, env);
      assert.equal(r.code, 1);
      assert.ok(oneLineError(r, 'STUNNERCTL_ERR_PORT_FORWARD'), r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`pod ${SYSTEM}/stunner-gateway-operator-5c6b-xyz12 port 13478 .*400.*host assigned`),
      );
      t.diagnostic(r.stderr.trim());
    }
    const port = await stunnerctl(['license', ...kube, '--cds-server-port', '9999']);
    assert.match(port.stderr, /stunner-gateway-operator-5c6b-xyz12 port 9999/);
  });

  it("status: finds the Deployment's stunnerd pods by app=stunner and the related-gateway labels", async () => {
    const r = await stunnerctl(['status', '-n', NS, 'udp-gateway', ...kube]);
    assert.equal(r.code, 1);
    assert.ok(oneLineError(r, 'STUNNERCTL_ERR_PORT_FORWARD'), r.stderr);
    assert.match(r.stderr, new RegExp(`pod ${NS}/udp-gateway-7d9f-abcde port 8086`));
    const all = await stunnerctl(['status', '-a', ...kube, '--pod-port', '18086']);
    assert.match(all.stderr, /udp-gateway-7d9f-abcde port 18086/);
    const none = await stunnerctl(['status', '-n', NS, 'other-gateway', ...kube]);
    assert.ok(oneLineError(none, 'STUNNERCTL_ERR_DISCOVERY'), none.stderr);
    assert.match(none.stderr, /no stunnerd pod found for gateway stunner\/other-gateway/);
  });

  it('auth: finds an authd pod by app=stunner-auth and asks for port 8088', async () => {
    const r = await stunnerctl(['auth', ...kube]);
    assert.equal(r.code, 1);
    assert.ok(oneLineError(r, 'STUNNERCTL_ERR_PORT_FORWARD'), r.stderr);
    assert.match(r.stderr, new RegExp(`pod ${SYSTEM}/stunner-auth-6f7c-qwert port 8088`));
    const elsewhere = await stunnerctl(['auth', ...kube, '--auth-service-namespace', NS]);
    assert.ok(oneLineError(elsewhere, 'STUNNERCTL_ERR_DISCOVERY'), elsewhere.stderr);
    assert.match(elsewhere.stderr, /no auth service found: no pod labelled app=stunner-auth in namespace stunner/);
  });

  it("dashboard: finds the stunnerd pods as status does and asks for their health port; reads the operator's statuses", async () => {
    const cds = ['--cds-server-address', `127.0.0.1:${op.cdsAddress.port}`];
    const r = await stunnerctl(['dashboard', '-n', NS, ...cds, ...kube, '--dashboard-port', '0']);
    assert.equal(r.code, 1);
    assert.ok(oneLineError(r, 'STUNNERCTL_ERR_PORT_FORWARD'), r.stderr);
    assert.match(r.stderr, new RegExp(`pod ${NS}/udp-gateway-7d9f-abcde port 8086`));
    const discovery = new Discovery({ kubeconfig: cp.kubeconfigPath }, createLogger('k8s-fwd', { spec: 'all:ERROR' }));
    const statuses = await discovery.listStatuses(NS);
    const gw = statuses.find((s) => s.kind === 'Gateway' && s.metadata.name === 'udp-gateway');
    assert.equal(gw?.status?.conditions?.find((c) => c.type === 'Programmed')?.status, 'True');
    const route = statuses.find((s) => s.kind === 'UDPRoute' && s.metadata.name === 'media-plane');
    assert.equal(route?.status?.conditions?.find((c) => c.type === 'Accepted')?.status, 'True');
  });

  it('no CDS pod, or two: a discovery error that says how to choose', async () => {
    const none = await stunnerctl(['config', ...kube, '--cds-server-namespace', NS]);
    assert.ok(oneLineError(none, 'STUNNERCTL_ERR_DISCOVERY'), none.stderr);
    assert.match(none.stderr, /no config discovery service found.*in namespace stunner.*--cds-server-address/);
    await pod(NS, 'second-operator', { 'stunner.l7mp.io/config-discovery-service': 'enabled' }, '10.244.0.9');
    try {
      const two = await stunnerctl(['config', ...kube]);
      assert.ok(oneLineError(two, 'STUNNERCTL_ERR_DISCOVERY'), two.stderr);
      assert.match(
        two.stderr,
        /more than one config discovery service found \(stunner-system\/stunner-gateway-operator-5c6b-xyz12, stunner\/second-operator\)/,
      );
    } finally {
      await deletePod(NS, 'second-operator');
    }
  });

  it('turncat k8s:// without --cds-server-address finds the CDS the same way', async () => {
    const p = turncat([
      '--kubeconfig',
      cp.kubeconfigPath,
      '-',
      `k8s://${NS}/udp-gateway:udp-listener`,
      'udp://127.0.0.1:9',
    ]);
    assert.equal(await p.exited(20_000), 1);
    assert.match(
      p.stderr(),
      /^turncat ERROR: port-forward to pod stunner-system\/stunner-gateway-operator-5c6b-xyz12 port 13478 through the API server failed .*host assigned/m,
    );
  });

  it('a kubeconfig that cannot be read: STUNNERCTL_ERR_KUBECONFIG', async () => {
    const r = await stunnerctl(['config', '--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(r.code, 1);
    assert.ok(oneLineError(r, 'STUNNERCTL_ERR_KUBECONFIG'), r.stderr);
  });

  it('the network leg with the explicit address: the config the operator rendered, and an icetest through stunnerd', async () => {
    const cds = ['--cds-server-address', `127.0.0.1:${op.cdsAddress.port}`];
    const r = await stunnerctl(['config', '-n', NS, 'udp-gateway', ...cds]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Gateway: stunner\/udp-gateway/m);
    assert.match(r.stdout, new RegExp(`Public address: 127\\.0\\.0\\.1:${turnPort}`));
    assert.match(r.stdout, /Routes: \[stunner\/media-plane\]\n\s+Endpoints: \[127\.0\.0\.1\/32\]/);
    const ice = await stunnerctl(['icetest', '-n', NS, 'udp-gateway', ...cds, '-d', '1', '-o', 'json']);
    assert.equal(ice.code, 0, ice.stderr + ice.stdout);
    const report = JSON.parse(ice.stdout) as { results: { protocol: string; result: string }[] };
    assert.deepEqual(
      report.results.map((x) => [x.protocol, x.result]),
      [['udp', 'ok']],
    );
  });

  it("the network leg with the explicit address: authd's credentials for the rendered gateway, and an icetest through them", async () => {
    const auth = ['--auth-server-address', authAddr];
    let ice: { iceServers: { username: string; credential: string; urls: string[] }[] } | undefined;
    await waitUntil(
      'authd knows the gateway',
      async () => {
        const r = await stunnerctl(['auth', '-n', NS, 'udp-gateway', ...auth]);
        if (r.code !== 0) return undefined;
        ice = JSON.parse(r.stdout) as typeof ice;
        return true;
      },
      15_000,
    );
    assert.deepEqual(ice?.iceServers, [
      { username: 'user-1', credential: 'pass-1', urls: [`turn:127.0.0.1:${turnPort}?transport=udp`] },
    ]);
    const r = await stunnerctl(['icetest', '-n', NS, 'udp-gateway', ...auth, '-d', '1', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as { results: { protocol: string; result: string }[] };
    assert.deepEqual(
      report.results.map((x) => [x.protocol, x.result]),
      [['udp', 'ok']],
    );
  });

  it('a kubeconfig context that does not exist: STUNNERCTL_ERR_KUBECONFIG', async () => {
    const r = await stunnerctl(['config', ...kube, '--context', 'no-such-context']);
    assert.equal(r.code, 1);
    assert.ok(oneLineError(r, 'STUNNERCTL_ERR_KUBECONFIG'), r.stderr);
  });

  it('in a pod (service account, KUBERNETES_SERVICE_HOST): the discovered CDS pod is reached at its pod IP', async () => {
    // The pod's service-account mount, under a prefix; the "operator pod" has the loopback IP, where
    // the operator's CDS listens, so the whole path runs: discovery, then the pod IP, then the CDS.
    const root = mkdtempSync(join(tmpdir(), 'stunnerctl-sa-'));
    const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(dir, { recursive: true });
    const cluster = cp.kubeconfig.getCurrentCluster()!;
    writeFileSync(join(dir, 'ca.crt'), Buffer.from(cluster.caData!, 'base64'));
    writeFileSync(join(dir, 'token'), cp.kubeconfig.getCurrentUser()!.token!);
    await cp.request('POST', '/api/v1/namespaces', { metadata: { name: 'in-pod' } });
    await pod('in-pod', 'operator-in-pod', { 'stunner.l7mp.io/config-discovery-service': 'enabled' }, '127.0.0.1');
    const server = new URL(cluster.server);
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = server.hostname;
    process.env.KUBERNETES_SERVICE_PORT = server.port;
    const home = process.env.HOME;
    const kubeconfigEnv = process.env.KUBECONFIG;
    process.env.HOME = root;
    delete process.env.KUBECONFIG;
    const discovery = new Discovery({ serviceAccountPrefix: root }, createLogger('k8s-fwd', { spec: 'all:ERROR' }));
    try {
      const found = await discovery.findCds('in-pod');
      const reached = await discovery.reach(found, op.cdsAddress.port);
      assert.equal(reached.address, `127.0.0.1:${op.cdsAddress.port}`);
      const configs = await new CdsClient(`http://${reached.address}`).getConfigs({
        namespace: NS,
        name: 'udp-gateway',
      });
      assert.equal(configs[0]!.admin?.name, `${NS}/udp-gateway`);
    } finally {
      await discovery.close();
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      process.env.HOME = home;
      if (kubeconfigEnv !== undefined) process.env.KUBECONFIG = kubeconfigEnv;
      await deletePod('in-pod', 'operator-in-pod');
    }
  });
});
