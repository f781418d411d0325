// `npm run bench -- relay [--json] [--quick] [--repeat=N] [--servers=stunnerd-batch,coturn] [--rows=0,2]
//  [--profile] [--perf] [--max-seconds=S] [--args="<uclient args>"] [--warmup[="<uclient args>"]]`
// stunnerd and coturn side by side on loopback (turn.md §4.6): the same turnutils_uclient matrix
// against each, a fresh server per run (uclient leaks a probe allocation per client), one shared
// turnutils_peer. Per run: loss, RTT, server CPU seconds (user + system, all threads, from /proc),
// µs of server CPU per relayed packet (= CPU / (2 × received): each echoed message is relayed twice),
// peak CPU, peak RSS, receive-buffer drops on the server's and the peer's sockets, the ratio
// stunnerd/coturn, and for stunnerd-batch the koffi calls per datagram and datagrams per wake-up. stunnerd runs as stunnerd-dgram (--io dgram), stunnerd-batch (--io batch) and
// stunnerd-batch-2t (--io batch --udp-thread-num=2) by default. With --profile stunnerd runs under `node --cpu-prof` and each of its runs prints
// where the main thread's time went (CPU figures then include the profiler's overhead).
// With --perf (Linux `perf` installed) each server is sampled on-CPU, kernel included, during the load:
// shares per binary and the top symbols, the same way for both servers.
// With --warmup every server (coturn too) is also measured warm: a fresh server is first given the same
// short uclient load (default WARMUP_ARGS), unmeasured, and then the row. The cold figure (a fresh
// server's first load) is still measured and printed beside it (`<server>+warm` rows and keys).
// Every run is bounded (uclient killed at its timeout) and the whole benchmark stops at --max-seconds.
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureSystemDeps } from '../scripts/system-deps.ts';
import { formatSummary, type ProfileWindow, readProfile, summarizeProfile } from './_cpuprofile.ts';
import { formatPerf, perfAvailable, startPerf, summarizePerf } from './_perf.ts';
import { cpuTimes, dropsGrown, ProcSampler, rcvbufErrors, runBounded, udpDropsOfPid } from './_proc.ts';
import { PASS, SERVER_NAMES, type ServerName, startPeer, startServer, USER } from './_servers.ts';
import type { BenchResult } from './run.ts';

interface Row {
  /** uclient flags between the common ones and the server address. */
  readonly args: string;
  /** uclient is killed after this long. */
  readonly timeoutS: number;
}

/** turn.md §4.6 / issue 3: the matrix. */
const FULL: Row[] = [
  { args: '-c -m 10 -n 5000 -l 1000 -z 1', timeoutS: 90 },
  { args: '-c -m 50 -n 5000 -l 1000 -z 1', timeoutS: 120 },
  { args: '-c -m 75 -n 5000 -l 1000 -z 1', timeoutS: 150 },
  // 300 audio-like streams at 50 pps; uclient's connect phase alone is ~0.1 s per client.
  { args: '-c -m 300 -n 500 -l 172', timeoutS: 180 },
];

/** A short matrix of the same shapes (about a minute for both servers). */
const QUICK: Row[] = [
  { args: '-c -m 10 -n 1000 -l 1000 -z 1', timeoutS: 60 },
  { args: '-c -m 50 -n 1000 -l 1000 -z 1', timeoutS: 60 },
  { args: '-c -m 30 -n 200 -l 172', timeoutS: 60 },
];

/**
 * The warm-up load of --warmup: 300 clients' control exchanges (401, Allocate, ChannelBind, Refresh)
 * and 5 packets each (~35 s). A 100-client load (`-c -m 100 -n 20 -l 172`) left stunnerd's next
 * 300 clients almost as costly as on a fresh process (0.75 against 0.79 s of CPU); 300 clients took
 * the next 300 from 0.72 to 0.53 s.
 */
const WARMUP_ARGS = '-c -m 300 -n 5 -l 172';
const WARMUP_TIMEOUT_S = 120;

/** Which runs of a server a row gets: `cold` (a fresh server's first load) and, with --warmup, `warm`. */
type Phase = 'cold' | 'warm';

interface RunFigures {
  ok: boolean;
  error: string;
  sent: number;
  recv: number;
  loss_pct: number;
  rtt_avg_ms: number;
  rtt_max_ms: number;
  cpu_s: number;
  cpu_user_s: number;
  cpu_sys_s: number;
  us_per_pkt: number;
  peak_cpu_pct: number;
  rss_max_mib: number;
  drops_server: number;
  drops_peer: number;
  rcvbuf_errors_system: number;
  wall_s: number;
  /** stunnerd-batch (main thread only): datagrams received per wake-up of its I/O loop. */
  pkts_per_wakeup: number;
  /** stunnerd-batch (main thread only): koffi calls (epoll_wait, recvmmsg, errno, sendmmsg) per datagram received. */
  native_calls_per_pkt: number;
}

