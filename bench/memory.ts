// `npm run bench -- memory [--json] [--servers=stunnerd,coturn] [--node-flags="..."] [--hold=1000]
//  [--threads=N] [--skip-relay] [--max-seconds=S]`
// Resident memory of the bundled stunnerd (`npm run build`'s dist bundle, run as `node stunnerd.mjs -c
// file://...` like the image does) beside coturn, on loopback, a fresh server per phase set:
// - idle: RSS (and its anonymous part: heap, malloc; the rest is the node binary's file pages, clean
//   and shared between processes) a few seconds after the listener is up;
// - `hold` idle allocations (one client 5-tuple each): RSS, KiB per allocation, then RSS after all were
//   released (Refresh LIFETIME 0);
// - relaying `turnutils_uclient -c -m 50 -n 5000 -l 1000 -z 1` (turn.md §4.6): peak RSS, server CPU
//   seconds and µs of CPU per relayed packet, loss.
// stunnerd runs with the Node flags its image sets (NODE_OPTIONS of the stunnerd image); --node-flags
// replaces them (--node-flags= for none), to weigh a flag's memory against its CPU. --threads=N runs
// the TURN-UDP listener on N worker threads (`stunnerd -u N`; each is a V8 isolate of its own).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bundleProgram,
  entryPath,
  imageNamed,
  LOOPBACK_LISTENER_READY,
  loopbackTurnConfig,
  programNamed,
} from '@stunner/release';
import { longTermKey } from '@stunner/stun';
import { freePort, freeUdpPortPair } from '@stunner/testing';
import { ensureSystemDeps } from '../scripts/system-deps.ts';
import { cpuTimes, ProcSampler, rssKiB, runBounded, type Spawned, spawnUntil } from './_proc.ts';
import { PASS, REALM, startPeer, startServer, USER } from './_servers.ts';
import { AllocClient, outcome } from './_turn-alloc-client.ts';
import type { BenchResult } from './run.ts';

const CREDS = { username: USER, password: PASS, realm: REALM };
const KEY = longTermKey(USER, REALM, PASS);
const RELAY_ARGS = '-c -m 50 -n 5000 -l 1000 -z 1';
const RELAY_TIMEOUT_S = 120;
const SETTLE_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function option(args: string[], name: string): string | undefined {
  const a = args.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (a === undefined) return undefined;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
}

