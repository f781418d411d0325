// The chart ships the STUNner CRDs in crds/ (helm installs them before the templates): the same files as
// deploy/crds, which packages/api generates from the schemas.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHART_DIR } from '../src/helm.ts';
import { repoRoot } from '../src/repo-root.ts';

test('deploy/helm/stunner/crds holds exactly deploy/crds (copy them after `npm run gen:crds`)', () => {
  const src = join(repoRoot, 'deploy/crds');
  const dst = join(CHART_DIR, 'crds');
  const yaml = (dir: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
  assert.deepEqual(yaml(dst), yaml(src));
  for (const f of yaml(src)) {
    assert.equal(readFileSync(join(dst, f), 'utf8'), readFileSync(join(src, f), 'utf8'), `${f} differs`);
  }
});