const NUMERIC: Array<keyof RunFigures> = [
  'sent',
  'recv',
  'loss_pct',
  'rtt_avg_ms',
  'rtt_max_ms',
  'cpu_s',
  'cpu_user_s',
  'cpu_sys_s',
  'us_per_pkt',
  'peak_cpu_pct',
  'rss_max_mib',
  'drops_server',
  'drops_peer',
  'rcvbuf_errors_system',
  'wall_s',
  'pkts_per_wakeup',
  'native_calls_per_pkt',
];

/** The I/O loop counters `_stunnerd-server.ts` prints when stopped (batched path on the main thread). */
function loopFigures(output: string): Pick<RunFigures, 'pkts_per_wakeup' | 'native_calls_per_pkt'> {
  const m = /stunnerd-bench io (\{.*\})/.exec(output);
  if (!m) return { pkts_per_wakeup: Number.NaN, native_calls_per_pkt: Number.NaN };
  const s = JSON.parse(m[1]!) as { wakeups: number; received: number; calls: number; sendCalls: number };
  return {
    pkts_per_wakeup: s.wakeups > 0 ? s.received / s.wakeups : Number.NaN,
    native_calls_per_pkt: s.received > 0 ? (s.calls + s.sendCalls) / s.received : Number.NaN,
  };
}

function option(args: string[], name: string): string | undefined {
  const a = args.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (a === undefined) return undefined;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
}

function label(row: Row): string {
  return row.args.replace(/^-/, '').replace(/ -/g, '_').replace(/ /g, '');
}

/** Reads uclient's totals (turn.md §4.5: RTT is ms-resolution; lost = sent − received). */
function parseUclient(output: string): Pick<RunFigures, 'sent' | 'recv' | 'loss_pct' | 'rtt_avg_ms' | 'rtt_max_ms'> {
  const totals = /start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\n/.exec(output);
  const rtt = /Average round trip delay ([\d.]+) ms; min = (\d+) ms, max = (\d+) ms/.exec(output);
  const sent = totals ? Number(totals[1]) : 0;
  const recv = totals ? Number(totals[2]) : 0;
  return {
    sent,
    recv,
    loss_pct: sent > 0 ? ((sent - recv) / sent) * 100 : Number.NaN,
    rtt_avg_ms: rtt ? Number(rtt[1]) : Number.NaN,
    rtt_max_ms: rtt ? Number(rtt[3]) : Number.NaN,
  };
}