/** Anonymous resident KiB (heap, malloc, stacks): RSS less the mapped files' pages. */
function anonKiB(pid: number): number {
  try {
    const m = /RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Median of three samples a second apart: one GC or timer tick does not make the figure. */
async function settledRss(pid: number): Promise<{ rss: number; anon: number }> {
  const rss: number[] = [];
  const anon: number[] = [];
  for (let i = 0; i < 3; i++) {
    await sleep(1000);
    rss.push(rssKiB(pid));
    anon.push(anonKiB(pid));
  }
  const mid = (v: number[]) => v.sort((a, b) => a - b)[1]!;
  return { rss: mid(rss), anon: mid(anon) };
}

interface Server {
  readonly port: number;
  readonly proc: Spawned;
}

/** The bundled stunnerd serving the loopback TURN config, health check and metrics on. */
async function startBundled(bundle: string, nodeFlags: string[], threads: number): Promise<Server> {
  const port = await freeUdpPortPair();
  const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  const config = join(dir, 'stunnerd.json');
  writeFileSync(
    config,
    loopbackTurnConfig({
      port,
      username: USER,
      password: PASS,
      realm: REALM,
      healthPort: await freePort(),
      metricsPort: await freePort(),
    }),
  );
  const proc = await spawnUntil(
    process.execPath,
    [...nodeFlags, bundle, ...(threads > 0 ? ['-u', String(threads)] : []), '-c', `file://${config}`],
    LOOPBACK_LISTENER_READY,
    15_000,
    dir,
  ).catch((err: Error) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const stop = proc.stop;
  return {
    port,
    proc: {
      ...proc,
      stop: async (graceMs) => {
        await stop(graceMs);
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

async function start(name: string, bundle: string, nodeFlags: string[], threads: number): Promise<Server> {
  if (name === 'coturn') return startServer('coturn');
  return startBundled(bundle, nodeFlags, threads);
}

/** Idle RSS, then `count` allocations held, then all released. */
async function idleAndHold(server: Server, count: number, deadline: number): Promise<BenchResult> {
  const pid = server.proc.pid;
  await sleep(SETTLE_MS);
  const idle = await settledRss(pid);
  const clients: AllocClient[] = [];
  const failures = new Map<string, number>();
  let started = 0;
  const worker = async () => {
    while (started < count && performance.now() < deadline) {
      started++;
      const c = new AllocClient(server.port, CREDS, KEY);
      await c.open();
      const a = outcome(await c.allocate());
      if (a === 'ok') clients.push(c);
      else {
        failures.set(a, (failures.get(a) ?? 0) + 1);
        c.close();
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const held = await settledRss(pid);
  let next = 0;
  const releaser = async () => {
    while (next < clients.length) {
      const c = clients[next++]!;
      await c.release();
      c.close();
    }
  };
  await Promise.all(Array.from({ length: 16 }, releaser));
  await sleep(SETTLE_MS);
  const freed = await settledRss(pid);
  return {
    idle_rss_mib: idle.rss / 1024,
    idle_anon_mib: idle.anon / 1024,
    allocations: clients.length,
    held_rss_mib: held.rss / 1024,
    kib_per_allocation: clients.length > 0 ? (held.rss - idle.rss) / clients.length : Number.NaN,
    freed_rss_mib: freed.rss / 1024,
    failures: [...failures].map(([k, v]) => `${k}×${v}`).join(', '),
  };
}

/** Peak RSS and CPU while relaying the uclient load through a fresh server. */
async function relay(server: Server, peerPort: number): Promise<BenchResult> {
  const pid = server.proc.pid;
  await sleep(1000);
  const c0 = cpuTimes(pid);
  const sampler = new ProcSampler(pid, 250);
  const common = ['-u', USER, '-w', PASS, '-e', '127.0.0.1', '-r', String(peerPort), '-p', String(server.port)];
  const uc = await runBounded(
    'turnutils_uclient',
    [...common, ...RELAY_ARGS.split(' '), '127.0.0.1'],
    RELAY_TIMEOUT_S * 1000,
  );
  sampler.stop();
  const c1 = cpuTimes(pid);
  const totals = /start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\n/.exec(uc.output);
  const sent = totals ? Number(totals[1]) : 0;
  const recv = totals ? Number(totals[2]) : 0;
  const cpu = c1.user + c1.system - c0.user - c0.system;
  return {
    relay_ok: !uc.timedOut && uc.code === 0 && sent > 0,
    relay_rss_max_mib: sampler.peakRssKiB / 1024,
    relay_cpu_s: cpu,
    // Each echoed message is relayed twice (client → peer, peer → client).
    relay_us_per_pkt: recv > 0 ? (cpu * 1e6) / (2 * recv) : Number.NaN,
    relay_loss_pct: sent > 0 ? ((sent - recv) / sent) * 100 : Number.NaN,
  };
}

const round = (x: number | string | boolean) =>
  typeof x === 'number' && Number.isFinite(x) ? Number(x.toFixed(2)) : x;

export async function run(args: string[]): Promise<BenchResult> {
  ensureSystemDeps();
  const servers = (option(args, 'servers') ?? 'stunnerd,coturn').split(',');
  const nodeFlags = (option(args, 'node-flags') ?? imageNamed('stunnerd').nodeOptions.join(' '))
    .split(' ')
    .filter((f) => f !== '');
  const holdCount = Number(option(args, 'hold') ?? 1000);
  const threads = Number(option(args, 'threads') ?? 0);
  const skipRelay = option(args, 'skip-relay') !== undefined;
  const deadline = performance.now() + Number(option(args, 'max-seconds') ?? 600) * 1000;
  for (const s of servers) {
    if (s !== 'stunnerd' && s !== 'coturn') throw new Error(`--servers: unknown server ${s}; use stunnerd, coturn`);
  }

  const out = mkdtempSync(join(tmpdir(), 'bench-memory-dist-'));
  const peer = skipRelay ? undefined : await startPeer();
  const result: BenchResult = {};
  try {
    const stunnerd = programNamed('stunnerd');
    const bundle = (await bundleProgram(entryPath(stunnerd), out, stunnerd.name)).files[0]!;
    for (const name of servers) {
      process.stderr.write(`memory: ${name}: idle, ${holdCount} allocations held, released\n`);
      const a = await start(name, bundle, nodeFlags, threads);
      try {
        for (const [k, v] of Object.entries(await idleAndHold(a, holdCount, deadline)))
          result[`${name}.${k}`] = round(v);
      } finally {
        await a.proc.stop();
      }
      if (peer === undefined) continue;
      process.stderr.write(`memory: ${name}: relaying uclient ${RELAY_ARGS}\n`);
      const b = await start(name, bundle, nodeFlags, threads);
      try {
        for (const [k, v] of Object.entries(await relay(b, peer.port))) result[`${name}.${k}`] = round(v);
      } finally {
        await b.proc.stop();
      }
    }
  } finally {
    await peer?.proc.stop();
    rmSync(out, { recursive: true, force: true });
  }
  result.node_flags = nodeFlags.join(' ');
  result.hold = holdCount;
  result.threads = threads;
  return result;
}
