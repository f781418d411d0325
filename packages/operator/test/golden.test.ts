// Table-driven golden tests: fixtures/golden/<case>/input.yaml (+ options.json) → expected.yaml.
// After an intended change, regenerate with `UPDATE_GOLDEN=1 npm test -- packages/operator` and review the diff.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseClusterEndpoint, stunnerConfigSchema } from '@stunner/api';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { type RenderOptions, render, snapshotFromManifests } from '../src/index.ts';
import { testOptions } from './render-helpers.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/golden');
const update = process.env.UPDATE_GOLDEN === '1';

for (const name of readdirSync(dir).sort()) {
  test(`golden: ${name}`, () => {
    const caseDir = join(dir, name);
    const input = readFileSync(join(caseDir, 'input.yaml'), 'utf8');
    const optsFile = join(caseDir, 'options.json');
    const over = existsSync(optsFile) ? (JSON.parse(readFileSync(optsFile, 'utf8')) as Partial<RenderOptions>) : {};
    const load = snapshotFromManifests(
      parseAllDocuments(input).map((d, i) => ({ doc: d.toJS(), where: `input.yaml#${i + 1}` })),
    );
    assert.deepEqual(load.errors, []);
    const r = render(load.snapshot, testOptions(over));
    const got = {
      configs: r.configs,
      services: r.services,
      deployments: r.deployments,
      configMaps: r.configMaps,
      statuses: r.statuses,
      issues: r.issues,
    };
    // What the operator serves must be what stunnerd accepts, already normalised.
    for (const c of r.configs) {
      assert.deepEqual(stunnerConfigSchema.parse(c), c);
      for (const cl of c.clusters.filter((x) => x.type === 'STATIC')) {
        for (const ep of cl.endpoints) assert.equal(typeof parseClusterEndpoint(ep), 'object', `${cl.name}: ${ep}`);
      }
    }
    const expectedFile = join(caseDir, 'expected.yaml');
    if (update) writeFileSync(expectedFile, stringify(got, { lineWidth: 0, aliasDuplicateObjects: false }));
    assert.deepEqual(JSON.parse(JSON.stringify(got)), parse(readFileSync(expectedFile, 'utf8')));
  });
}
