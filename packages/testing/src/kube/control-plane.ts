// A real Kubernetes control plane for tests (what controller-runtime's envtest does): etcd and
// kube-apiserver on loopback ports, TLS from a throwaway CA, an admin bearer token, RBAC authorization,
// the Gateway API CRDs and ours installed, and a kubeconfig written. No controllers run: nothing
// allocates load balancers, creates EndpointSlices or collects garbage unless the test does it.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { freePort } from '../free-port.ts';
import { waitUntil } from '../wait-until.ts';
import { type AdminRequest, adminClient, pathOf } from './admin-client.ts';
import { ManagedProcess } from './child-process.ts';
import { gatewayApiCrds } from './gateway-api-crds.ts';
import { ensureKubeBinaries } from './kube-binaries.ts';
import { makePki } from './pki.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ourCrdDir = resolve(here, '../../../../deploy/crds');

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  kubeconfigPath: string;
  kubeconfig: KubeConfig;
  /** JSON requests as the admin user. */
  request: AdminRequest;
  /** Server-side apply of whole objects as field manager `fieldManager` (kubectl apply --server-side). */
  apply(objects: ApplyObject[], fieldManager?: string): Promise<void>;
  /** Stops kube-apiserver and starts it again on the same port and etcd (watches break, data stays). */
  restartApiserver(): Promise<void>;
  /** Stops kube-apiserver and etcd and removes their data. */
  stop(): Promise<void>;
}

export type ApplyObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
} & Record<string, unknown>;

export interface ControlPlaneOptions {
  /** Bound on start-up (binaries already built), ms. Default 90 s. */
  startTimeoutMs?: number;
  /** Install the gateway.networking.k8s.io v1alpha2 UDPRoute CRD (default true). */
  udpRouteV1Alpha2?: boolean;
}

function httpsStatus(url: string, ca: Buffer, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function kubeconfigYaml(server: string, caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: test\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${ca}`,
    'users:',
    `- name: admin\n  user:\n    token: ${token}`,
    'contexts:',
    '- name: test\n  context:\n    cluster: test\n    user: admin\n    namespace: default',
    'current-context: test',
    '',
  ].join('\n');
}

export function ourCrds(): Record<string, unknown>[] {
  return readdirSync(ourCrdDir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(ourCrdDir, f), 'utf8')).map((d) => d.toJS()));
}

/**
 * Creates CRDs as raw JSON (client-node's model serializer would drop `x-kubernetes-*` keys) and waits
 * until each is Established and its storage answers a LIST (right after Established it may still say 429).
 */
export async function installCrds(
  req: AdminRequest,
  crds: Record<string, unknown>[],
  timeoutMs = 30_000,
): Promise<void> {
  for (const crd of crds) await req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  for (const crd of crds) {
    const name = (crd.metadata as { name: string }).name;
    const spec = crd.spec as {
      group: string;
      names: { plural: string };
      versions: { name: string; served: boolean }[];
    };
    await waitUntil(
      `CRD ${name} Established`,
      async () => {
        const got = await req<{ status?: { conditions?: { type: string; status: string }[] } }>(
          'GET',
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        );
        return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      },
      timeoutMs,
    );
    // Upstream CRDs keep retired versions with served: false (Gateway API's BackendTLSPolicy v1alpha3).
    for (const v of spec.versions.filter((x) => x.served)) {
      await waitUntil(
        `CRD ${name} ${v.name} serving`,
        async () => {
          await req('GET', `/apis/${spec.group}/${v.name}/${spec.names.plural}`);
          return true;
        },
        timeoutMs,
      );
    }
  }
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const timeout = options.startTimeoutMs ?? 90_000;
  const bins = ensureKubeBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'stunner-kube-'));
  const pki = makePki(dir);
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const peerUrl = `http://127.0.0.1:${etcdPeer}`;
  const procs: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const p of procs.reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const etcd = new ManagedProcess(
      'etcd',
      bins.etcd,
      [
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        // Test data is thrown away: skip the fsyncs that dominate etcd's write latency.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      join(dir, 'etcd.log'),
    );
    procs.push(etcd);
    await waitUntil(
      'etcd /health',
      async () => {
        if (!etcd.running) throw new Error(`etcd exited:\n${etcd.tail()}`);
        const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(1000) });
        return res.ok ? true : undefined;
      },
      timeout,
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const ca = readFileSync(pki.caCert);
    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${pki.tokenFile}`,
      '--authorization-mode=RBAC',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--service-node-port-range=30000-32767',
      // No controller-manager creates ServiceAccount tokens here.
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      `--cert-dir=${join(dir, 'certs')}`,
      '--v=0',
    ];
    let apiserver: ManagedProcess | undefined;
    const startApiserver = async (): Promise<void> => {
      const p = new ManagedProcess(
        'kube-apiserver',
        bins.kubeApiserver,
        apiserverArgs,
        join(dir, 'kube-apiserver.log'),
      );
      apiserver = p;
      procs.push(p);
      await waitUntil(
        'kube-apiserver /readyz',
        async () => {
          if (!p.running) throw new Error(`kube-apiserver exited:\n${p.tail()}`);
          return (await httpsStatus(`${server}/readyz`, ca, pki.adminToken)) === 200 ? true : undefined;
        },
        timeout,
      );
    };
    await startApiserver();
    const restartApiserver = async (): Promise<void> => {
      await apiserver?.stop();
      await startApiserver();
    };
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfigYaml(server, ca.toString(), pki.adminToken), { mode: 0o600 });
    // Loaded here, not at the top: every test that imports @stunner/testing (coturn, ...) would pay for it.
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(kubeconfigPath);
    const req = adminClient(server, ca, pki.adminToken);
    const gw = gatewayApiCrds().filter(
      (c) =>
        options.udpRouteV1Alpha2 !== false ||
        (c.metadata as { name: string }).name !== 'udproutes.gateway.networking.k8s.io',
    );
    await installCrds(req, [...gw, ...ourCrds()], timeout);
    const apply = async (objects: ApplyObject[], fieldManager = 'kubectl'): Promise<void> => {
      for (const o of objects) {
        await req('PATCH', `${pathOf(o)}?fieldManager=${fieldManager}&force=true`, o, 'application/apply-patch+yaml');
      }
    };
    return { server, kubeconfigPath, kubeconfig, request: req, apply, restartApiserver, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
