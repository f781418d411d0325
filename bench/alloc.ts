// `npm run bench -- alloc [--json] [--quick] [--count=N] [--concurrency=16] [--hold=N]
//  [--servers=stunnerd,stunnerd-2t,coturn] [--max-seconds=S] [--profile]`
// stunnerd and coturn side by side on loopback (turn.md §4.4, §4.6):
// - cycles: `count` Allocate+Refresh(0) cycles (401 → authenticated Allocate → Refresh LIFETIME 0),
//   `concurrency` at a time, each on a fresh UDP socket (a fresh 5-tuple) from source addresses that
//   rotate over 127.0.0.2–254; then the same from one source address (127.0.0.1: clients behind one
//   NAT or one node's SNAT, which a per-source 401 limit would throttle): cycles/s, cycle latency
//   p50/p99, server CPU per cycle, outcomes other than success (437s are expected from coturn, which
//   keeps a 5-tuple's state for a while after Refresh(0) and so collides with reused client ports);
// - hold: on a fresh server, `hold` allocations held at once: RSS and fds before and after, so RSS
//   and fds per held allocation; then all released.
// Each phase is bounded by its count and by --max-seconds; requests time out after retransmissions.
// With --profile stunnerd runs the cycles under `node --cpu-prof` and the main thread's self time
// during them is printed (its CPU figures then include the profiler's overhead).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { longTermKey } from '@stunner/stun';
import { ensureSystemDeps } from '../scripts/system-deps.ts';
import { formatSummary, readProfile, summarizeProfile } from './_cpuprofile.ts';
import { cpuTimes, openFds, rssKiB } from './_proc.ts';
import { PASS, REALM, SERVER_NAMES, type ServerName, startServer, USER } from './_servers.ts';
import { AllocClient, outcome } from './_turn-alloc-client.ts';
import type { BenchResult } from './run.ts';

const CREDS = { username: USER, password: PASS, realm: REALM };
const KEY = longTermKey(USER, REALM, PASS);
/** The one client address of the single-source row. */
const SINGLE_SOURCE = '127.0.0.1';

