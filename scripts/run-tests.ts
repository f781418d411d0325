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
if (r.status !== 0) process.exit(r.status ?? 1);

// stunnerd's TURN-UDP suites once more on the other UDP I/O path (--io: batch by default, dgram the
// portable one), so both stay correct; bounded like any CI step.
const UDP_SUITES =
  /^packages\/stunnerd\/test\/(udp-turn-listener|worker-udp-listener|main-udp-threads|stunnerd|main)\.test\.ts$/;
const udpFiles = files.filter((f) => UDP_SUITES.test(f));
if (udpFiles.length > 0) {
  const other = process.env.STUNNERD_IO === 'dgram' ? 'batch' : 'dgram';
  process.stdout.write(`\nstunnerd TURN-UDP suites again with STUNNERD_IO=${other}\n`);
  const again = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...udpFiles], {
    stdio: 'inherit',
    env: { ...process.env, STUNNERD_IO: other },
    timeout: 10 * 60_000,
  });
  process.exit(again.status ?? 1);
}
process.exit(0);
