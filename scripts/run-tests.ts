// `npm test`: every test suite of every package, through node:test.
// Arguments narrow the run to test files under the given paths (e.g. `npm test -- packages/stun`).
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { ensureSystemDeps } from './system-deps.ts';

ensureSystemDeps();

const roots = process.argv.slice(2);
const files = globSync('packages/*/test/**/*.test.ts')
  .filter((f) => roots.length === 0 || roots.some((r) => f.startsWith(r.replace(/^\.\//, ''))))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no test files under ${roots.join(' ')}\n`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
