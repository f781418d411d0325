// `helm install`, `helm upgrade` and `helm uninstall` of the chart against a real kube-apiserver: what a
// STUNner user runs, with helm's own CRD handling (crds/), release records and three-way merges.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ControlPlane, ensureHelm, startControlPlane } from '@stunner/testing';
import {
  CHART_DIR,
  helm,
  KubeApplier,
  type KubeManifest,
  RELEASE_NAME,
  RELEASE_NAMESPACE,
  repoRoot,
} from '../src/index.ts';

// helm, built once from the Go module proxy, is a peer of this test.
ensureHelm();

let cp: ControlPlane;
const kube = () => ['--kubeconfig', cp.kubeconfigPath, '--namespace', RELEASE_NAMESPACE];
const DEPLOY = `/apis/apps/v1/namespaces/${RELEASE_NAMESPACE}/deployments/stunner-gateway-operator`;
const get = async <T>(path: string): Promise<T | undefined> => {
  try {
    return await cp.request<T>('GET', path);
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
};
type Deployment = { spec: { template: { spec: { containers: { args: string[] }[] } } } };
const TOKEN_SECRET = `/api/v1/namespaces/${RELEASE_NAMESPACE}/secrets/stunner-config-discovery-token`;
const cdsToken = async () => (await get<{ data: { token: string } }>(TOKEN_SECRET))?.data.token;
/** The CDS token install made; upgrades must keep it (the chart looks it up). */
let installedToken: string | undefined;

before(async () => {
  cp = await startControlPlane();
});
after(() => cp?.stop());

describe('helm install, upgrade and uninstall on a real kube-apiserver', () => {
  test('install creates the namespace, the operator, the auth service and the default Dataplane', async () => {
    helm(['install', RELEASE_NAME, CHART_DIR, '--create-namespace', ...kube()]);
    const status = helm(['status', RELEASE_NAME, ...kube()]);
    assert.match(status, /STATUS: deployed/);
    assert.match(status, /stunner-config-discovery\.stunner-system\.svc:13478/, 'NOTES.txt');
    const dep = await get<Deployment>(DEPLOY);
    assert.ok(dep?.spec.template.spec.containers[0]?.args.includes('--dataplane-mode=managed'));
    assert.ok(await get(`/api/v1/namespaces/${RELEASE_NAMESPACE}/services/stunner-auth`));
    const dp = await get<{ spec: { args: string[] } }>('/apis/stunner.l7mp.io/v1/dataplanes/default');
    assert.deepEqual(dp?.spec.args, ['-w', '--udp-thread-num=16']);
    installedToken = await cdsToken();
    assert.match(Buffer.from(installedToken ?? '', 'base64').toString(), /^[A-Za-z0-9]{48}$/, 'a random CDS token');
    assert.match(status, /STUNNER_CDS_TOKEN_FILE/, 'NOTES.txt tells how to read the CDS');
  });

  test('upgrade with other values rewrites what changed', async () => {
    helm([
      'upgrade',
      RELEASE_NAME,
      CHART_DIR,
      '--set',
      'stunnerGatewayOperator.dataplane.mode=legacy',
      '--set',
      'logging.dataplane.format=json',
      ...kube(),
    ]);
    const dep = await get<Deployment>(DEPLOY);
    assert.ok(dep?.spec.template.spec.containers[0]?.args.includes('--dataplane-mode=legacy'));
    const dp = await get<{ spec: { args: string[] } }>('/apis/stunner.l7mp.io/v1/dataplanes/default');
    assert.deepEqual(dp?.spec.args, ['-w', '--udp-thread-num=16', '--log-format=json']);
    assert.match(helm(['history', RELEASE_NAME, ...kube()]), /2\s.*deployed/);
    assert.equal(await cdsToken(), installedToken, 'the upgrade kept the CDS token');
  });

  test('the CDS token: kept by a plain upgrade, a new one once deleted, none when turned off', async () => {
    helm(['upgrade', RELEASE_NAME, CHART_DIR, '--reuse-values', ...kube()]);
    assert.equal(await cdsToken(), installedToken);
    // Rotation as values.yaml says: delete the Secret, upgrade.
    await cp.request('DELETE', TOKEN_SECRET);
    helm(['upgrade', RELEASE_NAME, CHART_DIR, '--reuse-values', ...kube()]);
    const rotated = await cdsToken();
    assert.ok(rotated && rotated !== installedToken, 'a new token after the Secret was deleted');
    helm(['upgrade', RELEASE_NAME, CHART_DIR, '--reuse-values', '--set', 'cdsAuth.enabled=false', ...kube()]);
    assert.equal(await cdsToken(), undefined, 'the Secret is gone with cdsAuth off');
    const dep = await get<{ spec: { template: { spec: { volumes?: unknown[] } } } }>(DEPLOY);
    assert.equal(dep?.spec.template.spec.volumes, undefined, 'the operator mounts nothing');
  });

  test('uninstall removes the release objects and keeps the CRDs (helm never deletes crds/)', async () => {
    helm(['uninstall', RELEASE_NAME, ...kube()]);
    assert.equal(await get(DEPLOY), undefined);
    assert.equal(await get('/apis/stunner.l7mp.io/v1/dataplanes/default'), undefined);
    assert.equal(
      await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/stunner-ts-gateway-operator-manager-role'),
      undefined,
    );
    assert.ok(await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/dataplanes.stunner.l7mp.io'));
  });
  test("the migration guide's helm install beside a running STUNner release (its cluster-scoped objects)", async () => {
    // What STUNner's chart owns cluster-wide, with Helm's ownership records of a release `stunner`:
    // helm refuses to adopt any of them into another release, so a name in common fails the install.
    const owned = (kind: string, apiVersion: string, name: string, extra: Record<string, unknown>): KubeManifest => ({
      apiVersion,
      kind,
      metadata: {
        name,
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'meta.helm.sh/release-name': 'stunner', 'meta.helm.sh/release-namespace': 'stunner-system' },
      },
      ...extra,
    });
    await new KubeApplier(cp.request).apply([
      owned('ClusterRole', 'rbac.authorization.k8s.io/v1', 'stunner-gateway-operator-manager-role', { rules: [] }),
      owned('ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', 'stunner-gateway-operator-manager-rolebinding', {
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'stunner-gateway-operator-manager-role',
        },
        subjects: [
          { kind: 'ServiceAccount', name: 'stunner-gateway-operator-controller-manager', namespace: 'stunner-system' },
        ],
      }),
      owned('Dataplane', 'stunner.l7mp.io/v1', 'default', {
        spec: { image: 'l7mp/stunnerd:latest', command: ['stunnerd'], args: ['-w', '--udp-thread-num=16'] },
      }),
    ]);
    // The guide's command as written (docs/migrating-from-stunner.md, step 1).
    const guide = readFileSync(join(repoRoot, 'docs/migrating-from-stunner.md'), 'utf8');
    const m = /^\s*helm (install stunner-ts (?:[^\n\\]|\\\n)*)$/m.exec(guide);
    assert.ok(m, 'the guide has its helm install command');
    const args = m[1]!
      .replace(/\\\n/g, ' ')
      .trim()
      .split(/\s+/)
      .map((a) => (a === 'deploy/helm/stunner' ? CHART_DIR : a));
    helm([...args, '--kubeconfig', cp.kubeconfigPath]);
    assert.ok(await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/stunner-ts-gateway-operator-manager-role'));
    const dep = await get<{ spec: { replicas: number } }>(
      '/apis/apps/v1/namespaces/stunner-ts-system/deployments/stunner-gateway-operator',
    );
    assert.equal(dep?.spec.replicas, 0);
    const dp = await get<{ metadata: { annotations: Record<string, string> } }>(
      '/apis/stunner.l7mp.io/v1/dataplanes/default',
    );
    assert.equal(dp?.metadata.annotations['meta.helm.sh/release-name'], 'stunner', "STUNner's Dataplane stays");
    helm(['uninstall', 'stunner-ts', '--namespace', 'stunner-ts-system', '--kubeconfig', cp.kubeconfigPath]);
  });
});
