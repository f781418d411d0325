// `stunnerctl render` kept its own flags (its -o is yaml|json) beside the new global ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stunnerctl } from './stunnerctl-harness.ts';

const QUICKSTART = fileURLToPath(new URL('../../../deploy/examples/quickstart.yaml', import.meta.url));

describe('stunnerctl render as a process', () => {
  it('render -f <quickstart> -o json: the operator dry run, through the same program', async () => {
    const r = await stunnerctl(['render', '-f', QUICKSTART, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { configs: { admin: { name: string } }[] };
    assert.deepEqual(
      out.configs.map((c) => c.admin.name),
      ['stunner/udp-gateway'],
    );
    const usage = await stunnerctl(['render']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /-f is required/);
  });
});
