// The stunnerd side of the side-by-side benchmarks, as a child process of its own (so /proc and
// `--cpu-prof` see only the server): the stunnerd program itself (packages/stunnerd/src/main.ts, run
// in this process with its command line) on a config file with one TURN-UDP listener, static auth and
// a STATIC cluster whose endpoint names 127.0.0.1/32, which opens loopback for the benchmark's echo
// peer (stunner-v1.md §1.10). `threads` is passed as `--udp-thread-num`: above 1 the listener is
// served by that many worker threads; `io` (dgram|batch) is passed as `--io`, else stunnerd's default.
//
// usage: node bench/_stunnerd-server.ts <port> <user> <password> <realm> [threads] [io]
// Prints "stunnerd-bench ready udp <port>" once bound; exits 0 on SIGTERM/SIGINT (which also lets
// `node --cpu-prof` write its profile).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ioLoop } from '@stunner/fastio';

const [portText = '0', username = 'bench', password = 'benchpass', realm = 'bench.local', threads = '0', io] =
  process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'bench-stunnerd-config-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, 'stunnerd.json');
writeFileSync(
  configPath,
  JSON.stringify({
    version: 'v1',
    admin: { name: 'bench/stunnerd', healthcheck_endpoint: '' },
    auth: { type: 'static', realm, credentials: { username, password } },
    listeners: [
      { name: 'bench/udp', protocol: 'TURN-UDP', address: '127.0.0.1', port: Number(portText), routes: ['bench/peer'] },
    ],
    clusters: [{ name: 'bench/peer', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
  }),
);

// uclient leaves allocations behind, so stunnerd's graceful drain on the first signal (§1.14) would
// outlast the bench's stop; the signal is raised once more, which stunnerd takes as "close now".
// The batched path on the main thread first reports its loop's counters (native calls per datagram).
const mainLoop = io === 'batch' && Number(threads) <= 1 ? ioLoop() : undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    if (mainLoop) {
      const { loopStats, stats } = mainLoop;
      process.stdout.write(`stunnerd-bench io ${JSON.stringify({ ...loopStats, sendCalls: stats.calls })}\n`);
    }
    process.kill(process.pid, signal);
  });

process.argv.splice(
  2,
  process.argv.length,
  '-l',
  'all:ERROR',
  `--udp-thread-num=${threads}`,
  ...(io ? [`--io=${io}`] : []),
  '-c',
  `file://${configPath}`,
);
// main.ts applies the config before its module evaluation ends (it exits non-zero when it cannot).
await import(new URL('../packages/stunnerd/src/main.ts', import.meta.url).href);
process.stdout.write(`stunnerd-bench ready udp ${portText}\n`);