function median(values: number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

async function runOnce(
  name: ServerName,
  row: Row,
  peerPid: number,
  peerPort: number,
  profile: boolean,
  perf: boolean,
  warmup: string | undefined,
) {
  const server = await startServer(name, { profile, perfMap: perf });
  const pid = server.proc.pid;
  let perfFile: string | undefined;
  let measured: RunFigures | undefined;
  const common = ['-u', USER, '-w', PASS, '-e', '127.0.0.1', '-r', String(peerPort), '-p', String(server.port)];
  try {
    if (warmup !== undefined) {
      // Unmeasured: the same load for every server, before the counters are read.
      const w = await runBounded(
        'turnutils_uclient',
        [...common, ...warmup.split(' '), '127.0.0.1'],
        WARMUP_TIMEOUT_S * 1000,
      );
      if (w.timedOut || w.code !== 0) throw new Error(`${name}: warm-up load ${warmup} failed (exit ${w.code})`);
    }
    const c0 = cpuTimes(pid);
    const d0 = udpDropsOfPid(pid);
    const p0 = udpDropsOfPid(peerPid);
    const r0 = rcvbufErrors();
    const sampler = new ProcSampler(pid);
    const recording = perf ? startPerf(pid, row.timeoutS + 10) : undefined;
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const uc = await runBounded(
      'turnutils_uclient',
      [...common, ...row.args.split(' '), '127.0.0.1'],
      row.timeoutS * 1000,
    );
    sampler.stop();
    perfFile = await recording?.stop();
    const toUs = Number(process.hrtime.bigint() / 1000n);
    const c1 = cpuTimes(pid);
    const figures = parseUclient(uc.output);
    const user = c1.user - c0.user;
    const system = c1.system - c0.system;
    const cpu = user + system;
    const serverExited = server.proc.child.exitCode !== null || server.proc.child.signalCode !== null;
    const ok = !serverExited && !uc.timedOut && uc.code === 0 && figures.sent > 0;
    const lastLines = uc.output.trim().split('\n').slice(-2).join(' | ');
    const run: RunFigures = {
      ok,
      error: ok
        ? ''
        : serverExited
          ? `${name} exited during the run: ${server.proc.output().slice(-300)}`
          : uc.timedOut
            ? `uclient timed out after ${row.timeoutS} s`
            : `uclient exit ${uc.code}: ${lastLines}`,
      ...figures,
      cpu_s: cpu,
      cpu_user_s: user,
      cpu_sys_s: system,
      us_per_pkt: figures.recv > 0 ? (cpu * 1e6) / (2 * figures.recv) : Number.NaN,
      peak_cpu_pct: sampler.peakCpuPct,
      rss_max_mib: sampler.peakRssKiB / 1024,
      drops_server: dropsGrown(d0, udpDropsOfPid(pid)),
      drops_peer: dropsGrown(p0, udpDropsOfPid(peerPid)),
      rcvbuf_errors_system: rcvbufErrors() - r0,
      wall_s: uc.wallSeconds,
      pkts_per_wakeup: Number.NaN,
      native_calls_per_pkt: Number.NaN,
    };
    measured = run;
    let perfSummary: string | undefined;
    let perfKernelPct: number | undefined;
    if (perfFile !== undefined) {
      // Read while the server runs: perf needs stunnerd's /tmp/perf-<pid>.map for JIT names.
      const summary = summarizePerf(perfFile);
      perfSummary = formatPerf(summary);
      perfKernelPct = summary.byDso.find((d) => d.dso === '[kernel.kallsyms]')?.pct ?? 0;
    }
    return { run, profileDir: server.profileDir, window: { fromUs, toUs }, perfSummary, perfKernelPct };
  } finally {
    await server.proc.stop();
    // Printed by the server as it stops (its whole life: the connect phase's few packets included).
    if (measured !== undefined) Object.assign(measured, loopFigures(server.proc.output()));
    if (perfFile !== undefined) rmSync(dirname(perfFile), { recursive: true, force: true });
    if (perf && name !== 'coturn') rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
}

/** Prints the summary of the run's window of the profile; returns the top functions as one line. */
function printProfile(dir: string | undefined, window: ProfileWindow, title: string): string | undefined {
  if (dir === undefined) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) {
    process.stderr.write(`relay: no .cpuprofile written in ${dir}\n`);
    return undefined;
  }
  const file = join(dir, files[0]!);
  const summary = summarizeProfile(readProfile(file), 30, window);
  process.stdout.write(`\nstunnerd profile during the load only, ${title} (${file}):\n`);
  process.stdout.write(`${formatSummary(summary)}\n`);
  return summary.top
    .slice(0, 6)
    .map((f) => `${f.name} ${((f.selfMs / summary.busyMs) * 100).toFixed(1)}%`)
    .join(', ');
}

export async function run(args: string[]): Promise<BenchResult> {
  // coturn (turnserver, turnutils_*) on a fresh machine, as `npm test` does.
  ensureSystemDeps();
  const quick = option(args, 'quick') !== undefined;
  const profile = option(args, 'profile') !== undefined;
  const perf = option(args, 'perf') !== undefined && perfAvailable();
  if (option(args, 'perf') !== undefined && !perf)
    process.stderr.write('relay: --perf ignored, perf is not installed\n');
  const repeat = Math.max(1, Number(option(args, 'repeat') ?? 1));
  const servers = (option(args, 'servers') ?? 'stunnerd-dgram,stunnerd-batch,stunnerd-batch-2t,coturn').split(
    ',',
  ) as ServerName[];
  const maxSeconds = Number(option(args, 'max-seconds') ?? (quick ? 300 : 1800));
  // --args: one row of the caller's (e.g. `-c -m 300 -n 5 -l 172` to weigh a load's fixed costs).
  const custom = option(args, 'args');
  const matrix = custom ? [{ args: custom, timeoutS: 180 }] : quick ? QUICK : FULL;
  const rowsArg = option(args, 'rows');
  const rows = rowsArg ? matrix.filter((_, i) => rowsArg.split(',').map(Number).includes(i)) : matrix;
  if (rows.length === 0) throw new Error(`--rows: none of ${rowsArg} is a row 0–${matrix.length - 1}`);
  for (const s of servers) {
    if (!SERVER_NAMES.includes(s)) throw new Error(`--servers: unknown server ${s}; use ${SERVER_NAMES.join(', ')}`);
  }

  const warmupOption = option(args, 'warmup');
  const warmup = warmupOption === undefined ? undefined : warmupOption || WARMUP_ARGS;
  const phases: Phase[] = warmup === undefined ? ['cold'] : ['cold', 'warm'];
  /** A server's row label: its name, `+warm` for the warm phase. */
  const tag = (name: ServerName, phase: Phase) => (phase === 'warm' ? `${name}+warm` : name);
  const labels = phases.flatMap((phase) => servers.map((name) => ({ name, phase, label: tag(name, phase) })));

  const deadline = performance.now() + maxSeconds * 1000;
  const peer = await startPeer();
  const result: BenchResult = {};
  const table: string[][] = [];
  let skipped = 0;
  try {
    for (const [i, row] of rows.entries()) {
      const runs = new Map<string, RunFigures[]>(labels.map((l) => [l.label, []]));
      for (let r = 0; r < repeat; r++) {
        // A/B order alternates between rows and repeats.
        const order = (i + r) % 2 === 0 ? servers : [...servers].reverse();
        for (const name of order) {
          for (const phase of phases) {
            if (performance.now() > deadline) {
              skipped++;
              continue;
            }
            const who = tag(name, phase);
            process.stderr.write(`relay: ${who} ${row.args} (run ${r + 1}/${repeat})\n`);
            const { run, profileDir, window, perfSummary, perfKernelPct } = await runOnce(
              name,
              row,
              peer.proc.pid,
              peer.port,
              profile && name !== 'coturn',
              perf,
              phase === 'warm' ? warmup : undefined,
            );
            if (perfSummary !== undefined) {
              process.stdout.write(`\n${who} perf, ${row.args}:\n${perfSummary}\n`);
              result[`${label(row)}.${who}.perf_kernel_pct`] = perfKernelPct ?? 0;
            }
            runs.get(who)!.push(run);
            if (!run.ok) process.stderr.write(`relay: ${who} ${row.args}: ${run.error}\n`);
            const top = printProfile(profileDir, window, `${who}, ${row.args}`);
            if (top !== undefined) result[`${label(row)}.${who}.profile_top`] = top;
          }
        }
      }
      const key = label(row);
      const perPacket = new Map<string, number>();
      for (const { label: name } of labels) {
        const list = runs.get(name)!;
        if (list.length === 0) continue;
        const ok = list.every((x) => x.ok);
        result[`${key}.${name}.ok`] = ok;
        if (!ok) result[`${key}.${name}.error`] = list.find((x) => !x.ok)!.error;
        for (const m of NUMERIC) result[`${key}.${name}.${m}`] = round(median(list.map((x) => x[m] as number)), 3);
        const us = median(list.map((x) => x.us_per_pkt));
        perPacket.set(name, us);
        const f = (m: keyof RunFigures, d = 2) => String(round(median(list.map((x) => x[m] as number)), d));
        table.push([
          row.args,
          name,
          `${f('sent', 0)}→${f('recv', 0)}`,
          f('loss_pct', 3),
          `${f('rtt_avg_ms')} (${f('rtt_max_ms', 0)})`,
          `${f('cpu_s')} (${f('cpu_user_s')}u/${f('cpu_sys_s')}s)`,
          f('us_per_pkt', 1),
          f('peak_cpu_pct', 0),
          f('rss_max_mib', 1),
          `${f('drops_server', 0)}/${f('drops_peer', 0)}`,
          `${f('native_calls_per_pkt')} (${f('pkts_per_wakeup', 1)})`,
        ]);
      }
      // Cold to cold coturn, warm to warm coturn.
      for (const { name, phase, label: ours } of labels) {
        const theirs = perPacket.get(tag('coturn', phase));
        const us = perPacket.get(ours);
        if (name === 'coturn' || us === undefined || theirs === undefined) continue;
        result[`${key}.${ours}.ratio_us_per_pkt`] = round(us / theirs, 2);
        table.push([
          row.args,
          `ratio ${ours}/${tag('coturn', phase)}`,
          '',
          '',
          '',
          '',
          `${round(us / theirs, 2)}×`,
          '',
          '',
          '',
          '',
        ]);
      }
    }
  } finally {
    await peer.proc.stop();
  }

  const header = [
    'uclient args',
    'server',
    'msgs sent→recv',
    'loss %',
    'RTT avg (max) ms',
    'CPU s (user/sys)',
    'µs/pkt',
    'peak CPU %',
    'RSS MiB',
    'drops srv/peer',
    'koffi calls/pkt (pkts/wake-up)',
  ];
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((t) => t[c]!.length)));
  const line = (cells: string[]) => cells.map((x, c) => x.padEnd(widths[c]!)).join(' | ');
  process.stdout.write(
    `\nrelay: ${repeat > 1 ? `median of ${repeat} runs, ` : ''}loopback, uclient -u ${USER} -w ${PASS} -e 127.0.0.1 -r <peer> -p <server> <args> 127.0.0.1\n`,
  );
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n`);
  for (const t of table) process.stdout.write(`${line(t)}\n`);
  process.stdout.write('\n');
  result.matrix = quick ? 'quick' : 'full';
  result.repeat = repeat;
  result.profiled = profile;
  result.perf = perf;
  result.warmup = warmup ?? '';
  result.skipped_runs = skipped;
  return result;
}
