import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { generateCrdFiles, toStructural } from '../src/index.ts';

const crdDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy/crds');

test('deploy/crds matches what the schemas generate (run `npm run gen:crds` after a schema change)', () => {
  const generated = generateCrdFiles();
  const onDisk = readdirSync(crdDir).filter((f) => f.endsWith('.yaml'));
  assert.deepEqual(onDisk.sort(), [...generated.keys()].sort());
  for (const [name, text] of generated) {
    assert.equal(readFileSync(join(crdDir, name), 'utf8'), text, `${name} is stale`);
  }
});

type Node = Record<string, unknown>;

function walk(node: Node, path: string, visit: (n: Node, p: string) => void): void {
  visit(node, path);
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties') for (const [n, c] of Object.entries(v as Node)) walk(c as Node, `${path}.${n}`, visit);
    if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) walk(v as Node, `${path}[]`, visit);
  }
}

test('every generated schema is structural: typed nodes, no additionalProperties beside properties, no 2^53 bounds', () => {
  for (const [name, text] of generateCrdFiles()) {
    const crd = parse(text) as Node;
    const versions = (crd.spec as Node).versions as Node[];
    for (const v of versions) {
      const root = ((v.schema as Node).openAPIV3Schema as Node) ?? {};
      walk(root, `${name}:${v.name}`, (n, p) => {
        assert.ok(typeof n.type === 'string', `${p} has a type`);
        assert.ok(!(n.properties && n.additionalProperties), `${p} mixes properties and additionalProperties`);
        assert.ok(n.minimum !== Number.MIN_SAFE_INTEGER && n.maximum !== Number.MAX_SAFE_INTEGER, `${p} bounds`);
        for (const k of ['anyOf', 'oneOf', '$ref', '$schema']) assert.ok(!(k in n), `${p} has ${k}`);
      });
    }
  }
});

test('CRDs carry the STUNner names, short names, scope, served versions and the UDPRoute status subresource', () => {
  const files = generateCrdFiles();
  const crd = (f: string) => parse(files.get(f)!) as { spec: Node & { names: Node; versions: Node[] } };
  const gwconf = crd('stunner.l7mp.io_gatewayconfigs.yaml');
  assert.deepEqual(gwconf.spec.names.shortNames, ['gwconf']);
  assert.deepEqual(
    gwconf.spec.versions.map((v) => [v.name, v.served, v.storage]),
    [
      ['v1', true, true],
      ['v1alpha1', true, false],
    ],
  );
  const dp = crd('stunner.l7mp.io_dataplanes.yaml');
  assert.equal(dp.spec.scope, 'Cluster');
  assert.deepEqual(dp.spec.names.shortNames, ['dps']);
  const ssvc = crd('stunner.l7mp.io_staticservices.yaml');
  assert.deepEqual(ssvc.spec.names.shortNames, ['ssvc']);
  assert.deepEqual(
    ssvc.spec.versions.map((v) => v.name),
    ['v1', 'v1alpha1'],
  );
  const route = crd('stunner.l7mp.io_udproutes.yaml');
  assert.deepEqual(route.spec.versions[0]!.subresources, { status: {} });
  assert.ok((route.spec.versions[0]!.additionalPrinterColumns as Node[]).some((c) => c.name === 'Age'));
});

test('GatewayConfig defaults and realm pattern reach the CRD', () => {
  const crd = parse(generateCrdFiles().get('stunner.l7mp.io_gatewayconfigs.yaml')!) as Node;
  const v1 = ((crd.spec as Node).versions as Node[])[0]!;
  const spec = (((v1.schema as Node).openAPIV3Schema as Node).properties as Node).spec as Node;
  const props = spec.properties as Record<string, Node>;
  assert.equal(props.realm!.default, 'stunner.l7mp.io');
  assert.equal(props.realm!.pattern, '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$');
  assert.equal(props.authType!.default, 'plaintext');
  assert.equal(props.dataplane!.default, 'default');
  assert.equal(props.userQuota!.format, 'int32');
});

test('toStructural turns an opaque object into x-kubernetes-preserve-unknown-fields', () => {
  assert.deepEqual(
    toStructural({
      type: 'object',
      properties: {},
      additionalProperties: {},
      'x-kubernetes-preserve-unknown-fields': true,
    }),
    { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  );
  assert.deepEqual(
    toStructural({ type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
    {
      type: 'integer',
      format: 'int64',
    },
  );
});
