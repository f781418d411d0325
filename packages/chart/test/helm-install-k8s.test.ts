// `helm install`, `helm upgrade` and `helm uninstall` of the chart against a real kube-apiserver: what a
// STUNner user runs, with helm's own CRD handling (crds/), release records and three-way merges.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ControlPlane, ensureHelm, startControlPlane } from '@stunner/testing';
import { CHART_DIR, helm, RELEASE_NAME, RELEASE_NAMESPACE } from '../src/index.ts';

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
  });

  test('uninstall removes the release objects and keeps the CRDs (helm never deletes crds/)', async () => {
    helm(['uninstall', RELEASE_NAME, ...kube()]);
    assert.equal(await get(DEPLOY), undefined);
    assert.equal(await get('/apis/stunner.l7mp.io/v1/dataplanes/default'), undefined);
    assert.equal(
      await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/stunner-gateway-operator-manager-role'),
      undefined,
    );
    assert.ok(await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/dataplanes.stunner.l7mp.io'));
  });
});
