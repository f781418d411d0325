// docs/reference.md: every field of our CRDs and every annotation the operator knows is documented, and
// every example renders to what the document shows.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as api from '@stunner/api';
import { parse } from 'yaml';
import {
  REFERENCE_PATH,
  referenceExamples,
  renderExample,
  renderedFor,
  repoRoot,
  subsetMismatches,
} from '../src/index.ts';

const doc = readFileSync(REFERENCE_PATH, 'utf8');

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
};

/** `spec.a`, `spec.a.b`, `spec.list[].c`: every field down to opaque objects and maps. */
function fieldPaths(s: Schema, path: string): string[] {
  const out: string[] = [];
  for (const [name, child] of Object.entries(s.properties ?? {})) {
    const p = `${path}.${name}`;
    out.push(p);
    if (child['x-kubernetes-preserve-unknown-fields']) continue;
    if (child.type === 'array' && child.items?.properties) out.push(...fieldPaths(child.items, `${p}[]`));
    else if (child.properties) out.push(...fieldPaths(child, p));
  }
  return out;
}

test('every spec field of every served version of our CRDs is documented', () => {
  const crdDir = join(repoRoot, 'deploy/crds');
  const missing: string[] = [];
  for (const f of readdirSync(crdDir).filter((x) => x.endsWith('.yaml'))) {
    const crd = parse(readFileSync(join(crdDir, f), 'utf8')) as {
      spec: {
        names: { kind: string };
        versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
      };
    };
    for (const v of crd.spec.versions.filter((x) => x.served)) {
      const spec = v.schema.openAPIV3Schema.properties?.spec;
      assert.ok(spec, `${f} ${v.name} has a spec`);
      for (const p of fieldPaths(spec, 'spec')) {
        if (!doc.includes(`\`${p}\``)) missing.push(`${crd.spec.names.kind} ${v.name} ${p}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

test('every annotation the operator honours is documented with its default', () => {
  const annotations = Object.entries(api)
    .filter(([k, v]) => k.startsWith('ANNOTATION_') && typeof v === 'string')
    .map(([, v]) => v as string);
  assert.ok(annotations.length >= 9);
  for (const a of annotations) {
    assert.match(doc, new RegExp(`\\| \`${a.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\` \\|`), `${a} has a table row`);
  }
});

test('the examples render as documented', () => {
  const { context, examples } = referenceExamples(doc);
  assert.ok(examples.length >= 10);
  let shown = 0;
  for (const ex of examples) {
    const { result, errors, ignored } = renderExample(context, ex);
    assert.deepEqual(errors, [], `example ${ex.id} (line ${ex.line}) passes the schemas`);
    assert.deepEqual(ignored, [], `example ${ex.id}: nothing ignored`);
    assert.deepEqual(result.issues, [], `example ${ex.id}: renders without issues`);
    for (const r of ex.rendered) {
      const actual = renderedFor(context, ex, result, r.what);
      assert.ok(actual, `example ${ex.id}: a ${r.what} is rendered`);
      assert.deepEqual(subsetMismatches(r.expected, actual), [], `docs/reference.md:${r.line} (${ex.id} ${r.what})`);
      shown++;
    }
  }
  assert.ok(shown >= 12, `${shown} rendered blocks checked`);
});

test('subsetMismatches sees a wrong value, a missing field and a different list length', () => {
  assert.deepEqual(subsetMismatches({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] }, d: 3 }), []);
  assert.equal(subsetMismatches({ a: 1 }, { a: 2 }).length, 1);
  assert.equal(subsetMismatches({ a: { b: 1 } }, {}).length, 1);
  assert.equal(subsetMismatches([1], [1, 2]).length, 1);
});