function option(args: string[], name: string): string | undefined {
  const a = args.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (a === undefined) return undefined;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CycleFigures {
  cycles: number;
  ok: number;
  cycles_per_s: number;
  p50_ms: number;
  p99_ms: number;
  cpu_s: number;
  us_cpu_per_cycle: number;
  failures: string;
}

/**
 * Runs `count` Allocate+Refresh(0) cycles, `concurrency` workers, until done or `deadline`; from one
 * source address when `source` is given.
 */
async function cycles(
  port: number,
  pid: number,
  count: number,
  concurrency: number,
  deadline: number,
  source?: string,
) {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const fail = (what: string) => failures.set(what, (failures.get(what) ?? 0) + 1);
  let started = 0;
  const c0 = cpuTimes(pid);
  const t0 = performance.now();
  const worker = async () => {
    while (started < count && performance.now() < deadline) {
      started++;
      const c = new AllocClient(port, CREDS, KEY, source);
      await c.open();
      const t = performance.now();
      try {
        const a = outcome(await c.allocate());
        if (a !== 'ok') {
          fail(`allocate ${a}`);
          continue;
        }
        const r = outcome(await c.release());
        if (r !== 'ok') {
          fail(`refresh ${r}`);
          continue;
        }
        latencies.push(performance.now() - t);
      } finally {
        c.close();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const c1 = cpuTimes(pid);
  const cpu = c1.user + c1.system - c0.user - c0.system;
  latencies.sort((a, b) => a - b);
  const figures: CycleFigures = {
    cycles: started,
    ok: latencies.length,
    cycles_per_s: latencies.length / seconds,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    cpu_s: cpu,
    us_cpu_per_cycle: latencies.length > 0 ? (cpu * 1e6) / latencies.length : Number.NaN,
    failures: [...failures].map(([k, v]) => `${k}×${v}`).join(', '),
  };
  return figures;
}

interface HoldFigures {
  held: number;
  rss_before_mib: number;
  rss_held_mib: number;
  rss_after_release_mib: number;
  kib_per_allocation: number;
  fds_per_allocation: number;
  failures: string;
}

/** Holds `hold` allocations at once (`concurrency` being set up at a time), measures, releases them. */
async function hold(port: number, pid: number, count: number, concurrency: number, deadline: number) {
  await sleep(1000);
  const rss0 = rssKiB(pid);
  const fds0 = openFds(pid);
  const clients: AllocClient[] = [];
  const failures = new Map<string, number>();
  let started = 0;
  const worker = async () => {
    while (started < count && performance.now() < deadline) {
      started++;
      const c = new AllocClient(port, CREDS, KEY);
      await c.open();
      const a = outcome(await c.allocate());
      if (a === 'ok') clients.push(c);
      else {
        failures.set(a, (failures.get(a) ?? 0) + 1);
        c.close();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await sleep(1000);
  const rss1 = rssKiB(pid);
  const fds1 = openFds(pid);
  const held = clients.length;
  let next = 0;
  const releaser = async () => {
    while (next < clients.length) {
      const c = clients[next++]!;
      await c.release();
      c.close();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, releaser));
  await sleep(1000);
  const rss2 = rssKiB(pid);
  const figures: HoldFigures = {
    held,
    rss_before_mib: rss0 / 1024,
    rss_held_mib: rss1 / 1024,
    rss_after_release_mib: rss2 / 1024,
    kib_per_allocation: held > 0 ? (rss1 - rss0) / held : Number.NaN,
    fds_per_allocation: held > 0 ? (fds1 - fds0) / held : Number.NaN,
    failures: [...failures].map(([k, v]) => `allocate ${k}×${v}`).join(', '),
  };
  return figures;
}

export async function run(args: string[]): Promise<BenchResult> {
  // coturn (turnserver, turnutils_*) on a fresh machine, as `npm test` does.
  ensureSystemDeps();
  const quick = option(args, 'quick') !== undefined;
  const profile = option(args, 'profile') !== undefined;
  const count = Number(option(args, 'count') ?? (quick ? 600 : 3000));
  const concurrency = Number(option(args, 'concurrency') ?? 16);
  const holdCount = Number(option(args, 'hold') ?? (quick ? 300 : 900));
  const servers = (option(args, 'servers') ?? 'stunnerd,coturn').split(',') as ServerName[];
  const maxSeconds = Number(option(args, 'max-seconds') ?? (quick ? 120 : 600));
  for (const s of servers) {
    if (!SERVER_NAMES.includes(s)) throw new Error(`--servers: unknown server ${s}; use ${SERVER_NAMES.join(', ')}`);
  }
  const deadline = performance.now() + maxSeconds * 1000;
  const result: BenchResult = {};
  const rows: string[][] = [];
  for (const name of servers) {
    process.stderr.write(`alloc: ${name}: ${count} cycles at concurrency ${concurrency}\n`);
    let server = await startServer(name, { profile });
    let c: CycleFigures;
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    try {
      c = await cycles(server.port, server.proc.pid, count, concurrency, deadline);
    } finally {
      await server.proc.stop();
    }
    process.stderr.write(`alloc: ${name}: ${count} cycles at concurrency ${concurrency} from one source address\n`);
    server = await startServer(name);
    let one: CycleFigures;
    try {
      one = await cycles(server.port, server.proc.pid, count, concurrency, deadline, SINGLE_SOURCE);
    } finally {
      await server.proc.stop();
    }
    const toUs = Number(process.hrtime.bigint() / 1000n);
    const profileFile = server.profileDir
      ? readdirSync(server.profileDir).find((f) => f.endsWith('.cpuprofile'))
      : undefined;
    if (server.profileDir !== undefined && profileFile !== undefined) {
      const file = join(server.profileDir, profileFile);
      const summary = summarizeProfile(readProfile(file), 30, { fromUs, toUs });
      process.stdout.write(`\nstunnerd profile during the Allocate+Refresh(0) cycles (${file}):\n`);
      process.stdout.write(`${formatSummary(summary)}\n`);
    }
    process.stderr.write(`alloc: ${name}: holding ${holdCount} allocations on a fresh server\n`);
    server = await startServer(name);
    let h: HoldFigures;
    try {
      h = await hold(server.port, server.proc.pid, holdCount, concurrency, deadline);
    } finally {
      await server.proc.stop();
    }
    for (const [k, v] of Object.entries(c)) result[`cycles.${name}.${k}`] = typeof v === 'number' ? round(v, 3) : v;
    for (const [k, v] of Object.entries(one)) {
      result[`cycles_one_source.${name}.${k}`] = typeof v === 'number' ? round(v, 3) : v;
    }
    for (const [k, v] of Object.entries(h)) result[`hold.${name}.${k}`] = typeof v === 'number' ? round(v, 3) : v;
    rows.push([
      name,
      `${c.ok}/${c.cycles}`,
      String(round(c.cycles_per_s, 0)),
      `${round(c.p50_ms)} / ${round(c.p99_ms)}`,
      String(round(c.us_cpu_per_cycle, 0)),
      String(h.held),
      `${round(h.rss_before_mib, 1)} → ${round(h.rss_held_mib, 1)} → ${round(h.rss_after_release_mib, 1)}`,
      String(round(h.kib_per_allocation, 1)),
      String(round(h.fds_per_allocation, 2)),
      [c.failures, h.failures].filter((x) => x !== '').join('; '),
    ]);
    rows.push([
      `${name} (1 source)`,
      `${one.ok}/${one.cycles}`,
      String(round(one.cycles_per_s, 0)),
      `${round(one.p50_ms)} / ${round(one.p99_ms)}`,
      String(round(one.us_cpu_per_cycle, 0)),
      '',
      '',
      '',
      '',
      one.failures,
    ]);
  }
  const ours = result['cycles.stunnerd.cycles_per_s'];
  const theirs = result['cycles.coturn.cycles_per_s'];
  if (typeof ours === 'number' && typeof theirs === 'number') result['cycles.ratio_per_s'] = round(ours / theirs, 2);
  const oursOne = result['cycles_one_source.stunnerd.cycles_per_s'];
  const theirsOne = result['cycles_one_source.coturn.cycles_per_s'];
  if (typeof oursOne === 'number' && typeof theirsOne === 'number') {
    result['cycles_one_source.ratio_per_s'] = round(oursOne / theirsOne, 2);
  }
  const oursKiB = result['hold.stunnerd.kib_per_allocation'];
  const theirsKiB = result['hold.coturn.kib_per_allocation'];
  if (typeof oursKiB === 'number' && typeof theirsKiB === 'number') {
    result['hold.ratio_kib_per_allocation'] = round(oursKiB / theirsKiB, 2);
  }

  const header = [
    'server',
    'cycles ok',
    'cycles/s',
    'p50 / p99 ms',
    'µs CPU/cycle',
    'held',
    'RSS MiB before → held → released',
    'KiB/alloc',
    'fds/alloc',
    'failures',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((x, i) => x.padEnd(widths[i]!)).join(' | ');
  process.stdout.write(
    `\nalloc: loopback, Allocate+Refresh(0) cycles at concurrency ${concurrency} (fresh socket each; sources rotating, then one source), then ${holdCount} held\n`,
  );
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write('\n');
  result.concurrency = concurrency;
  result.count = count;
  result.hold = holdCount;
  return result;
}
