// deploy/manifests/ is the chart rendered with default values: regenerated here and compared, like the CRD
// drift test of packages/api.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureHelm } from '@stunner/testing';
import { parseAllDocuments } from 'yaml';
import { generatedManifests, helmTemplate, MANIFEST_VALUES, MANIFESTS_DIR } from '../src/index.ts';

// helm, built once from the Go module proxy, is a peer of this test.
ensureHelm();

test('deploy/manifests matches the chart (run `npm run gen:manifests` after a chart or CRD change)', () => {
  const generated = generatedManifests();
  const onDisk = readdirSync(MANIFESTS_DIR).filter((f) => f.endsWith('.yaml'));
  assert.deepEqual(onDisk.sort(), [...generated.keys(), 'udp-greeter.yaml'].sort());
  for (const [name, text] of generated) {
    assert.equal(readFileSync(join(MANIFESTS_DIR, name), 'utf8'), text, `${name} is stale`);
  }
});

test('stunner.yaml holds the chart rendering (defaults, the CDS token Secret named) after its Namespace', () => {
  const docs = parseAllDocuments(readFileSync(join(MANIFESTS_DIR, 'stunner.yaml'), 'utf8'))
    .map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null)
    .filter((d) => d !== null);
  assert.deepEqual(
    docs.map((d) => `${d.kind}/${d.metadata.name}`),
    [
      'Namespace/stunner-system',
      ...helmTemplate({ values: MANIFEST_VALUES }).map((o) => `${o.kind}/${o.metadata.name}`),
    ],
  );
});

test('the udp-greeter Deployment serves the port the media-plane Service and the quickstart route name', () => {
  const docs = parseAllDocuments(readFileSync(join(MANIFESTS_DIR, 'udp-greeter.yaml'), 'utf8')).map(
    (d) => d.toJS() as Record<string, never>,
  );
  type Dep = {
    kind: 'Deployment';
    spec: {
      template: {
        metadata: { labels: Record<string, string> };
        spec: { containers: { args: string[]; ports: { name: string; containerPort: number; protocol: string }[] }[] };
      };
    };
  };
  type Svc = {
    kind: 'Service';
    metadata: { name: string; namespace: string };
    spec: { selector: Record<string, string>; ports: { port: number; targetPort: string; protocol: string }[] };
  };
  const dep = docs.find((d) => d.kind === 'Deployment') as unknown as Dep;
  const svc = docs.find((d) => d.kind === 'Service') as unknown as Svc;
  assert.deepEqual([svc.metadata.namespace, svc.metadata.name], ['default', 'media-plane']);
  assert.ok(Object.entries(svc.spec.selector).every(([k, v]) => dep.spec.template.metadata.labels[k] === v));
  const c = dep.spec.template.spec.containers[0]!;
  const port = c.ports.find((p) => p.name === svc.spec.ports[0]!.targetPort)!;
  assert.deepEqual([port.containerPort, port.protocol], [9001, 'UDP']);
  assert.deepEqual([svc.spec.ports[0]!.port, svc.spec.ports[0]!.protocol], [9001, 'UDP']);
  assert.ok(c.args.includes('--port=9001'), 'the greeter listens where the container port says');
});
