// `npm test`: every test suite of every package, through node:test.
// Arguments narrow the run to test files under the given paths (e.g. `npm test -- packages/stun`).
// Options choose files by the external peers they need (scripts/test-peers.ts):
//   --unit          only files that need none (`npm run test:unit`): no system packages, no builds
//   --peer=<name>   only files that need that peer, e.g. --peer=kube-apiserver (`npm run test:k8s`)
//   --list          print each chosen file with its peers instead of running them
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { EXTERNAL_PEERS } from '../packages/testing/src/peers.ts';
import { ensureSystemDeps } from './system-deps.ts';
import { harnessPeers, peersOfTest } from './test-peers.ts';

const { values, positionals: roots } = parseArgs({
  allowPositionals: true,
  options: { unit: { type: 'boolean' }, peer: { type: 'string', multiple: true }, list: { type: 'boolean' } },
});
const known = EXTERNAL_PEERS.map((p) => p.name);
for (const p of values.peer ?? []) {
  if (!known.includes(p)) {
    process.stderr.write(`run-tests: unknown peer "${p}"; known peers: ${known.join(', ')}\n`);
    process.exit(2);
  }
}

const harness = harnessPeers();
// A root names a folder or a file, with or without its extension: `packages/cli` is not `packages/client`.
const under = (file: string, root: string): boolean => {
  const r = root.replace(/^\.\//, '').replace(/\/$/, '');
  return file === r || (file.startsWith(r) && ['/', '.'].includes(file[r.length] as string));
};
const files = globSync('packages/*/test/**/*.test.ts')
  .filter((f) => roots.length === 0 || roots.some((r) => under(f, r)))
  .sort()
  .map((f) => ({ file: f, peers: [...peersOfTest(f, harness)].sort() }))
  .filter(({ peers }) => !values.unit || peers.length === 0)
  .filter(({ peers }) => !values.peer || values.peer.some((p) => peers.includes(p)));
if (files.length === 0) {
  process.stderr.write(`no test files under ${roots.join(' ') || 'packages'} match\n`);
  process.exit(1);
}
if (values.list) {
  for (const { file, peers } of files) process.stdout.write(`${file}\t${peers.join(',') || 'unit'}\n`);
  process.exit(0);
}
if (files.some(({ peers }) => peers.length > 0)) ensureSystemDeps();
// Unit test files spend most of their time loading modules and waiting on loopback sockets, so two per
// core overlap well; files with peers keep node:test's default (cores - 1), each peer being heavy.
const concurrency = values.unit ? [`--test-concurrency=${availableParallelism() * 2}`] : [];
// A file whose tests have all ended exits even if a failed test left a socket or server open: without
// it such a file hangs the whole run until CI's time limit (its failure is reported either way).
const TEST_FLAGS = ['--test', '--test-reporter=spec', '--test-force-exit'];
const r = spawnSync(process.execPath, [...TEST_FLAGS, ...concurrency, ...files.map(({ file }) => file)], {
  stdio: 'inherit',
});
if (r.status !== 0) process.exit(r.status ?? 1);

// stunnerd's TURN-UDP suites once more on the other UDP I/O path (--io: batch by default, dgram the
// portable one), so both stay correct; bounded like any CI step. `npm test` does it; the quick unit
// run covers the default path only, to stay within its minute.
const UDP_SUITES =
  /^packages\/stunnerd\/test\/(udp-turn-listener|worker-udp-listener|main-udp-threads|stunnerd|main)\.test\.ts$/;
const udpFiles = files.map(({ file }) => file).filter((f) => UDP_SUITES.test(f));
if (udpFiles.length > 0 && !values.unit) {
  const other = process.env.STUNNERD_IO === 'dgram' ? 'batch' : 'dgram';
  process.stdout.write(`\nstunnerd TURN-UDP suites again with STUNNERD_IO=${other}\n`);
  const again = spawnSync(process.execPath, [...TEST_FLAGS, ...udpFiles], {
    stdio: 'inherit',
    env: { ...process.env, STUNNERD_IO: other },
    timeout: 10 * 60_000,
  });
  process.exit(again.status ?? 1);
}
process.exit(0);
