// Every object `helm template` renders, for the defaults and the main value combinations, applied with
// server-side apply to a real kube-apiserver: the apiserver validates each against its built-in schemas,
// our CRDs, the Gateway API CRDs and (for the monitors) the Prometheus operator's CRDs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type ControlPlane,
  ensureHelm,
  goModuleDir,
  installCrds,
  readCrdFile,
  startControlPlane,
} from '@stunner/testing';
import {
  COMBINATIONS,
  helmTemplate,
  KubeApplier,
  type KubeManifest,
  MANIFESTS_DIR,
  parseManifests,
  RELEASE_NAMESPACE,
} from '../src/index.ts';

// helm, built once from the Go module proxy, is a peer of this test.
ensureHelm();

// The Prometheus operator's CRDs, from its Go module like the Gateway API's (never copied here).
const PROMETHEUS_OPERATOR = 'github.com/prometheus-operator/prometheus-operator';
const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0';

function monitoringCrds(): Record<string, unknown>[] {
  const dir = join(goModuleDir(PROMETHEUS_OPERATOR, PROMETHEUS_OPERATOR_VERSION), 'example/prometheus-operator-crd');
  return ['podmonitors', 'servicemonitors'].flatMap((p) => readCrdFile(join(dir, `monitoring.coreos.com_${p}.yaml`)));
}

let cp: ControlPlane;
let kube: KubeApplier;

before(async () => {
  cp = await startControlPlane();
  await installCrds(cp.request, monitoringCrds());
  kube = new KubeApplier(cp.request);
  await kube.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: RELEASE_NAMESPACE } }]);
});
after(() => cp?.stop());

describe('helm template output applies to a real kube-apiserver', () => {
  for (const c of COMBINATIONS) {
    test(c.name, async () => {
      const objs = helmTemplate({ values: c.values });
      await kube.apply(objs);
      // Read back: what the apiserver stored is what was rendered (no field pruned as unknown).
      for (const o of objs) {
        const got = await cp.request<KubeManifest & { spec?: unknown }>('GET', await kube.path(o));
        assert.equal(got.metadata.name, o.metadata.name);
        if (o.kind === 'Dataplane') {
          for (const [k, v] of Object.entries(o.spec as object)) {
            assert.deepEqual((got.spec as Record<string, unknown>)[k], v, `Dataplane spec.${k} kept`);
          }
        }
      }
    });
  }

  test('deploy/manifests applies in the documented order: CRDs, the operator, the udp-greeter', async () => {
    for (const f of ['stunner-crds.yaml', 'stunner.yaml', 'udp-greeter.yaml']) {
      const objs = parseManifests(readFileSync(join(MANIFESTS_DIR, f), 'utf8'));
      assert.ok(objs.length > 0, f);
      await kube.apply(objs, 'kubectl');
    }
    const svc = await cp.request<{ spec: { clusterIP: string } }>(
      'GET',
      '/api/v1/namespaces/default/services/media-plane',
    );
    assert.match(svc.spec.clusterIP, /^10\.96\./);
  });

  test('the apiserver refuses what its schemas refuse (the apply path does validate)', async () => {
    const [dp] = helmTemplate().filter((o) => o.kind === 'Dataplane');
    const bad = { ...dp!, spec: { ...(dp!.spec as object), terminationGracePeriodSeconds: -1 } } as KubeManifest;
    await assert.rejects(kube.apply([bad]), /terminationGracePeriodSeconds/);
  });
});
