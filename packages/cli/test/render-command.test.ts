import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { renderCommand } from '../src/index.ts';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy/examples');

function run(args: string[], stdin = ''): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = renderCommand(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), stdin: () => stdin });
  return { code, out, err };
}

test('render -f <file> prints configs, managed objects and statuses as YAML', () => {
  const r = run([
    '-f',
    join(examples, 'quickstart.yaml'),
    '--now',
    '2026-01-01T00:00:00Z',
    '--config-origin',
    'http://1.2.3.4:13478',
  ]);
  assert.equal(r.err, '');
  assert.equal(r.code, 0);
  const doc = parse(r.out);
  assert.equal(doc.configs[0].admin.name, 'stunner/udp-gateway');
  assert.equal(doc.services[0].metadata.name, 'udp-gateway');
  assert.equal(doc.deployments[0].spec.template.spec.containers[0].env[4].value, 'http://1.2.3.4:13478');
  assert.ok(doc.statuses.some((s: { kind: string }) => s.kind === 'GatewayClass'));
  assert.equal(doc.configMaps, undefined);
});

test('render -f <dir> -o json --dataplane-mode legacy reads every manifest of the directory', () => {
  const r = run(['-f', examples, '-o', 'json', '--dataplane-mode', 'legacy']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out);
  assert.equal(doc.configMaps.length, 1);
  assert.equal(doc.deployments.length, 0);
  assert.equal(JSON.parse(doc.configMaps[0].data['stunnerd.conf']).admin.name, 'stunner-daemon');
});

test('--no-endpoint-discovery renders STRICT_DNS clusters', () => {
  const r = run(['-f', join(examples, 'quickstart.yaml'), '-o', 'json', '--no-endpoint-discovery']);
  assert.equal(JSON.parse(r.out).configs[0].clusters[0].type, 'STRICT_DNS');
});

test('manifest errors name the object and the field, and exit 1', () => {
  const bad = `
apiVersion: stunner.l7mp.io/v1
kind: GatewayConfig
metadata: { name: broken, namespace: stunner }
spec: { realm: "Not A Realm" }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: stunner }
spec: { gatewayClassName: c, listeners: [{ name: l, protocol: TURN-UDP }] }
`;
  const r = run(['-f', '-'], bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /GatewayConfig stunner\/broken spec\.realm/);
  assert.match(r.err, /Gateway stunner\/gw spec\.listeners\.0\.port/);
});

test('usage errors exit 2', () => {
  assert.equal(run([]).code, 2);
  assert.equal(run(['-f', 'x', '-o', 'xml']).code, 2);
  assert.equal(run(['-f', 'x', '--dataplane-mode', 'daemonset']).code, 2);
});

test('YAML syntax errors are reported with the file and document', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stunnerctl-'));
  writeFileSync(join(dir, 'bad.yaml'), 'kind: [unclosed\n');
  const r = run(['-f', dir]);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.yaml#1/);
});
